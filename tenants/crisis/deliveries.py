"""Sending alerts: email at once, signed webhook calls, daily digests; each attempt kept in the delivery log.

A delivery is a row before it is a job, so nothing is lost: its job is queued after the
commit that made it, RQ retries it with backoff, and the detector's sweep queues again any
delivery whose job vanished. Job ids are unique per delivery; a sent delivery never goes twice.
"""
from datetime import timedelta

from rq import get_current_job
from sqlalchemy import or_, select

from saas import db, tenancy
from saas.auth.models import Agency, Membership
from saas.db import utcnow
from saas.http_errors import BlockedAddress, InvalidURL, describe
from saas.jobs import enqueue_after_commit, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail  # the one mail retry policy
from tenants.crisis.alerts import alert_link, recipients_of, sample_mentions_of, webhook_body
from tenants.crisis.models import AlertDelivery, AlertRule, Crisis, CrisisAlert
from tenants.crisis.webhooks import post, signed_headers

WEBHOOK_RETRY = (5, (30, 120, 600, 1800, 3600))
STALE = timedelta(minutes=10)
PERMANENT = (InvalidURL, BlockedAddress)  # retrying cannot help: the address itself is refused


def attempt(delivery_id, send):
    """Make one attempt at a delivery and record it; raise on a failure RQ should retry."""
    delivery = db.session.get(AlertDelivery, delivery_id)
    if delivery is None or delivery.status == "sent":
        return "skipped"
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    try:
        delivery.response_status = send(delivery)
    except PERMANENT as exc:
        record_failure(delivery, exc, final=True)
        return "failed"
    except Exception as exc:
        job = get_current_job()
        record_failure(delivery, exc, final=job is None or not job.retries_left)
        db.commit()  # the job's own commit point is skipped when it raises; the log must keep this attempt
        raise
    delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
    delivery.error_code = delivery.error_params = None
    return "sent"


def record_failure(delivery, exc, final):
    """Note why an attempt failed: its code and values, put into words where it is shown."""
    delivery.status = "failed" if final else "retrying"
    delivery.response_status = getattr(exc, "status", None)
    message, delivery.error_code, delivery.error_params = describe(exc)
    delivery.last_error = message[:1000]


def _context(alert_id):
    alert = db.session.get(CrisisAlert, alert_id)
    crisis = db.session.get(Crisis, alert.crisis_id) if alert.crisis_id is not None else None  # None: a buzz
    agency = db.session.get(Agency, alert.agency_id)
    return alert, crisis, alert.rule, alert_link(agency.slug, alert.id)


def send_alert_email(delivery):
    """Email one recipient the alert, with its reasons, in their language."""
    alert, crisis, rule, link = _context(delivery.alert_id)
    membership = db.session.get(Membership, delivery.details.get("membership_id"))
    locale = membership.user.locale if membership else None
    subject, body, html = render_mail("crisis_alert", locale, alert=alert, crisis=crisis, rule=rule,
                                      client=rule.client, link=link, samples=sample_mentions_of(alert))
    send_mail(delivery.target, subject, body, html)


def send_webhook(delivery):
    """POST the alert's payload, signed with the rule's secret; return the HTTP status."""
    alert, crisis, rule, link = _context(delivery.alert_id)
    body = webhook_body(delivery, alert, crisis, rule, link)
    return post(delivery.target, body, signed_headers(rule.secret, body, delivery.id))


def send_digest(delivery):
    """Email one recipient the day's alerts of a rule in one message."""
    rule = db.session.get(AlertRule, delivery.rule_id)
    agency = db.session.get(Agency, delivery.agency_id)
    alerts = db.session.scalars(select(CrisisAlert).where(CrisisAlert.id.in_(delivery.details.get("alert_ids", [])))
                                .order_by(CrisisAlert.id)).all()
    items = [(alert, alert_link(agency.slug, alert.id)) for alert in alerts]
    membership = db.session.get(Membership, delivery.details.get("membership_id"))
    subject, body, html = render_mail(
        "crisis_digest", membership.user.locale if membership else None, rule=rule, client=rule.client,
        items=items, link=absolute_url("crisis.show_rule", agency_slug=agency.slug, rule_id=rule.id))
    send_mail(delivery.target, subject, body, html)


@task(queue="mail", retry=MAIL_RETRY)
def deliver_email(delivery_id, agency_id):
    """Send one alert email (retried with backoff)."""
    return attempt(delivery_id, send_alert_email)


@task(queue="default", timeout=60, retry=WEBHOOK_RETRY)
def deliver_webhook(delivery_id, agency_id):
    """Call one webhook (retried with backoff)."""
    return attempt(delivery_id, send_webhook)


@task(queue="mail", retry=MAIL_RETRY)
def deliver_digest(delivery_id, agency_id):
    """Send one daily digest email (retried with backoff)."""
    return attempt(delivery_id, send_digest)


JOBS = {"email": deliver_email, "webhook": deliver_webhook, "digest": deliver_digest}


def queue_delivery(delivery):
    """Queue a delivery's job once the transaction that made or reset it has committed."""
    queue_delivery_id(delivery.channel, delivery.id, delivery.agency_id)


def queue_delivery_id(channel, delivery_id, agency_id):
    """Queue the job of a delivery known by its id, after the commit (one job per delivery)."""
    enqueue_after_commit(JOBS[channel], delivery_id, agency_id=agency_id, job_id=f"crisis-delivery-{delivery_id}")


def sweep_deliveries(limit=200):
    """Queue again the unsent deliveries nobody touched for a while (their job was lost)."""
    stale = utcnow() - STALE
    waiting = db.session.scalars(select(AlertDelivery).where(
        AlertDelivery.status.in_(("pending", "retrying")),
        or_(AlertDelivery.last_attempt_at < stale,
            AlertDelivery.last_attempt_at.is_(None) & (AlertDelivery.created_at < stale)),
    ).order_by(AlertDelivery.id).limit(limit)).all()
    for delivery in waiting:
        queue_delivery(delivery)
    return len(waiting)


def retry_delivery(delivery):
    """Send a failed delivery again now (a person asked for it)."""
    delivery.status, delivery.attempts = "pending", 0
    queue_delivery(delivery)


def plan_digests(now=None):
    """Create (once a day) and queue the digest of each rule that asks for one and alerted in 24 hours."""
    now = now or utcnow()
    rows = []
    for rule in db.session.scalars(select(AlertRule).where(AlertRule.notify_digest.is_(True),
                                                           AlertRule.active.is_(True))):
        alert_ids = db.session.scalars(select(CrisisAlert.id).where(
            CrisisAlert.rule_id == rule.id, CrisisAlert.created_at >= now - timedelta(days=1))).all()
        rows += [{"agency_id": rule.agency_id, "rule_id": rule.id, "channel": "digest", "target": m.user.email,
                  "key": f"digest:{rule.id}:{m.id}:{now.date().isoformat()}",
                  "details": {"membership_id": m.id, "alert_ids": list(alert_ids)}}
                 for m in (recipients_of(rule) if alert_ids else [])]
    inserted = db.insert_ignoring_duplicates(AlertDelivery, rows, ["agency_id", "key"], returning=[AlertDelivery.id])
    for (delivery_id,) in inserted:
        queue_delivery_id("digest", delivery_id, tenancy.current_agency_id())
    return len(inserted)
