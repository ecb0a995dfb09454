"""What a person's data and an agency's data are, read generically from the models.

Nothing here names a feature: the tables are found in the metadata (every table with `agency_id`
is the agency's; every column pointing at `users.id` or `memberships.id` is a person's), so a new
table is exported, and purged, without a change here. Secrets never leave: DENIED_COLUMNS.
"""
import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from saas import db, tenancy
from saas.auth import logo
from saas.auth.models import Agency, Membership, Passkey, User, UserSession

# Columns never exported, whatever the table: credentials, their hashes, signing keys, one-time nonces.
# tests/test_gdpr.py fails on a new column whose name looks like a secret until it is listed here or allowed.
DENIED_COLUMNS = frozenset({
    "password_hash", "totp_secret", "totp_last_step", "recovery_codes",  # users: sign-in secrets
    "secret_hash",  # user_sessions: the cookie's secret, hashed
    "nonce",  # invitations: part of the signed link
    "token_hash",  # api_tokens
    "mastodon_token",  # monitoring_settings: the agency's Mastodon access token
    "secret", "previous_secret",  # webhook_endpoints and alert_rules: signing secrets
})


def plain(value):
    """A value as JSON can hold it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    return value


def row_dict(table, row):
    """A row of `table` without its denied columns."""
    return {column.name: plain(row._mapping[column]) for column in table.c if column.name not in DENIED_COLUMNS}


def to_json(data):
    """Indented UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


def to_csv(rows):
    """Rows (dicts with the same keys) as CSV; nested values as JSON text."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
                             for key, value in row.items()})
    return out.getvalue().encode("utf-8-sig")


def agency_tables():
    """Every table the agency owns (carries agency_id), in dependency order."""
    names = set(tenancy.tenant_tables(db.Base.metadata))
    return [table for table in db.Base.metadata.sorted_tables if table.name in names]


def _person_columns(table):
    """The columns of `table` that point at a person: users.id, or memberships.id (composite keys too)."""
    users, memberships = [], []
    for fk in table.foreign_keys:
        target = fk.column
        if target.table.name == "users" and target.name == "id":
            users.append(fk.parent)
        elif target.table.name == "memberships" and target.name == "id":
            memberships.append(fk.parent)
    return users, memberships


def _user_memberships(user):
    with tenancy.all_agencies():
        return db.session.execute(
            select(Membership, Agency).join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user.id).order_by(Agency.name)
        ).all()


def personal_files(user):
    """Yield (name, bytes) of every file of a person's data (account, memberships, sessions, second factor,
    then, per agency, the rows of every table that names them or their membership)."""
    from saas.devices import describe

    yield "account.json", to_json({
        "name": user.name, "email": user.email, "locale": user.locale, "created_at": plain(user.created_at),
        "last_login_at": plain(user.last_login_at), "email_confirmed_at": plain(user.email_confirmed_at)})
    rows = _user_memberships(user)
    yield "memberships.json", to_json([
        {"agency": agency.name, "agency_slug": agency.slug, "role": membership.role, "pole": membership.pole,
         "joined_at": plain(membership.created_at)} for membership, agency in rows])
    records = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                 .order_by(UserSession.created_at)).all()
    yield "sessions.json", to_json([
        {"browser": " / ".join(part for part in describe(record.user_agent) if part), "user_agent": record.user_agent,
         "ip": record.ip, "created_at": plain(record.created_at), "last_seen_at": plain(record.last_seen_at),
         "expires_at": plain(record.expires_at), "revoked_at": plain(record.revoked_at),
         "second_factor_at": plain(record.second_factor_at)} for record in records])
    yield "two_factor.json", to_json({
        "totp_enabled": user.totp_secret is not None, "totp_enabled_at": plain(user.totp_enabled_at),
        "recovery_codes_left": len(user.recovery_codes or [])})
    yield "passkeys.json", to_json([  # names and dates: the public key is of no use to the person
        {"name": p.name, "created_at": plain(p.created_at), "last_used_at": plain(p.last_used_at),
         "synced": p.backed_up} for p in db.session.scalars(select(Passkey).where(Passkey.user_id == user.id)
                                                              .order_by(Passkey.id))])
    for membership, agency in rows:
        with tenancy.agency_scope(agency.id):
            for table in agency_tables():
                if table.name == "memberships":
                    continue
                users, memberships = _person_columns(table)
                wanted = [column == user.id for column in users] + [column == membership.id for column in memberships]
                if not wanted:
                    continue
                found = db.session.execute(select(table).where(table.c.agency_id == agency.id, or_(*wanted))).all()
                if found:
                    yield f"agencies/{agency.slug}/{table.name}.json", to_json([row_dict(table, r) for r in found])


def agency_files(agency, progress=None):
    """Yield (name, bytes) of every file of an agency's export: the agency (and its logo), its members, then one JSON and
    one CSV per table it owns. `progress(done, total)` is called after each table."""
    yield "agency.json", to_json({"name": agency.name, "slug": agency.slug, "timezone": agency.timezone,
                                  "created_at": plain(agency.created_at)})
    png = logo.logo_bytes(agency.id) if agency.logo_updated_at else None
    if png:
        yield "logo.png", png  # the agency's logo, as kept (saas/auth/logo.py)
    tables = agency_tables()
    with tenancy.agency_scope(agency.id):
        members = db.session.execute(select(Membership, User).join(User, User.id == Membership.user_id)).all()
        yield "members.json", to_json([{"membership_id": m.id, "name": u.name, "email": u.email, "role": m.role,
                                        "pole": m.pole} for m, u in members])
        for done, table in enumerate(tables, 1):
            found = db.session.execute(select(table).where(table.c.agency_id == agency.id)
                                       .order_by(*table.primary_key.columns)).all()
            rows = [row_dict(table, row) for row in found]
            yield f"tables/{table.name}.json", to_json(rows)
            yield f"tables/{table.name}.csv", to_csv(rows)
            if progress:
                progress(done, len(tables))
