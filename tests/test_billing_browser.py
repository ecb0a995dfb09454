"""In a real browser: the billing page shows the plan and usage; Checkout leads to Stripe's page."""
import re
from datetime import timedelta

import pytest

from saas import db, tenancy
from saas.db import utcnow
from tenants.clients.models import Client
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.test_billing import set_subscription

pytestmark = pytest.mark.browser


def add_clients(app, agency, names):
    """Give the agency some clients."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add_all(Client(name=name) for name in names)
        db.commit()


def test_billing_page_shows_usage_and_checkout_goes_to_stripe(app, live_server, billing_on, make_agency, make_member):
    agency = make_agency("Agence Lumière")
    add_clients(app, agency, ["Maison Rivière", "Brasserie Nord", "Atelier Sud"])
    make_member(agency, "chloe@lumiere.test", role="member", pole="cm", name="Chloé Garnier")
    with chromium() as browser:
        page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.click("nav.nav >> text=Billing")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/billing/")
        assert page.locator("[data-testid=current-plan] .plan-name").inner_text() == "Agency"
        assert "14 days left" in page.locator("[data-testid=trial-days]").inner_text()
        clients = page.locator("[data-testid=usage-clients]").inner_text()
        assert re.search(r"3\s*/\s*15", clients), clients
        assert re.search(r"2\s*/\s*10", page.locator("[data-testid=usage-seats]").inner_text())
        assert page.locator("[data-testid=plan-agency]").get_by_text("Your plan").is_visible()
        screenshot(page, "billing-01-trial")
        page.click("[data-testid=checkout-agency]")
        page.wait_for_url(re.compile(re.escape(billing_on.url) + r"/pay/cs_test_\w+"))
        assert "Fake Stripe" in page.content()
    (call,) = billing_on.calls("POST", "/v1/checkout/sessions")
    assert call["params"]["client_reference_id"] == str(agency.id)
    assert call["params"]["line_items[0][price]"] == "price_agency"
    assert call["params"]["success_url"] == f"{live_server}/a/{agency.slug}/billing/?checkout=success"


def login(page, live_server, agency):
    """Sign in through the login form."""
    page.goto(f"{live_server}/login")
    page.fill("#email", agency.owner_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/a/{agency.slug}/")


def test_paid_plan_then_read_only_workspace_in_the_browser(app, live_server, billing_on, make_agency):
    agency = make_agency("Agence Lumière")
    add_clients(app, agency, ["Maison Rivière", "Brasserie Nord"])
    customer = billing_on.add_customer(agency.owner_email)
    period_end = utcnow() + timedelta(days=21)
    set_subscription(app, agency, plan="solo", status="active", stripe_customer_id=customer,
                     stripe_subscription_id="sub_test_paid", current_period_end=period_end, invoice_status="paid",
                     invoice_amount=4680, invoice_currency="eur", invoice_at=utcnow() - timedelta(days=9),
                     invoice_url="https://invoice.stripe.com/i/in_test")
    with chromium() as browser:
        page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        login(page, live_server, agency)
        page.goto(f"{live_server}/a/{agency.slug}/billing/")
        assert page.locator("[data-testid=billing-status]").inner_text() == "Active"
        assert "Paid" in page.locator("[data-testid=invoice-status]").inner_text()
        assert page.locator("[data-testid=plan-solo] button[disabled]").inner_text() == "Current plan"
        screenshot(page, "billing-02-active")

        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        page.fill("#name", "Studio Est")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Studio Est").wait_for()
        page.reload()
        assert "All 3 clients of your Solo plan are in use" in page.locator("[data-testid=billing-banner]").inner_text()
        page.fill("#name", "One too many")
        page.click("#new-client button[type=submit]")
        page.locator(".toast-error", has_text="Your Solo plan includes 3 clients").wait_for()
        assert page.input_value("#name") == "One too many"  # nothing typed is lost
        screenshot(page, "billing-03-limit")

        set_subscription(app, agency, status="canceled", current_period_end=None, trial_ends_at=utcnow() - timedelta(days=20))
        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        banner = page.locator("[data-testid=billing-banner]")
        assert "read-only" in banner.inner_text() and page.locator(".client-name", has_text="Maison Rivière").is_visible()
        screenshot(page, "billing-04-read-only")
        banner.get_by_text("See plans").click()
        page.wait_for_url(f"{live_server}/a/{agency.slug}/billing/")
        page.click("[data-testid=manage-billing]")
        page.wait_for_url(re.compile(re.escape(billing_on.url) + r"/portal/bps_test_\w+"))
