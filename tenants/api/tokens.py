"""API tokens: create (the secret is returned once), list, revoke, and authenticate a bearer secret.

A token reads `rls_<agency id>_<secret>`: the agency id lets the request be scoped to its agency
(saas.tenancy) before the token row is looked up by the SHA-256 of the whole token, under the
same row-level security as every web request. The secret has 256 bits of entropy, so a plain
SHA-256 is enough (no password hashing needed).
"""
import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from saas import db, tenancy
from saas.audit import service as audit
from saas.db import utcnow
from tenants.api.models import ApiToken

TOKEN_RE = re.compile(r"rls_([1-9][0-9]{0,8})_([A-Za-z0-9_-]{43})")
EXPIRY_DAYS = (30, 90, 365, 0)  # 0: never
LAST_USE_PRECISION = timedelta(minutes=1)  # last use is written at most once a minute per token


def digest(token):
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(agency_id, name, scope, client_id, expiry_days, actor):
    """Create a token; return (row, secret). The secret is never stored nor shown again."""
    token = f"rls_{agency_id}_{secrets.token_urlsafe(32)}"
    row = ApiToken(name=name, scope=scope, client_id=client_id, token_hash=digest(token), hint=token[-4:],
                   created_by_id=actor.id if actor else None,
                   expires_at=utcnow() + timedelta(days=expiry_days) if expiry_days else None)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_created", name, {"scope": scope, "client": client_id or "", "expires": row.expires_at or ""})
    return row, token


def list_tokens():
    """The agency's tokens, newest first (revoked ones included, for the record)."""
    return db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def revoke_token(row):
    """Revoke a token at once (idempotent)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("api_token_revoked", row.name, {"scope": row.scope})


def authenticate(token):
    """Set the request's agency from a bearer token and return its row, or None (agency left unset)."""
    match = TOKEN_RE.fullmatch(token or "")
    if match is None:
        return None
    tenancy.set_agency(int(match.group(1)))
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    now = utcnow()
    if row is None or not row.usable(now):
        tenancy.clear()
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USE_PRECISION:
        row.last_used_at = now
    return row
