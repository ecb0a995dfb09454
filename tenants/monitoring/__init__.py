"""Monitoring: keywords, sources, fetching, matching, sentiment, mentions."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/a/<agency_slug>")

from tenants.monitoring import inbox_routes, routes  # noqa: E402,F401
