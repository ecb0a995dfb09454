"""Data rights' views: one's data as a zip, one's account deleted; the agency's export and deletion (owners)."""
import io
import zipfile

from flask import Response, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas import db, ratelimit
from saas.audit import service as audit_trail
from saas.auth.routes import TOO_MANY, _form_error, account_sessions, end_session
from saas.billing import service as billing
from saas.db import utcnow
from saas.forms import read
from saas.gdpr import agency_bp, bp, deletion, jobs
from saas.gdpr.data import personal_files
from saas.gdpr.forms import AccountDeletionForm, AgencyDeletionForm
from saas.htmx import is_htmx
from saas.jobs import enqueue, enqueue_after_commit, get_queue
from saas.views import require_role


class _Chunks(io.RawIOBase):
    """A write-only stream that hands over what zipfile wrote so far (zipfile writes unseekable streams)."""

    def __init__(self):
        super().__init__()
        self.parts = []

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def stream_zip(files):
    """Yield a zip of (name, bytes) files piece by piece."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
            yield sink.take()
    yield sink.take()


@bp.post("/account/data")
@login_required
def download_my_data():
    """Download everything Relais keeps about the signed-in person, as JSON files in a zip (audited)."""
    files = list(personal_files(current_user))  # read now: the response streams after the request's commit
    audit_trail.record_in(deletion.agency_ids_of(current_user), "personal_data_downloaded", actor=current_user)
    name = f"relais-my-data-{utcnow():%Y-%m-%d}.zip"
    return Response(stream_zip(files), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _account_page(errors, status, **context):
    return _form_error("auth/account.html", errors, status, **account_sessions(), **context)


@bp.post("/account/delete")
@login_required
def delete_account():
    """Delete one's account, with the password; refused while the person is the only owner of an agency."""
    if not ratelimit.allow("account-delete", "10 per hour", str(current_user.id)):  # the password is guessed here too
        return _account_page({"delete_password": TOO_MANY}, 429)
    values, errors = read(AccountDeletionForm, request.form, user=current_user)
    if errors:
        return _account_page(errors, 422)
    blocking = deletion.sole_owned_agencies(current_user)
    if blocking:
        return _account_page({}, 409, deletion_blocked=blocking)
    user = current_user._get_current_object()
    end_session()
    deletion.delete_account(user)
    flash(_("Your account and your personal data have been deleted."), "success")
    return redirect(url_for("auth.login"))


def _export_job():
    return get_queue(jobs.export_agency.queue_name).fetch_job(f"agency-export-{g.agency.id}")


def _export_status():
    """What the team page shows of the agency's export: running (done, total), else the file ready, if any."""
    job = _export_job()
    state = job.get_status(refresh=False) if job is not None else None
    running = state is not None and state.value in ("queued", "started", "deferred", "scheduled")
    meta = job.meta if job is not None else {}
    ready = None if running else jobs.current_export(g.agency.id)
    expires = None
    if ready is not None:
        from datetime import datetime, timedelta, timezone

        expires = (datetime.fromtimestamp(ready.stat().st_mtime, timezone.utc)
                   + timedelta(hours=current_app.config["EXPORT_LINK_HOURS"]))
    return {"running": running, "done": meta.get("done", 0), "total": meta.get("total", 0),
            "failed": state is not None and state.value == "failed", "ready": ready, "expires": expires}


def export_status():
    """The export's state for the team page (a template global: the team page's view stays as it is)."""
    return _export_status()


@agency_bp.post("/export")
@require_role("owner")
def start_export():
    """Start the agency's export (an RQ job); the team page then shows its progress."""
    audit_trail.record("agency_exported", g.agency.name)
    enqueue(jobs.export_agency, agency_id=g.agency.id, job_id=f"agency-export-{g.agency.id}")
    if is_htmx():
        return export_progress()
    flash(_("The export has started: its link appears on this page when it is ready."), "success")
    return redirect(url_for("members.index"))


@agency_bp.get("/export/progress")
@require_role("owner")
def export_progress():
    """The export's progress; answers 286 (stop polling) once it is over."""
    status = _export_status()
    body = render_template("gdpr/_export_progress.html", export=status)
    return body, (200 if status["running"] else 286)


@agency_bp.get("/export/download")
@require_role("owner")
def download_export():
    """The agency's latest export, while its link lasts (EXPORT_LINK_HOURS)."""
    path = jobs.current_export(g.agency.id)
    if path is None:
        return render_template("gdpr/refusal.html", title=_("Export expired"),
                               message=_("This export is no longer available: start a new one from the team page.")), 410
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name, max_age=0)


@agency_bp.post("/delete")
@require_role("owner")
def delete_agency():
    """Delete the agency: read-only for the grace period, restorable, then purged; the subscription ends now."""
    from saas.auth.members import _page

    if not ratelimit.allow("agency-delete", "10 per hour", str(current_user.id)):  # the password is guessed here too
        return _page({"delete_password": TOO_MANY}, request.form, 429)
    values, errors = read(AgencyDeletionForm, request.form, user=current_user, agency=g.agency)
    if errors:
        return _page(errors, request.form, 422)
    agency = db.session.merge(g.agency)
    purge_after = deletion.schedule_agency_deletion(agency, current_user)
    if billing.billing_enabled():
        billing.cancel_subscription(billing.current_subscription())
    enqueue_after_commit(jobs.send_agency_deletion_mail, agency.id)
    flash(_("The agency is deleted: it is read-only and will be purged on %(date)s. Until then an owner can restore "
            "it here.", date=_date(purge_after)), "success")
    return redirect(url_for("members.index"))


@agency_bp.post("/restore")
@require_role("owner")
def restore():
    """Undo the agency's deletion during its grace period."""
    agency = db.session.merge(g.agency)
    if agency.purge_after is None:
        return redirect(url_for("members.index"))
    deletion.restore_agency(agency)
    enqueue_after_commit(jobs.send_agency_deletion_mail, agency.id, restored=True)
    flash(_("The agency is restored. If it had a subscription, choose a plan again on the billing page."), "success")
    return redirect(url_for("members.index"))


def _date(moment):
    from saas.i18n import format_datetime

    return format_datetime(moment, "d MMMM y")

