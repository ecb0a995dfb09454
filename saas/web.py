"""The request lifecycle: who is signed in, which agency, the commit point, safe headers."""
from flask import abort, before_render_template, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import null, select, text

from saas import db, htmx, tenancy
from saas.auth import sessions
from saas.auth.models import Agency, Membership, UserSession
from saas.errors import render_error
from saas.extensions import login_manager

HSTS = "max-age=31536000; includeSubDomains"  # one year; sent over HTTPS only
GUEST_PAUSED = _l("The agency's space is paused: you can read everything here, but not write or approve for now.")


# What every page's layout shows besides the page (navigation badges, the portal's clients...), read in ONE
# query before the page's template renders: features register a scalar count (merged into one SELECT) or,
# for guests' pages, a loader. Each gets the current membership and returns a select, or None when it does
# not apply. Templates read the results from `g.layout` (see layout()); they never query.
LAYOUT_COUNTS = {}
LAYOUT_LOADERS = {}


def layout_count(name):
    """Register `fn(membership) -> scalar select | None` as a count every page's layout shows."""

    def register(fn):
        LAYOUT_COUNTS[name] = fn
        return fn

    return register


def layout_loader(name):
    """Register `fn(membership) -> value | None` that loads something the layout shows (one query at most)."""

    def register(fn):
        LAYOUT_LOADERS[name] = fn
        return fn

    return register


# What one feature shows on another's page (the client thread on a board card, a client's guests on its
# page): registered here by the feature, called by the page's view, so that the template only reads.
PAGE_EXTRAS = {}
# The model read with each agency of the signed-in person in the session's one query (billing
# registers its Subscription, saas/billing/__init__.py): the web layer names no feature of its own.
AGENCY_ROWS = {}


def read_with_agency(model):
    """Register the model (one row per agency, an `agency_id` column) the session query reads too."""
    AGENCY_ROWS["model"] = model


def page_extra(page, name):
    """Register `fn(obj) -> value`, given to page `page`'s template as `name`."""

    def register(fn):
        PAGE_EXTRAS.setdefault(page, {})[name] = fn
        return fn

    return register


def page_extras(page, obj):
    """{name: value} of every extra registered for `page`, for `obj` (the card, the client...)."""
    return {name: fn(obj) for name, fn in PAGE_EXTRAS.get(page, {}).items()}


def load_user(session_key):
    """Load the signed-in user from the session record the cookies name (revoked or expired: nobody).

    One query reads the session record, the person, and every agency they belong to with their
    membership and the agency's subscription: the agency switcher, the agency of /a/<slug>/ with the
    membership (saas.web.resolve_agency) and the billing state need nothing more. It reads across
    agencies on purpose, but only the rows of the signed-in person (like memberships_of()); the
    request is scoped to one agency as soon as resolve_agency() has found it. On Citus, two queries
    (see _session_then_agencies).
    """
    return sessions.load_user(session_key, ip=request.remote_addr, fetch=_session_with_agencies)


def _session_with_agencies(record_id):
    extra = AGENCY_ROWS.get("model")
    if db.is_citus():
        return _session_then_agencies(record_id, extra)
    query = (select(UserSession, Membership, Agency, null() if extra is None else extra)
             .outerjoin(Membership, Membership.user_id == UserSession.user_id)
             .outerjoin(Agency, Agency.id == Membership.agency_id))
    if extra is not None:
        query = query.outerjoin(extra, extra.agency_id == Agency.id)
    query = query.where(UserSession.id == record_id).order_by(
        Agency.name, Agency.id, *(() if extra is None else (extra.id,)))
    with tenancy.all_agencies():
        rows = db.session.execute(query).all()
    if not rows:
        return None
    record = rows[0][0]
    _keep_agencies(record.user, (row[1:] for row in rows))
    return record


def _session_then_agencies(record_id, extra):
    """The same reads on Citus, in two queries: the session record with its person, then their agencies.

    In one query, the session record (a table local to the coordinator) outer-joined with the
    distributed memberships is a join Citus can only run by copying every agency's memberships to
    the coordinator (it cannot push the join to the shards), and with row-level security on the
    memberships its planner crashes the coordinator (Citus 13.2.2, signal 11). Filtered on the
    person, the memberships with their agencies (reference) and subscriptions (co-located, joined on
    the distribution column) go to the shards as one query that each answers from its index.
    That read spans every shard: it runs over one connection per worker (sequential mode, for the
    rest of the request's transaction), since Citus refuses a write to a reference table (the
    person's language, an agency's name) after a parallel read of a table that points at it.
    """
    with tenancy.all_agencies():
        record = db.session.get(UserSession, record_id)  # joined with its user: local + reference, on the coordinator
        if record is None:
            return None
        db.session.execute(text("SET LOCAL citus.multi_shard_modify_mode = 'sequential'"))
        query = (select(Membership, Agency, null() if extra is None else extra)
                 .join(Agency, Agency.id == Membership.agency_id))
        if extra is not None:
            query = query.outerjoin(extra, extra.agency_id == Membership.agency_id)
        query = query.where(Membership.user_id == record.user_id).order_by(
            Agency.name, Agency.id, *(() if extra is None else (extra.id,)))
        rows = db.session.execute(query).all()
    _keep_agencies(record.user, rows)
    return record


def _keep_agencies(user, rows):
    """Keep [(membership, agency, subscription)] on the user, one per agency, in the order read."""
    agencies = {}
    for membership, agency, subscription in rows:
        if membership is not None and agency.id not in agencies:
            agencies[agency.id] = (membership, agency, subscription)
    user.agency_memberships = list(agencies.values())


def _is_page(name):
    """A whole page (which extends base.html), not a fragment (`_row.html`) or a mail."""
    return not (name or "_").rpartition("/")[2].startswith("_") and not (name or "").startswith("mail/")


def _load_layout(sender, template, context, **extra):
    """Read what the layout shows, once per request, just before a page renders (never from the template)."""
    membership = g.get("membership")
    if membership is None or "layout" in g or not _is_page(template.name):
        return
    counts = {name: query for name, fn in LAYOUT_COUNTS.items() if (query := fn(membership)) is not None}
    values = {}
    if counts:
        row = db.session.execute(select(*(query.scalar_subquery().label(name) for name, query in counts.items())))
        values.update(row.one()._mapping)
    for name, fn in LAYOUT_LOADERS.items():
        values[name] = fn(membership)
    g.layout = values


def layout(name, default=0):
    """A value of the layout read before the page rendered (templates: `layout("unread_notifications")`)."""
    return g.get("layout", {}).get(name, default)


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
    # The agency and the membership come with the signed-in person (load_user): no query here.
    found = next((row for row in agency_memberships(current_user) if row[1].slug == slug), None)
    if found is None:  # no such agency, or not a member of it: the same 404
        abort(404)
    membership, agency, subscription = found
    tenancy.set_agency(agency.id)
    g.agency_subscription = subscription
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


def agency_memberships(user):
    """[(membership, agency, subscription)] of every agency of `user`, by agency name (read with the user)."""
    rows = getattr(user, "agency_memberships", None)
    if rows is None:  # a user loaded otherwise (a test's login, a job): read them now
        from saas.auth.service import memberships_of

        rows = [(membership, agency, None) for membership, agency in memberships_of(user)]
        user.agency_memberships = rows
    return rows


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
            if not current_user.is_authenticated:
                return []
            return [(membership, agency) for membership, agency, _sub in agency_memberships(current_user)]

        return {"nav_memberships": nav_memberships, "layout": layout}

    before_render_template.connect(_load_layout, app)

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

