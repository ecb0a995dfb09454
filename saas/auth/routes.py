"""Views of signup, login, logout, password reset, account and invitations."""
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from saas import ratelimit
from saas.audit import service as audit_trail
from saas.auth import bp, known_devices, passkeys, service, sessions, two_factor
from saas.auth.jobs import (  # noqa: F401
    send_email_change_link,
    send_email_change_notice,
    send_invitation_email,
    send_password_reset_email,
    send_signup_attempt_email,
    send_signup_confirmation_email,
)
from saas.auth import forms
from saas.forms import read
from saas.validation import clean_email
from saas.jobs import enqueue, enqueue_after_commit
from saas.passwords import hash_password
from saas.urls import safe_next

TOKEN_MESSAGES = {
    "invalid": _l("This link is not valid. Check that you copied it whole, or ask for a new one."),
    "expired": _l("This link has expired. Ask for a new one."),
    "used": _l("This link has already been used. Ask for a new one if you need it."),
}
CONFIRM_MESSAGES = {
    "invalid": TOKEN_MESSAGES["invalid"],
    "expired": _l("This link has expired. Log in with your email and password to get a new one."),
    "used": _l("This address is already confirmed. Log in with your email and password."),
}
TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")
UNCONFIRMED = _l("Confirm your email address first: open the link we sent to it when you signed up.")
RESENT = _l("If this address still awaits confirmation, we have sent it a new link. Check your inbox.")


def _form_error(template, errors, status=422, **context):
    """Re-render a form with its messages and what was typed (never the password)."""
    return render_template(template, errors=errors, form=request.form, **context), status


def _too_many(template, **context):
    """The refusal of a rate-limited form: the form again, with what was typed and a 429."""
    return lambda: _form_error(template, {"form": TOO_MANY}, 429, **context)


def _login_form(errors, status, **context):
    """The login page again, with a message and the email typed (never the password)."""
    next_url = safe_next(request.form.get("next")) or ""
    return render_template("auth/login.html", errors=errors, form=request.form, next=next_url, **context), status


def _login_account():
    """The per-account login limit's key: the email typed."""
    return "account:" + (clean_email(request.form.get("email")) or "-")


def start_session(user, remember=False):
    """Begin a fresh session for `user`: a new record and a new cookie on every login (no fixation)."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()  # never store the current_user proxy itself
    if current_user.is_authenticated:
        sessions.revoke(current_user.current_session)  # the browser's previous session ends here
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"  # an older remember-me cookie must not outlive this sign-in
    sessions.open_session(user, remember=remember, ip=request.remote_addr, user_agent=request.user_agent.string)
    login_user(user, remember=remember)
    known_devices.remember_browser(user)


def end_session():
    """Sign out: revoke the session record, forget the session, delete the remember-me cookie."""
    if current_user.is_authenticated:
        sessions.revoke(current_user.current_session)
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie


def _agency_ids(user):
    """The agencies whose audit log shows this person's sign-ins and account changes."""
    return [agency.id for _membership, agency in service.memberships_of(user)]


def _ask_second_factor(user, remember, next_url):
    """After a right password, for a person with two-factor sign-in: remember who it is, ask for the code."""
    if current_user.is_authenticated:
        end_session()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[two_factor.PENDING] = {"user": user.id, "remember": bool(remember), "next": next_url or "",
                                   "at": int(time.time()), "before": bool(getattr(user, "signed_in_before", True))}
    return redirect(url_for("auth.login_code"))


def home_for(user):
    """Where a signed-in person lands: their agency's home, or the agency picker."""
    memberships = service.memberships_of(user)
    staff = [(m, a) for m, a in memberships if m.role != "guest"]
    if len(staff) == 1 and len(memberships) == 1:
        return url_for("workspace.home", agency_slug=staff[0][1].slug)
    if not staff and len(memberships) == 1:  # a guest of one agency goes to its client portal
        return url_for("portal.home", agency_slug=memberships[0][1].slug)
    return url_for("auth.agencies")


