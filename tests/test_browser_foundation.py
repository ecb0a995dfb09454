"""In a real browser: sign up, confirm the address, create a client, log out, log in, switch language."""
import re

import pytest

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD, run_worker
from tests.mailbox import text_of

pytestmark = pytest.mark.browser


def test_signup_client_logout_login_and_language(app, live_server, mailbox):
    with chromium() as browser:
        page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 860})
        page.goto(f"{live_server}/")
        screenshot(page, "00-landing")
        page.goto(f"{live_server}/signup")
        page.fill("#agency_name", "Agence Lumière")
        assert page.input_value("#agency_slug") == "agence-lumiere"  # derived as one types
        page.fill("#name", "Alice Martin")
        page.fill("#email", "alice@lumiere.test")
        page.fill("#password", "short")
        page.click("button[type=submit]")
        assert page.locator(".error").first.is_visible()
        assert page.input_value("#name") == "Alice Martin"  # nothing typed is lost
        screenshot(page, "01-signup-error")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.locator("[data-testid=signup-sent]").wait_for()
        assert "alice@lumiere.test" in page.inner_text("[data-testid=signup-sent]")
        screenshot(page, "01b-signup-check-inbox")
        run_worker(app, "mail")  # a real RQ worker sends the confirmation link
        link = re.search(r"http://\S+/signup/confirm/\S+", text_of(mailbox.messages[-1])).group(0)
        page.goto(link)
        page.wait_for_url(f"{live_server}/a/agence-lumiere/")
        assert page.get_by_text("Welcome to Relais").is_visible()
        assert page.locator("[data-testid=getting-started]").is_visible()
        screenshot(page, "02-home-empty")

        page.click("text=Clients")
        page.fill("#name", "Danone")
        page.fill("#sector", "Food and drink")
        page.fill("#website", "danone.fr")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Danone").wait_for()
        assert page.input_value("#name") == ""  # a fresh form, no reload
        page.fill("#name", "Airbus")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Airbus").wait_for()
        page.fill("input[type=search]", "dan")
        page.locator("#client-rows .client-name", has_text="Airbus").wait_for(state="detached")
        assert page.locator("#client-rows .client-name", has_text="Danone").is_visible()
        screenshot(page, "03-clients")

        page.click("[data-testid=user-menu]")
        page.click("[data-testid=logout]")
        page.wait_for_url(f"{live_server}/login")
        page.fill("#email", "alice@lumiere.test")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/agence-lumiere/")
        assert page.locator(".client-card", has_text="Danone").is_visible()

        page.click("button[value=fr]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("nav.nav").get_by_text("Équipe").is_visible()
        screenshot(page, "04-home-fr")
        page.click("button[value=en]")
        page.wait_for_load_state()
        assert page.locator("nav.nav").get_by_text("Team").is_visible()
