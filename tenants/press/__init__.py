"""Press relations: the agency's contacts (journalists, editors, influencers), imports, media lists, GDPR."""
from flask import Blueprint

bp = Blueprint("press", __name__, url_prefix="/a/<agency_slug>/press")
# The unsubscribe link any recipient follows from a mail: no session, no agency in the address (a signed token).
public_bp = Blueprint("press_public", __name__, url_prefix="/press")


def init_app(app):
    """Plug press relations in: the views, the public unsubscribe page, the daily retention purge."""
    from saas.jobs import periodic
    from tenants.press import import_routes, public, routes  # noqa: F401  (the views attach themselves)
    from tenants.press.jobs import purge_stale_contacts

    periodic(purge_stale_contacts, cron="41 3 * * *")
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
