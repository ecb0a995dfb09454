"""Work is never stuck behind a dead job: abandoned jobs, late retries, overdue sources.

A worker "dies" here by stopping after it took a job: the job's execution is registered
with a short heartbeat that nobody refreshes. (tests/test_faults.py kills real processes.)
"""
import time
from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.utils import utcformat
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.jobs import purge_stale_invitations
from saas.db import utcnow
from saas.jobs import enqueue, get_queue, redis_connection
from saas.processes import RelaisWorker
from saas.recovery import has_live_execution, sweep
from tenants.clients.models import Client
from tenants.monitoring import service
from tenants.monitoring.pipeline.jobs import enqueue_due_sources, refresh_source
from tenants.monitoring.models import Source


def take_and_die(queue):
    """A worker takes the next job of `queue`, starts it, then dies (its heartbeat expires in 1 s)."""
    worker = RelaisWorker([queue], connection=queue.connection, job_heartbeat=1)
    worker.register_birth()
    job, _ = Queue.dequeue_any([queue], None, connection=queue.connection)
    execution = worker.prepare_execution(job)
    worker.prepare_job_execution(job)  # what the work horse does first: the job is `started`
    assert job.get_status(refresh=True) == "started" and has_live_execution(job)
    return job, execution


def expired(job):
    """Wait until nobody heartbeats the job any more (its worker is dead)."""
    deadline = time.monotonic() + 10
    while has_live_execution(job):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_started_job_whose_worker_died_no_longer_blocks_the_next_run(app):
    with app.app_context():
        queue = get_queue("default")
        first = enqueue(purge_stale_invitations, job_id="purge-once")
        job, _ = take_and_die(queue)
        assert enqueue(purge_stale_invitations, job_id="purge-once").get_status() == "started"  # still alive
        expired(job)
        again = enqueue(purge_stale_invitations, job_id="purge-once")
        assert again.id == first.id and again.get_status(refresh=True) == "queued"
        assert queue.count == 1
        assert first.id in FailedJobRegistry(queue=queue).get_job_ids(cleanup=False)  # no retries: failed


def test_the_sweep_retries_an_abandoned_job_with_its_backoff_then_queues_the_late_retry(app):
    with app.app_context():
        queue = get_queue("monitoring")
        enqueue(refresh_source, 12345, job_id="refresh-source-12345")
        job, _ = take_and_die(queue)
        expired(job)
        assert sweep([queue]) == {"monitoring": {"abandoned": 1, "late_retries": 0}}
        job.refresh()
        assert job.get_status() == "scheduled" and job.retries_left == 1  # retried in 30 s, as a failure is
        assert enqueue(refresh_source, 12345, job_id="refresh-source-12345").get_status() == "scheduled"
        # No scheduler runs (its lock may be held by a worker that died): once late, the sweep queues it.
        redis_connection().zadd(ScheduledJobRegistry(queue=queue).key, {job.id: time.time() - 60})
        assert sweep([queue]) == {"monitoring": {"abandoned": 0, "late_retries": 1}}
        assert job.get_status(refresh=True) == "queued" and queue.count == 1


@pytest.fixture
def followed_source(app, make_agency):
    """A feed followed by a client, fetched every minute, due three minutes ago (overdue)."""
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name="Danone")
        db.session.add(client)
        db.session.flush()
        source = service.follow_feed(client.id, "https://feeds.example/danone.xml")
        source.interval_seconds = 60
        source.next_fetch_at = utcnow() - timedelta(minutes=3)
        db.commit()
        return source.id


def test_an_overdue_source_is_queued_again_whatever_its_last_job_state(app, followed_source):
    with app.app_context():
        queue = get_queue("monitoring")
        job = enqueue(refresh_source, followed_source, job_id=f"refresh-source-{followed_source}")
        connection = redis_connection()
        connection.lpop(queue.key)  # a worker popped it, then died before starting it: `queued`, in no list
        connection.hset(job.key, "enqueued_at", utcformat(utcnow() - timedelta(minutes=3)))
        assert job.get_status(refresh=True) == "queued" and queue.count == 0
        assert enqueue_due_sources.original() == 1
        assert queue.job_ids == [job.id] and job.get_status(refresh=True) == "queued"


def test_an_overdue_source_queued_recently_is_left_in_its_place(app, followed_source):
    with app.app_context():
        queue = get_queue("monitoring")
        job = enqueue(refresh_source, followed_source, job_id=f"refresh-source-{followed_source}")
        enqueued_at = job.enqueued_at
        assert enqueue_due_sources.original() == 1
        assert queue.job_ids == [job.id]
        assert queue.fetch_job(job.id).enqueued_at == enqueued_at  # a busy queue: not pushed back


def test_a_source_due_on_time_keeps_its_pending_job(app, followed_source):
    with app.app_context():
        with tenancy.all_agencies():
            db.session.get(Source, followed_source).next_fetch_at = utcnow() - timedelta(seconds=30)
            db.commit()
        queue = get_queue("monitoring")
        job = enqueue(refresh_source, followed_source, job_id=f"refresh-source-{followed_source}")
        redis_connection().lpop(queue.key)  # lost, but the source is not overdue yet
        assert enqueue_due_sources.original() == 1
        assert queue.count == 0 and job.get_status(refresh=True) == "queued"
        with tenancy.all_agencies():
            assert db.session.scalars(select(Source.id)).all() == [followed_source]
