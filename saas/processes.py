"""The long-running job processes, `flask worker` and `flask cron`: they never exit on a lost connection.

Redis may go away for any length of time: each process logs it once, retries with a capped
exponential backoff, logs when Redis answers again and carries on. PostgreSQL is only used
inside jobs (a failed job is retried by RQ, or redone at the next tick), so its outages never
reach these loops. See docs/operations.md, "When something fails".
"""
import logging
import os
import signal
import socket
import time
from contextlib import suppress

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler

from saas import recovery
from saas.jobs import QUEUES, get_queue, redis_connection

log = logging.getLogger("relais.processes")
LOST = (RedisConnectionError, RedisTimeoutError)  # redis-py wraps socket errors (and LOADING) in these
CRON_KEY = "relais:cron"


class Outage:
    """One outage of a service: logged once when it starts and once when it ends, with a backoff."""

    def __init__(self, who, service="Redis", first_delay=0.5, max_delay=5.0):
        self.who, self.service = who, service
        self.first_delay, self.max_delay = first_delay, max_delay
        self.since = None
        self.delay = first_delay

    def lost(self, error):
        """Note a failure; only the first one of an outage is logged."""
        if self.since is None:
            self.since, self.delay = time.monotonic(), self.first_delay
            log.warning("%s: %s unreachable (%s); retrying until it answers", self.who, self.service,
                        str(error) or type(error).__name__)

    def next_delay(self):
        """How long to wait before the next attempt: 0.5 s, doubling up to 5 s."""
        delay, self.delay = self.delay, min(self.delay * 2, self.max_delay)
        return delay

    def pause(self):
        """Sleep before the next attempt."""
        time.sleep(self.next_delay())

    def over(self):
        """Note a success; log the end of the outage, if there was one."""
        if self.since is not None:
            log.warning("%s: %s answers again after %.1f s", self.who, self.service, time.monotonic() - self.since)
            self.since = None


def wait_for_redis(connection, outage):
    """Return once Redis answers a PING (logging the outage, if any, once)."""
    while True:
        try:
            connection.ping()
            outage.over()
            return
        except LOST as error:
            outage.lost(error)
            outage.pause()


class _QuietReconnects(logging.Filter):
    """RQ logs each reconnection attempt; the Outage logs once per outage instead."""

    def filter(self, record):
        return "could not connect to Redis" not in str(record.msg)


class ResilientScheduler(RQScheduler):
    """RQ's scheduler (it queues retries when they are due), surviving Redis outages.

    It runs in a child process of the worker and stops (releasing its locks) when that worker
    dies, instead of living on as an orphan.
    """

    outage = None
    worker_pid = None

    def start(self):
        self.worker_pid = os.getpid()
        return super().start()

    def work(self):
        self.outage = Outage(f"scheduler {os.getpid()}")
        while True:
            try:
                super().work()
                return
            except LOST as error:
                if self._stop_requested:
                    return
                self.outage.lost(error)
                self.outage.pause()

    def heartbeat(self):
        if self.worker_pid and os.getppid() != self.worker_pid:
            log.warning("scheduler %s: its worker %s is gone; stopping", os.getpid(), self.worker_pid)
            self._stop_requested = True
        super().heartbeat()
        if self.outage is not None:
            self.outage.over()


