"""Webhook calls: a signed JSON POST through the platform's SSRF-safe HTTP client.

`saas.http.post` checks the URL and resolves the host once, refusing private addresses
unless FETCH_ALLOW_HOSTS names the host, pins the connection to the resolved IP and keeps
to a deadline. Redirects are not followed: a webhook names its final address.

The receiver checks `X-Relais-Signature: sha256=<hex>`, the HMAC-SHA256 of
"<X-Relais-Timestamp>." followed by the raw body, keyed with the rule's secret.
"""
import hashlib
import hmac
import time

from saas import http
from saas.http_targets import parse_target, resolve_allowed

TIMEOUT = 10.0


def sign(secret, timestamp, body):
    """The hex HMAC-SHA256 of "<timestamp>." + body with the rule's secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret, body, delivery_id, now=None):
    """The headers of a delivery: content type, timestamp, signature and delivery id."""
    timestamp = str(int(now if now is not None else time.time()))
    return {"Content-Type": "application/json", "X-Relais-Timestamp": timestamp,
            "X-Relais-Signature": f"sha256={sign(secret, timestamp, body)}", "X-Relais-Delivery": str(delivery_id)}


def check_webhook_url(url):
    """Refuse a URL the client would never call (bad shape, private address); raise a FetchError."""
    resolve_allowed(parse_target(url))


def post(url, body, headers, timeout=TIMEOUT):
    """POST a signed body through the platform's one HTTP client; return the HTTP status."""
    return http.post(url, body, headers, timeout=timeout)
