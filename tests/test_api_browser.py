"""In Chromium: a token created on its page is copied with one click (it is shown once), at 390 px too."""
import pytest

from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_a_new_token_is_copied_in_one_click(live_server, make_agency, width):
    agency = make_agency("Agence Lumière")
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("form[action$='/login'] button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.goto(f"{live_server}/a/{agency.slug}/api-tokens/")
        page.fill("#name", "Tableau de bord BI")
        page.locator("form button[type=submit]", has_text="Créer le jeton").click()
        secret = page.locator("#api-token-secret-value").inner_text().strip()
        assert secret.startswith("rls_")
        page.locator("[data-copy=api-token-secret-value]").click()
        page.locator("[data-copy=api-token-secret-value]", has_text="Copié").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        assert page.input_value("#name") == ""  # the form is blank for the next token
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"api-token-created-{width}")
