"""Operators see the pipeline: `flask status` and the protected /healthz/pipeline report."""
import json
from datetime import timedelta

from rq.cron import CronScheduler

from saas import db, tenancy
from saas.db import utcnow
from saas.jobs import QUEUES, enqueue, get_queue, redis_connection
from saas.processes import RelaisWorker, cron_tick
from tenants.clients.models import Client
from tenants.monitoring import service
from tenants.monitoring.pipeline.jobs import refresh_source

FEED = "https://secret-client-feed.example/rss"


def tick(app):
    """What one tick of `flask cron` does."""
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("saas.cron")
        cron_tick(scheduler, [get_queue(name) for name in QUEUES], 60)


def live_worker(app):
    with app.app_context():
        worker = RelaisWorker([get_queue(name) for name in QUEUES], connection=redis_connection())
        worker.register_birth()
        return worker


def overdue_feed(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name="Client Confidentiel")
        db.session.add(client)
        db.session.flush()
        source = service.follow_feed(client.id, FEED)
        source.interval_seconds, source.next_fetch_at = 60, utcnow() - timedelta(minutes=10)
        db.commit()
        return source.id


def test_status_says_what_is_missing_before_the_pipeline_runs(app):
    result = app.test_cli_runner().invoke(args=["status"])
    assert result.exit_code == 1
    assert "Pipeline: STALLED" in result.output
    assert "the cron process has never ticked" in result.output
    assert "no live worker on queue monitoring" in result.output


def test_status_is_ok_with_a_ticking_cron_and_a_live_worker(app):
    tick(app)
    worker = live_worker(app)
    with app.app_context():
        enqueue(refresh_source, 1, job_id="refresh-source-1")
    result = app.test_cli_runner().invoke(args=["status"])
    assert result.exit_code == 0, result.output
    assert "Pipeline: OK" in result.output and "Cron: last tick" in result.output
    assert f"{worker.name}  alive" in result.output
    report = json.loads(app.test_cli_runner().invoke(args=["status", "--json"]).output)
    monitoring = next(queue for queue in report["queues"] if queue["name"] == "monitoring")
    with app.app_context():
        queue = get_queue("monitoring")
        names = sorted(queue.fetch_job(job_id).func_name.rsplit(".", 1)[1] for job_id in queue.job_ids)
    # the tick's jobs every minute (sources due, the dashboards' rollups), then the refresh queued above
    assert {"enqueue_due_sources", "refresh_rollups", "refresh_source"} <= set(names)
    assert monitoring["queued"] == len(names)
    assert report["cron"]["stalled"] is False and report["sources"]["overdue"] == 0


def test_overdue_sources_stall_the_pipeline_and_the_report_names_no_tenant(app, client, make_agency):
    agency = make_agency("Agence Discrète")
    source_id = overdue_feed(app, agency)
    tick(app)
    live_worker(app)
    response = client.get("/healthz/pipeline")
    assert response.status_code == 503
    report = response.json
    assert report["status"] == "stalled" and report["sources"]["overdue_ids"] == [source_id]
    assert "1 source(s) overdue by more than two intervals" in report["problems"]
    body = response.get_data(as_text=True)
    assert "Discr" not in body and "Confidentiel" not in body and "secret-client-feed" not in body


def test_pipeline_report_is_refused_to_other_hosts_and_proxied_requests(app, client):
    assert client.get("/healthz/pipeline", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/healthz/pipeline", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/healthz/pipeline").status_code in (200, 503)  # the machine itself


def test_pipeline_report_with_a_token(app, client):
    app.config["STATUS_TOKEN"] = "s3cret-token"
    try:
        remote = {"REMOTE_ADDR": "203.0.113.9"}
        assert client.get("/healthz/pipeline", environ_base=remote).status_code == 404
        wrong = client.get("/healthz/pipeline", environ_base=remote, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = client.get("/healthz/pipeline", environ_base=remote,
                           headers={"Authorization": "Bearer s3cret-token"})
        assert right.status_code == 503 and right.json["problems"]
    finally:
        app.config["STATUS_TOKEN"] = ""


def test_status_reports_redis_down_without_failing(app):
    previous = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        result = app.test_cli_runner().invoke(args=["status", "--json"])
    finally:
        app.config["REDIS_URL"] = previous
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["redis"].startswith("error")
    assert "Redis does not answer" in report["problems"] and report["database"] == "ok"
