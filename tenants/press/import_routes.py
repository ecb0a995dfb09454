"""Contact imports: upload a CSV or XLSX, map its columns (guessed), preview, run as a job with progress, report."""
from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas import params
from saas.errors import render_error
from saas.jobs import enqueue_after_commit
from saas.views import get_or_404
from tenants.press import bp, imports
from tenants.press.jobs import run_import
from tenants.press.models import ContactImport

UPLOAD_PAGE = "press/import_new.html"


def _upload_page(error=None, status=200):
    return render_template(UPLOAD_PAGE, error=error, recent=imports.recent_imports(),
                           limit=imports.max_bytes() // (1024 * 1024), rows=imports.max_rows()), status


def _too_big_message():
    return _("The file is larger than %(mb)d MB: split it into smaller files.", mb=imports.max_bytes() // (1024 * 1024))


@bp.errorhandler(413)
def too_large(_error):
    """A body past the site's limit is refused before the view runs (reading the form): say what to do."""
    return render_error(413, _too_big_message())


@bp.get("/imports/new")
def new_import():
    """The upload form, and the agency's last imports."""
    return _upload_page()


@bp.post("/imports/")
def upload_import():
    """Keep an uploaded file and open its column mapping; a file too big or unreadable is refused, with why."""
    limit, too_big = imports.max_bytes(), _too_big_message()
    if (request.content_length or 0) > limit + 64 * 1024:
        return _upload_page(too_big, 413)
    request.max_content_length = limit + 64 * 1024
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(_("Choose a CSV or Excel file to import."), 400)
    content = upload.read(limit + 1)
    if len(content) > limit:
        return _upload_page(too_big, 413)
    try:
        kind = imports.kind_of(upload.filename, content)
        header, _rows = imports.inspect(kind, content)
    except imports.UnreadableFile as problem:
        return _upload_page(str(problem), 422)
    job = imports.keep_import(upload.filename[:200], kind, content, header, imports.guess_mapping(header),
                              g.membership.user_id)
    return redirect(url_for("press.import_page", import_id=job.id))


def _mapping_page(job, error=None, status=200):
    try:
        header, preview = imports.inspect(job.file_kind, job.content)
    except imports.UnreadableFile as problem:
        return render_error(422, str(problem))
    return render_template("press/import_mapping.html", job=job, header=header, preview=preview, fields=imports.FIELDS,
                           mapping=job.mapping, error=error), status


@bp.get("/imports/<int:import_id>")
def import_page(import_id):
    """An import: its column mapping and preview before it runs, its progress while it runs, then its report."""
    job = get_or_404(ContactImport, import_id)
    if job.state == "uploaded":
        return _mapping_page(job)
    return render_template("press/import_report.html", job=job, reasons=imports.REASONS)


@bp.post("/imports/<int:import_id>/run")
def run_import_now(import_id):
    """Save the mapping chosen and queue the import."""
    job = get_or_404(ContactImport, import_id)
    if job.state != "uploaded":
        return redirect(url_for("press.import_page", import_id=job.id))
    mapping = {}
    for index in range(len(job.headers)):
        field = params.choice_arg(f"column_{index}", tuple(imports.FIELDS), source=request.form)
        if field:
            mapping[str(index)] = field
    if not set(mapping.values()) & {"first_name", "last_name", "full_name", "emails"}:
        job.mapping = mapping
        return _mapping_page(job, _("Choose at least the column of the names or of the email addresses."), 422)
    imports.queue_import(job, mapping)
    enqueue_after_commit(run_import, job.id, agency_id=g.agency.id, job_id=f"press-import-{job.id}")
    return redirect(url_for("press.import_page", import_id=job.id))


@bp.get("/imports/<int:import_id>/progress")
def import_progress(import_id):
    """The progress of a running import; answers 286 (stop polling) once it is over."""
    job = get_or_404(ContactImport, import_id)
    body = render_template("press/_import_progress.html", job=job, reasons=imports.REASONS)
    return body, (286 if job.state in ("done", "failed", "uploaded") else 200)

