"""Data rights (GDPR): a person's own data, the agency's export, deleting an account or an agency.

Importing a module of this package loads no view: `init_app` does, when the app factory plugs it in.
"""
from flask import Blueprint

bp = Blueprint("gdpr", __name__)
agency_bp = Blueprint("agency_data", __name__, url_prefix="/a/<agency_slug>/data")


def init_app(app):
    """Plug data rights in: their views, the read-only guard of a deleted agency, the daily purges."""
    from saas import web
    from saas.gdpr import deletion, jobs, routes  # noqa: F401  (views attach to the blueprints)
    from saas.jobs import periodic

    web.guard_agency(deletion.refuse_writes_while_deleted)
    periodic(jobs.purge_deleted_agencies, cron="41 2 * * *")
    periodic(jobs.purge_old_exports, cron="47 2 * * *")
    app.jinja_env.globals["agency_export_status"] = routes.export_status
    app.register_blueprint(bp)
    app.register_blueprint(agency_bp)
