"""Crisis detection and alerts: an explainable spike score, alert rules, crisis cards."""
from flask import Blueprint

from tenants.crisis import badge, charts, explain
from tenants.crisis.buckets import from_epoch

bp = Blueprint("crisis", __name__, url_prefix="/a/<agency_slug>/crisis")
bp.add_app_template_global(explain.explained_parts, "crisis_parts")
bp.add_app_template_filter(from_epoch, "crisis_moment")
bp.add_app_template_filter(charts.score_ring, "crisis_ring")
bp.add_app_template_filter(explain.window_end, "crisis_window_end")
bp.add_app_template_global(badge.open_crisis_count, "open_crisis_count")

from tenants.crisis import routes  # noqa: E402,F401
