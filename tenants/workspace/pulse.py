"""Today at a glance for the workspace home: open crises first, then each client's mentions of the day.

Two queries whatever the number of clients: one for the open crises (with the client's name and the
crisis's latest alert), one GROUP BY over the mentions of yesterday and today. "Today" is the agency's
day (saas/i18n.py): a mention at 23:30 in Paris belongs to that Paris day, whatever the UTC date.
Everything handed to the template is a plain value: the template runs no query.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from saas import db
from saas.i18n import local_moment, local_now
from tenants.clients.models import Client
from tenants.crisis.models import Crisis, CrisisAlert
from tenants.monitoring.models import Mention

CRITICAL_SCORE = 70  # the crisis pages' "critical" ring (templates/crisis/_macros.html score_level)


@dataclass(frozen=True)
class OpenCrisis:
    """An open crisis as the home shows it."""

    id: int
    opened_at: datetime
    peak_score: float
    last_score: float
    alert_id: int | None  # its latest alert: "why this alert"

    @property
    def score(self):
        """The score shown (the crisis's peak, as on the crisis pages), 0 to 100."""
        return round(self.peak_score or 0)

    @property
    def critical(self):
        """Tell whether the score is in the critical range."""
        return self.score >= CRITICAL_SCORE


@dataclass(frozen=True)
class ClientPulse:
    """One client's line on the home: its open crisis if any, and today's mentions."""

    client_id: int
    name: str
    color: str
    crisis: OpenCrisis | None
    today: int  # mentions published today (the agency's day, so far)
    negative: int  # of which negative (a person's correction wins over the computed sentiment)
    yesterday: int  # mentions published yesterday up to the same time of day

    @property
    def negative_share(self):
        """The share (0 to 1) of today's mentions that are negative; None when there is none."""
        return self.negative / self.today if self.today else None

    @property
    def change(self):
        """Today so far minus yesterday at the same time (positive: busier)."""
        return self.today - self.yesterday


def open_crises():
    """The agency's open crises with their client's name and colour and their latest alert (one query)."""
    latest_alert = (select(func.max(CrisisAlert.id)).where(CrisisAlert.crisis_id == Crisis.id)
                    .correlate(Crisis).scalar_subquery())
    rows = db.session.execute(
        select(Crisis.id, Crisis.client_id, Crisis.opened_at, Crisis.peak_score, Crisis.last_score, latest_alert,
               Client.name, Client.color)
        .join(Client, and_(Client.id == Crisis.client_id, Client.agency_id == Crisis.agency_id))
        .where(Crisis.status == "open")
        .order_by(Crisis.peak_score.desc(), Crisis.opened_at)).all()
    return [(OpenCrisis(crisis_id, opened_at, peak or 0.0, last or 0.0, alert_id), client_id, name, color)
            for crisis_id, client_id, opened_at, peak, last, alert_id, name, color in rows]


def mention_counts(now=None):
    """{client id: (today, negative today, yesterday up to this time)} in the agency's day (one query)."""
    now = now or local_now()
    today = now.date()
    today_start = local_moment(today)
    yesterday_start = local_moment(today - timedelta(days=1))
    tomorrow_start = local_moment(today + timedelta(days=1))
    # The same wall-clock time yesterday (aware arithmetic on a zoned time keeps the wall clock over DST).
    same_time_yesterday = (now - timedelta(days=1)).astimezone(today_start.tzinfo)
    published = Mention.published_at
    is_today = published >= today_start
    negative = func.coalesce(Mention.sentiment_corrected, Mention.sentiment) == "negative"
    rows = db.session.execute(
        select(Mention.client_id,
               func.sum(case((is_today, 1), else_=0)),
               func.sum(case((and_(is_today, negative), 1), else_=0)),
               func.sum(case((and_(published < today_start, published <= same_time_yesterday), 1), else_=0)))
        .where(published >= yesterday_start, published < tomorrow_start)
        .group_by(Mention.client_id)).all()
    return {client_id: (int(n or 0), int(neg or 0), int(before or 0)) for client_id, n, neg, before in rows}


def client_pulses(clients, limit=24):
    """Each client's line for the home: clients with an open crisis first (highest score first), then the
    others by today's volume (busiest first) and name; `clients` are the agency's active clients, already loaded.
    A client with an open crisis is always listed, even archived or beyond `limit`."""
    counts = mention_counts()
    crises = open_crises()
    in_crisis = {client_id for _crisis, client_id, _name, _color in crises}
    lines = [ClientPulse(client_id, name, color, crisis, *counts.get(client_id, (0, 0, 0)))
             for crisis, client_id, name, color in crises]
    calm = [ClientPulse(c.id, c.name, c.color, None, *counts.get(c.id, (0, 0, 0)))
            for c in clients if c.id not in in_crisis]
    calm.sort(key=lambda line: (-line.today, line.name.lower()))
    return lines + calm[:max(0, limit - len(lines))], len(crises)
