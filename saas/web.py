"""The request lifecycle: who is signed in, which agency, the commit point, safe headers."""
from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from saas import db, htmx, tenancy
from saas.auth import sessions
from saas.auth.models import Agency, Membership
from saas.errors import render_error
from saas.extensions import login_manager

HSTS = "max-age=31536000; includeSubDomains"  # one year; sent over HTTPS only
GUEST_PAUSED = _l("The agency's space is paused: you can read everything here, but not write or approve for now.")


def load_user(session_key):
    """Load the signed-in user from the session record the cookies name (revoked or expired: nobody)."""
    return sessions.load_user(session_key, ip=request.remote_addr)


# What may refuse a workspace request once the agency and membership are known, in order; each
# returns a response to refuse, else None. Billing registers its read-only guard (saas/billing/__init__.py).
AGENCY_GUARDS = []


def guard_agency(guard):
    """Add a check of every workspace request (once per function)."""
    if guard not in AGENCY_GUARDS:
        AGENCY_GUARDS.append(guard)
    return guard


def resolve_agency():
    """Resolve /a/<agency_slug>/ once per request and check the membership."""
    slug = g.pop("agency_slug", None)
    if slug is None:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    tenancy.set_agency(agency.id)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == current_user.id))
    if membership is None:
        abort(404)
    view = current_app.view_functions.get(request.endpoint)
    if membership.role == "guest" and not getattr(view, "guest_allowed", False):
        if getattr(view, "guests_go_to", None) and request.method == "GET":
            return redirect(url_for(view.guests_go_to, agency_slug=slug))
        abort(404)
    g.agency, g.membership = agency, membership
    for guard in AGENCY_GUARDS:
        refusal = guard()
        if refusal is not None and membership.role == "guest":  # a client is never told about the agency's billing
            return render_error(403, GUEST_PAUSED)
        if refusal is not None:
            return refusal
    return None


def content_security_policy(form_targets=()):
    """The pages' CSP: our own scripts only; forms may also lead to `form_targets` (e.g. Stripe)."""
    form_action = " ".join(("'self'", *form_targets))
    return ("default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action {form_action}")


class SecureCookiesOverHttps:
    """WSGI middleware: every cookie is marked Secure when the request came over HTTPS."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, value + "; Secure" if name.lower() == "set-cookie" and "; secure" not in value.lower() else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def init_app(app):
    """Install the per-request hooks."""
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    htmx.init_app(app, login_manager)

    @app.url_value_preprocessor
    def _pull_agency_slug(endpoint, values):
        if values and "agency_slug" in values:
            g.agency_slug = values.pop("agency_slug")

    @app.url_defaults
    def _add_agency_slug(endpoint, values):
        if "agency_slug" in values or not g.get("agency"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "agency_slug"):
            values["agency_slug"] = g.agency.slug

    app.before_request(resolve_agency)

    @app.context_processor
    def _navigation():
        def nav_memberships():
            from saas.auth.service import memberships_of

            return memberships_of(current_user) if current_user.is_authenticated else []

        return {"nav_memberships": nav_memberships}

    @app.after_request
    def _finish(response):
        # The one commit point of a request: success commits, an error rolls back.
        if response.status_code < 400:
            db.commit()
        else:
            db.session.rollback()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if request.is_secure:  # behind a proxy, ProxyFix (TRUST_PROXY) tells the client's scheme
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @app.teardown_request
    def _forget_agency(exc):
        tenancy.clear()

