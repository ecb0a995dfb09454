"""The agency's clients (brands)."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/a/<agency_slug>/clients")


def init_app(app):
    """Plug the clients in: their views, and what the plan's client limit counts."""
    from saas.billing.limits import register_counter
    from tenants.clients import routes, service  # noqa: F401  (the views attach themselves to bp)

    register_counter("clients", service.plan_count_query, page=bp.name)
    app.register_blueprint(bp)
