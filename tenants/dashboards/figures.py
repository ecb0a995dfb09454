"""A client's dashboard figures, all counted by the database: a handful of GROUP BY queries, no mention loaded.

Volume and sentiment are counted per hour (per 15 minutes in a zone whose offset is not a whole hour)
in UTC, one query for the period and the previous one; the hours are then folded into the agency's
days here, so a day follows the agency's clock across a change of summer time on PostgreSQL and SQLite
alike. At most 24 rows a day per sentiment reach Python, whatever the number of mentions.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import (BigInteger, Date, and_, case, cast, desc, distinct, false, func, literal, null, select, true,
                        union_all)

from saas import db
from saas.i18n import agency_zone
from tenants.dashboards.buckets import SENTIMENTS, Totals, bucket_start, bucket_width, local_day
from tenants.boards.models import Board, BoardActivity, BoardCard, BoardColumn
from tenants.crisis.models import AlertRule, CrisisAlert
from tenants.dashboards.models import AuthorRollup, MentionRollup, NegativeRollup, RollupState
from tenants.dashboards.voice import share_of_voice
from tenants.monitoring.models import Mention
from tenants.press.models import PressCoverage

TOP = 8  # rows of the top sources and top authors
OUTLETS = 500  # outlets counted for the ranking of the most visible mentions
SHOWN = 5  # mentions of the "most visible" and "most negative" lists
TIMELINE = 30  # crisis and buzz alerts listed
COVERAGE_SHOWN = 5  # pieces of press coverage listed
# News feeds and large forums reach further than single social posts (the crisis score's "reach" part,
# tenants/crisis/detector.py HIGH_REACH_KINDS): their mentions are the most visible ones.
FAR_REACHING = ("rss", "reddit", "hackernews")


@dataclass
class Day:
    """One day of the period: its mentions by sentiment, and the same day of the previous period."""

    day: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    previous: int = 0

    @property
    def total(self):
        """Mentions of the day."""
        return self.positive + self.neutral + self.negative


@dataclass
class Dashboard:
    """Everything a client's dashboard shows, as plain values (the template runs no query)."""

    period: object
    days: list = field(default_factory=list)
    current: Totals = field(default_factory=Totals)
    previous: Totals = field(default_factory=Totals)
    sources: list = field(default_factory=list)  # (kind, name, mentions, negative)
    authors: list = field(default_factory=list)  # (author, mentions, negative)
    visible: list = field(default_factory=list)  # Mention rows
    most_negative: list = field(default_factory=list)
    alerts: list = field(default_factory=list)  # (moment, kind, score, crisis id, alert id, rule name)
    board: dict = field(default_factory=dict)
    # accepted press coverage published in the period: count, reach, value (€), items (headline, outlet, url, at)
    coverage: dict = field(default_factory=dict)
    voice: object = None  # voice.ShareOfVoice against the client's competitors; None without any

    @property
    def change(self):
        """The change of volume against the previous period (0.25 = +25 %); None when it had no mention."""
        if not self.previous.total:
            return None
        return (self.current.total - self.previous.total) / self.previous.total

    @property
    def busiest(self):
        """The busiest day of the period (None without mentions)."""
        best = max(self.days, key=lambda d: d.total, default=None)
        return best if best and best.total else None


def effective_sentiment():
    """The sentiment people see: a person's correction, else the computed one."""
    return func.coalesce(Mention.sentiment_corrected, Mention.sentiment)


def in_period(period, previous=False):
    """The WHERE clause of the mentions published in the period (or the previous one)."""
    start, end = (period.previous_start, period.start) if previous else (period.start, period.end)
    return and_(Mention.published_at >= start, Mention.published_at < end)


def watermark():
    """How far the agency's rollups go (the mentions up to this id), 0 when they cannot be read (none yet, or
    folded in another time zone). The state row is read FOR SHARE: no pass nor recount changes the rollups
    until this request's transaction ends, so the rollups and the mentions past the watermark add up exactly."""
    row = db.session.execute(select(RollupState.last_mention_id, RollupState.zone).with_for_update(read=True)).first()
    return int(row[0]) if row is not None and row[1] == agency_zone().key else 0


