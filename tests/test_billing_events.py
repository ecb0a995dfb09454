"""Billing events beyond the subscription itself: invoices never lost, their history, VAT, and the mails
(trial ending, payment failed, 3-D Secure), paused and resumed subscriptions, SEPA's late answers, cancel_at."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency, User
from saas.billing.models import Invoice, StripeEvent
from tests.conftest import run_worker
from tests.fake_stripe import (  # noqa: F401  (fixtures)
    billing_on, checkout_completed_object, event, fake_stripe, invoice_object,
)
from tests.mailbox import text_of
from tests.test_billing import ENGLISH, paying_agency, read_subscription, set_subscription
from tests.test_billing_webhooks import post_event, stored_events


def invoices_of(app, agency):
    """The agency's invoice rows, oldest first."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(Invoice).order_by(Invoice.issued_at, Invoice.id)).all()


def set_owner(app, agency, locale=None, zone=None):
    """The owner's language and the agency's time zone."""
    with app.app_context():
        if locale:
            db.session.get(User, agency.owner_id).locale = locale
        if zone:
            db.session.get(Agency, agency.id).timezone = zone
        db.commit()


def test_subscribing_in_stripe_order_links_the_first_invoice_and_shows_it_with_vat(app, billing_on, client, make_agency,
                                                                                    logged_in):
    agency = make_agency()
    owner = logged_in(agency.owner_email)
    assert owner.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "agency"}).status_code == 303
    (session_id,) = billing_on.sessions
    sub, invoice, events = billing_on.complete_checkout(session_id)
    assert [e["type"] for e in events].index("invoice.paid") < [e["type"] for e in events].index("checkout.session.completed")
    for payload in events:
        assert post_event(client, payload).status_code == 200
    run_worker(app)
    assert {row.outcome for row in stored_events(app).values()} <= {"synced:active", "ignored"}
    subscription = read_subscription(app, agency)
    assert (subscription.status, subscription.plan, subscription.stripe_subscription_id) == ("active", "agency", sub["id"])
    (row,) = invoices_of(app, agency)
    assert (row.number, row.status, row.total, row.tax, row.subtotal) == (invoice["number"], "paid", 11900, 1983, 9917)
    assert row.pdf_url == invoice["invoice_pdf"]
    page = owner.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    history = re.search(r'data-testid="invoices".*?</section>', page, re.S).group(0)
    assert invoice["number"] in history and "€19.83" in history and "€119.00" in history and "€99.17" in history
    assert f'href="{invoice["invoice_pdf"]}"' in history
    french = owner.get(f"/a/{agency.slug}/billing/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "19,83\u00a0€" in re.search(r'data-testid="invoices".*?</section>', french, re.S).group(0)


def test_an_invoice_before_its_customer_is_linked_waits_and_is_applied_once_it_is(app, billing_on, client, make_agency):
    """A customer Relais has not linked yet (made outside Checkout's start) and no agency id anywhere: the invoice
    waits, unprocessed, and is applied when the Checkout completion links the customer."""
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    sub = billing_on.add_subscription(customer, "price_solo")
    paid = event("invoice.paid", invoice_object(customer, sub["id"], amount=4680))
    post_event(client, paid)
    run_worker(app)
    row = stored_events(app)[paid["id"]]
    assert (row.outcome, row.processed_at) == ("waiting_for_agency", None)
    assert invoices_of(app, agency) == []
    post_event(client, event("checkout.session.completed", checkout_completed_object(customer, sub["id"], agency.id)))
    run_worker(app)
    row = stored_events(app)[paid["id"]]
    assert row.outcome == "synced:active" and row.processed_at is not None
    (invoice,) = invoices_of(app, agency)
    assert (invoice.status, invoice.total) == ("paid", 4680)
    assert read_subscription(app, agency).invoice_status == "paid"


def test_an_invoice_carrying_the_agency_in_its_subscription_metadata_is_linked_at_once(app, billing_on, client,
                                                                                       make_agency):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    sub = billing_on.add_subscription(customer, "price_solo", metadata={"agency_id": str(agency.id)})
    paid = event("invoice.paid", invoice_object(customer, sub["id"], metadata={"agency_id": str(agency.id)}))
    post_event(client, paid)
    run_worker(app)
    assert stored_events(app)[paid["id"]].outcome == "synced:active"
    assert read_subscription(app, agency).stripe_customer_id == customer and len(invoices_of(app, agency)) == 1


def test_an_invoice_of_a_replaced_subscription_goes_to_the_history_only(app, billing_on, client, make_agency):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    old = billing_on.add_subscription(customer, "price_network", status="canceled")
    post_event(client, event("invoice.paid", invoice_object(customer, sub["id"], amount=4680), created=1_800_000_000))
    post_event(client, event("invoice.payment_failed", invoice_object(customer, old["id"], status="open"),
                             created=1_800_000_100))
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.invoice_status, subscription.invoice_amount) == ("paid", 4680)
    assert sorted(row.status for row in invoices_of(app, agency)) == ["paid", "payment_failed"]


