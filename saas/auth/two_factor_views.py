"""Two-factor sign-in views: the code step of the login, setting up and turning off, recovery codes,
and the agency's requirement (with the guard that walks a member without it through the setup)."""
import time

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from saas import ratelimit
from saas.audit import service as audit_trail
from saas.auth import bp, forms, known_devices, passkeys, service, sessions, two_factor
from saas.auth.members import bp as members_bp
from saas.auth.routes import _agency_ids, home_for, limited_like_the_password, start_session
from saas.db import utcnow
from saas.forms import read
from saas.urls import safe_next
from saas.views import require_role

PENDING, PENDING_SECONDS = two_factor.PENDING, two_factor.PENDING_SECONDS
SETUP = "two_factor_setup"  # the secret shown while it is being scanned
TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")
WRONG_CODE = _l("This code is not right. Check your app's clock, or use one of your recovery codes.")


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = service.find_user_by_id(pending.get("user"))
    if user is None or not two_factor.is_enabled(user):
        return None, None
    return user, pending


def _pending_key():
    pending = session.get(PENDING)
    return "code-account:" + str(pending.get("user") if isinstance(pending, dict) else "-")


def _code_page(errors, status):
    user, _pending = _pending_user()
    return render_template("auth/login_code.html", errors=errors,
                           has_app=user is None or two_factor.has_totp(user),
                           has_passkey=user is not None and passkeys.has_passkeys(user)), status


@bp.route("/login/code", methods=["GET", "POST"])
@limited_like_the_password("code", _pending_key, lambda: _code_page({"code": TOO_MANY}, 429))
def login_code():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Sign in again: the code step lasts ten minutes."), "info")
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return _code_page({}, 200)
    values, errors = read(forms.TwoFactorCodeForm, request.form)
    kind = None if errors else two_factor.check(user, values["code"])
    if kind is None:
        audit_trail.record_apart(_agency_ids(user), "sign_in_failed", details={"step": "second factor"}, actor=user)
        return _code_page(errors or {"code": WRONG_CODE}, 401)
    ratelimit.forget("code-account")
    session.pop(PENDING, None)
    known_devices.check_sign_in(user, pending.get("before", True))
    start_session(user, remember=pending["remember"])
    user.current_session.second_factor_at = utcnow()
    audit_trail.record_in(_agency_ids(user), "sign_in", details={"second factor": kind}, actor=user)
    if kind == "recovery":
        left = two_factor.recovery_codes_left(user)
        flash(_("You signed in with a recovery code: %(left)s left. Make new ones from your account page.",
                left=left), "info")
    return redirect(safe_next(pending["next"]) or home_for(user))


def _codes_page(codes):
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


def _setup_page(secret, errors, status=200):
    uri = two_factor.provisioning_uri(current_user.email, secret)
    return render_template("auth/two_factor.html", errors=errors, grouped=two_factor.grouped(secret),
                           qr=two_factor.qr_svg(uri, _("QR code to scan with your authenticator app")),
                           next=safe_next(request.values.get("next")) or ""), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Set up two-factor sign-in: scan the QR code, type a first code, keep the recovery codes."""
    if two_factor.has_totp(current_user):
        return redirect(url_for("auth.account"))
    secret = session.get(SETUP)
    if request.method == "GET" or not secret:
        if not secret:
            secret = session[SETUP] = two_factor.new_secret()
        return _setup_page(secret, {})
    values, errors = read(forms.TwoFactorCodeForm, request.form)
    codes = None if errors else two_factor.enable(current_user, secret, values["code"])
    if codes is None:
        return _setup_page(secret, errors or {"code": WRONG_CODE}, 422)
    session.pop(SETUP, None)
    current_user.current_session.second_factor_at = utcnow()
    sessions.revoke_all(current_user.id, keep=current_user.current_session)  # others signed in without it
    audit_trail.record_in(_agency_ids(current_user), "two_factor_enabled", actor=current_user)
    return _codes_page(codes)


def _requiring_agencies(user):
    return [agency.name for membership, agency in service.memberships_of(user)
            if agency.require_two_factor and membership.role != "guest"]


@bp.post("/account/two-factor/disable")
@login_required
def two_factor_disable():
    """Turn two-factor sign-in off, with the current password (refused while an agency requires it)."""
    if not two_factor.has_totp(current_user):
        return redirect(url_for("auth.account"))
    requiring = [] if passkeys.has_passkeys(current_user) else _requiring_agencies(current_user)
    if requiring:
        flash(_("%(agencies)s requires two-factor sign-in: it stays on.", agencies=", ".join(requiring)), "error")
        return redirect(url_for("auth.account")), 303
    _values, errors = read(forms.PasswordConfirmForm, request.form, user=current_user)
    if errors:
        flash(errors["current_password"], "error")
        return redirect(url_for("auth.account")), 303
    two_factor.disable(current_user)
    audit_trail.record_in(_agency_ids(current_user), "two_factor_disabled", actor=current_user)
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/two-factor/recovery-codes")
@login_required
def two_factor_recovery_codes():
    """Ten new recovery codes (the old ones stop working), with a code from the app."""
    if not two_factor.has_totp(current_user):
        return redirect(url_for("auth.account"))
    values, errors = read(forms.TwoFactorCodeForm, request.form)
    step = None if errors else two_factor.matching_step(current_user.totp_secret, values["code"],
                                                        last_step=current_user.totp_last_step)
    if step is None:
        flash(WRONG_CODE, "error")
        return redirect(url_for("auth.account")), 303
    current_user.totp_last_step = step
    codes = two_factor.renew_recovery_codes(current_user)
    audit_trail.record_in(_agency_ids(current_user), "recovery_codes_renewed", actor=current_user)
    return _codes_page(codes)


@members_bp.post("/two-factor")
@require_role("owner")
def require_two_factor():
    """The owner asks (or stops asking) every staff member to sign in with a second factor."""
    values, _errors = read(forms.AgencyTwoFactorForm, request.form)
    required = values["require"]
    if required and not two_factor.is_enabled(current_user):
        flash(_("Turn on two-factor sign-in for yourself first."), "error")
        return redirect(url_for("auth.two_factor_setup", next=url_for("members.index")))
    if required != g.agency.require_two_factor:
        g.agency.require_two_factor = required
        audit_trail.record("two_factor_required", g.agency.name, {"required": "yes" if required else "no"})
    flash(_("Every member now signs in with a second factor.") if required else
          _("A second factor is no longer required."), "success")
    return redirect(url_for("members.index"))


def second_factor_required():
    """A staff member of an agency that requires a second factor, without one, is walked through the setup.

    A check of every workspace request: the app factory hands it to `saas.web.guard_agency` (accounts
    may not import the request lifecycle, which imports them)."""
    if not g.agency.require_two_factor or g.membership.role == "guest" or two_factor.is_enabled(current_user):
        return None
    flash(_("%(agency)s asks every member to sign in with a second factor: set it up now.", agency=g.agency.name),
          "info")
    return redirect(url_for("auth.two_factor_setup", next=request.full_path if request.method == "GET" else None))
