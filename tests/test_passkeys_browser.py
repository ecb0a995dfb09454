"""Passkeys in Chromium with a virtual authenticator (DevTools protocol, WebAuthn domain): added on the account
page, then used to sign in without a password and as the second factor after it (issue 21).

Browsers refuse an IP address as a WebAuthn relying party: the app is opened as http://localhost:<port>.
"""
import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import Passkey
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def with_authenticator(context, page):
    """Give the page a platform authenticator that holds passkeys and verifies its user (a fingerprint, say)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return cdp


def sign_out(page):
    page.evaluate("document.querySelector(\"form[action$='/logout']\").submit()")
    page.wait_for_url("**/login")


def test_a_passkey_signs_in_without_a_password_and_as_the_second_factor(app, live_server, make_agency):
    agency = make_agency("Agence Lumière")
    site = live_server.replace("127.0.0.1", "localhost")
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        with_authenticator(context, page)
        page.goto(f"{site}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("form[action$='/login'] button[type=submit]")
        page.wait_for_url(f"{site}/a/{agency.slug}/")

        page.goto(f"{site}/account")
        page.fill("#passkey-name", "Portable de l’agence")
        page.click("[data-testid=passkey-add]")
        page.locator("[data-testid=passkey-list] li", has_text="Portable de l’agence").wait_for()
        page.locator(".flash", has_text="ajoutée").wait_for()
        screenshot(page, "passkeys-01-account-1366")

        sign_out(page)
        page.click("[data-testid=passkey-sign-in]")  # no email, no password
        page.wait_for_url(f"{site}/a/{agency.slug}/")

        sign_out(page)
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("form[action$='/login'] button[type=submit]")
        page.wait_for_url(f"{site}/login/code")
        assert page.locator("input[name=code]").count() == 0  # no app set up: the passkey only
        screenshot(page, "passkeys-02-second-factor-1366")
        page.click("[data-testid=passkey-second-factor]")
        page.wait_for_url(f"{site}/a/{agency.slug}/")

        phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
        small = phone.new_page()
        with_authenticator(phone, small)  # an authenticator holding no passkey of Relais
        small.goto(f"{site}/login")
        assert small.locator("[data-testid=passkey-sign-in]").is_visible()
        assert small.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(small, "passkeys-03-login-390")
        small.click("[data-testid=passkey-sign-in]")  # no passkey of Relais here: it says so, nothing breaks
        small.locator("[data-passkey-error]").wait_for()
        assert small.url == f"{site}/login"

    with app.app_context():
        (passkey,) = db.session.scalars(select(Passkey)).all()
        assert passkey.name == "Portable de l’agence" and passkey.last_used_at is not None
    with app.app_context(), tenancy.agency_scope(agency.id):
        events = [(e.action, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("passkey_added", {}) in [(a, {}) for a, _d in events]
    assert {"passkey": "without password"} in [d for a, d in events if a == "sign_in"]
    assert {"passkey": "second factor"} in [d for a, d in events if a == "sign_in"]