@bp.get("/")
def index():
    """The landing page, or the person's workspace when signed in."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/landing.html")


@bp.route("/signup", methods=["GET", "POST"])
@ratelimit.limit(ratelimit.per_window("SIGNUP_RATE_PER_IP", "SIGNUP_RATE_WINDOW"), scope="signup-ip",
                 on_breach=_too_many("auth/signup.html"))
def signup():
    """Create an agency and its owner's account; the owner confirms the address from a mailed link.

    The answer is the same whether the email already has an account or not ("check your inbox"):
    a known address gets a mail saying how to log in instead, and nothing is created.
    """
    if request.method == "GET":
        return render_template("auth/signup.html", errors={}, form={})
    values, errors = read(forms.SignupForm, request.form)
    if errors:
        return _form_error("auth/signup.html", errors)
    email, password = values["email"], values["password"]
    existing = service.find_user_by_email(email)
    if existing is None:
        user = service.register_user(email, values["name"], password, locale=str(get_locale()), confirmed=False)
        service.create_agency(values["agency_name"], values["agency_slug"], user)
        enqueue_after_commit(send_signup_confirmation_email, user.id)
    else:
        hash_password(password)  # the same work as for a new account: the answer's time tells nothing
        if ratelimit.allow("signup-account", "3 per hour", email):
            enqueue_after_commit(send_signup_attempt_email, existing.id)
    return render_template("auth/signup_sent.html", email=email)


@bp.get("/signup/confirm/<token>")
def confirm_email(token):
    """Confirm a new account's address from the mailed link (signed, expiring, single-use), and sign in."""
    try:
        user = service.load_confirmation_token(token)
    except service.TokenError as exc:
        status = 400 if exc.reason == "invalid" else 410
        return render_template("auth/token_error.html", message=CONFIRM_MESSAGES[exc.reason], confirm=True), status
    service.confirm_email(user)
    start_session(user)
    flash(_("Welcome to Relais! Your agency's workspace is ready."), "success")
    return redirect(home_for(user))


@bp.post("/signup/resend")
@ratelimit.limit("10 per hour", scope="resend-ip", on_breach=lambda: _login_form({"form": TOO_MANY}, 429))
def resend_confirmation():
    """Send a new confirmation link to someone who just logged in with an unconfirmed address."""
    user = service.load_resend_token(request.form.get("token"))
    if user is not None and ratelimit.allow("resend-account", "3 per hour", user.email):
        enqueue(send_signup_confirmation_email, user.id)
    return _login_form({}, 200, notice=RESENT)


@bp.route("/agencies", methods=["GET", "POST"])
@login_required
def agencies():
    """List the person's agencies (the switcher) and create another one."""
    memberships = service.memberships_of(current_user)
    if request.method == "GET":
        return render_template("auth/agencies.html", memberships=memberships, errors={}, form={})
    values, errors = read(forms.AgencyForm, request.form)
    if errors:
        return _form_error("auth/agencies.html", errors, memberships=memberships)
    agency = service.create_agency(values["agency_name"], values["agency_slug"], current_user)
    flash(_("Agency created."), "success")
    return redirect(url_for("workspace.home", agency_slug=agency.slug))


def limited_like_the_password(scope, account_key, refusal):
    """The limits of a sign-in step: per IP (every POST) and per account (failed attempts, answered 401).

    `scope` names the counters (`<scope>-ip`, `<scope>-account`; `ratelimit.forget` clears them);
    `refusal()` is the answer past a limit."""

    def decorate(view):
        view = ratelimit.limit(ratelimit.per_window("LOGIN_RATE_PER_ACCOUNT", "LOGIN_RATE_WINDOW"), key=account_key,
                               scope=f"{scope}-account", deduct_when=lambda response: response.status_code == 401,
                               on_breach=refusal)(view)
        return ratelimit.limit(ratelimit.per_window("LOGIN_RATE_PER_IP", "LOGIN_RATE_WINDOW"), scope=f"{scope}-ip",
                               on_breach=refusal)(view)

    return decorate


