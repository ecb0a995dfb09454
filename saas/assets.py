"""Static files under content-hashed URLs, kept by browsers for a year.

Templates write `static_url("css/app.css")`, which gives `/static/css/app.css?v=<hash of the file>`.
The static view answers a request carrying the file's current hash with a one-year, immutable
`Cache-Control`; any other (no hash, an old one) gets Flask's default `no-cache`, so an old URL
never pins new content and a changed file is fetched at once under its new URL.

The hashes are computed once, when the app starts (the static folder is small); the development
server (debug) hashes on each use so edited files show at once. Flask-Static-Digest does the same
with a `flask digest compile` step and files written next to the sources; a build step and
generated files are more than this app's few assets need.
"""
import hashlib
from pathlib import Path

from flask import current_app, request, url_for
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


def file_digest(path):
    """A short hash of a file's content: the same bytes, the same hash."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:16]


class StaticDigests:
    """The content hash of each file of a static folder, by its name relative to the folder."""

    def __init__(self, folder, live=False):
        self.folder = Path(folder)
        self.live = live
        self.hashes = {} if live else {
            path.relative_to(self.folder).as_posix(): file_digest(path)
            for path in sorted(self.folder.rglob("*")) if path.is_file()
        }

    def digest(self, filename):
        """The hash of `filename`, or None when the folder has no such file."""
        if not self.live:
            return self.hashes.get(filename)
        path = safe_join(str(self.folder), filename)
        return file_digest(path) if path and Path(path).is_file() else None


def static_url(filename):
    """The URL of a static file, carrying the hash of its content."""
    return url_for("static", filename=filename, v=current_app.extensions["static_digests"].digest(filename))


def serve_static(filename):
    """Flask's static view, with a one-year cache when the URL carries the file's current hash."""
    response = current_app.send_static_file(filename)
    version = request.args.get("v")
    if version and version == current_app.extensions["static_digests"].digest(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


def init_app(app):
    """Hash the static folder and give templates `static_url`."""
    app.extensions["static_digests"] = StaticDigests(app.static_folder, live=app.debug)
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["static_url"] = static_url
