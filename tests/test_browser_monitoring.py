"""In a real browser: follow a feed, add a keyword, see the mentions arrive in the inbox live."""
import pytest
from rq import Worker

from saas.jobs import get_queue, redis_connection
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.local_server import allow_local, local_server  # noqa: F401  (fixtures)
from tests.test_monitoring import FEED

pytestmark = pytest.mark.browser


def test_keyword_then_mentions_arrive_in_the_inbox_without_reload(app, live_server, make_agency, local_server,  # noqa: F811
                                                                   allow_local):  # noqa: F811
    local_server.reply("/rss", FEED, headers={"Content-Type": "application/rss+xml"})
    agency = make_agency()
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
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
        page.click("text=Monitoring")
        page.fill("input[name=url]", local_server.url_for("/rss"))
        page.click("text=Follow")
        page.fill("#query", "Danone -recrutement")
        page.click("#keyword-form details summary")
        page.fill("textarea[name=sample]", "Danone rappelle des yaourts")
        page.click("#keyword-form button[type=button]")
        page.locator("#preview mark", has_text="Danone").wait_for()
        page.click("#keyword-form button[type=submit]")
        page.locator("[data-testid=keywords]", has_text="Danone -recrutement").wait_for()
        screenshot(page, "monitoring-01-client")

        inbox = context.new_page()  # a second tab of the same signed-in person
        inbox.goto(page.url.split("/clients/")[0] + "/mentions/")
        inbox.locator("[data-testid=mentions]").wait_for(state="attached")
        assert inbox.locator(".mention").count() == 0
        with app.app_context():
            Worker([get_queue("monitoring")], connection=redis_connection()).work(burst=True)
        inbox.locator(".mention", has_text="Rappel produit").wait_for(timeout=20_000)  # live poll, no reload
        assert inbox.locator(".mention mark", has_text="Danone").first.is_visible()
        screenshot(inbox, "monitoring-02-inbox")
        page.reload()
        page.locator("[data-testid=backfill]", has_text="Up to date").wait_for()
        page.locator("[data-testid=sources]", has_text="OK").first.wait_for()
        screenshot(page, "monitoring-03-client-after")
