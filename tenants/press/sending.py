"""Sending a release to a media list: recipient rows, then RQ jobs mailing them in throttled batches.

At most once: a recipient is claimed ("sending", with a lease) by an UPDATE that only a queued row
passes, committed before SMTP is spoken to, and marked "sent" right after. A worker that dies
between the two leaves it "sending": once the lease is over, it becomes "unknown" (the journalist
may have the mail) and is never sent again on its own; the send page lists it for a person to
decide ("Send again to failed" does not take it). A press mail received twice is worse than one
to check by hand.
Transient SMTP errors (4xx, refused or dropped connections, timeouts) are retried after
PRESS_SEND_RETRY_DELAYS; a permanent one (5xx) is a bounce.
"""
import html as html_lib
import re
import smtplib
import socket
import time
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, func, select, update

from saas import db
from saas.audit import service as audit_trail
from saas.db import utcnow
from saas.jobs import enqueue, task
from saas.mail import send_mail
from tenants.press import releases, service
from tenants.press.models import PressContact, PressRelease, PressSend, PressSendRecipient

MERGE = re.compile(r"\{\{\s*(first_name|outlet)\s*\}\}")
SKIPPED = ("unsubscribed", "do_not_contact", "already_sent")
FINAL = ("sent", "failed", "bounced", "unknown", *SKIPPED)


def merge(text, values, escape=False):
    """Put the recipient's first name and outlet in place of {{first_name}} and {{outlet}}."""
    return MERGE.sub(lambda m: html_lib.escape(values[m.group(1)]) if escape else values[m.group(1)], text)


def already_reached(release):
    """The addresses a send of this release mailed or holds for mailing (sent, queued, failed, unknown...): a release
    goes to further lists, each person once."""
    return set(db.session.scalars(
        select(PressSendRecipient.email)
        .join(PressSend, and_(PressSend.agency_id == PressSendRecipient.agency_id,
                              PressSend.id == PressSendRecipient.send_id))
        .where(PressSend.release_id == release.id, PressSendRecipient.status.not_in(SKIPPED))))


def new_recipients(release, media_list):
    """How many of the list's members a send of this release would mail (reachable and not reached before)."""
    reached = already_reached(release)
    reachable, _excluded = service.members(media_list)
    return len({(c.email or "").strip().lower() for c in reachable} - reached - {""})


def start_send(release, media_list, sender, overridden=False):
    """Create the send and one row per member of the list (those who cannot be mailed, or already received the
    release from an earlier send, marked skipped). The caller holds the release's row lock."""
    reached = already_reached(release)
    send = PressSend(release_id=release.id, list_id=media_list.id, list_name=media_list.name, sender_id=sender.id,
                     sender_name=sender.name or sender.email, sender_email=sender.email, overridden=overridden)
    db.session.add(send)
    db.session.flush()
    seen = set()
    reachable, excluded = service.members(media_list)
    for contact in [*reachable, *excluded]:
        email = (contact.email or "").strip().lower()
        if not email or email in seen:
            continue
        seen.add(email)
        status = "do_not_contact" if contact.do_not_contact else "already_sent" if email in reached else "queued"
        db.session.add(PressSendRecipient(send_id=send.id, contact_id=contact.id, email=email,
                                          first_name=contact.first_name, name=contact.name,
                                          outlet=(contact.outlets or [""])[0], status=status))
        contact.last_used_at = utcnow()
    release.state = "sent"
    audit_trail.record("press_release_sent", release.title, {"release_id": release.id, "list": media_list.name,
                                                             "recipients": len(seen), "without_approval": overridden})
    db.session.flush()
    return send


def resend_failed(send, actor):
    """Queue again the recipients whose mail failed (never the unknown ones: they may have it)."""
    count = db.session.execute(update(PressSendRecipient).where(
        PressSendRecipient.send_id == send.id, PressSendRecipient.status == "failed").values(
        status="queued", attempts=0, next_attempt_at=None, error="")).rowcount
    if count:
        send.state, send.finished_at = "running", None
        audit_trail.record("press_release_resent", send.list_name, {"send_id": send.id, "recipients": count})
    db.session.flush()
    return count


def counts(send):
    """{status: number of recipients} of a send."""
    rows = db.session.execute(select(PressSendRecipient.status, func.count()).where(
        PressSendRecipient.send_id == send.id).group_by(PressSendRecipient.status))
    return dict(rows.all())


def recipients(send):
    """The send's recipients, in the order they were added."""
    return db.session.scalars(select(PressSendRecipient).where(PressSendRecipient.send_id == send.id)
                              .order_by(PressSendRecipient.id)).all()


def sends_of(release):
    """A release's sends, newest first."""
    return db.session.scalars(select(PressSend).where(PressSend.release_id == release.id)
                              .order_by(PressSend.id.desc())).all()


def queue_send(send, agency_id):
    """Queue the job that mails a send's next batch (the periodic sweep; one job per send waiting)."""
    stale = current_app.config["PRESS_SEND_LEASE_SECONDS"] + 600
    enqueue(send_batch, send.id, agency_id=agency_id, job_id=f"press-send-{send.id}", stale_after=stale)


def queue_send_after_commit(send, agency_id):
    """Queue the send's first batch once the request's transaction has committed."""
    from saas.jobs import enqueue_after_commit

    enqueue_after_commit(send_batch, send.id, agency_id=agency_id, job_id=f"press-send-{send.id}")