@bp.route("/login", methods=["GET", "POST"])
@limited_like_the_password("login", _login_account, lambda: _login_form({"form": TOO_MANY}, 429))
def login():
    """Sign in with email and password; rate-limited per IP and per account (failed attempts)."""
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(home_for(current_user))
        return render_template("auth/login.html", errors={}, form={}, next=request.args.get("next", ""))
    values, _errors = read(forms.LoginForm, request.form)
    user = service.authenticate(values["email"], values["password"])
    if user is None:
        known = service.find_user_by_email(values["email"])
        if known is not None:  # written apart: the refusal rolls the request back
            audit_trail.record_apart(_agency_ids(known), "sign_in_failed", actor=known)
        return _login_form({"form": _l("Wrong email or password.")}, 401)
    if user.email_confirmed_at is None:
        return _login_form({"form": UNCONFIRMED}, 403, resend_token=service.resend_token(user))
    ratelimit.forget("login-account")
    if two_factor.is_enabled(user):
        return _ask_second_factor(user, values["remember"], safe_next(values["next"]))
    known_devices.check_sign_in(user, user.signed_in_before)
    start_session(user, remember=values["remember"])
    audit_trail.record_in(_agency_ids(user), "sign_in", actor=user)
    return redirect(safe_next(values["next"]) or home_for(user))


@bp.post("/logout")
def logout():
    """Sign out: this session ends on the server too, so a copied cookie no longer works."""
    end_session()
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@ratelimit.limit("10 per hour", scope="reset-ip", on_breach=_too_many("auth/forgot.html", sent=False))
def forgot_password():
    """Ask for a password-reset link by email (the answer never tells who exists)."""
    if request.method == "GET":
        return render_template("auth/forgot.html", errors={}, form={}, sent=False)
    values, errors = read(forms.ForgotPasswordForm, request.form)
    if errors:
        return _form_error("auth/forgot.html", errors, sent=False)
    email = values["email"]
    user = service.find_user_by_email(email)
    if user is not None and ratelimit.allow("reset-account", "3 per hour", email):
        enqueue(send_password_reset_email, user.id, locale=str(get_locale()))
    return render_template("auth/forgot.html", errors={}, form={}, sent=True)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from an emailed link (signed, expiring, single-use)."""
    try:
        user = service.load_reset_token(token)
    except service.TokenError as exc:
        return render_template("auth/token_error.html", message=TOKEN_MESSAGES[exc.reason]), 410 if exc.reason != "invalid" else 400
    if request.method == "GET":
        return render_template("auth/reset.html", errors={}, token=token)
    values, errors = read(forms.NewPasswordForm, request.form, user=user)
    if errors:
        return render_template("auth/reset.html", errors=errors, token=token), 422
    service.set_password(user, values["password"])
    service.confirm_email(user)  # the link reached this address
    start_session(user)
    audit_trail.record_in(_agency_ids(user), "password_reset", actor=user)
    flash(_("Your password has been changed. Other sessions have been signed out."), "success")
    return redirect(home_for(user))


def account_sessions():
    """The account page's list of the person's live sessions, each described in words."""
    from saas.devices import describe

    rows = [(record, *describe(record.user_agent)) for record in sessions.active_sessions(current_user)]
    return {"sessions": rows, "this_session": current_user.current_session,
            "passkeys": passkeys.passkeys_of(current_user)}


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Edit one's name and language, change one's password, see and end one's sessions."""
    if request.method == "GET":
        return render_template("auth/account.html", errors={}, form={}, **account_sessions())
    if request.form.get("action") == "password":  # which of the page's two forms was sent
        values, errors = read(forms.PasswordChangeForm, request.form, user=current_user)
        if errors:
            return _form_error("auth/account.html", errors, **account_sessions())
        remember = current_user.current_session.remember
        service.set_password(current_user, values["new_password"])
        start_session(current_user, remember=remember)
        audit_trail.record_in(_agency_ids(current_user), "password_changed", actor=current_user)
        flash(_("Your password has been changed. Your other sessions have been signed out."), "success")
        return redirect(url_for("auth.account"))
    if request.form.get("action") == "email":
        return _ask_email_change()
    values, errors = read(forms.ProfileForm, request.form)
    if errors:
        return _form_error("auth/account.html", errors, **account_sessions())
    current_user.name, current_user.locale = values["name"], values["locale"]
    session["lang"] = values["locale"]
    flash(_("Your settings have been saved."), "success")
    return redirect(url_for("auth.account"))


