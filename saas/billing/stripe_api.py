"""The one Stripe client of Relais, built from the configuration."""
import functools
from urllib.parse import urlsplit

import stripe
from flask import current_app

STRIPE_HOSTED_PAGES = ("https://checkout.stripe.com", "https://billing.stripe.com")


@functools.lru_cache(maxsize=4)
def _client(api_key, api_base):
    """Build (once per key and base) a StripeClient with short timeouts."""
    base_addresses = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        api_key, base_addresses=base_addresses, max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=(5, 20)),
    )


def stripe_client():
    """Return a StripeClient for the configured key and API base (short network timeouts)."""
    config = current_app.config
    return _client(config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE") or None)


def hosted_page_origins():
    """Origins the browser may be sent to for Checkout and the portal (a local fake's too)."""
    origins = list(STRIPE_HOSTED_PAGES)
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins
