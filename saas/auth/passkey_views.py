"""Passkey views: added and removed on the account page, used to sign in (with or without the password).

The ceremonies run in the browser (static/js/passkeys.js): it asks for the options, hands them to
navigator.credentials, and posts the answer back as JSON (with the page's CSRF token). Answers are JSON:
{"redirect": ...} on success, {"error": "a sentence"} with a 4xx otherwise.
"""
import json

from flask import flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from saas import ratelimit
from saas.audit import service as audit_trail
from saas.auth import bp, known_devices, passkeys, sessions, two_factor
from saas.auth.routes import _agency_ids, home_for, limited_like_the_password, start_session
from saas.auth.two_factor_views import PENDING, _pending_key, _pending_user, _requiring_agencies
from saas.db import utcnow
from saas.urls import safe_next

REASONS = {
    "expired": _l("This step took too long: try again."),
    "refused": _l("The passkey's answer could not be checked: try again, or use another way to sign in."),
    "unknown": _l("This passkey is not registered on Relais (it may have been removed): use another way to sign in."),
    "known": _l("This passkey is already registered."),
    "too_many": _l("You have 10 passkeys already: remove one first."),
}
TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")


def _refused(reason, status=400):
    return jsonify(error=str(REASONS[reason])), status


def _json():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _options(options_json):
    response = jsonify(options=json.loads(options_json))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/passkeys/options")
@login_required
def passkey_registration_options():
    """The options to create a passkey for the signed-in person."""
    try:
        return _options(passkeys.registration_options(current_user))
    except passkeys.PasskeyError as error:
        return _refused(error.reason, 409)


@bp.post("/account/passkeys")
@login_required
def passkey_add():
    """Keep the passkey the browser just created; a first second factor signs out the person's other sessions."""
    body = _json()
    name = (body.get("name") if isinstance(body.get("name"), str) else "").strip()[:80] or _("Passkey")
    had_second_factor = two_factor.is_enabled(current_user)
    try:
        passkey = passkeys.register(current_user, passkeys.read_credential(body.get("credential")), name)
    except passkeys.PasskeyError as error:
        return _refused(error.reason, 409 if error.reason == "known" else 400)
    current_user.current_session.second_factor_at = utcnow()
    if not had_second_factor:
        sessions.revoke_all(current_user.id, keep=current_user.current_session)
    audit_trail.record_in(_agency_ids(current_user), "passkey_added", passkey.name, actor=current_user)
    flash(_("Passkey “%(name)s” added: use it to sign in.", name=passkey.name), "success")
    return jsonify(redirect=url_for("auth.account")), 201


@bp.post("/account/passkeys/<int:passkey_id>/delete")
@login_required
def passkey_remove(passkey_id):
    """Remove one of one's passkeys (refused for the last second factor while an agency requires one)."""
    if len(passkeys.passkeys_of(current_user)) == 1 and not current_user.totp_enabled_at:
        requiring = _requiring_agencies(current_user)
        if requiring:
            flash(_("%(agencies)s requires two-factor sign-in: keep this passkey or turn on an app first.",
                    agencies=", ".join(requiring)), "error")
            return redirect(url_for("auth.account")), 303
    name = passkeys.remove(current_user, passkey_id)
    if name is None:
        return redirect(url_for("auth.account")), 303
    audit_trail.record_in(_agency_ids(current_user), "passkey_removed", name, actor=current_user)
    flash(_("Passkey “%(name)s” removed.", name=name), "success")
    return redirect(url_for("auth.account"))


def _signed_in(user, pending_next, remember, how, signed_in_before):
    """Open the session of a person a passkey signed in; the JSON answer says where to go."""
    known_devices.check_sign_in(user, signed_in_before)
    user.last_login_at = utcnow()
    start_session(user, remember=remember)
    user.current_session.second_factor_at = utcnow()
    audit_trail.record_in(_agency_ids(user), "sign_in", details={"passkey": how}, actor=user)
    return jsonify(redirect=safe_next(pending_next) or home_for(user))


@bp.post("/login/passkey/options")
@ratelimit.limit(ratelimit.per_window("LOGIN_RATE_PER_IP", "LOGIN_RATE_WINDOW"), scope="passkey-ip",
                 on_breach=lambda: (jsonify(error=str(TOO_MANY)), 429))
def passkey_sign_in_options():
    """The options to sign in with any passkey of the site (no password)."""
    return _options(passkeys.authentication_options())


@bp.post("/login/passkey")
@ratelimit.limit(ratelimit.per_window("LOGIN_RATE_PER_IP", "LOGIN_RATE_WINDOW"), scope="passkey-ip",
                 on_breach=lambda: (jsonify(error=str(TOO_MANY)), 429))
def passkey_sign_in():
    """Sign in with a passkey that verified its owner: both factors at once."""
    body = _json()
    try:
        user = passkeys.authenticate(passkeys.read_credential(body.get("credential")))
    except passkeys.PasskeyError as error:
        return _refused(error.reason, 401)
    if user is None or user.email_confirmed_at is None:
        return _refused("unknown", 401)
    return _signed_in(user, body.get("next") if isinstance(body.get("next"), str) else "",
                      body.get("remember") is True, "without password", user.last_login_at is not None)


@bp.post("/login/code/passkey/options")
@limited_like_the_password("code", _pending_key, lambda: (jsonify(error=str(TOO_MANY)), 429))
def passkey_second_factor_options():
    """The options to pass the second factor with one of the person's passkeys (after their password)."""
    user, _pending = _pending_user()
    if user is None:
        return _refused("expired", 401)
    return _options(passkeys.authentication_options(user))


@bp.post("/login/code/passkey")
@limited_like_the_password("code", _pending_key, lambda: (jsonify(error=str(TOO_MANY)), 429))
def passkey_second_factor():
    """The second factor with a passkey."""
    user, pending = _pending_user()
    if user is None:
        return _refused("expired", 401)
    try:
        passkeys.authenticate(passkeys.read_credential(_json().get("credential")), user)
    except passkeys.PasskeyError as error:
        audit_trail.record_apart(_agency_ids(user), "sign_in_failed", details={"step": "passkey"}, actor=user)
        return _refused(error.reason, 401)
    ratelimit.forget("code-account")
    session.pop(PENDING, None)
    return _signed_in(user, pending["next"], pending["remember"], "second factor", pending.get("before", True))
