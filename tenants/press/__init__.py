"""Press relations: the agency's contacts (journalists, editors, influencers), imports, media lists, GDPR."""
from flask import Blueprint

bp = Blueprint("press", __name__, url_prefix="/a/<agency_slug>/press")
# The unsubscribe link any recipient follows from a mail: no session, no agency in the address (a signed token).
public_bp = Blueprint("press_public", __name__, url_prefix="/press")
# A client's public newsroom (tenants/press/newsroom.py): anyone may read it once the staff turn it on.
newsroom_bp = Blueprint("newsroom", __name__, url_prefix="/newsroom")


def init_app(app):
    """Plug press relations in: the views, the public unsubscribe page and newsrooms, the daily retention purge."""
    from saas import signals
    from saas.jobs import periodic
    from saas.web import page_extra
    from tenants.press import (  # noqa: F401  (views attach)
        import_routes, newsroom_routes, public, release_routes, releases, routes)
    from tenants.press.jobs import purge_stale_contacts, resume_press_sends

    periodic(purge_stale_contacts, cron="41 3 * * *")
    periodic(resume_press_sends, interval=60)
    # The portal's approval of a release's card moves the release; the portal shows the release as sent.
    signals.event_happened.connect(releases.on_event, weak=False)
    page_extra("portal_card", "press_release")(releases.portal_release)
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(newsroom_bp)
