"""Record audited actions, read them back with filters, and purge those past their retention.

`record()` adds an entry to the request's (or job's) unit of work: the action and its entry
commit together, or neither does. `record_apart()` writes at once in a transaction of its own,
for what must stay in the log although the request answers an error and rolls back (a failed
sign-in). Every entry carries the signed-in person (or the one named), the client's address
and browser, and short `details` (values before and after, a name): never a password, a
token or a message body.
"""
import logging
from datetime import datetime, time, timedelta, timezone

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, func, select, text

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.db import utcnow
from saas.jobs import task

log = logging.getLogger(__name__)

# Every action the log knows, with its label on the owners' page (filters and rows).
ACTIONS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by email"),
    "email_changed": _l("Email address changed"),
    "passkey_added": _l("Passkey added"),
    "passkey_removed": _l("Passkey removed"),
    "member_invited": _l("Teammate invited"),
    "invitation_revoked": _l("Invitation cancelled"),
    "member_joined": _l("Joined the agency"),
    "role_changed": _l("Role changed"),
    "member_removed": _l("Member removed"),
    "agency_settings_changed": _l("Agency settings changed"),
    "client_deleted": _l("Client deleted"),
    "keyword_deleted": _l("Keyword deleted"),
    "competitor_deleted": _l("Competitor removed"),
    "mentions_exported": _l("Mentions exported"),
    "audit_exported": _l("Audit log exported"),
    "billing_changed": _l("Billing changed"),
    "guest_invited": _l("Guest invited"),
    "guest_removed": _l("Guest access removed"),
    "webhook_changed": _l("Alert webhook changed"),
    "two_factor_enabled": _l("Two-factor sign-in turned on"),
    "two_factor_disabled": _l("Two-factor sign-in turned off"),
    "recovery_codes_renewed": _l("New recovery codes"),
    "two_factor_required": _l("Two-factor sign-in required"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "webhook_endpoint_created": _l("Webhook endpoint added"),
    "webhook_endpoint_changed": _l("Webhook endpoint changed"),
    "webhook_endpoint_deleted": _l("Webhook endpoint deleted"),
    "webhook_secret_rotated": _l("Webhook secret renewed"),
    "webhook_endpoint_enabled": _l("Webhook endpoint enabled"),
    "webhook_endpoint_disabled": _l("Webhook endpoint disabled"),
    "press_contact_erased": _l("Press contact erased"),
    "press_contact_exported": _l("Press contact's data exported"),
    "press_contacts_exported": _l("Press contacts exported"),
    "press_release_sent": _l("Press release sent"),
    "press_release_resent": _l("Press release sent again to failed recipients"),
    "report_schedule_created": _l("Report schedule created"),
    "report_schedule_stopped": _l("Report schedule stopped"),
    "personal_data_downloaded": _l("Personal data downloaded"),
    "agency_exported": _l("Agency data exported"),
    "account_deleted": _l("Account deleted"),
    "agency_deletion_requested": _l("Agency deletion requested"),
    "agency_restored": _l("Agency restored"),
}
MIN_RETENTION_DAYS = 30  # the database function refuses to purge younger entries
PAGE_SIZE = 50


def _origin():
    if not has_request_context():
        return "", ""
    return (request.remote_addr or "")[:45], (request.user_agent.string or "")[:300]


def _actor(actor):
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if actor is None:
        return None, ""
    return actor.id, actor.email


def _entry(action, target, details, actor, agency_id=None):
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor_id, actor_email = _actor(actor)
    ip, agent = _origin()
    details = {str(key)[:40]: str(value)[:200] for key, value in list((details or {}).items())[:20]}
    entry = AuditEvent(action=action, target=(target or "")[:300], details=details, actor_id=actor_id,
                       actor_email=actor_email, ip=ip, user_agent=agent, created_at=utcnow())
    if agency_id is not None:
        entry.agency_id = agency_id
    return entry


def record(action, target="", details=None, actor=None):
    """Add an audit entry for the current agency to the unit of work (it commits with the action)."""
    entry = _entry(action, target, details, actor)
    db.session.add(entry)
    return entry


def record_in(agency_ids, action, target="", details=None, actor=None):
    """Add one entry per agency (a sign-in shows in each agency of the person), in the unit of work."""
    for agency_id in agency_ids:
        with tenancy.agency_scope(agency_id):
            db.session.add(_entry(action, target, details, actor, agency_id))
            db.session.flush()


def record_apart(agency_ids, action, target="", details=None, actor=None):
    """Write entries at once, in a transaction of their own: they stay although the request rolls back."""
    if not agency_ids:
        return
    apart = db.SessionFactory()
    try:
        for agency_id in agency_ids:
            with tenancy.agency_scope(agency_id):
                apart.add(_entry(action, target, details, actor, agency_id))
                apart.flush()
        apart.commit()
    except Exception:  # the log must never turn a refusal into a 500
        apart.rollback()
        log.exception("audit entry %s could not be written", action)
    finally:
        apart.close()


def action_label(action):
    """The words of an action on the owners' page."""
    return ACTIONS.get(action, action)


def _day_start(day, zone):
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def filtered(action=None, person=None, since=None, until=None, zone=timezone.utc):
    """The SELECT of the agency's entries matching the filters (days read in the agency's zone), newest first."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if person:
        query = query.where(AuditEvent.actor_id == person)
    if since:
        query = query.where(AuditEvent.created_at >= _day_start(since, zone))
    if until:
        query = query.where(AuditEvent.created_at < _day_start(until + timedelta(days=1), zone))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def page(query, after=None, size=PAGE_SIZE):
    """One page of entries after a keyset cursor (created_at, id); returns (entries, next cursor or None)."""
    if after is not None:
        moment, row_id = after
        query = query.where((AuditEvent.created_at < moment)
                            | ((AuditEvent.created_at == moment) & (AuditEvent.id < row_id)))
    rows = db.session.scalars(query.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].created_at, rows[-1].id) if more and rows else None)


def people():
    """Who appears in the agency's log, for the person filter: [(user id, email)], by email."""
    rows = db.session.execute(select(AuditEvent.actor_id, func.max(AuditEvent.actor_email))
                              .where(AuditEvent.actor_id.is_not(None)).group_by(AuditEvent.actor_id))
    return sorted(((actor_id, email) for actor_id, email in rows), key=lambda row: row[1])


def retention_days():
    """How long entries are kept (AUDIT_RETENTION_DAYS, never under 30)."""
    return max(MIN_RETENTION_DAYS, int(current_app.config.get("AUDIT_RETENTION_DAYS", 365)))


def purge_older_than(days):
    """Delete every agency's entries older than `days` (30 at least); return how many went.

    On PostgreSQL the app role may not delete audit entries: the purge goes through the database
    function `relais_purge_audit`, which refuses under 30 days.
    """
    days = max(MIN_RETENTION_DAYS, int(days))
    if db.is_postgres():
        return db.session.execute(text("SELECT relais_purge_audit(:days)"), {"days": days}).scalar_one()
    with tenancy.all_agencies():
        result = db.session.execute(delete(AuditEvent).where(AuditEvent.created_at < utcnow() - timedelta(days=days)))
    return result.rowcount


@task()
def purge_expired():
    """The daily purge of entries past the retention period."""
    removed = purge_older_than(retention_days())
    if removed:
        log.info("purged %d audit entries older than %d days", removed, retention_days())
    return removed
