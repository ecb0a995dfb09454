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
import re
import sys
import threading
import time
import types
import typing

import typing_extensions
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

WEBHOOK_SECRET = "whsec_test_relais"
PRICES = {"STRIPE_PRICE_SOLO": "price_solo", "STRIPE_PRICE_AGENCY": "price_agency",
          "STRIPE_PRICE_NETWORK": "price_network", "STRIPE_PRICE_SOLO_YEARLY": "price_solo_yearly",
          "STRIPE_PRICE_AGENCY_YEARLY": "price_agency_yearly", "STRIPE_PRICE_NETWORK_YEARLY": "price_network_yearly"}
PRICE_AMOUNTS = {"price_solo": 3900, "price_agency": 11900, "price_network": 29900, "price_solo_yearly": 39000,
                 "price_agency_yearly": 119000, "price_network_yearly": 299000}
PRICE_INTERVALS = {price: "year" if price.endswith("_yearly") else "month" for price in PRICE_AMOUNTS}
_ids = itertools.count(1)


def new_id(prefix):
    """A fresh Stripe-looking id such as sub_test_000012."""
    return f"{prefix}_test_{next(_ids):06d}"


def nested(params, prefix):
    """Read form keys like metadata[agency_id] back into a dict."""
    start = f"{prefix}["
    return {key[len(start):-1]: value for key, value in params.items() if key.startswith(start) and key.count("[") == 1}


def nested_deep(params, prefix):
    """Read form keys like subscription_data[metadata][agency_id] back into a dict."""
    start = f"{prefix}["
    return {key[len(start):-1]: value for key, value in params.items()
            if key.startswith(start) and "[" not in key[len(start):-1]}


def price_object(price):
    """A recurring price as the API returns it."""
    interval = PRICE_INTERVALS.get(price, "month")
    return {"id": price, "object": "price", "active": True, "currency": "eur", "type": "recurring",
            "unit_amount": PRICE_AMOUNTS.get(price, 11900), "product": "prod_test_relais", "tax_behavior": "exclusive",
            "recurring": {"interval": interval, "interval_count": 1, "usage_type": "licensed"}}


# What the fake checks each request against: the pinned library's parameter types (stripe.params).
def schema_for(method, path):
    """The stripe.params TypedDict of a request (None for reads, which carry no body)."""
    from stripe import params as p
    from stripe.params import billing_portal, checkout

    if method == "DELETE" and path.startswith("/v1/subscriptions/"):
        return p.SubscriptionCancelParams
    if method != "POST":
        return None
    if path.startswith("/v1/subscriptions/"):
        return p.SubscriptionUpdateParams
    return {"/v1/checkout/sessions": checkout.SessionCreateParams, "/v1/customers": p.CustomerCreateParams,
            "/v1/billing_portal/sessions": billing_portal.SessionCreateParams,
            "/v1/invoices/create_preview": p.InvoiceCreatePreviewParams}.get(path, _Unchecked)


class _Unchecked:
    """A POST this fake does not know: refused below (an endpoint Relais should not call without a test)."""


def _tree(params):
    """Form keys (a[b][0][c]) as a nested dict."""
    root = {}
    for key, value in params.items():
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return root


def _resolve(annotation, module):
    """A (possibly string) annotation of a stripe.params module evaluated; Any when it cannot be."""
    if isinstance(annotation, str):
        annotation = typing.ForwardRef(annotation)
    if isinstance(annotation, typing.ForwardRef):
        try:
            annotation = eval(annotation.__forward_arg__, vars(sys.modules[module]))  # noqa: S307  (the library's own types)
        except Exception:
            return typing.Any
    return annotation


_OPTIONS = {"api_key", "stripe_version", "stripe_account", "stripe_context", "idempotency_key", "headers"}