def daily_series(client_id, period, upto=None):
    """The period's days by sentiment, the previous period's day totals, and both periods' totals (one query).

    The days up to the agency's watermark come from the daily rollups, the mentions past it are counted per
    hour (per 15 minutes in a zone whose offset is not a whole hour) and folded into the agency's days here.
    """
    zone, upto = agency_zone(), watermark() if upto is None else upto
    bucket = bucket_start(Mention.published_at, bucket_width(zone, period))
    sentiment = effective_sentiment()
    rolled = (select(MentionRollup.day, cast(null(), BigInteger), MentionRollup.sentiment,
                     func.sum(MentionRollup.mentions))
              .where(MentionRollup.client_id == client_id, MentionRollup.day >= period.previous_first,
                     MentionRollup.day <= period.last, true() if upto > 0 else false())
              .group_by(MentionRollup.day, MentionRollup.sentiment))
    fresh = (select(cast(null(), Date), bucket, sentiment, func.count())
             .where(Mention.client_id == client_id, Mention.published_at >= period.previous_start,
                    Mention.published_at < period.end, Mention.id > upto)
             .group_by(bucket, sentiment))
    rows = db.session.execute(union_all(rolled, fresh)).all()
    days = {period.first + timedelta(days=i): Day(period.first + timedelta(days=i)) for i in range(period.days)}
    previous_by_day = defaultdict(int)
    current, previous = Totals(), Totals()
    for day, epoch, label, count in rows:
        label = label if label in SENTIMENTS else "neutral"
        day = local_day(epoch, zone) if day is None else _as_date(day)
        count = int(count)
        if day in days:
            setattr(days[day], label, getattr(days[day], label) + count)
            setattr(current, label, getattr(current, label) + count)
        elif period.previous_first <= day <= period.previous_last:
            previous_by_day[(day - period.previous_first).days] += count
            setattr(previous, label, getattr(previous, label) + count)
    ordered = [days[d] for d in sorted(days)]
    for index, day in enumerate(ordered):
        day.previous = previous_by_day.get(index, 0)
    return ordered, current, previous


