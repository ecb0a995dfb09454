"""Daily rollups of a client's mentions (per day of the agency's calendar, outlet and sentiment), so that a dashboard
over 100,000 mentions reads a few thousand counts instead.

Each agency has a watermark (`RollupState.last_mention_id`): the rollups hold exactly the mentions up to it, and
the dashboard reads the newer ones from `mentions` in the same statement (figures.py), so its figures are exact
at every moment. A pass (every minute) reads the mentions past the watermark, rewrites the days they fall on
from `mentions` (a recount, never a `+=` that a retried pass could apply twice), then moves the watermark. It
only moves past mentions stored more than SETTLE ago: an ingest transaction still open may hold a lower id.
A correction of a sentiment, or mentions deleted with their keyword, recount their days at once (the signal
`mentions_changed`). Days are the agency's: when its time zone changes, the rollups are rebuilt (meanwhile
the dashboard counts `mentions`).
"""
import logging
from datetime import timedelta

from sqlalchemy import and_, case, delete, func, insert, select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from saas.i18n import agency_zone, local_moment, local_time
from saas.jobs import task
from tenants.dashboards.models import AuthorRollup, MentionRollup, NegativeRollup, RollupState
from tenants.monitoring.models import Mention

log = logging.getLogger(__name__)
SETTLE = timedelta(minutes=2)
MAX_NEW = 200_000  # mentions read per pass; the rest waits for the next one
NEGATIVE_KEPT = 5  # the most negative mentions kept per client and day (the dashboard lists five)
LONG_SPAN = 62  # days recounted at once after a change; a longer span is rebuilt by the passes


def effective_sentiment():
    """The sentiment people see: a person's correction, else the computed one."""
    return func.coalesce(Mention.sentiment_corrected, Mention.sentiment)


def _state(create=True):
    """The agency's rollup state, locked for this transaction (made on first use by the pass; None otherwise)."""
    state = db.session.scalar(select(RollupState).with_for_update())
    if state is None and create:
        state = RollupState(last_mention_id=0, zone=agency_zone().key)
        db.session.add(state)
        db.session.flush()
    return state


def _recount(days_by_client, upto):
    """Rewrite the rollups of these (client, day)s from the mentions up to id `upto`; three queries per day."""
    clients_by_day = {}
    for client_id, days in days_by_client.items():
        for day in days:
            clients_by_day.setdefault(day, set()).add(client_id)
    for day, client_ids in sorted(clients_by_day.items()):
        client_ids = sorted(client_ids)
        mentions = and_(Mention.client_id.in_(client_ids), Mention.published_at >= local_moment(day),
                        Mention.published_at < local_moment(day + timedelta(days=1)), Mention.id <= upto)
        for table in (MentionRollup, AuthorRollup, NegativeRollup):
            db.session.execute(delete(table).where(table.client_id.in_(client_ids), table.day == day)
                               .execution_options(synchronize_session=False))
        agency_id = tenancy.current_agency_id()
        for table, rows in ((MentionRollup, _outlet_rows(mentions)), (AuthorRollup, _author_rows(mentions)),
                            (NegativeRollup, _negative_rows(mentions))):
            if rows:
                db.session.execute(insert(table), [{"agency_id": agency_id, "day": day, **row} for row in rows])
    return len(clients_by_day)


def _outlet_rows(mentions):
    sentiment = effective_sentiment()
    return [{"client_id": client_id, "source_kind": kind, "source_name": name or "", "sentiment": label or "neutral",
             "mentions": count}
            for client_id, kind, name, label, count in db.session.execute(
                select(Mention.client_id, Mention.source_kind, Mention.source_name, sentiment, func.count())
                .where(mentions).group_by(Mention.client_id, Mention.source_kind, Mention.source_name, sentiment))]


