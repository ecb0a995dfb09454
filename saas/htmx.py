"""htmx in one place: the headers it sends, and what a page that polls gets once its session is gone.

Every view reads htmx's request headers through `header()` / `is_htmx()`, so a response that
depends on one says so in `Vary` whether or not the header came with the request: a cache must
never serve the full page to htmx, nor the fragment to a full load.

When the session has ended, a full page load is redirected to the login page as usual. htmx would
follow that redirect and swap the login page into the fragment (the board, the bell, the inbox), so
htmx is told instead, with `HX-Redirect`, to load the login page in place of the page it polls from.

flask-htmx (0.4, 2024) only reads the headers; django-htmx's `HttpResponseClientRedirect` is the
model of `hx_redirect()`. Neither sets `Vary` on its own, hence this small module.
"""
import json
from urllib.parse import urlsplit

from flask import flash, g, make_response, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url

from saas.urls import safe_next

SESSION_ENDED = _l("Your session has ended. Log in again to continue.")


def header(name):
    """An htmx request header (`HX-...`); the response will vary on it."""
    g.setdefault("htmx_headers_read", set()).add(name)
    return request.headers.get(name)


def is_htmx():
    """Tell whether htmx sent the request (it then gets fragments)."""
    return header("HX-Request") == "true"


def current_page():
    """The path and query of the page htmx was called from, when it is a page of this site."""
    parts = urlsplit(header("HX-Current-URL") or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def hx_redirect(location, status=200):
    """An answer that makes htmx load `location` as a whole page (nothing is swapped)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def add_trigger(response, event, detail):
    """Ask htmx to fire `event` on the page (the HX-Trigger header), keeping the events already asked for."""
    asked = response.headers.get("HX-Trigger") or ""
    events = json.loads(asked) if asked.startswith("{") else {name.strip(): None for name in asked.split(",") if name.strip()}
    events[event] = detail
    response.headers["HX-Trigger"] = json.dumps(events)  # ASCII only: \u escapes, as a header must be
    return response


def announce(response, message):
    """Have the page read `message` out in its live region (app.js), e.g. where a card was moved."""
    return add_trigger(response, "relais:announce", {"message": str(message)})


def session_ended():
    """Back to the login page: htmx loads it as a page, then returns to the page the user was on."""
    if not is_htmx():
        return redirect(login_url("auth.login", request.url))
    if str(SESSION_ENDED) not in [message for _category, message in session.get("_flashes", [])]:
        flash(SESSION_ENDED, "info")  # once, though several polls may end up here
    return hx_redirect(url_for("auth.login", next=current_page()), 401)


def csrf_failed_without_session():
    """Tell whether an htmx form's CSRF failure is due to a session that has ended."""
    return is_htmx() and not current_user.is_authenticated


def add_vary(response):
    """Name every htmx header the view read in `Vary`."""
    for name in sorted(g.get("htmx_headers_read", ())):
        response.vary.add(name)
    return response


def init_app(app, login_manager):
    """Answer an absent session with `session_ended`, and add `Vary` to every response."""
    login_manager.unauthorized_handler(session_ended)
    app.after_request(add_vary)
