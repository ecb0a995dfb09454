"""In a real browser: "remember me", then log out, leaves no way back in; the sessions list."""
import pytest

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_logout_after_remember_me_leaves_no_working_cookie(live_server, make_agency):
    agency = make_agency()
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.check("input[name=remember]")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        assert "remember_token" in {c["name"] for c in context.cookies()}

        page.click("[data-testid=user-menu]")
        page.click("[data-testid=logout]")
        page.wait_for_url(f"{live_server}/login")
        assert "remember_token" not in {c["name"] for c in context.cookies()}
        page.goto(f"{live_server}/a/{agency.slug}/")
        assert page.url.startswith(f"{live_server}/login")  # the next visit is not signed in again

        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.goto(f"{live_server}/account")
        row = page.locator("[data-testid=session]")
        assert row.count() == 1 and "this device" in row.inner_text()  # the ended session is not listed
        screenshot(page, "sessions-account")
        context.close()
