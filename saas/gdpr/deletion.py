"""Deleting one's account, and an agency (a grace period, read-only and restorable, then the purge)."""
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from saas import db, tenancy
from saas.audit import service as audit_trail
from saas.auth.models import Agency, Membership, User
from saas.db import utcnow
from saas.gdpr.data import agency_tables

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Tables the app role may not delete from on PostgreSQL (append-only, migration 0015): their rows go with
# the agency's own row, by the ON DELETE CASCADE of their agency_id, which runs with the table owner's rights.
APPEND_ONLY_TABLES = ("audit_events",)


def sole_owned_agencies(user):
    """The agencies where `user` is the only owner (their account cannot go before those are settled).

    An agency already deleted (waiting for its purge) no longer holds the account back: it goes anyway.
    """
    with tenancy.all_agencies():
        owned = db.session.execute(
            select(Agency).join(Membership, Membership.agency_id == Agency.id)
            .where(Membership.user_id == user.id, Membership.role == "owner", Agency.purge_after.is_(None))
            .order_by(Agency.name)
        ).scalars().all()
        if not owned:
            return []
        counts = dict(db.session.execute(
            select(Membership.agency_id, func.count()).where(Membership.agency_id.in_([a.id for a in owned]),
                                                             Membership.role == "owner")
            .group_by(Membership.agency_id)).all())
    return [agency for agency in owned if counts.get(agency.id, 0) <= 1]


def agency_ids_of(user):
    """The ids of every agency `user` belongs to."""
    with tenancy.all_agencies():
        return list(db.session.scalars(select(Membership.agency_id).where(Membership.user_id == user.id)))


def delete_account(user):
    """Erase a person: an audit entry in each of their agencies, then the account row.

    Its memberships (and what hangs on them: notifications, assignments, preferences) and sessions go
    with it (ON DELETE CASCADE); rows others still need (cards, comments, audit entries) keep, their
    author set to NULL ("Former member"); audit entries keep the copied address for their retention.
    """
    audit_trail.record_in(agency_ids_of(user), "account_deleted", user.email, actor=user)
    db.session.flush()
    user_id = user.id
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))


def schedule_agency_deletion(agency, user):
    """Mark the agency deleted: read-only until `purge_after`, restorable by an owner until then."""
    days = current_app.config["AGENCY_DELETION_GRACE_DAYS"]
    agency.purge_after = utcnow() + timedelta(days=days)
    agency.deletion_requested_by = user.email
    audit_trail.record("agency_deletion_requested", agency.name, {"purge_after": agency.purge_after.isoformat()})
    return agency.purge_after


def restore_agency(agency):
    """Undo a deletion during the grace period."""
    agency.purge_after = None
    agency.deletion_requested_by = None
    audit_trail.record("agency_restored", agency.name)


def count_rows(agency_id):
    """{table: rows of the agency} for every table the agency owns (the purge's before and after)."""
    counts = {}
    with tenancy.agency_scope(agency_id):
        for table in agency_tables():
            counts[table.name] = db.session.scalar(
                select(func.count()).select_from(table).where(table.c.agency_id == agency_id))
    return counts


def purge_agency(agency_id):
    """Remove every row of the agency in every table it owns, then the agency itself."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    with tenancy.agency_scope(agency_id):
        for table in reversed(agency_tables()):  # children first
            if postgres and table.name in APPEND_ONLY_TABLES:
                continue
            db.session.execute(delete(table).where(table.c.agency_id == agency_id))
    with tenancy.all_agencies():
        db.session.execute(delete(Agency).where(Agency.id == agency_id))


READ_ONLY = _l("This agency is being deleted: it is read-only until it is purged. An owner can restore it "
               "from the team page.")


def refuse_writes_while_deleted():
    """Refuse every state change of a deleted agency during its grace period, except restoring it."""
    agency = g.agency
    if agency.purge_after is None or request.method in SAFE_METHODS or request.endpoint == "agency_data.restore":
        return None
    from flask import render_template

    from saas.htmx import is_htmx

    template = "gdpr/_refusal.html" if is_htmx() else "gdpr/refusal.html"
    return render_template(template, title=_l("Read-only workspace"), message=READ_ONLY), 402
