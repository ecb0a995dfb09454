"""The workspace home: the agency at a glance."""
from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/a/<agency_slug>")

from tenants.workspace import routes  # noqa: E402,F401
