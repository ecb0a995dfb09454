"""Background jobs on RQ: the queues, the Redis connection, one enqueue helper.

Jobs are plain functions decorated with @task. They receive ids, never ORM objects;
the decorator gives them an app context, sets the agency when one is passed, and
commits (or rolls back) at the end: the job's one commit point.
"""
import functools
import logging
import os
from contextlib import nullcontext

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from saas import db, recovery, tenancy
from saas.db import utcnow

log = logging.getLogger("relais.jobs")

QUEUES = ("mail", "monitoring", "default")
DEFAULT_TIMEOUT = 300
_connections = {}
_worker_app = None


def redis_url():
    """Return the Redis URL of the current app (or of the environment in a worker)."""
    if has_app_context():
        return current_app.config["REDIS_URL"]
    from saas.config import Config

    return Config.REDIS_URL


def redis_connection():
    """Return a Redis connection for the configured URL (one per process and URL).

    An unreachable Redis fails fast (5 s to connect, 30 s to answer; workers wait longer for
    their blocking pops) rather than hanging a request or a health check.
    """
    url = redis_url()
    key = (url, os.getpid())
    if key not in _connections:
        _connections[key] = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30,
                                           health_check_interval=30)
    return _connections[key]


def get_queue(name):
    """Return one of the queues named in QUEUES."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


# The periodic jobs, by the job's dotted name: (job, schedule). The platform registers its own
# (saas/auth/__init__.py), each feature its own in its init_app; saas/cron.py hands them to RQ.
PERIODIC = {}


def periodic(job, *, cron=None, interval=None):
    """Run a @task job periodically: `cron` (a crontab line) or `interval` (seconds); idempotent."""
    if (cron is None) == (interval is None):
        raise ValueError("a periodic job has either a cron line or an interval")
    schedule = {"cron": cron} if cron is not None else {"interval": interval}
    PERIODIC[f"{job.__module__}.{job.__name__}"] = (job, schedule)


def task(queue="default", timeout=DEFAULT_TIMEOUT, retry=None):
    """Declare a job function: its queue, timeout and retry policy."""

    def decorate(func):
        @functools.wraps(func)
        def run(*args, agency_id=None, **kwargs):
            with _app_context():
                scope = tenancy.agency_scope(agency_id) if agency_id is not None else nullcontext()
                try:
                    with scope:
                        result = func(*args, **kwargs) if agency_id is None else func(
                            *args, agency_id=agency_id, **kwargs
                        )
                        db.commit()
                    return result
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        run.queue_name = queue
        run.timeout = timeout
        run.retry = retry
        run.original = func
        return run

    return decorate


def enqueue(job, *args, job_id=None, at_front=False, stale_after=None, **kwargs):
    """Put a @task job on its queue; `job_id` makes it unique while pending.

    A job with that id that will still run is returned instead: queued, waiting to be retried,
    or running on a live worker. An abandoned one (its worker died) is first retried or failed
    and a late retry queued, as the cron sweep does (saas/recovery.py). A job that will not run
    (finished, failed, lost) gives way to a new one; so does one queued or started more than
    `stale_after` seconds ago, whatever its state (it is dropped).
    """
    queue = get_queue(job.queue_name)
    options = {"job_timeout": job.timeout, "at_front": at_front, "failure_ttl": 7 * 24 * 3600}
    if job.retry:
        options["retry"] = Retry(max=job.retry[0], interval=list(job.retry[1]))
    if job_id:
        options["job_id"] = job_id
        existing = queue.fetch_job(job_id)
        if existing is not None:
            if recovery.is_pending(existing) and not _older_than(existing, stale_after):
                return existing
            status = existing.get_status(refresh=False)
            if status not in ("finished", "failed", "stopped", "canceled"):
                log.warning("job %s, %s since %s, was dropped and queued again", job_id, status.value,
                            existing.started_at or existing.enqueued_at)
                recovery.drop(existing)
    return queue.enqueue(job, *args, **kwargs, **options)


def _older_than(job, seconds):
    """Tell whether a job was last queued or started more than `seconds` ago."""
    if seconds is None:
        return False
    moments = [moment for moment in (job.enqueued_at, job.started_at) if moment is not None]
    return bool(moments) and (utcnow() - max(moments)).total_seconds() > seconds


_PENDING = "relais_jobs_after_commit"


def enqueue_after_commit(job, *args, **kwargs):
    """Queue a @task job once the current transaction has committed (never if it rolls back)."""
    db.session.connection()  # inside a transaction, so that its rollback drops the job
    db.session.info.setdefault(_PENDING, []).append((job, args, kwargs))


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session):
    """Queue the jobs the transaction that just committed asked for."""
    for job, args, kwargs in session.info.pop(_PENDING, []):
        try:
            enqueue(job, *args, **kwargs)
        except Exception:  # the row exists and is shown; a lost job must not fail the request
            log.exception("could not queue %s%r", job.__name__, args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    """Forget the jobs of a transaction that rolled back."""
    session.info.pop(_PENDING, None)


def _app_context():
    """An app context for a job: the current one, or this worker process's own app."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from saas import create_app

        _worker_app = create_app()
    return _worker_app.app_context()
