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


def add_invoices(app, agency, rows):
    """Give the agency invoices as the webhook job would have stored them."""
    from saas.billing.models import Invoice

    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add_all(Invoice(event_at=utcnow(), currency="eur", hosted_url=None, **row) for row in rows)
        db.commit()


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_billing_page_shows_vat_invoices_and_a_scheduled_cancellation(app, live_server, billing_on, make_agency, locale):
    from datetime import datetime, timezone

    agency = make_agency("Agence Lumière")
    customer = billing_on.add_customer(agency.owner_email)
    set_subscription(app, agency, plan="agency", status="active", stripe_customer_id=customer, trial_ends_at=None,
                     stripe_subscription_id="sub_test_paid", billing_interval="year",
                     current_period_end=datetime(2027, 5, 10, 9, tzinfo=timezone.utc),
                     cancel_at=datetime(2027, 5, 10, 9, tzinfo=timezone.utc))
    add_invoices(app, agency, [
        {"stripe_invoice_id": "in_1", "number": "RELAIS-0001", "status": "paid", "subtotal": 99167, "tax": 19833,
         "total": 119000, "issued_at": datetime(2026, 5, 10, 9, tzinfo=timezone.utc),
         "pdf_url": "https://pay.stripe.com/invoice/in_1/pdf"},
        {"stripe_invoice_id": "in_2", "number": "RELAIS-0002", "status": "paid", "subtotal": 24800, "tax": 4960,
         "total": 29760, "issued_at": datetime(2026, 9, 2, 9, tzinfo=timezone.utc),
         "pdf_url": "https://pay.stripe.com/invoice/in_2/pdf"},
    ])
    french = locale == "fr-FR"
    with chromium() as browser:
        page = browser.new_page(locale=locale, viewport={"width": 1280, "height": 1100})
        login(page, live_server, agency)
        page.goto(f"{live_server}/a/{agency.slug}/billing/")
        ends = page.locator("[data-testid=ends-on]").inner_text()
        assert ("10 mai 2027" if french else "May 10, 2027") in ends
        assert page.locator("[data-testid=renews-on]").count() == 0
        assert page.get_by_text("Prend fin le" if french else "Ends on").is_visible()
        rows = page.locator("[data-testid=invoice-row]")
        assert rows.count() == 2
        newest = rows.nth(0).inner_text()
        assert "RELAIS-0002" in newest
        assert ("2 sept. 2026" if french else "Sep 2, 2026") in newest, newest
        assert rows.nth(0).locator("[data-testid=invoice-tax]").inner_text() == ("49,60\u00a0€" if french else "€49.60")
        assert rows.nth(0).locator("[data-testid=invoice-total]").inner_text() == ("297,60\u00a0€" if french else "€297.60")
        assert rows.nth(1).locator("[data-testid=invoice-pdf]").get_attribute("href") == "https://pay.stripe.com/invoice/in_1/pdf"
        assert ("TVA (20 % en France)" if french else "VAT (20 % in France)") in page.locator("[data-testid=vat-note]").inner_text()
        screenshot(page, f"billing-05-invoices-{locale}")


def test_plan_change_preview_then_confirmation_in_the_browser(app, live_server, billing_on, make_agency):
    from tests.test_billing import paying_agency

    agency, customer, sub = paying_agency(app, billing_on, lambda: make_agency("Agence Lumière"))
    with chromium() as browser:
        page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 1000})
        login(page, live_server, agency)
        page.goto(f"{live_server}/a/{agency.slug}/billing/")
        page.click("[data-testid=change-network-month]")
        page.locator("[data-testid=change-preview]").wait_for()
        total = page.locator("[data-testid=change-total]").inner_text()
        assert page.locator("[data-testid=change-tax]").inner_text().startswith("€")
        screenshot(page, "billing-06-change-preview")
        page.click("[data-testid=confirm-change]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/billing/")
        assert page.locator("[data-testid=current-plan] .plan-name").inner_text() == "Network"
    (invoice,) = billing_on.invoices.values()
    assert total == f"€{invoice['total'] / 100:,.2f}"
    assert not billing_on.calls("POST", "/v1/checkout/sessions")
