"""In a real browser, at 1366 and 390 px: the monitoring page's panels of queries and sources v2 (issue 17).

The preview's explanation, the search services with the Mastodon token, the source status with its health
and "Fetch now", and the press catalogue, each used as an RP or CM person would, in French.
"""
from datetime import timedelta

import pytest
from rq import Worker
from sqlalchemy import update

from saas import db, tenancy
from saas.db import utcnow
from saas.jobs import get_queue, redis_connection
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.local_server import allow_local, local_server  # noqa: F401  (fixtures)
from tenants.monitoring.models import Source
from tests.test_monitoring import FEED

pytestmark = pytest.mark.browser


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_monitoring_panels_work_in_french_on_a_desk_and_a_phone(app, live_server, make_agency, local_server,  # noqa: F811
                                                              allow_local, width):  # noqa: F811
    local_server.reply("/rss", FEED, headers={"Content-Type": "application/rss+xml"})
    agency = make_agency()
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        page.fill("#name", "Danone")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Danone").click()
        page.locator("a", has_text="Veille").first.click()
        monitoring = page.url

        # The preview says how the query is read and why a sample matches.
        page.fill("#query", "Danone rappel SAUF recrutement")
        page.click("#keyword-form details summary")
        page.fill("textarea[name=sample]", "Danone rappelle des yaourts")
        page.click("#keyword-form button[type=button]")
        page.locator("#preview", has_text="Comment Relais lit cette requête").wait_for()
        page.locator("#preview", has_text="une autre forme du mot").wait_for()
        assert page.locator("#preview mark", has_text="rappelle").is_visible()
        page.click("#keyword-form button[type=submit]")
        page.locator("[data-testid=keywords]", has_text="Danone rappel SAUF recrutement").wait_for()

        # Search services: the token field explains itself, refuses a malformed token and keeps the servers typed.
        assert "par hashtag" in page.locator("[data-testid=mastodon-token-state]").inner_text()
        page.check("input[name=connectors][value=mastodon]")
        page.fill("#mastodon_instances", "piaille.fr")
        page.fill("#mastodon_token", "pas un jeton !")
        page.locator("form[action$='/connectors'] button[type=submit]").click()
        page.locator("form[action$='/connectors'] .error", has_text="Collez le jeton").wait_for()
        assert page.input_value("#mastodon_instances") == "piaille.fr"
        assert page.is_checked("input[name=connectors][value=mastodon]")  # what was ticked stays ticked
        screenshot(page, f"monitoring-panels-{width}-01-preview-and-token")

        # A feed followed and fetched: its health line, then "Fetch now".
        page.goto(monitoring)
        page.fill("input[name=url]", local_server.url_for("/rss"))
        page.locator("form[action$='/feeds'] button[type=submit]").click()
        with app.app_context():
            Worker([get_queue("monitoring")], connection=redis_connection()).work(burst=True)
        page.goto(monitoring)
        sources = page.locator("[data-testid=sources]")
        sources.locator("li", has_text="OK, récupéré").first.wait_for()
        assert "éléments par jour" in sources.inner_text()
        fetch_now = sources.locator("li", has_text="Le Fil Conso").locator("button", has_text="Récupérer maintenant")
        fetch_now.click()  # fetched a moment ago: the same page, saying why
        page.locator(".flash", has_text="il y a moins d’une minute").wait_for()
        with app.app_context(), tenancy.all_agencies():
            db.session.execute(update(Source).values(last_fetched_at=utcnow() - timedelta(minutes=2)))
            db.commit()
        sources.locator("li", has_text="Le Fil Conso").locator("button", has_text="Récupérer maintenant").click()
        page.locator(".flash", has_text="est en cours de récupération").wait_for()

        # The press catalogue: a group opens, one outlet followed in one click.
        catalogue = page.locator("[data-testid=press-catalogue]")
        catalogue.locator("summary", has_text="Presse nationale").click()
        first = catalogue.locator("details[open] li").first
        outlet = first.locator("strong").inner_text()
        first.locator("button", has_text="Suivre").click()
        page.locator("[data-testid=press-catalogue]").wait_for()
        page.locator("[data-testid=press-catalogue] summary", has_text="Presse nationale").click()
        followed = page.locator("[data-testid=press-catalogue] details[open] li", has_text=outlet)
        followed.locator(".badge", has_text="Suivi").wait_for()
        assert page.locator("[data-testid=sources]", has_text=outlet).count() == 1
        assert no_sideways_scroll(page)
        screenshot(page, f"monitoring-panels-{width}-02-sources-and-catalogue")
