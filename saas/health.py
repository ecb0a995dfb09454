"""Health checks: /healthz for load balancers (liveness), /healthz/pipeline for monitoring."""
import hmac
import ipaddress

from flask import Blueprint, abort, current_app, jsonify, request

from saas import db
from saas.jobs import redis_connection

bp = Blueprint("health", __name__)
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database and Redis both answer, 503 otherwise."""
    status = {}
    try:
        db.ping()
        status["database"] = "ok"
    except Exception as exc:  # any failure means "down" to a load balancer
        db.session.rollback()
        status["database"] = f"error: {type(exc).__name__}"
    try:
        redis_connection().ping()
        status["redis"] = "ok"
    except Exception as exc:
        status["redis"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in status.values())
    return jsonify(status=("ok" if healthy else "degraded"), **status), (200 if healthy else 503)


@bp.get("/healthz/pipeline")
def pipeline():
    """The job pipeline's state (saas/status.py): 200 when it moves, 503 when it is stalled.

    With STATUS_TOKEN set, callers send `Authorization: Bearer <token>`; without it, only
    requests from the machine itself that no proxy forwarded are answered. Others get 404.
    """
    if not _may_read_status():
        abort(404)
    from saas.status import pipeline_status

    report = pipeline_status()
    return jsonify(report), (200 if report["status"] == "ok" else 503)


def _may_read_status():
    token = current_app.config.get("STATUS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
    if any(request.headers.get(name) for name in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
