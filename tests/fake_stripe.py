"""A local stand-in for api.stripe.com, for tests that use the real stripe library.

FakeStripe is a ThreadingHTTPServer in a thread: it records every request (method, path,
form parameters, headers) and answers JSON shaped like Stripe's published objects
(checkout.session, billing_portal.session, customer, subscription). The Checkout and
portal URLs it hands out are pages served by the fake itself.

Also here: Stripe-shaped events, signed the way Stripe signs webhooks, and the
`fake_stripe` / `billing_on` fixtures that point the app at the fake.
"""
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

WEBHOOK_SECRET = "whsec_test_relais"
PRICES = {"STRIPE_PRICE_SOLO": "price_solo", "STRIPE_PRICE_AGENCY": "price_agency",
          "STRIPE_PRICE_NETWORK": "price_network"}
_ids = itertools.count(1)


def new_id(prefix):
    """A fresh Stripe-looking id such as sub_test_000012."""
    return f"{prefix}_test_{next(_ids):06d}"


def nested(params, prefix):
    """Read form keys like metadata[agency_id] back into a dict."""
    start = f"{prefix}["
    return {key[len(start):-1]: value for key, value in params.items() if key.startswith(start) and key.count("[") == 1}


def subscription_object(sub_id, customer, price, status="active", metadata=None, created=None,
                        period_end=None, trial_end=None, cancel_at_period_end=False):
    """A subscription as the API returns it (item-level billing periods, API 2025+)."""
    created = created or int(time.time())
    period_end = period_end or created + 30 * 86400
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": created,
        "currency": "eur", "livemode": False, "metadata": metadata or {}, "collection_method": "charge_automatically",
        "billing_cycle_anchor": created, "cancel_at": None, "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": None, "ended_at": None, "trial_start": created if trial_end else None, "trial_end": trial_end,
        "latest_invoice": None, "default_payment_method": None, "description": None,
        "items": {"object": "list", "has_more": False, "url": f"/v1/subscription_items?subscription={sub_id}", "data": [{
            "id": new_id("si"), "object": "subscription_item", "created": created, "quantity": 1, "metadata": {},
            "subscription": sub_id, "current_period_start": created, "current_period_end": period_end,
            "price": {"id": price, "object": "price", "active": True, "currency": "eur", "type": "recurring",
                      "unit_amount": 11900, "product": "prod_test_relais",
                      "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"}},
        }]},
    }


def invoice_object(customer, subscription_id, amount=11900, status="paid"):
    """An invoice as the API returns it (the subscription under parent, API 2025+)."""
    invoice_id = new_id("in")
    return {
        "id": invoice_id, "object": "invoice", "customer": customer, "status": status, "currency": "eur",
        "amount_due": amount, "amount_paid": amount if status == "paid" else 0, "livemode": False,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}", "created": int(time.time()),
        "parent": {"type": "subscription_details", "quote_details": None,
                   "subscription_details": {"subscription": subscription_id, "metadata": {}}},
    }


def checkout_completed_object(customer, subscription_id, agency_id):
    """A completed Checkout session in subscription mode."""
    return {"id": new_id("cs"), "object": "checkout.session", "mode": "subscription", "status": "complete",
            "payment_status": "paid", "customer": customer, "subscription": subscription_id,
            "client_reference_id": str(agency_id), "metadata": {"agency_id": str(agency_id)}, "livemode": False}