def _as_date(value):
    """A rollup's day as a date (SQLite hands a union's dates back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def outlets(client_id, period, upto=None):
    """Every outlet that spoke of the client in the period, busiest first: (kind, name, mentions, negative).

    One statement: the rollups of the period's days up to the watermark, and the mentions past it.
    """
    upto = watermark() if upto is None else upto
    rolled = (select(MentionRollup.source_kind.label("kind"), MentionRollup.source_name.label("name"),
                     MentionRollup.mentions.label("n"),
                     case((MentionRollup.sentiment == "negative", MentionRollup.mentions), else_=0).label("negative"))
              .where(MentionRollup.client_id == client_id, MentionRollup.day >= period.first,
                     MentionRollup.day <= period.last, true() if upto > 0 else false()))
    fresh = (select(Mention.source_kind, Mention.source_name, literal(1),
                    case((effective_sentiment() == "negative", 1), else_=0))
             .where(Mention.client_id == client_id, in_period(period), Mention.id > upto))
    both = union_all(rolled, fresh).subquery()
    count, negative = func.sum(both.c.n), func.sum(both.c.negative)
    return [(kind, name, int(n), int(neg or 0)) for kind, name, n, neg in db.session.execute(
        select(both.c.kind, both.c.name, count, negative).group_by(both.c.kind, both.c.name)
        .order_by(desc(count), both.c.kind, both.c.name).limit(OUTLETS)).all()]


def top_sources(client_id, period):
    """The outlets that spoke most of the client in the period: (kind, name, mentions, negative)."""
    return outlets(client_id, period)[:TOP]


def top_authors(client_id, period, upto=None):
    """The people who wrote most about the client in the period: (author, mentions, negative).

    One statement: the daily author rollups up to the watermark, and the mentions past it."""
    upto = watermark() if upto is None else upto
    rolled = (select(AuthorRollup.author.label("author"), AuthorRollup.mentions.label("n"),
                     AuthorRollup.negative.label("negative"))
              .where(AuthorRollup.client_id == client_id, AuthorRollup.day >= period.first,
                     AuthorRollup.day <= period.last, true() if upto > 0 else false()))
    fresh = (select(Mention.author, literal(1), case((effective_sentiment() == "negative", 1), else_=0))
             .where(Mention.client_id == client_id, in_period(period), Mention.author.is_not(None),
                    Mention.author != "", Mention.id > upto))
    both = union_all(rolled, fresh).subquery()
    count = func.sum(both.c.n)
    return [(author, int(n), int(neg or 0)) for author, n, neg in db.session.execute(
        select(both.c.author, count, func.sum(both.c.negative)).group_by(both.c.author)
        .order_by(desc(count), both.c.author).limit(TOP)).all()]


def most_visible(client_id, period, ranked=None):
    """The mentions seen most widely: far-reaching kinds of source first, then the busiest outlets, newest first.

    The outlets are ranked from their counts (`outlets`, already read by the dashboard); each of the first few
    gives its newest mentions (an index walk from the end of the period, not a sort of all its mentions) and
    five rows are read: two queries, whatever the data.
    """
    ranked = outlets(client_id, period) if ranked is None else ranked
    first = sorted(ranked, key=lambda row: (row[0] not in FAR_REACHING, -row[2]))[:SHOWN]
    if not first:
        return _mentions_by_id([])
    newest = [select(Mention.id.label("id"), literal(rank).label("rank"), Mention.published_at.label("at"))
              .where(Mention.client_id == client_id, in_period(period), Mention.source_kind == kind,
                     Mention.source_name == name)
              .order_by(desc(Mention.published_at), desc(Mention.id)).limit(SHOWN).subquery()
              for rank, (kind, name, _n, _neg) in enumerate(first)]
    both = union_all(*[select(part.c.id, part.c.rank, part.c.at) for part in newest]).subquery()
    ids = db.session.scalars(select(both.c.id).order_by(both.c.rank, desc(both.c.at), desc(both.c.id))
                             .limit(SHOWN)).all()
    return _mentions_by_id(ids)


def most_negative(client_id, period, upto=None):
    """The period's negative mentions with the lowest sentiment score (ids sorted first, then five rows read).

    The period's most negative are among its days' own (the rollups keep each day's five) or past the watermark."""
    upto = watermark() if upto is None else upto
    rolled = (select(NegativeRollup.mention_id.label("id"), NegativeRollup.score.label("score"),
                     NegativeRollup.published_at.label("at"))
              .where(NegativeRollup.client_id == client_id, NegativeRollup.day >= period.first,
                     NegativeRollup.day <= period.last, true() if upto > 0 else false()))
    fresh = (select(Mention.id, Mention.sentiment_score, Mention.published_at)
             .where(Mention.client_id == client_id, in_period(period), effective_sentiment() == "negative",
                    Mention.id > upto))
    both = union_all(rolled, fresh).subquery()
    ids = db.session.scalars(select(both.c.id).order_by(both.c.score, desc(both.c.at), desc(both.c.id))
                             .limit(SHOWN)).all()
    return _mentions_by_id(ids)


def _mentions_by_id(ids):
    """The mentions of these ids, in this order (one query, even for none: a page's query count stays put)."""
    rows = {m.id: m for m in db.session.scalars(select(Mention).where(Mention.id.in_(ids))).all()}
    return [rows[i] for i in ids if i in rows]


def alert_timeline(client_id, period):
    """The crisis and buzz alerts of the client's rules in the period, in order."""
    rows = db.session.execute(
        select(CrisisAlert.created_at, CrisisAlert.kind, CrisisAlert.score, CrisisAlert.crisis_id, CrisisAlert.id,
               AlertRule.name)
        .join(AlertRule, and_(AlertRule.id == CrisisAlert.rule_id, AlertRule.agency_id == CrisisAlert.agency_id))
        .where(AlertRule.client_id == client_id, CrisisAlert.created_at >= period.start,
               CrisisAlert.created_at < period.end)
        .order_by(CrisisAlert.created_at, CrisisAlert.id).limit(TIMELINE)).all()
    return [tuple(row) for row in rows]


def board_activity(client_id, period):
    """Cards created, cards moved to a done column, approvals given and changes asked in the period (one query)."""
    board_ids = select(Board.id).where(Board.client_id == client_id).scalar_subquery()
    in_range = and_(BoardActivity.board_id.in_(board_ids), BoardActivity.created_at >= period.start,
                    BoardActivity.created_at < period.end)
    created = (select(func.count()).select_from(BoardActivity)
               .where(in_range, BoardActivity.verb == "card_created").scalar_subquery())
    done = (select(func.count(distinct(BoardActivity.card_id))).select_from(BoardActivity)
            .join(BoardColumn, and_(BoardColumn.agency_id == BoardActivity.agency_id,
                                    BoardColumn.id == BoardActivity.details["column_id"].as_integer()))
            .where(in_range, BoardActivity.verb == "card_moved", BoardColumn.done.is_(True)).scalar_subquery())

    def decided(state):
        return (select(func.count()).select_from(BoardCard)
                .where(BoardCard.board_id.in_(board_ids), BoardCard.approval_state == state,
                       BoardCard.approval_decided_at >= period.start, BoardCard.approval_decided_at < period.end)
                .scalar_subquery())

    row = db.session.execute(select(created, done, decided("approved"), decided("changes_requested"))).one()
    return dict(zip(("created", "done", "approved", "changes"), (int(v or 0) for v in row)))


def press_coverage(client_id, period):
    """The client's accepted press coverage published in the period (two queries): how many pieces, their
    reach and media value where the agency knows them, and the newest COVERAGE_SHOWN."""
    accepted = and_(PressCoverage.client_id == client_id, PressCoverage.status == "accepted",
                    PressCoverage.published_at >= period.start, PressCoverage.published_at < period.end)
    count, reach, value = db.session.execute(
        select(func.count(), func.sum(PressCoverage.reach), func.sum(PressCoverage.media_value))
        .where(accepted)).one()
    items = db.session.execute(
        select(PressCoverage.headline, PressCoverage.outlet, PressCoverage.url, PressCoverage.published_at)
        .where(accepted).order_by(desc(PressCoverage.published_at), desc(PressCoverage.id))
        .limit(COVERAGE_SHOWN)).all()
    return {"count": int(count or 0), "reach": int(reach or 0), "value": float(value or 0),
            "items": [tuple(row) for row in items]}


def client_dashboard(client_id, period):
    """Count everything the client's dashboard shows for `period` (about ten queries; only counts and a few mentions reach Python)."""
    upto = watermark()
    days, current, previous = daily_series(client_id, period, upto)
    ranked = outlets(client_id, period, upto)
    return Dashboard(period=period, days=days, current=current, previous=previous,
                     voice=share_of_voice(client_id, period, days, current, previous),
                     sources=ranked[:TOP], authors=top_authors(client_id, period, upto),
                     visible=most_visible(client_id, period, ranked),
                     most_negative=most_negative(client_id, period, upto),
                     alerts=alert_timeline(client_id, period), board=board_activity(client_id, period),
                     coverage=press_coverage(client_id, period))
