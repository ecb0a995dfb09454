"""Press relations: the agency's contacts (journalists, editors, influencers), imports, media lists, GDPR."""
from flask import Blueprint

bp = Blueprint("press", __name__, url_prefix="/a/<agency_slug>/press")
# The unsubscribe link any recipient follows from a mail: no session, no agency in the address (a signed token).
public_bp = Blueprint("press_public", __name__, url_prefix="/press")
# A client's public newsroom (tenants/press/newsroom.py): anyone may read it once the staff turn it on.
newsroom_bp = Blueprint("newsroom", __name__, url_prefix="/newsroom")
# The press reviews an agency shares with a client's guests, in their portal.
portal_bp = Blueprint("press_portal", __name__, url_prefix="/a/<agency_slug>/portal/press-reviews")


def init_app(app):
    """Plug press relations in: the views, the public unsubscribe page and newsrooms, the daily retention purge."""
    from saas import signals
    from saas.jobs import periodic
    from saas.web import page_extra
    from tenants.press import (coverage, coverage_routes, import_routes, newsroom_routes, public,  # noqa: F401
                               release_routes, releases, review_routes, routes)  # (views attach)
    from tenants.press.jobs import purge_stale_contacts, resume_press_sends, watch_coverage

    periodic(purge_stale_contacts, cron="41 3 * * *")
    periodic(resume_press_sends, interval=60)
    periodic(watch_coverage, cron="17 * * * *")  # hourly: new mentions of sent releases become proposals
    # The portal's approval of a release's card moves the release; the portal shows the release as sent.
    signals.event_happened.connect(releases.on_event, weak=False)
    page_extra("portal_card", "press_release")(releases.portal_release)
    # The coverage of a release's card (both poles see it), the press reviews shared on a client's portal page.
    page_extra("card_panel", "press_coverage")(coverage.card_coverage)
    page_extra("portal_client", "press_reviews")(review_routes.shared_reviews)
    app.register_blueprint(portal_bp)
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(newsroom_bp)
