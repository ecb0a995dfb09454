"""Jobs of data rights: the agency export, the mails of a deletion, the daily purges."""
import os
import secrets
import time
import zipfile
from pathlib import Path

from flask import current_app
from rq import get_current_job
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency, Membership, User
from saas.db import utcnow
from saas.gdpr.data import agency_files
from saas.gdpr.deletion import purge_agency
from saas.jobs import task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail


def export_dir(agency_id):
    """The folder of an agency's export files."""
    return Path(current_app.config["EXPORT_DIR"]) / str(int(agency_id))


def current_export(agency_id):
    """The agency's newest export file still within EXPORT_LINK_HOURS, or None."""
    folder = export_dir(agency_id)
    if not folder.is_dir():
        return None
    limit = time.time() - current_app.config["EXPORT_LINK_HOURS"] * 3600
    files = [path for path in folder.glob("*.zip") if path.stat().st_mtime > limit]
    return max(files, key=lambda path: path.stat().st_mtime) if files else None


@task(timeout=1800)
def export_agency(agency_id):
    """Write the agency's export zip under EXPORT_DIR; progress in the job's meta (done, total tables)."""
    job = get_current_job()
    agency = db.session.get(Agency, agency_id)

    def progress(done, total):
        if job is not None:
            job.meta.update(done=done, total=total)
            job.save_meta()

    folder = export_dir(agency_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{agency.slug}-{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.zip"
    partial = folder / (name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in agency_files(agency, progress):
            archive.writestr(path, content)
    os.replace(partial, folder / name)
    if job is not None:
        job.meta.update(file=name)
        job.save_meta()
    return name


@task()
def purge_old_exports():
    """Delete export files older than EXPORT_LINK_HOURS (and leftovers of interrupted jobs)."""
    root = Path(current_app.config["EXPORT_DIR"])
    limit = time.time() - current_app.config["EXPORT_LINK_HOURS"] * 3600
    removed = 0
    if root.is_dir():
        for path in root.glob("*/*"):
            if path.is_file() and path.stat().st_mtime <= limit:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@task()
def purge_deleted_agencies():
    """Purge every agency whose grace period after deletion is over (each in its own transaction)."""
    with tenancy.all_agencies():
        due = list(db.session.scalars(select(Agency.id).where(Agency.purge_after <= utcnow())))
    for agency_id in due:
        purge_agency(agency_id)
        db.commit()
        for path in export_dir(agency_id).glob("*"):
            path.unlink(missing_ok=True)
    return len(due)


@task(queue="mail", retry=MAIL_RETRY)
def send_agency_deletion_mail(agency_id, restored=False):
    """Tell every member of the agency that it was deleted (with the purge date) or restored."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        return "skipped"
    with tenancy.agency_scope(agency_id):
        users = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.role != "guest")).all()
        link = absolute_url("members.index", agency_slug=agency.slug)
        for user in users:  # dates in the agency's zone, each mail in its reader's language
            subject, body, html = render_mail("agency_deletion", user.locale, agency=agency, user=user, link=link,
                                              restored=restored)
            send_mail(user.email, subject, body, html)
    return len(users)
