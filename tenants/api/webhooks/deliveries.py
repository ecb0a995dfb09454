"""Delivering webhooks: one RQ job per attempt, a schedule of our own, the delivery log, automatic disabling.

Durable by construction: a delivery is a row before it is a job, and the row says when it is
next due (`next_attempt_at`). The first attempt is queued once the event's transaction commits;
an attempt first pushes `next_attempt_at` past its own deadline (a lease) and commits, so a
worker killed mid-call leaves a row that falls due again; the failed attempt schedules the next
one with exponential backoff. `dispatch_due_deliveries` (every minute, from `flask cron`) queues
every row that is due; job ids are unique per delivery, so a job that still waits is never doubled.

An endpoint whose attempts have all failed for WEBHOOK_DISABLE_AFTER_HOURS, or that failed
WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row for good, is disabled: its owners get a mail
and the audit log an entry. Tests and redeliveries (`manual`) still go to a disabled endpoint.
"""
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update

from saas import db, http, tenancy
from saas.audit import service as audit
from saas.auth.models import Agency, Membership, User
from saas.db import utcnow
from saas.http_errors import BlockedAddress, FetchError, InvalidURL, describe, register
from saas.i18n import N_
from saas.http_targets import parse_target
from saas.jobs import enqueue, enqueue_after_commit, task
from saas.mail import MAIL_RETRY, absolute_url, render_mail, send_mail
from tenants.api.webhooks.models import TEST_EVENT, WebhookDelivery, WebhookEndpoint
from tenants.api.webhooks.payloads import body_of
from tenants.api.webhooks.signing import new_event_id, signed_headers

TIMEOUT = 10.0  # seconds for one call
LEASE = timedelta(minutes=2)  # an attempt's row is not due again before this (the job's timeout is 60 s)
EXCERPT = 500  # bytes of the answer kept in the log
# Seconds before attempts 2, 3...: exponential (x4 from one minute, 12 hours at most): 8 attempts over ~30 hours.
RETRY_DELAYS = (60, 240, 960, 3840, 15360, 43200, 43200)
DISABLE_AFTER_HOURS = 24
DISABLE_AFTER_FAILURES = 10
KEEP_DAYS = 30  # the log keeps a month
PERMANENT = (InvalidURL, BlockedAddress)  # retrying cannot help: the address itself is refused
register(webhook_disabled=N_("The endpoint is disabled."))


def setting(name, default):
    """A delivery setting from the app's config (tests shorten the schedule)."""
    return current_app.config.get(name, default)


def queue_delivery(delivery_id, agency_id):
    """Queue a delivery's job once the current transaction commits (one job per delivery)."""
    enqueue_after_commit(deliver_webhook, delivery_id, agency_id=agency_id, job_id=f"webhook-delivery-{delivery_id}")


def add_deliveries(rows):
    """Insert delivery rows (with their agency_id) and queue their jobs after the commit; return their ids."""
    if not rows:
        return []
    ids = [row_id for (row_id,) in db.session.execute(insert(WebhookDelivery).returning(WebhookDelivery.id), rows)]
    for delivery_id, row in zip(ids, rows):
        queue_delivery(delivery_id, row["agency_id"])
    return ids


def manual_delivery(endpoint, event_id, event_type, body):
    """A delivery a person asked for (a test, a redelivery); return its id."""
    now = utcnow()
    [delivery_id] = add_deliveries([{
        "agency_id": endpoint.agency_id, "endpoint_id": endpoint.id, "event_id": event_id, "event_type": event_type,
        "body": body, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, "manual": True}])
    return delivery_id


def send_test_event(endpoint, actor):
    """Queue a test event to an endpoint (even a disabled one: to check it before enabling it again)."""
    data = {"endpoint_id": endpoint.id, "message": "This is a test event from Relais.",
            "sent_by": actor.email if actor else None}
    return manual_delivery(endpoint, new_event_id(), TEST_EVENT, body_of(TEST_EVENT, data))


def redeliver(delivery):
    """Send a delivery's event again, as it was (same webhook-id, same body), as a new row of the log."""
    return manual_delivery(delivery.endpoint, delivery.event_id, delivery.event_type, delivery.body)


