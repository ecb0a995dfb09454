"""Billing mails to the agency's owners, in each owner's language, dates in the agency's time zone.

Relais sends: the trial ends in 3 days (customer.subscription.trial_will_end), a payment failed
(invoice.payment_failed, a SEPA debit refused after Checkout), a payment needs the owner's action
(invoice.payment_action_required: 3-D Secure, with the link to Stripe's page that confirms it).
Receipts and invoices are Stripe's own emails (docs/billing.md).
"""
from sqlalchemy import select

from saas import db
from saas.auth.models import Agency, Membership, User
from saas.jobs import enqueue_after_commit, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail

KINDS = ("trial_will_end", "payment_failed", "payment_action_required")


def notify_owners(event, kind, **context):
    """Queue `kind`'s mail to every owner of the current agency once the event's work commits (once per event)."""
    if kind not in KINDS:
        raise ValueError(f"unknown billing mail {kind!r}")
    from saas import tenancy

    agency_id = tenancy.current_agency_id()
    owners = db.session.scalars(select(Membership.user_id).where(Membership.role == "owner")).all()
    for user_id in owners:
        enqueue_after_commit(send_billing_mail, kind, user_id, context, agency_id=agency_id,
                             job_id=f"billing-mail-{event['id']}-{user_id}")
    return len(owners)


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
