"""Client dashboards: a client's figures for a period against the previous one, charts drawn as SVG."""
from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/a/<agency_slug>/clients")


def init_app(app):
    """Plug the dashboards in: their views."""
    from tenants.dashboards import routes  # noqa: F401  (the views attach themselves to bp)

    app.register_blueprint(bp)