def event(event_type, obj, created=None, event_id=None):
    """A Stripe event (snapshot payload) wrapping `obj`."""
    return {"id": event_id or new_id("evt"), "object": "event", "api_version": "2026-10-28.endive",
            "created": created or int(time.time()), "type": event_type, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


def sign(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """The Stripe-Signature header for a raw body: t=...,v1=HMAC-SHA256(secret, "t.body")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class FakeStripe:
    """The fake API: state the tests arrange (subscriptions) and the requests it received."""

    def __init__(self):
        self.requests = []
        self.subscriptions = {}
        self.customers = {}
        self.fail_status = None  # answer every API call with this error status when set
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def add_subscription(self, customer, price="price_agency", **fields):
        """Arrange a subscription Stripe will return; return it."""
        sub = subscription_object(fields.pop("sub_id", None) or new_id("sub"), customer, price, **fields)
        self.subscriptions[sub["id"]] = sub
        return sub

    def calls(self, method, path_prefix):
        """The recorded requests with this method whose path starts with `path_prefix`."""
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)]

    def answer(self, method, path, params):
        """Return (status, body) for one API request."""
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._checkout_session(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            session_id = new_id("bps")
            return 200, {"id": session_id, "object": "billing_portal.session", "customer": params.get("customer"),
                         "return_url": params.get("return_url"), "url": f"{self.url}/portal/{session_id}",
                         "created": int(time.time()), "livemode": False, "locale": params.get("locale"),
                         "configuration": "bpc_test_relais", "flow": None, "on_behalf_of": None}
        if parts[:2] == ["v1", "customers"] and len(parts) == 3 and parts[2] in self.customers:
            return 200, self.customers[parts[2]]
        if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3 and parts[2] in self.subscriptions:
            sub = self.subscriptions[parts[2]]
            if method == "DELETE":
                sub.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
            return 200, sub
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": f"No such object: {path}"}}

    def _checkout_session(self, params):
        """A new Checkout session whose URL is a page of this fake."""
        session_id = new_id("cs")
        customer = params.get("customer")
        if customer and customer not in self.customers:
            return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                   "message": f"No such customer: '{customer}'"}}
        return 200, {
            "id": session_id, "object": "checkout.session", "mode": params.get("mode"), "status": "open",
            "url": f"{self.url}/pay/{session_id}", "customer": customer,
            "customer_email": params.get("customer_email"), "client_reference_id": params.get("client_reference_id"),
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "metadata": nested(params, "metadata"), "subscription": None, "payment_status": "unpaid",
            "livemode": False, "created": int(time.time()), "expires_at": int(time.time()) + 86400,
        }

    def add_customer(self, email="owner@agency.test"):
        """Arrange a customer Stripe knows; return its id."""
        customer_id = new_id("cus")
        self.customers[customer_id] = {"id": customer_id, "object": "customer", "email": email, "livemode": False,
                                       "metadata": {}, "created": int(time.time())}
        return customer_id


class _Handler(BaseHTTPRequestHandler):
    fake = None

    def log_message(self, *args):
        """Keep the test output quiet."""

    def _serve(self):
        """Record an API request and answer it; serve a plain page for hosted URLs."""
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = dict(parse_qsl(body or parts.query, keep_blank_values=True))
        if not parts.path.startswith("/v1/"):
            return self._send(200, f"<!doctype html><title>Fake Stripe</title><h1>Fake Stripe page {parts.path}</h1>",
                              "text/html")
        self.fake.requests.append({"method": self.command, "path": parts.path, "params": params,
                                   "headers": dict(self.headers)})
        if self.fake.fail_status:
            return self._send(self.fake.fail_status, json.dumps({"error": {"type": "api_error", "message": "boom"}}),
                              extra={"Stripe-Should-Retry": "false"})
        status, payload = self.fake.answer(self.command, parts.path, params)
        return self._send(status, json.dumps(payload))

    def _send(self, status, text, content_type="application/json", extra=None):
        """Write one HTTP response."""
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", new_id("req"))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve


@pytest.fixture
def fake_stripe():
    """A running fake Stripe API."""
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def billing_on(app, fake_stripe):
    """Turn billing on, with the app's Stripe client pointed at the fake; restored after."""
    settings = {"STRIPE_SECRET_KEY": "sk_test_relais", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_API_BASE": fake_stripe.url, **PRICES}
    previous = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield fake_stripe
    app.config.update(previous)
