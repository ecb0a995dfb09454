"""Stripe webhooks: signatures on the raw body, each event once, order-proof, one agency only."""
import json
import time

from sqlalchemy import select

from saas import db
from saas.billing.models import StripeEvent
from saas.jobs import get_queue
from tests.fake_stripe import (  # noqa: F401  (fixtures)
    billing_on, checkout_completed_object, event, fake_stripe, invoice_object, sign,
)
from tests.test_billing import read_subscription, set_subscription
from tests.conftest import run_worker


def post_event(client, payload, signature=None, timestamp=None):
    """Deliver a webhook as Stripe does: raw JSON body, Stripe-Signature header, no CSRF token."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    headers = {"Stripe-Signature": signature or sign(body, timestamp=timestamp), "Content-Type": "application/json"}
    return client.post("/billing/webhook", data=body, headers=headers, csrf=False)



def queued(app):
    """How many jobs wait on the default queue."""
    with app.app_context():
        return get_queue("default").count


def stored_events(app):
    """The stored Stripe events, by id."""
    with app.app_context():
        return {row.id: row for row in db.session.scalars(select(StripeEvent))}


def link_customer(app, agency, fake, price="price_solo", status="active"):
    """Give an agency a Stripe customer and a live subscription, known to the fake too."""
    customer = fake.add_customer(agency.owner_email)
    sub = fake.add_subscription(customer, price, status=status, metadata={"agency_id": str(agency.id)})
    set_subscription(app, agency, stripe_customer_id=customer, stripe_subscription_id=sub["id"], status=status,
                     plan="solo")
    return customer, sub


def test_signed_checkout_completion_subscribes_the_agency(app, billing_on, client, make_agency):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    sub = billing_on.add_subscription(customer, "price_network", metadata={"agency_id": str(agency.id)})
    response = post_event(client, event("checkout.session.completed", checkout_completed_object(customer, sub["id"], agency.id)))
    assert response.status_code == 200 and response.json == {"status": "queued"}
    assert read_subscription(app, agency).stripe_customer_id is None  # the job does the work
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.plan, subscription.status) == ("network", "active")
    assert (subscription.stripe_customer_id, subscription.stripe_subscription_id) == (customer, sub["id"])
    period_end = sub["items"]["data"][0]["current_period_end"]
    assert int(subscription.current_period_end.timestamp()) == period_end
    assert billing_on.calls("GET", f"/v1/subscriptions/{sub['id']}")


def test_wrong_signature_is_400_and_stores_nothing(app, billing_on, client, make_agency):
    agency = make_agency()
    body = json.dumps(event("customer.subscription.deleted", {"id": "sub_x", "customer": "cus_x"}))
    assert post_event(client, body, signature=sign(body, secret="whsec_wrong")).status_code == 400
    assert post_event(client, body, signature="t=1,v1=deadbeef").status_code == 400
    assert client.post("/billing/webhook", data=body, csrf=False).status_code == 400  # no header at all
    assert post_event(client, body.replace("sub_x", "sub_y"), signature=sign(body)).status_code == 400  # body changed
    assert stored_events(app) == {} and queued(app) == 0
    assert read_subscription(app, agency).status == "trialing"


def test_stale_timestamp_is_400(app, billing_on, client):
    payload = event("invoice.paid", invoice_object("cus_x", "sub_x"))
    assert post_event(client, payload, timestamp=int(time.time()) - 600).status_code == 400
    assert stored_events(app) == {}


def test_the_same_event_twice_is_processed_once(app, billing_on, client, make_agency):
    agency = make_agency()
    customer, sub = link_customer(app, agency, billing_on)
    payload = event("customer.subscription.updated", sub)
    assert post_event(client, payload).json == {"status": "queued"}
    assert post_event(client, payload).json == {"status": "queued"}  # still pending: the same job, not a second
    assert queued(app) == 1
    run_worker(app)
    replay = post_event(client, payload)
    assert replay.status_code == 200 and replay.json == {"status": "duplicate"}
    run_worker(app)
    assert len(billing_on.calls("GET", f"/v1/subscriptions/{sub['id']}")) == 1
    assert stored_events(app)[payload["id"]].outcome == "synced:active"


def test_subscription_updated_before_created_ends_in_the_current_state(app, billing_on, client, make_agency):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    sub = billing_on.add_subscription(customer, "price_agency", status="active", metadata={"agency_id": str(agency.id)})
    created = dict(sub, status="incomplete")  # what Stripe said first, delivered last
    now = int(time.time())
    post_event(client, event("customer.subscription.updated", sub, created=now))
    post_event(client, event("customer.subscription.created", created, created=now - 5))
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.status, subscription.plan, subscription.stripe_subscription_id) == ("active", "agency", sub["id"])


def test_deleted_subscription_makes_the_workspace_read_only(app, billing_on, client, make_agency, logged_in):
    agency = make_agency()
    customer, sub = link_customer(app, agency, billing_on)
    set_subscription(app, agency, trial_ends_at=None)
    billing_on.subscriptions[sub["id"]]["status"] = "canceled"
    post_event(client, event("customer.subscription.deleted", billing_on.subscriptions[sub["id"]]))
    run_worker(app)
    assert read_subscription(app, agency).status == "canceled"
    owner = logged_in(agency.owner_email)
    assert owner.post(f"/a/{agency.slug}/clients/", data={"name": "New"}).status_code == 402
    assert owner.get(f"/a/{agency.slug}/clients/").status_code == 200


def test_unknown_event_type_is_acknowledged_and_changes_nothing(app, billing_on, client, make_agency):
    agency = make_agency()
    before = read_subscription(app, agency)
    payload = event("customer.created", {"id": "cus_new", "object": "customer", "metadata": {"agency_id": str(agency.id)}})
    response = post_event(client, payload)
    assert response.status_code == 200 and response.json == {"status": "ignored"}
    assert queued(app) == 0 and stored_events(app)[payload["id"]].outcome == "ignored"
    after = read_subscription(app, agency)
    assert (after.stripe_customer_id, after.status, after.plan) == (before.stripe_customer_id, before.status, before.plan)


def test_an_event_for_agency_a_never_touches_agency_b(app, billing_on, client, make_agency):
    a, b = make_agency("Agence Alpha"), make_agency("Agence Beta")
    customer_a, sub_a = link_customer(app, a, billing_on)
    customer_b, sub_b = link_customer(app, b, billing_on)
    before_b = read_subscription(app, b)
    billing_on.subscriptions[sub_a["id"]].update(status="canceled")
    # A's subscription, claiming to be B's: the customer decides, never the claim.
    lying = dict(billing_on.subscriptions[sub_a["id"]], metadata={"agency_id": str(b.id)})
    post_event(client, event("customer.subscription.deleted", lying))
    # An unknown customer claiming B, which already has its own customer: matched to no one.
    stranger = billing_on.add_customer("stranger@evil.test")
    stranger_sub = billing_on.add_subscription(stranger, "price_network")
    post_event(client, event("checkout.session.completed", checkout_completed_object(stranger, stranger_sub["id"], b.id)))
    run_worker(app)
    assert read_subscription(app, a).status == "canceled"
    after_b = read_subscription(app, b)
    assert (after_b.status, after_b.plan, after_b.stripe_customer_id, after_b.stripe_subscription_id) == (
        before_b.status, before_b.plan, customer_b, sub_b["id"])
    assert "no_agency" in {row.outcome for row in stored_events(app).values()}


def test_invoice_events_out_of_order_keep_the_newest(app, billing_on, client, make_agency):
    agency = make_agency()
    customer, sub = link_customer(app, agency, billing_on)
    now = int(time.time())
    post_event(client, event("invoice.paid", invoice_object(customer, sub["id"]), created=now))
    post_event(client, event("invoice.payment_failed", invoice_object(customer, sub["id"], status="open"), created=now - 60))
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.invoice_status, subscription.invoice_amount, subscription.invoice_currency) == ("paid", 11900, "eur")
    assert subscription.invoice_url.startswith("https://invoice.stripe.com/i/")


def test_failed_payment_starts_the_grace_period(app, billing_on, client, make_agency, logged_in):
    agency = make_agency()
    customer, sub = link_customer(app, agency, billing_on)
    billing_on.subscriptions[sub["id"]]["status"] = "past_due"
    post_event(client, event("invoice.payment_failed", invoice_object(customer, sub["id"], status="open")))
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.status, subscription.invoice_status) == ("past_due", "payment_failed")
    assert subscription.past_due_since is not None
    owner = logged_in(agency.owner_email)
    page = owner.get(f"/a/{agency.slug}/billing/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Payment overdue" in page and "Payment failed" in page
    assert owner.post(f"/a/{agency.slug}/clients/", data={"name": "Still working"}).status_code == 302


def test_changing_plan_through_checkout_ends_the_previous_subscription(app, billing_on, client, make_agency):
    agency = make_agency()
    customer, old = link_customer(app, agency, billing_on, price="price_solo")
    new = billing_on.add_subscription(customer, "price_network", created=old["created"] + 10,
                                      metadata={"agency_id": str(agency.id)})
    post_event(client, event("checkout.session.completed", checkout_completed_object(customer, new["id"], agency.id)))
    post_event(client, event("customer.subscription.updated", old))  # the old one's news, late
    run_worker(app)
    subscription = read_subscription(app, agency)
    assert (subscription.plan, subscription.stripe_subscription_id, subscription.status) == ("network", new["id"], "active")
    (cancel,) = billing_on.calls("DELETE", f"/v1/subscriptions/{old['id']}")
    assert cancel["params"] == {"prorate": "true"}
    assert billing_on.subscriptions[old["id"]]["status"] == "canceled"


def test_webhook_is_refused_when_billing_is_off(app, client):
    assert post_event(client, event("invoice.paid", invoice_object("cus_x", "sub_x"))).status_code == 404

