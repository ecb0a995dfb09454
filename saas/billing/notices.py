"""Billing mails to the agency's owners, in each owner's language, dates in the agency's time zone.

Relais sends: the trial ends in 3 days (customer.subscription.trial_will_end for a Stripe trial, the
hourly `mail_trials_ending` for Relais's own trial without card), a payment failed
(invoice.payment_failed, a SEPA debit refused after Checkout), a payment needs the owner's action
(invoice.payment_action_required: 3-D Secure, with the link to Stripe's page that confirms it).
Receipts and invoices are Stripe's own emails (docs/billing.md).
"""
from datetime import timedelta

from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency, Membership, User
from saas.billing.models import Subscription
from saas.db import utcnow
from saas.jobs import enqueue_after_commit, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail

KINDS = ("trial_will_end", "payment_failed", "payment_action_required")
TRIAL_NOTICE = timedelta(days=3)  # as Stripe's trial_will_end, for Relais's own trial


def notify_owners(key, kind, **context):
    """Queue `kind`'s mail to every owner of the current agency once the work commits; `key` (a Stripe event id,
    or what else the mail is about) makes it one mail per owner however often it is asked for."""
    if kind not in KINDS:
        raise ValueError(f"unknown billing mail {kind!r}")
    agency_id = tenancy.current_agency_id()
    owners = db.session.scalars(select(Membership.user_id).where(Membership.role == "owner")).all()
    for user_id in owners:
        enqueue_after_commit(send_billing_mail, kind, user_id, context, agency_id=agency_id,
                             job_id=f"billing-mail-{key}-{user_id}")
    return len(owners)


@task(queue="default")
def mail_trials_ending():
    """Tell the owners of agencies on Relais's own free trial (no card, so no Stripe event) that it ends within
    TRIAL_NOTICE, once per trial (hourly, saas/billing/__init__.py). Nothing while billing is off."""
    from saas.billing.service import billing_enabled

    if not billing_enabled():
        return 0
    now = utcnow()
    with tenancy.all_agencies():
        ending = db.session.scalars(select(Subscription).where(
            Subscription.stripe_subscription_id.is_(None), Subscription.trial_notice_at.is_(None),
            Subscription.trial_ends_at > now, Subscription.trial_ends_at <= now + TRIAL_NOTICE)).all()
        for subscription in ending:
            subscription.trial_notice_at = now
    for subscription in ending:
        with tenancy.agency_scope(subscription.agency_id):
            notify_owners(f"trial-{subscription.agency_id}-{int(subscription.trial_ends_at.timestamp())}",
                          "trial_will_end", ends_at=int(subscription.trial_ends_at.timestamp()))
    return len(ending)


@task(queue="mail", retry=MAIL_RETRY)
def send_billing_mail(kind, user_id, context, agency_id):
    """Send one billing mail to one owner (the agency's zone is set for its dates by the job's scope)."""
    from saas.billing.service import from_timestamp

    user, agency = db.session.get(User, user_id), db.session.get(Agency, agency_id)
    if user is None or agency is None:
        return "skipped"
    subject, body, html = render_mail(
        f"billing_{kind}", user.locale, user=user, agency=agency, link=context.get("link"),
        ends_at=from_timestamp(context.get("ends_at")),
        billing_link=absolute_url("billing.index", agency_slug=agency.slug),
    )
    send_mail(user.email, subject, body, html)
    return "sent"
