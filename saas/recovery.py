"""Keeping the job pipeline moving when a worker, its work horse or a scheduler dies.

A job is *abandoned* when its status says `started` but no live execution backs it: the
worker running it died, so nothing refreshes its entry in the queue's StartedJobRegistry
(scored by heartbeat expiry). A retry is *late* when it still waits in the
ScheduledJobRegistry well after its time: no RQ scheduler runs for its queue (its lock may
be held by a worker that died). `flask cron` calls `sweep()` on every tick; `saas.jobs.enqueue`
asks `is_pending()` before it refuses to queue a job id twice.

Only commands of Redis 6.2 and older are used (ZRANGEBYSCORE, ZREM, LREM through RQ).
"""
import logging
import time

from rq import Queue
from rq.job import JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry

log = logging.getLogger("relais.recovery")

# RQ's scheduler moves due jobs every second: a retry this many seconds late has no scheduler.
LATE_RETRY_GRACE = 5


def has_live_execution(job, now=None):
    """Tell whether a worker still heartbeats an execution of this job."""
    registry = StartedJobRegistry(job.origin, connection=job.connection)
    prefix = f"{job.id}:".encode()
    live = job.connection.zrangebyscore(registry.key, now or time.time(), "+inf")
    return any(entry.startswith(prefix) for entry in live)


def in_schedule(job):
    """The time (a Unix timestamp) a scheduled job waits for, or None when it is not in the schedule."""
    return job.connection.zscore(ScheduledJobRegistry(job.origin, connection=job.connection).key, job.id)


def is_pending(job):
    """Tell whether a job will still run on its own: queued, deferred, a retry, or running on a live worker.

    An abandoned job or a late retry is first handled as the sweep would: retried, failed or queued.
    """
    queue = Queue(job.origin, connection=job.connection)
    status = job.get_status(refresh=True)
    if status == JobStatus.STARTED and not has_live_execution(job):
        handle_abandoned(queue)
        status = job.get_status(refresh=True)
    if status == JobStatus.SCHEDULED and (in_schedule(job) or 0) < time.time() - LATE_RETRY_GRACE:
        enqueue_late_retries(queue)
        status = job.get_status(refresh=True)
    if status == JobStatus.STARTED:
        return has_live_execution(job)
    if status == JobStatus.SCHEDULED:
        return in_schedule(job) is not None
    return status in (JobStatus.QUEUED, JobStatus.DEFERRED)


def drop(job):
    """Take a job out of its queue and registries and delete it (RQ's Job.delete() fails on a job
    whose execution data expired with its worker)."""
    queue = Queue(job.origin, connection=job.connection)
    started = StartedJobRegistry(queue=queue)
    prefix = f"{job.id}:".encode()
    with job.connection.pipeline() as pipeline:
        queue.remove(job, pipeline=pipeline)
        for entry in job.connection.zrange(started.key, 0, -1):
            if entry.startswith(prefix):
                pipeline.zrem(started.key, entry)
        for registry in (ScheduledJobRegistry(queue=queue), DeferredJobRegistry(queue=queue)):
            pipeline.zrem(registry.key, job.id)
        pipeline.delete(job.key, job.execution_registry.key)
        pipeline.execute()


def handle_abandoned(queue):
    """Retry (with the job's own backoff) or fail every abandoned job of a queue; return how many."""
    registry = StartedJobRegistry(queue=queue)
    abandoned = []
    for job_id in registry.get_expired_job_ids():
        job = queue.fetch_job(job_id)
        if job is not None and job.get_status(refresh=False) == JobStatus.STARTED:
            abandoned.append(job_id)
    if abandoned:
        log.warning("queue %s: %d abandoned job(s), their worker stopped heartbeating: %s",
                    queue.name, len(abandoned), ", ".join(abandoned))
    registry.cleanup()  # RQ's own handling: retried if retries are left, else moved to the failed jobs
    return len(abandoned)


def enqueue_late_retries(queue, now=None):
    """Queue the retries no scheduler picked up; return how many."""
    registry = ScheduledJobRegistry(queue=queue)
    moved = []
    for job_id in registry.get_jobs_to_schedule(int((now or time.time()) - LATE_RETRY_GRACE)):
        if not registry.remove(job_id):  # a scheduler took it meanwhile
            continue
        job = queue.fetch_job(job_id)
        if job is not None:
            queue.enqueue_job(job, at_front=job.should_enqueue_at_front())
            moved.append(job_id)
    if moved:
        log.warning("queue %s: %d retr%s no scheduler picked up, queued now: %s", queue.name, len(moved),
                    "y" if len(moved) == 1 else "ies", ", ".join(moved))
    return len(moved)


def sweep(queues):
    """One pass over the queues: abandoned jobs, then late retries. Return counts by queue."""
    return {queue.name: {"abandoned": handle_abandoned(queue), "late_retries": enqueue_late_retries(queue)}
            for queue in queues}
