"""The workspace home: the agency at a glance."""
from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/a/<agency_slug>")


def init_app(app):
    """Plug the workspace home in."""
    from tenants.workspace import routes  # noqa: F401  (the views attach themselves to bp)

    app.register_blueprint(bp)
