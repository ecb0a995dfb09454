"""Passkeys (WebAuthn, through the `webauthn` library): added from the account page, used as the second factor
after the password, or to sign in without a password.

- The relying party is the site's host name (WEBAUTHN_RP_ID, else the request's host without its port) and the
  expected origin the site's own (WEBAUTHN_ORIGIN, else the request's scheme and host). Browsers refuse an IP
  address as a relying party: the app is reached by name (localhost on a development machine).
- Each ceremony's challenge lives in the person's Flask session for five minutes and is used once.
- A sign-in with a passkey asks the authenticator to verify the person (PIN, fingerprint, face): it stands for
  both factors. As the second factor after a password, the passkey must be one of that person's.
- The signature counter is checked when the authenticator keeps one: a counter that does not grow tells of a
  cloned key and refuses the sign-in.
"""
import json
import time
from urllib.parse import urlsplit

from flask import current_app, request, session
from sqlalchemy import select
from webauthn import (base64url_to_bytes, generate_authentication_options, generate_registration_options,
                      options_to_json, verify_authentication_response, verify_registration_response)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

from saas import db
from saas.auth.models import Passkey, User
from saas.db import utcnow

CHALLENGE = "passkey_challenge"
CHALLENGE_SECONDS = 300
MAX_PASSKEYS = 10
RP_NAME = "Relais"


class PasskeyError(Exception):
    """A ceremony that failed: `reason` is a code the views put into words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def rp_id():
    """The relying party id: the site's host name."""
    return current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(request.host_url).hostname


def expected_origin():
    """The origin browsers report for the site's pages."""
    return current_app.config.get("WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")


def passkeys_of(user):
    """A person's passkeys, the newest first."""
    return db.session.scalars(select(Passkey).where(Passkey.user_id == user.id)
                              .order_by(Passkey.id.desc())).all()


def has_passkeys(user):
    """Whether the person has at least one passkey."""
    return db.session.scalar(select(Passkey.id).where(Passkey.user_id == user.id).limit(1)) is not None


def _remember(purpose, challenge, user_id=None):
    session[CHALLENGE] = {"purpose": purpose, "challenge": bytes_to_base64url(challenge), "user": user_id,
                          "at": int(time.time())}


def _take(purpose):
    """The challenge of this ceremony (used once), or PasskeyError("expired")."""
    noted = session.pop(CHALLENGE, None)
    if not isinstance(noted, dict) or noted.get("purpose") != purpose or \
            time.time() - noted.get("at", 0) > CHALLENGE_SECONDS:
        raise PasskeyError("expired")
    return base64url_to_bytes(noted["challenge"]), noted.get("user")


def registration_options(user):
    """The options of navigator.credentials.create() for a new passkey of `user` (JSON text)."""
    existing = passkeys_of(user)
    if len(existing) >= MAX_PASSKEYS:
        raise PasskeyError("too_many")
    options = generate_registration_options(
        rp_id=rp_id(), rp_name=RP_NAME, user_id=f"relais-user-{user.id}".encode(), user_name=user.email,
        user_display_name=user.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                             for p in existing],
    )
    _remember("register", options.challenge, user.id)
    return options_to_json(options)


def register(user, credential, name):
    """Verify the browser's answer to `registration_options` and keep the new passkey."""
    challenge, user_id = _take("register")
    if user_id != user.id:
        raise PasskeyError("expired")
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=rp_id(), expected_origin=expected_origin(),
                                                require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):  # whatever a hostile browser sends
        raise PasskeyError("refused") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)) is not None:
        raise PasskeyError("known")
    transports = credential.get("response", {}).get("transports") if isinstance(credential, dict) else None
    passkey = Passkey(user_id=user.id, credential_id=credential_id,
                      public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count,
                      name=name, transports=[t for t in (transports or []) if isinstance(t, str)][:6],
                      backed_up=bool(verified.credential_backed_up), created_at=utcnow())
    db.session.add(passkey)
    db.session.flush()
    return passkey


def authentication_options(user=None):
    """The options of navigator.credentials.get(): any passkey of the site (sign-in without a password),
    or one of `user`'s (the second factor after their password). JSON text."""
    allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
               for p in passkeys_of(user)] if user is not None else None
    options = generate_authentication_options(rp_id=rp_id(), allow_credentials=allowed,
                                              user_verification=UserVerificationRequirement.REQUIRED)
    _remember("sign_in" if user is None else "second_factor", options.challenge, user.id if user else None)
    return options_to_json(options)


def authenticate(credential, user=None):
    """Verify the browser's answer to `authentication_options`; return the person it signs in."""
    challenge, user_id = _take("sign_in" if user is None else "second_factor")
    if user is not None and user_id != user.id:
        raise PasskeyError("expired")
    raw_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == raw_id)) if isinstance(raw_id, str) \
        else None
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyError("unknown")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id(),
            expected_origin=expected_origin(), credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyError("refused") from None
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, utcnow()
    return db.session.get(User, passkey.user_id)


def read_credential(raw):
    """The credential a browser posted (a JSON object), or PasskeyError("refused")."""
    try:
        credential = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except ValueError:
        raise PasskeyError("refused") from None
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str) or len(credential["id"]) > 1400:
        raise PasskeyError("refused")
    return credential


def remove(user, passkey_id):
    """Delete one of the person's passkeys; return its name, or None when they have no such passkey."""
    passkey = db.session.scalar(select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id))
    if passkey is None:
        return None
    db.session.delete(passkey)
    return passkey.name
