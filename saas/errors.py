"""Error pages: a clear message in the user's language, never a stack trace."""
import logging

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from saas import db, htmx
from saas.domain import DomainError

log = logging.getLogger("relais.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    403: (_l("Not allowed"), _l("Your role in this agency does not allow this action.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    410: (_l("Link no longer valid"), _l("This link has expired or has already been used.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. The team has been told; please try again.")),
}


def render_error(code, message=None):
    """Render the error page (or fragment, for htmx) for an HTTP status."""
    title, default = MESSAGES.get(code, MESSAGES[400])
    template = "errors/_error.html" if htmx.is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default), code


def init_app(app):
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if htmx.csrf_failed_without_session():  # not a form error: the page's session has ended
            return htmx.session_ended()
        return render_error(400, _l("Your session form expired or is missing its security token. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(exc):  # the one place that turns a service's refusal into an HTTP answer
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc):
        message = exc.description if getattr(exc, "relais_message", False) else None
        return render_error(exc.code or 500, message)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
