"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The secret is `whsec_` followed by the base64 of 32 random bytes. Each call carries `webhook-id`
(the event's id, the same on every attempt), `webhook-timestamp` (Unix seconds of the attempt)
and `webhook-signature`: `v1,` and the base64 of the HMAC-SHA256, keyed with the decoded secret,
of "{webhook-id}.{webhook-timestamp}.{body}".
"""
import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"


def new_secret():
    """A fresh signing secret: whsec_ and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_event_id():
    """A unique event id (webhook-id)."""
    return "msg_" + secrets.token_urlsafe(18)


def sign(secret, event_id, timestamp, body):
    """The signature header's value for a body (bytes) sent at `timestamp` (Unix seconds)."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets_, event_id, body, now=None):
    """The headers of one attempt: JSON, webhook-id, webhook-timestamp, webhook-signature (one signature per
    secret, space-separated, as the specification allows while a secret is being rotated)."""
    timestamp = str(int(now if now is not None else time.time()))
    return {"Content-Type": "application/json", "webhook-id": event_id, "webhook-timestamp": timestamp,
            "webhook-signature": " ".join(sign(secret, event_id, timestamp, body) for secret in secrets_)}