def _message(release, recipient, send):
    """Subject, text and HTML of one recipient's mail, in the release's language."""
    values = {"first_name": recipient.first_name or "", "outlet": recipient.outlet or ""}
    with force_locale(release.language):
        embargo = releases.embargo_text(release)
        # nh3's clean HTML with the recipient's values escaped in: still safe markup.
        body_html = Markup(merge(str(releases.body_html(release)), values, escape=True))
        context = {"release": release, "embargo": embargo, "send": send, "unsubscribe": recipient_unsubscribe(recipient)}
        html = render_template("press/_release_mail.html", body=body_html, standalone=True, **context)
        text = render_template("mail/press_release.txt", body=merge(release.body, values), **context)
        subject = (_("EMBARGO until %(moment)s", moment=embargo) + " · " if embargo else "") + release.title
    return subject, text, html


def recipient_unsubscribe(recipient):
    """The recipient's one-click unsubscribe link (the contact's signed token)."""
    contact = db.session.get(PressContact, recipient.contact_id) if recipient.contact_id else None
    return service.unsubscribe_url(contact) if contact is not None else ""


def _headers(recipient, send, unsubscribe):
    mailto = current_app.config["MAIL_FROM"].rsplit("<", 1)[-1].rstrip(">").strip()
    headers = {"Reply-To": f"{send.sender_name} <{send.sender_email}>"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>, <mailto:{mailto}?subject=unsubscribe>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _claim(recipient_id):
    """Take a queued recipient for this job (an UPDATE only a queued row passes); committed before SMTP."""
    lease = utcnow() + timedelta(seconds=current_app.config["PRESS_SEND_LEASE_SECONDS"])
    claimed = db.session.execute(update(PressSendRecipient).where(
        PressSendRecipient.id == recipient_id, PressSendRecipient.status == "queued").values(
        status="sending", lease_until=lease, attempts=PressSendRecipient.attempts + 1)).rowcount
    db.commit()
    return claimed == 1


def expire_leases(send_id):
    """Recipients left "sending" past their lease (a dead worker) become "unknown": never resent on their own."""
    db.session.execute(update(PressSendRecipient).where(
        PressSendRecipient.send_id == send_id, PressSendRecipient.status == "sending",
        PressSendRecipient.lease_until < utcnow()).values(status="unknown", error="worker stopped during SMTP"))
    db.commit()


def _transient(error):
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    return isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                              socket.timeout, OSError))


def _after_failure(recipient, error):
    delays = current_app.config["PRESS_SEND_RETRY_DELAYS"]
    recipient.error = str(error)[:300]
    if not _transient(error):
        recipient.status = "bounced"
    elif recipient.attempts <= len(delays):
        recipient.status = "queued"
        recipient.next_attempt_at = utcnow() + timedelta(seconds=delays[recipient.attempts - 1])
    else:
        recipient.status = "failed"
    recipient.lease_until = None


def _due(send_id, limit):
    now = utcnow()
    return db.session.scalars(select(PressSendRecipient.id).where(
        PressSendRecipient.send_id == send_id, PressSendRecipient.status == "queued",
        (PressSendRecipient.next_attempt_at.is_(None)) | (PressSendRecipient.next_attempt_at <= now))
        .order_by(PressSendRecipient.id).limit(limit)).all()


def _next_wait(send_id):
    """Seconds until a queued recipient is due (0 when one is due now), or None when none is queued."""
    queued = db.session.execute(select(func.count(), func.min(PressSendRecipient.next_attempt_at)).where(
        PressSendRecipient.send_id == send_id, PressSendRecipient.status == "queued")).one()
    if not queued[0]:
        return None
    if _due(send_id, 1):
        return 0.0
    moment = queued[1]
    if moment.tzinfo is None:
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - utcnow()).total_seconds())


@task(queue="mail", timeout=900)
def send_batch(send_id, agency_id):
    """Mail a batch of a send's queued recipients, throttled; queue the next batch, or close the send."""
    config = current_app.config
    send = db.session.get(PressSend, send_id)
    if send is None:
        return
    release = db.session.get(PressRelease, send.release_id)
    expire_leases(send_id)
    pause = 60.0 / max(1, config["PRESS_SEND_RATE"])
    for recipient_id in _due(send_id, config["PRESS_SEND_BATCH"]):
        contact_row = db.session.get(PressSendRecipient, recipient_id)
        contact = db.session.get(PressContact, contact_row.contact_id) if contact_row.contact_id else None
        if contact is not None and contact.do_not_contact:  # unsubscribed since the send started
            contact_row.status = "unsubscribed"
            db.commit()
            continue
        if not _claim(recipient_id):
            continue  # another job took it
        recipient = db.session.get(PressSendRecipient, recipient_id)
        subject, text, html = _message(release, recipient, send)
        try:
            send_mail(recipient.email, subject, text, html,
                      headers=_headers(recipient, send, recipient_unsubscribe(recipient)))
        except Exception as error:  # noqa: BLE001 (every SMTP or socket error is the recipient's status)
            _after_failure(recipient, error)
        else:
            recipient.status, recipient.sent_at, recipient.lease_until, recipient.error = "sent", utcnow(), None, ""
        db.commit()
        time.sleep(pause)
    wait = _next_wait(send_id)
    if wait is None:
        expire_leases(send_id)
        if not db.session.scalar(select(func.count()).where(PressSendRecipient.send_id == send_id,
                                                            PressSendRecipient.status == "sending")):
            send.state, send.finished_at = "done", utcnow()
        return
    if wait > 0:
        time.sleep(min(wait, 60))  # a retry soon: wait for it here rather than hold a queue slot idle
    _requeue(send_id, agency_id)


def _requeue(send_id, agency_id):
    """Queue the next batch (every row this job touched is committed already)."""
    db.commit()
    enqueue(send_batch, send_id, agency_id=agency_id, job_id=f"press-send-{send_id}-{time.time_ns()}")


def unfinished_sends():
    """Sends still running with recipients queued or held (for the periodic sweep)."""
    return db.session.scalars(select(PressSend).where(PressSend.state == "running")).all()
