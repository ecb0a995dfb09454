"""The state of the job pipeline for operators: `flask status` and /healthz/pipeline.

Counts, job ids, worker names and hosts, and source ids only: no agency, client, keyword or
feed address. Reading it handles nothing: RQ's registry counts are taken without their cleanup
(the cron process does that, saas/recovery.py).
"""
import time
from datetime import datetime, timezone

from flask import current_app
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from saas import db
from saas.jobs import QUEUES, get_queue, redis_connection
from saas.processes import CRON_KEY
from saas.recovery import LATE_RETRY_GRACE

CRON_STALLED_AFTER_TICKS = 3
WORKER_STALE_AFTER = 90  # seconds without a heartbeat (an idle worker beats every 45 s at most)
LISTED = 20  # ids listed per kind


def _iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def cron_state(connection, now):
    """When the cron process last ticked, and whether that is too long ago."""
    data = {key.decode(): value.decode() for key, value in connection.hgetall(CRON_KEY).items()}
    tick = int(data.get("tick_seconds") or current_app.config["CRON_TICK_SECONDS"])
    last = float(data["last_tick"]) if data.get("last_tick") else None
    age = None if last is None else round(now - last, 1)
    return {"last_tick": None if last is None else _iso(last), "age_seconds": age, "tick_seconds": tick,
            "process": f"{data['host']}:{data['pid']}" if data.get("pid") else None,
            "stalled": age is None or age > CRON_STALLED_AFTER_TICKS * tick}


def queue_state(queue, now):
    """Jobs of one queue by state; abandoned: started with an expired heartbeat; late: retries past due."""
    started, scheduled = StartedJobRegistry(queue=queue), ScheduledJobRegistry(queue=queue)
    connection = queue.connection
    return {
        "name": queue.name,
        "queued": queue.count,
        "started": started.get_job_count(cleanup=False),
        "abandoned": connection.zcount(started.key, 0, now),
        "scheduled": scheduled.get_job_count(cleanup=False),
        "late_retries": connection.zcount(scheduled.key, 0, now - LATE_RETRY_GRACE),
        "failed": FailedJobRegistry(queue=queue).get_job_count(cleanup=False),
    }


def worker_states(connection, now):
    """Every registered worker with its last heartbeat; `alive` when it beat recently."""
    workers = []
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat.timestamp() if worker.last_heartbeat else None
        age = None if beat is None else round(now - beat, 1)
        workers.append({
            "name": worker.name, "host": worker.hostname, "pid": worker.pid, "state": worker.get_state(),
            "queues": worker.queue_names(), "current_job": worker.get_current_job_id(),
            "last_heartbeat": None if beat is None else _iso(beat), "age_seconds": age,
            "alive": age is not None and age <= WORKER_STALE_AFTER,
        })
    return sorted(workers, key=lambda w: (not w["alive"], w["name"]))


# name -> (probe, problems, line): what a feature adds to the report (monitoring: overdue sources).
# probe() reads the database and returns a JSON-able dict; problems(state) the stalls it tells
# of; line(state) its line of `flask status`. Registered in the feature's init_app.
PROBES = {}


def register_probe(name, probe, problems, line):
    """Add a section to the pipeline report, read from the database."""
    PROBES[name] = (probe, problems, line)


def pipeline_status(connection=None):
    """The whole report: services, cron, queues, workers, sources, and the problems found."""
    connection = connection or redis_connection()
    now = time.time()
    report = {"checked_at": _iso(now), "redis": "ok", "database": "ok"}
    problems = []
    try:
        report["cron"] = cron_state(connection, now)
        report["queues"] = [queue_state(get_queue(name), now) for name in QUEUES]
        report["workers"] = worker_states(connection, now)
    except Exception as exc:  # Redis away: nothing else can be read from it
        report["redis"] = f"error: {type(exc).__name__}"
        problems.append("Redis does not answer")
    try:
        for name, (probe, _problems, _line) in PROBES.items():
            report[name] = probe()
    except Exception as exc:
        db.session.rollback()
        report["database"] = f"error: {type(exc).__name__}"
        problems.append("the database does not answer")
    if "cron" in report:
        problems += _pipeline_problems(report)
    for name, (_probe, probe_problems, _line) in PROBES.items():
        if name in report:
            problems += probe_problems(report[name])
    report["problems"] = problems
    report["status"] = "stalled" if problems else "ok"
    return report


def _pipeline_problems(report):
    cron, problems = report["cron"], []
    if cron["last_tick"] is None:
        problems.append("the cron process has never ticked")
    elif cron["stalled"]:
        problems.append(f"the cron process has not ticked for {cron['age_seconds']:.0f} s "
                        f"(every {cron['tick_seconds']} s expected)")
    alive = [worker for worker in report["workers"] if worker["alive"]]
    for name in QUEUES:
        if not any(name in worker["queues"] for worker in alive):
            problems.append(f"no live worker on queue {name}")
    return problems


def format_status(report):
    """The report as text lines for a terminal."""
    lines = [f"Pipeline: {report['status'].upper()}  (checked {report['checked_at']})"]
    lines += [f"  ! {problem}" for problem in report["problems"]]
    lines.append(f"Redis: {report['redis']}    Database: {report['database']}")
    cron = report.get("cron")
    if cron:
        when = "never" if cron["last_tick"] is None else f"{cron['last_tick']} ({cron['age_seconds']:.0f} s ago)"
        lines.append(f"Cron: last tick {when}, every {cron['tick_seconds']} s, process {cron['process'] or '-'}")
    if report.get("queues"):
        columns = ("queued", "started", "abandoned", "scheduled", "late_retries", "failed")
        lines.append(f"{'Queues:':<12}" + "".join(f"{column:>13}" for column in columns))
        for queue in report["queues"]:
            lines.append(f"  {queue['name']:<10}" + "".join(f"{queue[column]:>13}" for column in columns))
    if "workers" in report:
        lines.append(f"Workers: {sum(w['alive'] for w in report['workers'])} alive")
        for worker in report["workers"]:
            beat = "never" if worker["age_seconds"] is None else f"{worker['age_seconds']:.0f} s ago"
            lines.append(f"  {worker['name']}  {'alive' if worker['alive'] else 'STALE'}  {worker['state']}  "
                         f"heartbeat {beat}  {worker['host']}:{worker['pid']}  {','.join(worker['queues'])}"
                         + (f"  job {worker['current_job']}" if worker["current_job"] else ""))
    for name, (_probe, _problems, line) in PROBES.items():
        if report.get(name):
            lines.append(line(report[name]))
    return "\n".join(lines)