def _check(annotation, value, module, where):
    """The first problem of `value` against `annotation`, or None."""
    annotation = _resolve(annotation, module)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required):
        return _check(args[0], value, module, where)
    if origin in (typing.Union, types.UnionType):
        problems = [_check(arg, value, module, where) for arg in args]
        return None if any(problem is None for problem in problems) else problems[0]
    if annotation is typing.Any:
        return None
    if typing_extensions.is_typeddict(annotation):
        if not isinstance(value, dict):
            return f"Invalid object: {where}"
        fields = {}
        for klass in reversed(annotation.__mro__):
            fields.update(getattr(klass, "__annotations__", {}))
        for key, item in value.items():
            if key not in fields or key in _OPTIONS and not where:
                return f"Received unknown parameter: {where}[{key}]" if where else f"Received unknown parameter: {key}"
            problem = _check(fields[key], item, annotation.__module__, f"{where}[{key}]" if where else key)
            if problem:
                return problem
        missing = sorted(set(annotation.__required_keys__) - set(value) - _OPTIONS)
        return f"Missing required param: {where}[{missing[0]}]" if missing else None
    if origin in (list, typing.List):
        if not isinstance(value, dict) or not all(key.isdigit() for key in value):
            return f"Invalid array: {where}"
        return next(filter(None, (_check(args[0], item, module, f"{where}[{k}]") for k, item in value.items())), None)
    if origin in (dict, typing.Dict) or getattr(annotation, "__name__", "") == "UntypedStripeObject" or getattr(
            origin, "__name__", "") == "UntypedStripeObject":
        return None if isinstance(value, dict) or value == "" else f"Invalid hash: {where}"
    if isinstance(value, dict):
        return f"Invalid {getattr(annotation, '__name__', annotation)}: {where} is not an object"
    if origin is typing.Literal:
        return None if value in args else f"Invalid {where}: must be one of {', '.join(map(str, args))}"
    if annotation is bool:
        return None if value in ("true", "false") else f"Invalid boolean: {where}"
    if annotation is int:
        return None if value.lstrip("-").isdigit() else f"Invalid integer: {where}"
    return None


# What a subscription update with payment_behavior=pending_if_incomplete may carry (Stripe's pending updates
# reference; metadata since API 2026-05-27).
PENDING_UPDATE_KEYS = {"expand", "payment_behavior", "proration_behavior", "proration_date", "billing_cycle_anchor",
                       "items", "trial_end", "trial_from_plan", "add_invoice_items", "metadata"}
PENDING_ITEM_KEYS = {"id", "price", "quantity"}


def pending_update_problem(method, path, params):
    """Why Stripe would refuse a pending update (a parameter it cannot hold pending), or None."""
    if method != "POST" or not path.startswith("/v1/subscriptions/") or \
            params.get("payment_behavior") != "pending_if_incomplete":
        return None
    tree = _tree(params)
    extra = sorted(set(tree) - PENDING_UPDATE_KEYS) + sorted(
        f"items[{n}][{key}]" for n, item in (tree.get("items") or {}).items() for key in set(item) - PENDING_ITEM_KEYS)
    return f"The following parameters cannot be used with pending updates: {', '.join(extra)}" if extra else None


def check_params(schema, params):
    """Why Stripe would refuse these form parameters (unknown, missing, wrong shape), or None."""
    if schema is _Unchecked:
        return "This fake does not know this endpoint: add it to tests/fake_stripe.py with its parameter types."
    return _check(schema, _tree(params), schema.__module__, "")


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
            "price": price_object(price),
        }]},
    }


