"""Health check for load balancers: database and Redis."""
from flask import Blueprint, jsonify

from saas import db
from saas.jobs import redis_connection

bp = Blueprint("health", __name__)


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
