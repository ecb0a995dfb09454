"""Monitoring jobs: fetch a source, enqueue the due ones, backfill a new keyword."""
import logging

from rq import get_current_job
from sqlalchemy import select

from saas import db, tenancy
from saas.db import utcnow
from saas.http_errors import BadStatus, ConnectionFailed, FetchError, FetchTimeout
from saas.jobs import enqueue, task
from tenants.monitoring.pipeline.fetching import fetch_items
from tenants.monitoring.pipeline.feeds import FeedError
from tenants.monitoring.pipeline.ingest import backfill, ingest
from tenants.monitoring.models import Keyword, Source, ClientSource
from tenants.monitoring.pipeline.sources import due_sources, is_overdue, record_failure, record_success

log = logging.getLogger("relais.monitoring")
NETWORK_RETRY = (2, (30, 120))


def refresh(source, on_transient=None):
    """Fetch one source and ingest what is new; failures are recorded on the source.

    `on_transient(source, error)` is called after a network failure worth retrying soon.
    """
    try:
        result, items = fetch_items(source)
    except (FetchError, FeedError) as exc:
        status = exc.status if isinstance(exc, BadStatus) else None
        record_failure(source, exc, status=status)
        log.info("source %s failed: %s", source.id, exc)
        if on_transient and is_transient(exc):
            on_transient(source, exc)
        return {}
    counts = ingest(source, items) if items else {}
    record_success(source, result.status, result.etag, result.last_modified)
    return counts


class SourceUnreachable(Exception):
    """A network failure worth another try soon (RQ retries the job with backoff)."""


def is_transient(error):
    """Network trouble that often clears within minutes: timeouts, refused connections, 429 and 5xx."""
    if isinstance(error, BadStatus):
        return error.status == 429 or error.status >= 500
    return isinstance(error, (ConnectionFailed, FetchTimeout))


@task(queue="monitoring", timeout=120, retry=NETWORK_RETRY)
def refresh_source(source_id):
    """Fetch one source for every agency that follows it; network trouble is retried with backoff."""
    source = db.session.get(Source, source_id)
    if source is None:
        return "gone"
    counts = refresh(source, on_transient=_raise_if_retries_left)
    return sum(counts.values())


def _raise_if_retries_left(source, error):
    job = get_current_job()
    if job is not None and (job.retries_left or 0) > 0:
        db.commit()  # the failure stays recorded (and shown) while RQ waits to retry
        raise SourceUnreachable(str(error)) from error


@task(queue="monitoring", timeout=60)
def enqueue_due_sources():
    """Queue a fetch of every source whose time has come (one job per source at most).

    A source overdue by more than two intervals is queued again whatever its last job's state,
    unless that job was queued or started within those two intervals.
    """
    now = utcnow()
    sources = due_sources(now)
    overdue = [source.id for source in sources if is_overdue(source, now)]
    if overdue:
        log.warning("%d source(s) overdue by more than two intervals: %s", len(overdue), overdue[:20])
    for source in sources:
        stale_after = 2 * source.interval_seconds if source.id in overdue else None
        enqueue(refresh_source, source.id, job_id=f"refresh-source-{source.id}", stale_after=stale_after)
    return len(sources)


@task(queue="monitoring", timeout=600)
def backfill_keyword(keyword_id, agency_id):
    """Fetch a new keyword's searches at once and match it against what its client's sources hold."""
    keyword = db.session.get(Keyword, keyword_id)
    if keyword is None:
        return "gone"
    source_ids = db.session.scalars(select(ClientSource.source_id).where(
        ClientSource.client_id == keyword.client_id,
        (ClientSource.keyword_id == keyword.id) | ClientSource.keyword_id.is_(None))).all()
    keyword.backfill_state, keyword.backfill_total, keyword.backfill_done = "running", len(source_ids), 0
    db.commit()
    with tenancy.all_agencies():
        for source_id in source_ids:
            source = db.session.get(Source, source_id)
            if source.last_success_at is None or source.kind != "rss":
                refresh(source)
            db.commit()
    found = 0
    for source_id in source_ids:
        found += backfill(keyword, [source_id])
        keyword.backfill_done += 1
        db.commit()
    keyword.backfill_state = "done"
    return found


@task(queue="monitoring", timeout=600)
def purge_old_source_items(days=30):
    """Forget fetched items older than `days` (mentions made from them stay with each agency)."""
    from datetime import timedelta

    from sqlalchemy import delete

    from saas.db import utcnow
    from tenants.monitoring.models import SourceItem

    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(delete(SourceItem).where(SourceItem.fetched_at < cutoff)).rowcount
