"""Client dashboards: a client's figures for a period against the previous one, charts drawn as SVG; stored reports."""
from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/a/<agency_slug>/clients")
# A client's ready reports, as its guests open them in the portal (tenants/guests/access.py decides who).
portal_bp = Blueprint("report_portal", __name__, url_prefix="/a/<agency_slug>/portal/clients")


def init_app(app):
    """Plug the dashboards in: their views, the reports' jobs, the portal's list of reports."""
    from saas.jobs import periodic
    from saas.web import page_extra
    from tenants.dashboards import portal_routes, report_routes, routes  # noqa: F401  (the views attach themselves)
    from saas.signals import mentions_changed
    from tenants.dashboards.jobs import resume_reports, run_report_schedules
    from tenants.dashboards.rollups import on_mentions_changed, refresh_rollups

    periodic(run_report_schedules, cron="7 * * * *")  # hourly: Monday's and the 1st's reports come in the morning
    periodic(resume_reports, interval=60)
    periodic(refresh_rollups, interval=60)
    mentions_changed.connect(on_mentions_changed)  # blinker ignores a receiver connected twice
    page_extra("portal_client", "reports")(portal_routes.ready_reports)
    app.register_blueprint(bp)
    app.register_blueprint(portal_bp)
