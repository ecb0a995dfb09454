"""What the portal reads: a client's visible cards, what awaits approval, the monitoring summary.

Every function takes clients the caller loaded through tenants/guests/access.py, and only
ever selects client-visible cards, client-thread comments and shared mentions.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from saas import db
from saas.i18n import agency_zone, local_today
from tenants.boards.models import Board, BoardCard, BoardColumn, CardComment
from tenants.boards.queries import local_start
from tenants.monitoring.models import SENTIMENTS, Mention

TREND_DAYS = 30


def visible_cards(client_ids, awaiting_only=False):
    """List the client-visible cards of these clients, in board order (column, then position)."""
    if not client_ids:
        return []
    query = (select(BoardCard).join(Board, Board.id == BoardCard.board_id)
             .join(BoardColumn, BoardColumn.id == BoardCard.column_id)
             .where(Board.client_id.in_(list(client_ids)), BoardCard.client_visible.is_(True))
             .options(joinedload(BoardCard.column), joinedload(BoardCard.board))
             .order_by(BoardColumn.position, BoardCard.position, BoardCard.id))
    if awaiting_only:
        query = query.where(BoardCard.approval_state == "awaiting")
    return db.session.scalars(query).all()


def client_comment_counts(cards):
    """Count the client-thread comments of each card."""
    ids = [card.id for card in cards]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(CardComment.card_id, func.count())
        .where(CardComment.card_id.in_(ids), CardComment.visibility == "client").group_by(CardComment.card_id)).all())


@dataclass
class TrendDay:
    """One day of the sentiment trend."""

    day: date
    counts: dict = field(default_factory=lambda: dict.fromkeys(SENTIMENTS, 0))

    @property
    def total(self):
        """Every mention of the day."""
        return sum(self.counts.values())


@dataclass
class MonitoringSummary:
    """Mentions of a client over the last days: totals by sentiment and the day-by-day trend."""

    days: list
    totals: dict

    @property
    def total(self):
        """Every mention of the period."""
        return sum(self.totals.values())

    @property
    def peak(self):
        """The busiest day's count (the chart's scale), at least 1."""
        return max([day.total for day in self.days] + [1])

    def share(self, sentiment):
        """The share (0 to 1) of the period's mentions with this sentiment."""
        return self.totals[sentiment] / self.total if self.total else 0


def _local_day(column):
    """Take the calendar day of a timestamp in the agency's time zone (in UTC on SQLite, which has no zones)."""
    if db.is_postgres():
        return func.date(func.timezone(agency_zone().key, column))
    return func.date(column)


def monitoring_summary(client, days=TREND_DAYS):
    """Count a client's mentions of the last `days` days by day and sentiment (archived ones left out)."""
    start = local_today() - timedelta(days=days - 1)
    sentiment = func.coalesce(Mention.sentiment_corrected, Mention.sentiment)
    day = _local_day(Mention.published_at)
    rows = db.session.execute(
        select(day, sentiment, func.count()).where(
            Mention.client_id == client.id, Mention.status != "archived", Mention.published_at >= local_start(start))
        .group_by(day, sentiment)).all()
    trend = {start + timedelta(days=n): TrendDay(start + timedelta(days=n)) for n in range(days)}
    totals = dict.fromkeys(SENTIMENTS, 0)
    for when, label, count in rows:
        key = date.fromisoformat(str(when)[:10])
        if label in totals and key in trend:
            totals[label] += count
            trend[key].counts[label] += count
    return MonitoringSummary(days=list(trend.values()), totals=totals)


def shared_mentions(client, limit=20):
    """List the mentions the agency shared with the client, newest first."""
    return db.session.scalars(
        select(Mention).where(Mention.client_id == client.id, Mention.shared_with_client.is_(True))
        .order_by(Mention.published_at.desc(), Mention.id.desc()).limit(limit)).all()


def set_mention_shared(mention, shared):
    """Share a mention with the client's guests, or stop sharing it."""
    mention.shared_with_client = bool(shared)