@task(queue="default", timeout=60)
def deliver_webhook(delivery_id, agency_id):
    """Make one attempt at a delivery; on failure, schedule the next (the dispatcher queues it when due)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in ("sent", "failed"):
        return "skipped"
    endpoint = delivery.endpoint
    now = utcnow()
    if not endpoint.enabled and not delivery.manual:
        delivery.status, delivery.next_attempt_at, delivery.error_code = "failed", None, "webhook_disabled"
        delivery.last_error, delivery.error_params = "The endpoint is disabled.", None
        return "skipped"
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + timedelta(seconds=5):
        return "not due"  # a job queued twice, or an attempt still running (its lease)
    url, secrets_, event_id, body = endpoint.url, endpoint.signing_secrets(now), delivery.event_id, delivery.body.encode()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.next_attempt_at = now, now + LEASE
    db.commit()  # the lease: a worker that dies in the call leaves a row that falls due again
    started = time.monotonic()
    try:
        answer, failure = http.send_post(url, body, signed_headers(secrets_, event_id, body), timeout=TIMEOUT,
                                         excerpt=EXCERPT), None
    except FetchError as exc:
        answer, failure = None, exc
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # the endpoint was deleted meanwhile, with its log
        return "deleted"
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    return record(delivery, delivery.endpoint, answer, failure)


def record(delivery, endpoint, answer, failure):
    """Write an attempt's outcome in the log and on the endpoint; return "sent", "retrying" or "failed"."""
    now = utcnow()
    delivery.response_status = answer.status if answer else getattr(failure, "status", None)
    delivery.response_excerpt = answer.excerpt.decode("utf-8", "replace")[:EXCERPT] if answer else None
    if answer is not None and answer.status < 300:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = "sent", now, None
        delivery.last_error = delivery.error_code = delivery.error_params = None
        endpoint.last_success_at, endpoint.failing_since, endpoint.failed_deliveries = now, None, 0
        return "sent"
    if failure is None:
        failure = http.BadStatus(answer.status, answer.retry_after)
    message, delivery.error_code, delivery.error_params = describe(failure)
    delivery.last_error = message[:1000]
    delays = setting("WEBHOOK_RETRY_DELAYS", RETRY_DELAYS)
    final = isinstance(failure, PERMANENT) or delivery.attempts > len(delays)
    if final:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.status = "retrying"
        delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
    if not delivery.manual:
        note_failure(endpoint, final, now)
    return delivery.status


def note_failure(endpoint, final, now):
    """Count a failed attempt against its endpoint; disable the endpoint when it keeps failing."""
    endpoint.failing_since = endpoint.failing_since or now
    if final:
        endpoint.failed_deliveries = (endpoint.failed_deliveries or 0) + 1
    too_long = now - endpoint.failing_since >= timedelta(hours=setting("WEBHOOK_DISABLE_AFTER_HOURS",
                                                                         DISABLE_AFTER_HOURS))
    too_many = endpoint.failed_deliveries >= setting("WEBHOOK_DISABLE_AFTER_FAILURES", DISABLE_AFTER_FAILURES)
    if endpoint.enabled and (too_long or too_many):
        disable_for_failures(endpoint, now)


def host_of(url):
    """An address's host (the audit log keeps the host of a webhook, never its path)."""
    try:
        return parse_target(url).host
    except FetchError:
        return url[:100]


def disable_for_failures(endpoint, now):
    """Disable a failing endpoint: its waiting deliveries fail, the owners are told, the audit log keeps it."""
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_automatically = False, now, True
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status.in_(("pending", "retrying")),
        WebhookDelivery.manual.is_(False)).values(
        status="failed", next_attempt_at=None, error_code="webhook_disabled", error_params=None,
        last_error="The endpoint is disabled."))
    audit.record("webhook_endpoint_disabled", host_of(endpoint.url),
                 {"reason": "failures", "failing_since": endpoint.failing_since.isoformat(),
                  "failed_deliveries": endpoint.failed_deliveries})
    agency_id = tenancy.current_agency_id()
    for user_id in db.session.scalars(select(Membership.user_id).where(Membership.role == "owner")).all():
        enqueue_after_commit(mail_endpoint_disabled, endpoint.id, user_id, agency_id=agency_id,
                             job_id=f"webhook-disabled-{endpoint.id}-{int(now.timestamp())}-{user_id}")


@task(queue="mail", retry=MAIL_RETRY)
def mail_endpoint_disabled(endpoint_id, user_id, agency_id):
    """Tell one owner that a webhook endpoint was disabled after failing, in their language."""
    endpoint, user, agency = (db.session.get(WebhookEndpoint, endpoint_id), db.session.get(User, user_id),
                              db.session.get(Agency, agency_id))
    if endpoint is None or user is None:
        return "skipped"
    subject, body, html = render_mail(
        "webhook_disabled", user.locale, user=user, agency=agency, endpoint=endpoint, host=host_of(endpoint.url),
        link=absolute_url("webhooks.show", agency_slug=agency.slug, endpoint_id=endpoint.id))
    send_mail(user.email, subject, body, html)
    return "sent"


@task(queue="default")
def dispatch_due_deliveries(limit=500):
    """Queue the deliveries that are due (retries, and any whose job was lost), every agency's."""
    with tenancy.all_agencies():
        due = db.session.execute(select(WebhookDelivery.agency_id, WebhookDelivery.id).where(
            WebhookDelivery.status.in_(("pending", "retrying")), WebhookDelivery.next_attempt_at <= utcnow())
            .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
    db.commit()
    for agency_id, delivery_id in due:
        enqueue(deliver_webhook, delivery_id, agency_id=agency_id, job_id=f"webhook-delivery-{delivery_id}")
    return len(due)


@task(queue="default")
def purge_old_deliveries():
    """Delete the log's rows older than KEEP_DAYS (sent or failed), every agency's."""
    with tenancy.all_agencies():
        result = db.session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.created_at < utcnow() - timedelta(days=KEEP_DAYS),
            WebhookDelivery.status.in_(("sent", "failed"))))
    return result.rowcount
