"""Alert rules: create, update, delete, the secret; a client's recent signal."""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from saas import db
from saas.auth.service import members_of_agency
from saas.db import utcnow
from saas.http_errors import FetchError, error_text
from tenants.crisis import baseline, buckets, detector
from tenants.crisis.models import AlertRule, MentionBucket
from tenants.crisis.webhooks import check_webhook_url
from tenants.monitoring.models import Keyword

RULE_DEFAULTS = {"sensitivity": "medium", "min_volume": "10", "cooldown_minutes": "180", "recipient_pole": "both",
                 "notify_in_app": "1", "notify_email": "1", "notify_buzz": "1", "webhook_format": "json",
                 "active": "1"}
OVERVIEW_DAYS = 7


def new_secret():
    """A fresh signing secret for a rule's webhook."""
    return secrets.token_hex(24)


def staff_members():
    """The members a rule may alert (guests never)."""
    return [m for m in members_of_agency() if m.role != "guest"]


def webhook_problem(url):
    """Return why a webhook address is refused (shape, private network), or None."""
    if not url:
        return None
    if len(url) > 1000:
        return _l("This address is too long.")
    try:
        check_webhook_url(url)
    except FetchError as exc:
        return error_text(exc.code, exc.params)
    return None


def list_rules(client_id):
    """A client's rules, oldest first."""
    return db.session.scalars(select(AlertRule).where(AlertRule.client_id == client_id).order_by(AlertRule.id)).all()


def create_rule(client, values):
    """Create a rule with a fresh webhook secret; it knows its series' history from the buckets."""
    rule = AlertRule(client_id=client.id, secret=new_secret(), **values)
    rule.series_start = buckets.first_bucket(client.id, values.get("keyword_id"))
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule, values):
    """Save a rule's settings (a new keyword means a new series history)."""
    if values.get("keyword_id") != rule.keyword_id:
        rule.series_start = buckets.first_bucket(rule.client_id, values.get("keyword_id"))
    for key, value in values.items():
        setattr(rule, key, value)
    db.session.flush()


def rotate_secret(rule):
    """Give a rule's webhook a new signing secret (the old one stops working at once)."""
    rule.secret = new_secret()


def delete_rule(rule):
    """Delete a rule with its alerts and delivery log."""
    db.session.delete(rule)
    db.session.flush()


def rule_form_values(rule):
    """A rule as form values."""
    return {"name": rule.name, "keyword_id": str(rule.keyword_id or ""), "sensitivity": rule.sensitivity,
            "min_volume": str(rule.min_volume), "cooldown_minutes": str(rule.cooldown_minutes),
            "recipient_pole": rule.recipient_pole or "", "recipient_ids": [str(i) for i in rule.recipient_ids or []],
            "notify_in_app": "1" if rule.notify_in_app else "", "notify_email": "1" if rule.notify_email else "",
            "notify_digest": "1" if rule.notify_digest else "", "notify_buzz": "1" if rule.notify_buzz else "",
            "webhook_url": rule.webhook_url or "",
            "webhook_format": rule.webhook_format, "active": "1" if rule.active else ""}


def client_signal(client_id, keyword_id=None, days=OVERVIEW_DAYS, now=None):
    """The client's hourly volume over the last days, with the usual band (chart points)."""
    end = baseline.floor_step(buckets.to_epoch(now or utcnow()))
    end -= end % baseline.HOUR
    start = buckets.first_bucket(client_id, keyword_id)
    series_start = buckets.to_epoch(start) if start else None
    history_start = end - days * baseline.DAY - 4 * baseline.WEEK - baseline.DAY  # the baseline looks back 4 weeks
    counts = buckets.load_range(client_id, keyword_id, history_start, end)
    ends = range(end - days * baseline.DAY + baseline.HOUR, end + 1, baseline.HOUR)
    return detector.history_points(counts, series_start, ends)


def keyword_summary(client_id, days=OVERVIEW_DAYS, now=None):
    """Each keyword's mentions and negative share over the last days: [(keyword, mentions, share)]."""
    since = buckets.from_epoch(buckets.to_epoch(now or utcnow()) - days * baseline.DAY)
    totals = {keyword_id: (m, n) for keyword_id, m, n in db.session.execute(
        select(MentionBucket.keyword_id, func.sum(MentionBucket.mentions), func.sum(MentionBucket.negative))
        .where(MentionBucket.client_id == client_id, MentionBucket.width == 60, MentionBucket.start >= since)
        .group_by(MentionBucket.keyword_id)).all()}
    summary = []
    for keyword in db.session.scalars(select(Keyword).where(Keyword.of_client(client_id)).order_by(Keyword.id)):
        mentions, negative = totals.get(keyword.id, (0, 0))
        summary.append((keyword, int(mentions), int(negative) / mentions if mentions else 0.0))
    return summary
