"""Plan limits, checked on the server when something is created.

Features call `check_limit(kind)` right before creating a client, a seat or an active
keyword; it raises LimitReached when the agency's plan is full. A downgrade below current
usage keeps every item and only blocks new ones.

Counting and creating are one step: `check_limit` locks the agency's subscription row
(`SELECT ... FOR UPDATE`) until the request's transaction ends, so parallel requests of one
agency check and create one after the other, and each counts what the previous one created
(PostgreSQL, READ COMMITTED: every statement sees what was committed before it). The same
lock serialises them with a plan change from a Stripe webhook. SQLite has no row locks and
its Python driver reads outside any transaction: there a no-op write takes the database's
single write lock first, so the count and the insert happen inside it.
"""
from flask import g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from saas import db
from saas.auth.models import Invitation, Membership
from saas.billing import service
from saas.billing.models import Subscription
from saas.billing.plans import KIND_HINTS, KIND_LABELS, LIMIT_KINDS, get_plan
from saas.db import utcnow

MESSAGES = {
    "clients": _l("Your %(plan)s plan includes %(limit)d clients and they are all in use. "
                  "Upgrade your plan to add another client."),
    "keywords": _l("Your %(plan)s plan includes %(limit)d active keywords and they are all in use. "
                   "Upgrade your plan, or pause a keyword, to monitor another one."),
    "seats": _l("Your %(plan)s plan includes %(limit)d team seats (members and pending invitations; "
                "guests are free) and they are all taken. Upgrade your plan to invite someone else."),
}


class LimitReached(Exception):
    """Creating one more item would go past the agency's plan."""

    def __init__(self, kind, limit, plan):
        super().__init__(f"{kind} limit of {limit} reached on plan {plan.key}")
        self.kind, self.limit, self.plan = kind, limit, plan

    @property
    def message(self):
        """What the person reads, in their language."""
        return MESSAGES[self.kind] % {"plan": self.plan.name, "limit": self.limit}


def seats_query():
    """Members who are not guests, plus pending invitations that are not for guests (one SELECT)."""
    members = select(func.count()).select_from(Membership).where(Membership.role != "guest").scalar_subquery()
    pending = select(func.count()).select_from(Invitation).where(
        Invitation.role != "guest", Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    ).scalar_subquery()
    return select(members + pending)


# kind -> the SELECT of how many the current agency holds now. Seats are the platform's own; a
# feature registers the query of what it creates (clients, keywords) in its init_app. Queries,
# not counts: the layout reads the current page's usage in its one SELECT of badges (saas/web.py).
COUNTERS = {}
# The pages (blueprints) that create items of a kind: they show a notice once the plan is full.
PAGE_LIMITS = {"members": "seats"}


def register_counter(kind, query, page=None):
    """Declare how to count `kind` (a kind of saas/billing/plans.py): `query()` returns a one-count
    SELECT of the current agency; `page` is the blueprint that creates it."""
    if kind not in LIMIT_KINDS:
        raise ValueError(f"unknown limit kind {kind!r}")
    COUNTERS[kind] = query
    if page is not None:
        PAGE_LIMITS[page] = kind


register_counter("seats", seats_query, page="members")


def count_seats():
    """Members who are not guests, plus pending invitations that are not for guests."""
    return count_usage("seats")


def count_usage(kind):
    """How many `kind` the current agency holds now."""
    return db.session.scalar(COUNTERS[kind]())


def lock_usage():
    """Lock the current agency's subscription until commit or rollback; return it, read again.

    The next request of this agency that creates a limited item waits here, then counts ours.
    """
    if not db.is_postgres():  # SQLite: take the write lock now (pysqlite opens a transaction on a write)
        db.session.execute(update(Subscription).values(plan=Subscription.plan)
                           .execution_options(synchronize_session=False))
    return service.current_subscription(for_update=True)


def check_limit(kind):
    """Refuse (raise LimitReached) one more `kind` when the current agency's plan is full."""
    if kind not in LIMIT_KINDS:
        raise ValueError(f"unknown limit kind {kind!r}")
    if not service.billing_enabled():
        return
    plan = get_plan(lock_usage().plan)
    limit = plan.limit(kind)
    if count_usage(kind) >= limit:
        raise LimitReached(kind, limit, plan)


def check_seat(sender=None, **_signal):
    """Refuse one more seat when the plan's are all taken (connected to saas.signals.seat_requested)."""
    check_limit("seats")


def usage_report(plan):
    """Each limit of `plan` with the current agency's usage, for the billing page."""
    rows = []
    for kind in LIMIT_KINDS:
        used, limit = count_usage(kind), plan.limit(kind)
        rows.append({"kind": kind, "label": KIND_LABELS[kind], "hint": KIND_HINTS[kind], "used": used,
                     "limit": limit, "percent": min(100, round(100 * used / limit)) if limit else 100,
                     "full": used >= limit})
    return rows


def _notice_kind():
    """What the current page creates and the plan limits, when the banner may tell it is used up."""
    state = g.get("billing")
    kind = PAGE_LIMITS.get(request.blueprint)
    return kind if kind and state and state.enabled and state.level != "read_only" else None


def usage_for_layout(membership):
    """The layout's count of what the page creates (read with the other badges, saas/web.py), or None."""
    kind = _notice_kind()
    return COUNTERS[kind]() if kind else None


def limit_notice():
    """The used-up limit of what the current page creates, for the banner (or None)."""
    kind = _notice_kind()
    if kind is None:
        return None
    used = g.layout["billing_usage"] if "billing_usage" in g.get("layout", {}) else count_usage(kind)
    limit = g.billing.plan.limit(kind)
    return {"kind": kind, "label": KIND_LABELS[kind], "used": used, "limit": limit} if used >= limit else None
