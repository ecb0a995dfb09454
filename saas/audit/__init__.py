"""The agency's audit log: who did what, when, from where (models, service, owners' page)."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/a/<agency_slug>/audit")


def init_app(app):
    """Register the owners' page and the daily purge of entries past their retention."""
    from saas import jobs
    from saas.audit import routes  # noqa: F401
    from saas.audit.service import purge_expired

    app.register_blueprint(bp)
    jobs.periodic(purge_expired, cron="17 3 * * *")
