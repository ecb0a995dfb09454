"""Accounts: signup, login, logout, password reset, invitations, memberships.

Importing a module of this package (its models, say) loads no view: `init_app` does, when the
app factory plugs accounts in.
"""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def init_app(app):
    """Plug accounts in: their views, the team page, the periodic purges, the agencies' zones."""
    from saas import i18n
    from saas.auth import (logo, logo_views, members, passkey_views, routes, service,  # noqa: F401  (views attach to bp)
                           session_views, two_factor_views)
    from saas.auth.jobs import purge_ended_sessions, purge_stale_invitations
    from saas.jobs import periodic

    periodic(purge_stale_invitations, cron="17 3 * * *")
    periodic(purge_ended_sessions, cron="23 * * * *")
    i18n.read_zones_with(service.agency_timezone)
    app.register_blueprint(bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(logo_views.bp)
    app.jinja_env.globals["agency_logo_url"] = logo.url_of
