"""Two-factor sign-in with a time-based code (TOTP, RFC 6238, pyotp) and one-time recovery codes.

- Setting up: a secret is drawn and shown as a QR code (SVG, segno) and as text; it is kept in the
  person's Flask session until a first code from their app proves it was scanned, then stored.
- Signing in: after the password, a 6-digit code from the app (the 30-second steps just before and
  after are accepted for clock drift; a step once used is refused, so a code seen over a shoulder
  cannot be replayed), or one of ten recovery codes, each accepted once.
- Recovery codes are 10 random characters (about 50 bits) shown once; only their SHA-256 is kept
  (their entropy makes a slow hash needless). New ones replace all the old ones.
"""
import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno

from saas.db import utcnow

ISSUER = "Relais"
PENDING = "two_factor_pending"  # the Flask session's note of a password already checked, awaiting the code
PENDING_SECONDS = 600
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
STEP = 30


def new_secret():
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(email, secret):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri, title):
    """The QR code of `uri` as inline SVG with a title (what a screen reader says)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, title=title, svgclass="qr-code",
                                    xmldecl=False, nl=False)
    return out.getvalue().decode()


def grouped(secret):
    """The secret in groups of four, as a person types it into an app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean(code):
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def matching_step(secret, code, now=None, last_step=None):
    """The 30-second step a 6-digit code belongs to (this one, or one on each side), or None.

    A step at or before `last_step` (already used) never matches.
    """
    code = _clean(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _hash(code):
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def new_recovery_codes():
    """Ten one-time codes, as shown to the person (xxxxx-xxxxx)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def enable(user, secret, code, now=None):
    """Turn two-factor sign-in on once `code` proves the secret was scanned; return the recovery codes (or None)."""
    step = matching_step(secret, code, now)
    if step is None:
        return None
    codes = new_recovery_codes()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    user.recovery_codes = [_hash(c) for c in codes]
    return codes


def disable(user):
    """Turn two-factor sign-in off: secret and recovery codes forgotten."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = user.recovery_codes = None


def renew_recovery_codes(user):
    """Replace every recovery code by ten new ones; return them."""
    codes = new_recovery_codes()
    user.recovery_codes = [_hash(c) for c in codes]
    return codes


def is_enabled(user):
    """Whether this person signs in with a second factor: an authenticator app, or a passkey."""
    from saas.auth.passkeys import has_passkeys

    return has_totp(user) or has_passkeys(user)


def has_totp(user):
    """Whether this person set up an authenticator app."""
    return bool(user.totp_enabled_at and user.totp_secret)


def check(user, code, now=None):
    """Check a sign-in's second factor: "totp", "recovery" (that code is now used up) or None."""
    if not has_totp(user):
        return None
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    hashed = _hash(code)
    left = list(user.recovery_codes or [])
    for stored in left:
        if hmac.compare_digest(stored, hashed):
            left.remove(stored)
            user.recovery_codes = left
            return "recovery"
    return None


def recovery_codes_left(user):
    """How many recovery codes are still unused."""
    return len(user.recovery_codes or [])
