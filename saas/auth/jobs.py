"""Mail jobs of the accounts feature (queue `mail`)."""
from flask import current_app

from saas import db
from saas.auth.models import Agency, Invitation, User
from saas.auth.service import confirmation_token, invitation_token, memberships_of, reset_token
from saas.jobs import task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail


def mail_invitation(invitation_id, agency_id, locale, template, link_args=None, context=None):
    """Send the link of a pending invitation with the mail `template` (the body of every invitation job).

    `link_args` go into the link's address; `context(invitation)` adds what the template reads
    beyond the agency, the inviter, the invitation, the link and its validity in days.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return "skipped"
    agency = db.session.get(Agency, agency_id)
    inviter = db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    link = absolute_url("auth.accept_invitation", token=invitation_token(invitation), **(link_args or {}))
    subject, body, html = render_mail(
        template, locale, agency=agency, inviter=inviter, invitation=invitation, link=link,
        days=current_app.config["INVITATION_MAX_AGE"] // 86400, **(context(invitation) if context else {}),
    )
    send_mail(invitation.email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_invitation_email(invitation_id, agency_id, locale=None):
    """Send the invitation link of one invitation."""
    return mail_invitation(invitation_id, agency_id, locale, "invitation")


@task(queue="mail", retry=MAIL_RETRY)
def send_password_reset_email(user_id, locale=None):
    """Send a password-reset link to one user."""
    user = db.session.get(User, user_id)
    if user is None:
        return "skipped"
    link = absolute_url("auth.reset_password", token=reset_token(user))
    minutes = current_app.config["TOKEN_MAX_AGE"] // 60
    subject, body, html = render_mail("reset", locale or user.locale, user=user, link=link, minutes=minutes)
    send_mail(user.email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_signup_confirmation_email(user_id, locale=None):
    """Send the link that confirms a new account's address and opens its agency's workspace."""
    user = db.session.get(User, user_id)
    if user is None or user.email_confirmed_at is not None:
        return "skipped"
    memberships = memberships_of(user)
    if not memberships:
        return "skipped"
    link = absolute_url("auth.confirm_email", token=confirmation_token(user))
    hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
    subject, body, html = render_mail("signup_confirm", locale or user.locale, user=user, agency=memberships[0][1],
                                      link=link, hours=hours)
    send_mail(user.email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_signup_attempt_email(user_id):
    """Tell a person that someone tried to sign up with their address, and how to log in instead."""
    user = db.session.get(User, user_id)
    if user is None:
        return "skipped"
    subject, body, html = render_mail(
        "signup_attempt", user.locale, user=user,
        login_link=absolute_url("auth.login"), reset_link=absolute_url("auth.forgot_password"),
    )
    send_mail(user.email, subject, body, html)
    return "sent"


@task(queue="default")
def purge_stale_invitations(days=30):
    """Delete invitations that expired or were revoked more than `days` ago (all agencies)."""
    from datetime import timedelta

    from sqlalchemy import delete, or_

    from saas import tenancy
    from saas.db import utcnow

    cutoff = utcnow() - timedelta(days=days)
    with tenancy.all_agencies():
        result = db.session.execute(
            delete(Invitation).where(or_(Invitation.expires_at < cutoff, Invitation.revoked_at < cutoff))
        )
    return result.rowcount


@task(queue="default")
def purge_ended_sessions():
    """Delete the session records that were revoked or have expired (platform-wide)."""
    from saas.auth.sessions import purge_ended

    return purge_ended()


@task(queue="mail", retry=MAIL_RETRY)
def send_new_device_email(user_id, ip=None, user_agent=""):
    """Tell a person their account was just signed in from a browser it never used (saas/auth/known_devices.py).

    The moment is told in the time zone of their first agency (the agency picker's order), in their language.
    """
    from flask_babel import force_locale

    from saas import tenancy
    from saas.db import utcnow
    from saas.devices import describe

    user = db.session.get(User, user_id)
    if user is None:
        return "skipped"
    memberships = memberships_of(user)
    with tenancy.agency_scope(memberships[0][1].id if memberships else None):
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            browser, device = describe(user_agent)  # in words of the person's language
        subject, body, html = render_mail(
            "new_device", user.locale, user=user, moment=utcnow(), browser=browser, device=device, ip=ip,
            account_link=absolute_url("auth.account"), reset_link=absolute_url("auth.forgot_password"),
        )
    send_mail(user.email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_email_change_link(user_id, new_email, locale=None):
    """Send the link that confirms a new address to that address (the change waits for it)."""
    from saas.auth.service import email_change_token

    user = db.session.get(User, user_id)
    if user is None:
        return "skipped"
    link = absolute_url("auth.change_email", token=email_change_token(user, new_email))
    hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
    subject, body, html = render_mail("email_change", locale or user.locale, user=user, new_email=new_email,
                                      link=link, hours=hours)
    send_mail(new_email, subject, body, html)
    return "sent"


@task(queue="mail", retry=MAIL_RETRY)
def send_email_change_notice(user_id, old_email, new_email, done=False, locale=None):
    """Tell the old address that a change was asked (`done` False) or made (True), and what to do if not them."""
    user = db.session.get(User, user_id)
    if user is None:
        return "skipped"
    subject, body, html = render_mail(
        "email_change_notice", locale or user.locale, user=user, old_email=old_email, new_email=new_email, done=done,
        reset_link=absolute_url("auth.forgot_password"), account_link=absolute_url("auth.account"),
    )
    send_mail(old_email, subject, body, html)
    return "sent"
