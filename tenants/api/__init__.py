"""The public REST API (/api/v1/, OpenAPI 3.1), the agency API tokens it is called with, outbound webhooks."""
from flask import Blueprint

bp = Blueprint("api_tokens", __name__, url_prefix="/a/<agency_slug>/api-tokens")


def init_app(app):
    """Register the tokens' settings page and the API itself (its own blueprints, docs and rate limit)."""
    from tenants.api import routes, v1, webhooks  # noqa: F401

    app.register_blueprint(bp)
    v1.init_app(app)
    webhooks.init_app(app)