def test_an_older_event_of_an_invoice_never_overwrites_a_newer_one(app, billing_on, client, make_agency):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    invoice = invoice_object(customer, sub["id"], status="open")
    post_event(client, event("invoice.paid", dict(invoice, status="paid"), created=1_800_000_100))
    post_event(client, event("invoice.finalized", invoice, created=1_800_000_000))
    post_event(client, event("invoice.finalized", invoice, created=1_800_000_100))  # the same second
    run_worker(app)
    (row,) = invoices_of(app, agency)
    assert row.status == "paid"


def test_trial_will_end_mails_the_owner_in_their_language_with_the_agency_time(app, billing_on, client, make_agency,
                                                                             make_member, mailbox):
    agency, customer, sub = paying_agency(app, billing_on, make_agency, price="price_agency", plan="agency")
    make_member(agency, "admin@agency.test", role="admin")
    set_owner(app, agency, locale="fr", zone="Pacific/Noumea")
    trial_end = int(datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc).timestamp())  # 2 Dec, 07:30 in Nouméa
    billing_on.subscriptions[sub["id"]].update(status="trialing", trial_end=trial_end)
    payload = event("customer.subscription.trial_will_end", billing_on.subscriptions[sub["id"]])
    post_event(client, payload)
    post_event(client, payload)  # a replay: one mail
    run_worker(app)
    (message,) = mailbox.messages
    assert message["To"] == agency.owner_email
    assert message["Subject"] == f"Votre essai Relais pour {agency.name} se termine le 2 décembre 2026"
    body = text_of(message)
    assert "2 décembre 2026 à 07:30" in body and f"/a/{agency.slug}/billing/" in body