class RelaisWorker(Worker):
    """An RQ worker that waits for Redis instead of quitting, and heartbeats running jobs often.

    A running job's execution expires after three missed heartbeats (`job_heartbeat` seconds
    apart), so a job whose worker died is seen as abandoned within half a minute by default.
    """

    max_connection_wait_time = 5.0

    def __init__(self, queues, job_heartbeat=10, **kwargs):
        kwargs.setdefault("worker_ttl", 60)  # blocks at most 45 s on an empty queue between heartbeats
        kwargs.setdefault("maintenance_interval", 60)
        super().__init__(queues, job_monitoring_interval=job_heartbeat, **kwargs)
        self.outage = Outage(f"worker {self.name}")
        self.stopping = False

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        if not any(isinstance(f, _QuietReconnects) for f in self.log.filters):
            self.log.addFilter(_QuietReconnects())

    def get_heartbeat_ttl(self, job, working_time=0.0):
        return 3 * self.job_monitoring_interval

    def heartbeat(self, timeout=None, pipeline=None):
        """Heartbeat; while Redis is away, an idle worker waits for it here (its loop's waiting point)."""
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline)
        while True:
            try:
                super().heartbeat(timeout)
                self.outage.over()
                return
            except LOST as error:
                self.outage.lost(error)
                if self.horse_pid:  # a job runs: keep watching its work horse, retry at the next heartbeat
                    return
                self.outage.pause()

    def set_state(self, state, pipeline=None):
        """Record the worker's state; without Redis, the state is kept here and the loop waits at its heartbeat."""
        try:
            super().set_state(state, pipeline)
        except LOST as error:
            self.outage.lost(error)

    def check_for_suspension(self, burst):
        """`rq suspend` is read from Redis: wait for it rather than quit."""
        while True:
            try:
                return super().check_for_suspension(burst)
            except LOST as error:
                self.outage.lost(error)
                self.outage.pause()

    def run_maintenance_tasks(self):
        """RQ's maintenance (registries, the scheduler's restart); without Redis, it waits for the next round."""
        try:
            super().run_maintenance_tasks()
        except LOST as error:
            self.outage.lost(error)

    def maintain_heartbeats(self, job, execution):
        """Heartbeats while a job runs; a lost connection must not orphan the work horse."""
        try:
            super().maintain_heartbeats(job, execution)
            self.outage.over()
        except LOST as error:
            self.outage.lost(error)

    def execute_job(self, job, queue):
        """Run a job in a work horse. When Redis goes away as the job ends (RQ reads the job's status once the horse
        has exited), the end cannot be recorded: the worker carries on and waits for Redis at its heartbeat instead
        of quitting, and RQ's registry cleaning sees the job abandoned (its heartbeat expired) and fails or retries
        it, as for a worker that died."""
        try:
            super().execute_job(job, queue)
        except LOST as error:
            self.outage.lost(error)
            self.log.warning("Worker %s: the end of job %s could not be recorded (Redis away); RQ's cleaning will "
                             "see it abandoned", self.name, job.id)

    def request_stop(self, signum, frame):
        self.stopping = True
        super().request_stop(signum, frame)

    def teardown(self):
        """Stop the scheduler, say goodbye to Redis if it answers, stop listening for commands."""
        if self.is_horse:
            return
        if self.scheduler:
            self.stop_scheduler()
        with suppress(*LOST):
            self.register_death()
        try:
            self.unsubscribe()
        except LOST:
            if self.pubsub_thread:
                self.pubsub_thread.stop()

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        """RQ's own start-up of the scheduler, with the scheduler that survives outages."""
        options = {"date_format": date_format, "log_format": log_format}
        self.scheduler = ResilientScheduler(
            self.queues, connection=self.connection, serializer=self.serializer,
            logging_level=logging_level if logging_level is not None else self.log.level,
            **{key: value for key, value in options.items() if value is not None},
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()


def _raise_stop(signum, frame):
    raise StopRequested()


def _stop_on_signals():
    """Make SIGTERM and SIGINT raise StopRequested; return a function restoring the previous handlers."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(sig, handler) for sig, handler in previous.items()]


def run_worker(queue_names=QUEUES, burst=False, job_heartbeat=10):
    """Run a worker on the queues until asked to stop; a worker that quits on an error is replaced."""
    outage = Outage("worker")
    restore = _stop_on_signals()
    try:
        while True:
            _stop_on_signals()  # between workers (each worker installs its own handlers)
            connection = redis_connection()
            wait_for_redis(connection, outage)
            worker = RelaisWorker([get_queue(name) for name in queue_names], connection=connection,
                                  job_heartbeat=job_heartbeat)
            try:
                worker.work(burst=burst, with_scheduler=True)
            except LOST as error:
                outage.lost(error)
            if burst or worker.stopping:
                return
            log.warning("worker %s quit on an error; starting a new worker", worker.name)
            outage.pause()
    except StopRequested:
        return
    finally:
        restore()


def record_tick(connection, scheduler, tick_seconds):
    """Note that the cron process ticked (read by `flask status` and /healthz/pipeline)."""
    connection.hset(CRON_KEY, mapping={"last_tick": time.time(), "tick_seconds": tick_seconds,
                                       "name": scheduler.name, "host": socket.gethostname(), "pid": os.getpid()})


def cron_tick(scheduler, queues, tick_seconds):
    """One tick: queue the periodic jobs that are due, sweep the queues, note the tick."""
    if scheduler.enqueue_jobs():
        scheduler.save()
    scheduler.heartbeat()
    recovery.sweep(queues)
    record_tick(scheduler.connection, scheduler, tick_seconds)


def run_cron(tick_seconds=60, config="saas.cron"):
    """Run the single cron process until asked to stop: periodic jobs (saas/cron.py) and the sweep."""
    connection = redis_connection()
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file(config)
    queues = [get_queue(name) for name in QUEUES]
    outage = Outage("cron")
    born = False
    restore = _stop_on_signals()
    log.info("cron %s: ticking every %s s", scheduler.name, tick_seconds)
    try:
        while True:
            try:
                if not born:
                    scheduler.register_birth()
                    born = True
                cron_tick(scheduler, queues, tick_seconds)
                outage.over()
                delay = min(scheduler.calculate_sleep_interval(), tick_seconds)
            except LOST as error:
                outage.lost(error)
                delay = outage.next_delay()
            except StopRequested:  # SIGTERM in the middle of a tick: RQ's StopRequested is an Exception too
                raise
            except Exception:  # a bad job or a bug: log it and keep ticking
                log.exception("cron %s: tick failed", scheduler.name)
                delay = tick_seconds
            time.sleep(delay)
    except StopRequested:
        log.info("cron %s: stopping", scheduler.name)
    finally:
        with suppress(*LOST):
            scheduler.register_death()
        restore()