def _ask_email_change():
    """The account page's address form: mail a link to the new address and a notice to the current one."""
    values, errors = read(forms.EmailChangeForm, request.form, user=current_user)
    if errors:
        return _form_error("auth/account.html", errors, **account_sessions())
    if not ratelimit.allow("email-change", "3 per hour", str(current_user.id)):
        return _form_error("auth/account.html", {"new_email": TOO_MANY}, 429, **account_sessions())
    locale = str(get_locale())
    enqueue_after_commit(send_email_change_link, current_user.id, values["new_email"], locale=locale)
    enqueue_after_commit(send_email_change_notice, current_user.id, current_user.email, values["new_email"],
                         locale=locale)
    flash(_("We have sent a link to %(email)s: your address changes when you open it (within %(hours)d hours).",
            email=values["new_email"], hours=current_app.config["CONFIRMATION_MAX_AGE"] // 3600), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def change_email(token):
    """Confirm a new address from the link mailed to it: a page with a button (mail scanners open links), then
    the change, a notice to the old address and an audit entry."""
    try:
        user, new_email = service.load_email_change_token(token)
    except service.TokenError as exc:
        status = 400 if exc.reason == "invalid" else 410
        return render_template("auth/token_error.html", message=TOKEN_MESSAGES[exc.reason], confirm=True), status
    if request.method == "GET":
        return render_template("auth/email_change.html", user=user, new_email=new_email, token=token)
    old_email = user.email
    service.change_email(user, new_email)
    audit_trail.record_in(_agency_ids(user), "email_changed", details={"before": old_email, "after": new_email},
                          actor=user)
    enqueue_after_commit(send_email_change_notice, user.id, old_email, new_email, done=True)
    flash(_("Your address is now %(email)s.", email=new_email), "success")
    return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@ratelimit.limit(ratelimit.per_window("INVITATION_RATE_PER_IP", "SIGNUP_RATE_WINDOW"), scope="invitation-ip")
def accept_invitation(token):
    """Join an agency from an invitation link: create an account or use one's own."""
    try:
        agency, invitation = service.load_invitation(token)
    except service.TokenError as exc:
        status = 400 if exc.reason == "invalid" else 410
        return render_template("auth/token_error.html", message=TOKEN_MESSAGES[exc.reason]), status
    if request.args.get("lang") in current_app.config["LANGUAGES"] and not current_user.is_authenticated:
        session["lang"] = request.args["lang"]  # the language the guest was invited in
        refresh()
    existing = service.find_user_by_email(invitation.email)
    context = {"agency": agency, "invitation": invitation, "token": token, "existing": existing}
    if current_user.is_authenticated and current_user.email != invitation.email:
        return render_template("auth/invitation.html", wrong_user=True, errors={}, form={}, **context), 403
    if request.method == "GET":
        return render_template("auth/invitation.html", errors={}, form={}, **context)
    if current_user.is_authenticated:
        user = current_user
    elif existing is not None:
        return redirect(url_for("auth.login", next=request.path))
    else:
        values, errors = read(forms.JoinForm, request.form, email=invitation.email)
        if errors:
            return _form_error("auth/invitation.html", errors, **context)
        user = service.register_user(invitation.email, values["name"], values["password"], locale=str(get_locale()))
        start_session(user)
    service.accept_invitation(invitation, user)
    audit_trail.record_in([agency.id], "member_joined", user.email, {"role": invitation.role}, actor=user)
    flash(_("You have joined %(agency)s.", agency=agency.name), "success")
    if invitation.role == "guest":
        return redirect(url_for("portal.home", agency_slug=agency.slug))
    return redirect(url_for("workspace.home", agency_slug=agency.slug))
