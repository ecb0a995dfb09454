"""The agency's clients (brands)."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/a/<agency_slug>/clients")

from tenants.clients import routes  # noqa: E402,F401
