"""Crisis detection and alerts: an explainable spike score, alert rules, crisis cards."""
from flask import Blueprint

bp = Blueprint("crisis", __name__, url_prefix="/a/<agency_slug>/crisis")


def init_app(app):
    """Plug crisis detection in: its views and template helpers, detection and alert digests."""
    from saas.jobs import periodic
    from tenants.crisis import routes  # noqa: F401  (the views attach themselves to bp)
    from tenants.crisis.jobs import detect_crises, send_alert_digests

    periodic(detect_crises, cron="*/5 * * * *")
    periodic(send_alert_digests, cron="30 7 * * *")
    app.register_blueprint(bp)
