"""In a real browser: a polling page whose session ends goes to the login page, not a login form in a fragment."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.factories import populate

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("where", ("board", "inbox"))
def test_a_polling_page_whose_session_ends_lands_on_the_login_page(app, live_server, make_agency, where):
    agency = populate(app, make_agency("Agence Alpha"), "Alpha")
    slug = agency.agency.slug
    page_path = {"board": f"/a/{slug}/boards/{agency.ids['client_id']}?q=launch",
                 "inbox": f"/a/{slug}/mentions/?sentiment=negative"}[where]
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/**")
        page.goto(f"{live_server}{page_path}")
        page.locator("[data-testid=bell]").wait_for()

        context.clear_cookies()  # the session ends while the page polls
        page.wait_for_url(f"{live_server}/login?**", timeout=30_000)  # the next poll (3 s board, 10 s inbox)

        assert parse_qs(urlsplit(page.url).query)["next"] == [page_path]
        assert page.locator("form #password").count() == 1  # the login page itself, once
        assert page.locator("#board-columns, #mention-rows, [data-testid=bell]").count() == 0
        assert page.get_by_text("Your session has ended. Log in again to continue.").is_visible()
        screenshot(page, f"session-ended-{where}")

        page.fill("#email", agency.agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}{page_path}")
