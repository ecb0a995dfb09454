"""Server-side session records: open at sign-in, checked on every request, revocable.

The session cookie and the remember-me cookie carry the key `<record id>:<secret>`
(Flask-Login's user id); the record keeps only a SHA-256 of the secret. A request is
signed in while its record exists, is not revoked and has not expired: one primary-key
lookup joined with the user. `last_seen_at` is written at most every TOUCH_INTERVAL.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from saas import db
from saas.auth.models import UserSession
from saas.db import utcnow

TOUCH_INTERVAL = timedelta(minutes=5)
REMEMBER_DEFAULT = timedelta(days=365)  # Flask-Login's default remember-me cookie duration


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def _lifetime(remember):
    """How long a record lives: as long as the cookie that carries it can."""
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", REMEMBER_DEFAULT)
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def open_session(user, remember=False, ip=None, user_agent=""):
    """Record a new signed-in browser for `user`; return its cookie key (also set on `user`)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(user_id=user.id, secret_hash=_hash(secret), remember=remember, ip=ip,
                         user_agent=(user_agent or "")[:512], created_at=now, last_seen_at=now,
                         expires_at=now + _lifetime(remember))
    db.session.add(record)
    db.session.flush()
    user.current_session, user.session_key = record, f"{record.id}:{secret}"
    return user.session_key


def load_user(key, ip=None, fetch=None):
    """Flask-Login's user loader: the user of a live session record, else None.

    `fetch(record_id)` may read the record (joined with its user) along with more (saas/web.py).
    """
    record_id, _, secret = (key or "").partition(":")
    if not record_id.isdigit() or not secret or int(record_id) >= 2**31:
        return None
    if fetch is not None:
        record = fetch(int(record_id))
    else:
        record = db.session.get(UserSession, int(record_id))  # joined with its user
    now = utcnow()
    if record is None or not hmac.compare_digest(record.secret_hash, _hash(secret)):
        return None
    if record.revoked_at is not None or record.expires_at <= now:
        return None
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        record.last_seen_at, record.ip = now, ip or record.ip  # committed with the request
    user = record.user
    user.current_session, user.session_key = record, key
    return user


def revoke(record):
    """End one session: its cookies stop working at their next request."""
    if record.revoked_at is None:
        record.revoked_at = utcnow()


def revoke_all(user_id, keep=None):
    """End every live session of a person, except the record `keep` (for "every other session")."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    db.session.execute(statement.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))


def _live_of(user):
    return select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
                                     UserSession.expires_at > utcnow())


def active_sessions(user):
    """A person's live sessions, the most recently seen first."""
    return db.session.scalars(_live_of(user).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()


def active_session_of(user, record_id):
    """One live session of `user` by id, or None (another person's id gives None too)."""
    return db.session.scalar(_live_of(user).where(UserSession.id == record_id))


def purge_ended():
    """Delete revoked and expired records (they hold an IP address and a browser: keep no more than needed)."""
    result = db.session.execute(
        delete(UserSession).where(or_(UserSession.revoked_at.is_not(None), UserSession.expires_at <= utcnow()))
    )
    return result.rowcount
