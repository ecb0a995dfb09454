"""Press jobs: run a contact import, and the daily purge of contacts kept past their retention."""
import logging

from saas import db, tenancy
from saas.jobs import task
from tenants.press import imports, service
from tenants.press.models import ContactImport

log = logging.getLogger(__name__)


@task(timeout=1800, retry=(2, (30, 120)))
def run_import(import_id, agency_id):
    """Import an uploaded file of contacts (progress and report are kept on its row).

    A run that died is started again from the first row: the rows it had imported are merged into
    themselves, nothing is doubled (the counts are those of the last run).
    """
    job = db.session.get(ContactImport, import_id)
    if job is None or job.state not in ("queued", "running"):
        return None
    try:
        imports.run(job)
    except imports.UnreadableFile:
        db.session.rollback()
        job = db.session.get(ContactImport, import_id)
        job.state, job.content = "failed", None
    return job.created


@task()
def purge_stale_contacts():
    """Delete, agency by agency, the contacts nobody touched or used for PRESS_CONTACT_RETENTION_DAYS."""
    days, removed = service.retention_days(), 0
    for agency_id in service.agencies_with_contacts():
        with tenancy.agency_scope(agency_id):
            removed += service.purge_stale(days)
            db.commit()
    if removed:
        log.info("purged %d press contacts untouched for %d days", removed, days)
    return removed


@task()
def resume_press_sends():
    """Queue again, agency by agency, the sends still running (a job lost with its worker, retries due)."""
    from sqlalchemy import select

    from tenants.press import sending
    from tenants.press.models import PressSend

    with tenancy.all_agencies():
        running = db.session.execute(select(PressSend.agency_id, PressSend.id).where(PressSend.state == "running")).all()
    for agency_id, send_id in running:
        with tenancy.agency_scope(agency_id):
            sending.queue_send(db.session.get(PressSend, send_id), agency_id)
    return len(running)


@task(timeout=600, retry=(2, (30, 120)))
def find_release_coverage(release_id, agency_id):
    """Propose, from the client's mentions, the coverage of one sent release (idempotent)."""
    from tenants.press import coverage
    from tenants.press.models import PressRelease

    release = db.session.get(PressRelease, release_id)
    return coverage.propose(release) if release is not None else 0


@task()
def watch_coverage():
    """Queue the coverage search of every sent release whose window is still open (every agency)."""
    from saas.jobs import enqueue
    from tenants.press import coverage

    with tenancy.all_agencies():
        watched = coverage.releases_to_watch()
    for agency_id, release_id in watched:
        enqueue(find_release_coverage, release_id, agency_id=agency_id, job_id=f"press-coverage-{release_id}")
    return len(watched)