def _author_rows(mentions):
    negative = func.sum(case((effective_sentiment() == "negative", 1), else_=0))
    return [{"client_id": client_id, "author": author, "mentions": count, "negative": int(bad or 0)}
            for client_id, author, count, bad in db.session.execute(
                select(Mention.client_id, Mention.author, func.count(), negative)
                .where(mentions, Mention.author.is_not(None), Mention.author != "")
                .group_by(Mention.client_id, Mention.author))]


def _negative_rows(mentions):
    """The NEGATIVE_KEPT most negative mentions of each client of the day (the dashboard's order)."""
    rank = func.row_number().over(partition_by=Mention.client_id,
                                  order_by=(Mention.sentiment_score, Mention.published_at.desc(), Mention.id.desc()))
    ranked = (select(Mention.client_id, Mention.id, Mention.sentiment_score, Mention.published_at, rank.label("rank"))
              .where(mentions, effective_sentiment() == "negative").subquery())
    return [{"client_id": client_id, "mention_id": mention_id, "score": score, "published_at": published_at}
            for client_id, mention_id, score, published_at in db.session.execute(
                select(ranked.c.client_id, ranked.c.id, ranked.c.sentiment_score, ranked.c.published_at)
                .where(ranked.c.rank <= NEGATIVE_KEPT))]


def _forget_all():
    for table in (MentionRollup, AuthorRollup, NegativeRollup):
        db.session.execute(delete(table).execution_options(synchronize_session=False))


def refresh(now=None):
    """Fold the agency's mentions stored since its watermark into the rollups; returns the mentions folded."""
    now = now or utcnow()
    state = _state()
    zone = agency_zone().key
    if state.zone != zone:  # its days were another zone's: start again
        _forget_all()
        state.last_mention_id, state.zone = 0, zone
    rows = db.session.execute(
        select(Mention.id, Mention.client_id, Mention.published_at, Mention.created_at)
        .where(Mention.id > state.last_mention_id).order_by(Mention.id).limit(MAX_NEW)).all()
    settled = [row.id for row in rows if row.created_at <= now - SETTLE]
    if not settled:
        return 0
    upto = max(settled)
    days_by_client = {}
    for row in rows:
        if row.id <= upto:
            days_by_client.setdefault(row.client_id, set()).add(local_time(row.published_at).date())
    _recount(days_by_client, upto)
    state.last_mention_id = upto
    return sum(1 for row in rows if row.id <= upto)


def recount(client_id, first, last):
    """Rewrite a client's rollups of the days from moment `first` to moment `last` (its mentions changed)."""
    state = _state(create=False)  # only the pass makes it: a correction never races the first pass to insert it
    if state is None or state.zone != agency_zone().key or not state.last_mention_id:
        return 0  # the next pass rebuilds everything anyway
    day, end = local_time(first).date(), local_time(last).date()
    if (end - day).days > LONG_SPAN:  # a keyword of years: rebuilt by the next passes (dashboards count meanwhile)
        state.last_mention_id = 0
        _forget_all()
        return 0
    days = set()
    while day <= end:
        days.add(day)
        day += timedelta(days=1)
    return _recount({client_id: days}, state.last_mention_id)


def on_mentions_changed(client_id, first=None, last=None, **_extra):
    """Receiver of saas.signals.mentions_changed: recount the days between `first` and `last`."""
    if first is not None and last is not None:
        recount(client_id, first, last)


@task(queue="monitoring", timeout=900)
def refresh_rollups(now=None):
    """Run a rollup pass for every agency that has mentions (an agency that fails is logged and skipped)."""
    with tenancy.all_agencies():
        agency_ids = db.session.scalars(select(Agency.id).order_by(Agency.id)).all()
    db.commit()
    folded, failed = 0, []
    for agency_id in agency_ids:
        try:
            with tenancy.agency_scope(agency_id):
                folded += refresh(now)
                db.commit()
        except Exception:
            db.session.rollback()
            log.exception("rollup pass failed for agency %s", agency_id)
            failed.append(agency_id)
    return {"agencies": len(agency_ids), "mentions": folded, "failed": failed}