def test_payment_action_required_mails_the_owner_the_link_to_confirm(app, billing_on, client, make_agency, mailbox,
                                                                     logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    set_owner(app, agency, locale="en")
    invoice = invoice_object(customer, sub["id"], status="open")
    post_event(client, event("invoice.payment_action_required", invoice))
    run_worker(app)
    (message,) = mailbox.messages
    assert message["Subject"] == f"Please confirm the payment for {agency.name}"
    assert invoice["hosted_invoice_url"] in text_of(message)
    assert read_subscription(app, agency).invoice_status == "action_required"
    page = logged_in(agency.owner_email).get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert "Awaiting your confirmation" in page and f'href="{invoice["hosted_invoice_url"]}"' in page


def test_a_failed_payment_mails_the_owner(app, billing_on, client, make_agency, mailbox):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    billing_on.subscriptions[sub["id"]]["status"] = "past_due"
    post_event(client, event("invoice.payment_failed", invoice_object(customer, sub["id"], status="open")))
    run_worker(app)
    (message,) = mailbox.messages
    assert "Le paiement pour" in message["Subject"]  # the owner chose no language: the platform's (French)


def test_paused_then_resumed_subscription(app, billing_on, client, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    billing_on.subscriptions[sub["id"]]["status"] = "paused"
    post_event(client, event("customer.subscription.paused", billing_on.subscriptions[sub["id"]]))
    run_worker(app)
    owner = logged_in(agency.owner_email)
    refused = owner.post(f"/a/{agency.slug}/clients/", data={"name": "New"}, headers=ENGLISH)
    assert refused.status_code == 402 and "paused until a payment method is added" in refused.get_data(as_text=True)
    billing_on.subscriptions[sub["id"]]["status"] = "active"
    post_event(client, event("customer.subscription.resumed", billing_on.subscriptions[sub["id"]]))
    run_worker(app)
    assert read_subscription(app, agency).status == "active"
    assert owner.post(f"/a/{agency.slug}/clients/", data={"name": "New"}).status_code == 302


def test_sepa_checkout_answers_later(app, billing_on, client, make_agency, mailbox, logged_in):
    """SEPA Direct Debit: Checkout completes unpaid; the async events tell how the debit went."""
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email, metadata={"agency_id": str(agency.id)})
    set_subscription(app, agency, stripe_customer_id=customer)
    sub = billing_on.add_subscription(customer, "price_solo", status="incomplete", metadata={"agency_id": str(agency.id)})
    session = dict(checkout_completed_object(customer, sub["id"], agency.id), payment_status="unpaid")
    post_event(client, event("checkout.session.completed", session))
    run_worker(app)
    assert read_subscription(app, agency).status == "incomplete"
    # While the debit is pending, no second Checkout (it would be a second subscription, a second charge).
    owner = logged_in(agency.owner_email)
    waiting = owner.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network"}, headers=ENGLISH)
    assert waiting.status_code == 302 and not billing_on.calls("POST", "/v1/checkout/sessions")
    assert "first payment is still being processed" in owner.get(waiting.headers["Location"], headers=ENGLISH).get_data(
        as_text=True)
    billing_on.subscriptions[sub["id"]]["status"] = "active"
    post_event(client, event("checkout.session.async_payment_succeeded", dict(session, payment_status="paid")))
    run_worker(app)
    assert read_subscription(app, agency).status == "active"
    assert mailbox.messages == []
    failed = event("checkout.session.async_payment_failed", session)
    post_event(client, failed)
    run_worker(app)
    assert len(mailbox.messages) == 1
    with app.app_context():
        assert db.session.get(StripeEvent, failed["id"]).processed_at is not None


def test_a_scheduled_cancellation_shows_ends_on_not_renews_on(app, billing_on, client, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    cancel_at = int(datetime(2027, 3, 15, 12, tzinfo=timezone.utc).timestamp())
    billing_on.subscriptions[sub["id"]]["cancel_at"] = cancel_at
    post_event(client, event("customer.subscription.updated", billing_on.subscriptions[sub["id"]]))
    run_worker(app)
    assert read_subscription(app, agency).cancel_at.timestamp() == cancel_at
    owner = logged_in(agency.owner_email)
    page = owner.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="ends-on">Mar 15, 2027' in page and "Renews on" not in page
    french = owner.get(f"/a/{agency.slug}/billing/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'data-testid="ends-on">15 mars 2027' in french


def test_voided_and_odd_invoices_are_kept_without_breaking_the_job(app, billing_on, client, make_agency):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    odd = dict(invoice_object(customer, sub["id"], status="void"), number="N" * 5000,
               hosted_invoice_url="javascript:alert(1)", invoice_pdf="https://x.test/" + "a" * 5000,
               total=None, subtotal=None, total_taxes=None, currency=None, created=None)
    voided = event("invoice.voided", odd)
    post_event(client, voided)
    run_worker(app)
    assert stored_events(app)[voided["id"]].outcome == "synced:active"
    (row,) = invoices_of(app, agency)
    assert (row.status, len(row.number), row.hosted_url, row.pdf_url, row.currency) == ("void", 100, None, None, "eur")


def test_owners_on_relais_own_trial_are_told_three_days_before_it_ends_once(app, billing_on, make_agency, mailbox):
    from datetime import timedelta

    from saas.billing.notices import mail_trials_ending
    from saas.db import utcnow
    from saas.jobs import enqueue

    ending, later = make_agency("Agence Lumière"), make_agency("Agence Plus Tard")
    paying, customer, sub = paying_agency(app, billing_on, lambda: make_agency("Agence Payante"))
    set_owner(app, ending, locale="en", zone="America/Martinique")
    ends_at = (utcnow() + timedelta(days=2, hours=20)).replace(microsecond=0)
    set_subscription(app, ending, trial_ends_at=ends_at)
    set_subscription(app, paying, trial_ends_at=ends_at)  # a Stripe subscription: Stripe's event tells it
    for _ in range(2):
        with app.app_context():
            enqueue(mail_trials_ending)
        run_worker(app)
    (message,) = mailbox.messages
    assert message["To"] == ending.owner_email and message["Subject"].startswith("Your Relais trial for Agence Lumière")
    with app.app_context():
        from saas.i18n import format_date, format_time
        from flask_babel import force_locale

        with app.test_request_context(), tenancy.agency_scope(ending.id), force_locale("en"):
            date, time = format_date(ends_at, "long"), format_time(ends_at, "short")
    assert f"ends on {date} at {time}" in text_of(message)  # in Martinique's time
    assert read_subscription(app, ending).trial_notice_at is not None
    assert read_subscription(app, later).trial_notice_at is None


def test_the_vat_number_typed_in_checkout_or_changed_in_the_portal_is_shown(app, billing_on, client, make_agency,
                                                                            logged_in):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email, metadata={"agency_id": str(agency.id)})
    set_subscription(app, agency, stripe_customer_id=customer)
    sub = billing_on.add_subscription(customer, "price_agency", metadata={"agency_id": str(agency.id)})
    session = checkout_completed_object(customer, sub["id"], agency.id)
    session["customer_details"] = {"email": agency.owner_email, "tax_exempt": "none",
                                   "tax_ids": [{"type": "eu_vat", "value": "FR40303265045"}]}
    post_event(client, event("checkout.session.completed", session))
    run_worker(app)
    owner = logged_in(agency.owner_email)
    page = owner.get(f"/a/{agency.slug}/billing/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'Numéro de TVA</dt><dd data-testid="vat-number">FR40303265045<' in page
    tax_id = {"id": "txi_test_1", "object": "tax_id", "customer": customer, "type": "eu_vat", "value": "FR23334175221",
              "country": "FR", "verification": {"status": "verified"}}
    post_event(client, event("customer.tax_id.created", tax_id))
    run_worker(app)
    assert read_subscription(app, agency).vat_number == "FR23334175221"
    post_event(client, event("customer.tax_id.deleted", tax_id))
    run_worker(app)
    assert read_subscription(app, agency).vat_number is None
    assert 'data-testid="vat-number"' not in owner.get(f"/a/{agency.slug}/billing/").get_data(as_text=True)