def invoice_object(customer, subscription_id, amount=11900, status="paid", tax=None, subtotal=None, metadata=None,
                   created=None):
    """An invoice as the API returns it (the subscription under parent, API 2025+); `amount` is the total,
    VAT included (20 % of the subtotal unless `tax` says otherwise)."""
    invoice_id = new_id("in")
    if tax is None:
        subtotal = round(amount / 1.2)
        tax = amount - subtotal
    subtotal = amount - tax if subtotal is None else subtotal
    return {
        "id": invoice_id, "object": "invoice", "customer": customer, "status": status, "currency": "eur",
        "number": f"RELAIS-{invoice_id[-6:]}", "subtotal": subtotal, "total": amount,
        "total_taxes": [{"amount": tax, "tax_behavior": "exclusive", "taxability_reason": "standard_rated",
                         "taxable_amount": subtotal, "type": "tax_rate_details"}] if tax else [],
        "amount_due": amount, "amount_paid": amount if status == "paid" else 0, "livemode": False,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
        "invoice_pdf": f"https://pay.stripe.com/invoice/{invoice_id}/pdf", "created": created or int(time.time()),
        "parent": {"type": "subscription_details", "quote_details": None,
                   "subscription_details": {"subscription": subscription_id, "metadata": metadata or {}}},
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
    """The fake API: state the tests arrange (customers, subscriptions) and the requests it received.

    Every POST and DELETE is checked against the pinned library's parameter types (see `check_params`):
    an unknown or missing parameter answers 400 as Stripe does, and is kept in `invalid` (the
    `billing_on` fixture fails the test on any). An Idempotency-Key answers its first response again.
    """

    def __init__(self):
        self.requests = []
        self.invalid = []  # (path, message) of every request Stripe would have refused
        self.subscriptions = {}
        self.customers = {}
        self.invoices = {}  # invoices the fake itself issued (prorations), by id
        self.sessions = {}  # Checkout sessions created, by id, with the parameters received
        self.idempotent = {}  # Idempotency-Key -> (params, status, body)
        self.fail_status = None  # answer every API call with this error status when set
        self.lock = threading.Lock()
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

    def answer(self, method, path, params, headers=None):
        """Return (status, body) for one API request (checked, and idempotent when a key is sent)."""
        schema = schema_for(method, path)
        if schema is not None:
            problem = check_params(schema, params)
            if problem:
                self.invalid.append((path, problem))
                return 400, {"error": {"type": "invalid_request_error", "message": problem}}
        problem = pending_update_problem(method, path, params)
        if problem:
            self.invalid.append((path, problem))
            return 400, {"error": {"type": "invalid_request_error", "message": problem}}
        key = (headers or {}).get("Idempotency-Key")
        with self.lock:
            if key and key in self.idempotent:
                known, status, body = self.idempotent[key]
                if known != params:
                    return 400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests "
                                           "can only be used with the same parameters they were first used with."}}
                return status, body
            status, body = self._answer(method, path, params)
            if key and method == "POST":
                self.idempotent[key] = (params, status, body)
            return status, body

    def _answer(self, method, path, params):
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._checkout_session(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            session_id = new_id("bps")
            return 200, {"id": session_id, "object": "billing_portal.session", "customer": params.get("customer"),
                         "return_url": params.get("return_url"), "url": f"{self.url}/portal/{session_id}",
                         "created": int(time.time()), "livemode": False, "locale": params.get("locale"),
                         "configuration": "bpc_test_relais", "flow": None, "on_behalf_of": None}
        if method == "POST" and path == "/v1/customers":
            customer_id = self.add_customer(params.get("email"), name=params.get("name"),
                                            metadata=nested(params, "metadata"))
            return 200, self.customers[customer_id]
        if method == "POST" and path == "/v1/invoices/create_preview":
            return self._preview(params)
        if parts[:2] == ["v1", "customers"] and len(parts) == 3 and parts[2] in self.customers:
            return 200, self.customers[parts[2]]
        if parts[:2] == ["v1", "subscriptions"] and len(parts) == 3 and parts[2] in self.subscriptions:
            sub = self.subscriptions[parts[2]]
            if method == "DELETE":
                sub.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
            if method == "POST":
                self._update_subscription(sub, params)
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
        refusal = None
        if any(key.startswith("customer_update[") for key in params) and not customer:
            refusal = "customer_update can only be used with customer."
        elif customer and params.get("tax_id_collection[enabled]") == "true" and params.get("customer_update[name]") != "auto":
            refusal = "tax_id_collection with an existing customer requires customer_update[name]=auto."
        elif customer and params.get("automatic_tax[enabled]") == "true" and \
                params.get("customer_update[address]") != "auto" and not self.customers[customer].get("address"):
            refusal = "Automatic tax needs the customer's address: pass customer_update[address]=auto."
        if refusal:
            self.invalid.append(("/v1/checkout/sessions", refusal))
            return 400, {"error": {"type": "invalid_request_error", "message": refusal}}
        self.sessions[session_id] = params
        return 200, {
            "id": session_id, "object": "checkout.session", "mode": params.get("mode"), "status": "open",
            "url": f"{self.url}/pay/{session_id}", "customer": customer,
            "customer_email": params.get("customer_email"), "client_reference_id": params.get("client_reference_id"),
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "metadata": nested(params, "metadata"), "subscription": None, "payment_status": "unpaid",
            "livemode": False, "created": int(time.time()), "expires_at": int(time.time()) + 86400,
        }

    def _proration(self, sub, new_price, when):
        """What changing `sub` to `new_price` at `when` costs (cents, excluding tax): the unused time of the
        old price credited, the remaining time of the new one charged (Stripe's proration)."""
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        left = max(0.0, min(1.0, (end - when) / max(1, end - start)))
        old_amount, new_amount = PRICE_AMOUNTS[item["price"]["id"]], PRICE_AMOUNTS[new_price]
        if PRICE_INTERVALS[item["price"]["id"]] != PRICE_INTERVALS[new_price]:  # a new cycle starts now
            return [(-round(old_amount * left), item["price"]["id"]), (new_amount, new_price)]
        return [(-round(old_amount * left), item["price"]["id"]), (round(new_amount * left), new_price)]

    def _invoice_from(self, sub, lines, tax_rate=0.2):
        """An invoice object for proration lines (20 % VAT, as Stripe Tax computes for a French customer)."""
        subtotal = sum(amount for amount, _ in lines)
        tax = round(subtotal * tax_rate) if subtotal > 0 else 0
        invoice = invoice_object(sub["customer"], sub["id"], amount=max(0, subtotal + tax), tax=tax, subtotal=subtotal)
        invoice["lines"] = {"object": "list", "has_more": False, "data": [
            {"id": new_id("il"), "object": "line_item", "amount": amount, "currency": "eur",
             "pricing": {"type": "price_details", "price_details": {"price": price, "product": "prod_test_relais"}},
             "parent": {"type": "subscription_item_details",
                        "subscription_item_details": {"proration": True, "subscription": sub["id"]}}}
            for amount, price in lines]}
        return invoice

    def _preview(self, params):
        """The invoice a subscription change would issue now (prorations), not stored."""
        sub = self.subscriptions.get(params.get("subscription"))
        new_price = params.get("subscription_details[items][0][price]")
        if sub is None or new_price not in PRICE_AMOUNTS:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such subscription or price"}}
        when = int(params.get("subscription_details[proration_date]") or time.time())
        invoice = self._invoice_from(sub, self._proration(sub, new_price, when))
        invoice.update(id=None, status="draft", number=None, hosted_invoice_url=None, invoice_pdf=None)
        return 200, invoice

    def _update_subscription(self, sub, params):
        """Apply a subscription update: a new price (prorated, invoiced at once when asked), cancel_at."""
        new_price = params.get("items[0][price]")
        if new_price:
            when = int(params.get("proration_date") or time.time())
            lines = self._proration(sub, new_price, when)
            item = sub["items"]["data"][0]
            item["price"] = price_object(new_price)
            if PRICE_INTERVALS[new_price] == "year" and item["current_period_end"] - when < 360 * 86400:
                item["current_period_start"], item["current_period_end"] = when, when + 365 * 86400
            if params.get("proration_behavior") == "always_invoice":
                invoice = self._invoice_from(sub, lines)
                self.invoices[invoice["id"]] = invoice
                sub["latest_invoice"] = invoice["id"]
        if "cancel_at" in params:
            sub["cancel_at"] = int(params["cancel_at"]) if params["cancel_at"] else None
        sub["metadata"].update(nested(params, "metadata"))

    def add_customer(self, email="owner@agency.test", name=None, metadata=None):
        """Arrange a customer Stripe knows; return its id."""
        customer_id = new_id("cus")
        self.customers[customer_id] = {"id": customer_id, "object": "customer", "email": email, "livemode": False,
                                       "name": name, "metadata": metadata or {}, "created": int(time.time())}
        return customer_id

    def complete_checkout(self, session_id, status="active"):
        """Pay a Checkout session: its subscription and first invoice exist; return the events Stripe sends,
        in the order it documents them (the invoice is paid before the session is reported completed)."""
        params = self.sessions[session_id]
        customer = params["customer"]
        sub = self.add_subscription(customer, params["line_items[0][price]"], status=status,
                                    metadata=nested_deep(params, "subscription_data[metadata]"))
        invoice = invoice_object(customer, sub["id"], amount=PRICE_AMOUNTS[params["line_items[0][price]"]],
                                 metadata=sub["metadata"])
        session = checkout_completed_object(customer, sub["id"], params.get("client_reference_id"))
        session["id"] = session_id
        return sub, invoice, [event("customer.subscription.created", sub), event("invoice.created", invoice),
                              event("invoice.finalized", invoice), event("invoice.paid", invoice),
                              event("checkout.session.completed", session)]


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
        status, payload = self.fake.answer(self.command, parts.path, params, dict(self.headers))
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
    assert not fake_stripe.invalid, f"Stripe would have refused: {fake_stripe.invalid}"
