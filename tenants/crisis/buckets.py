"""Mention buckets: 15-minute and hourly counts per client keyword, kept up to date incrementally.

A pass reads only the mentions stored since the agency's watermark, plus the last hours of
the clients a rule watches (so that sentiment corrections made while a crisis grows count),
and rewrites the hours they touch from `mentions`: a recompute, never a `+=` that a retried
pass could apply twice. Sentiment is the one people see: their correction, else the computed one.
"""
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import BigInteger, Integer, case, cast, delete, func, insert, select

from saas import db, tenancy
from saas.db import utcnow
from tenants.crisis.baseline import DAY, HOUR, STEP
from tenants.crisis.models import MentionBucket
from tenants.monitoring.models import ClientSource, Mention, Source

RECENT = 3 * HOUR
MAX_NEW = 200_000  # mentions read per pass; the rest waits for the next pass
# Ids come from a sequence: a mention inserted by a transaction still open may get a lower id than
# one already visible. The watermark only passes mentions older than this, which every ingest
# transaction has committed by then; newer ones are read (and recounted, harmlessly) again.
SETTLE = timedelta(minutes=2)
COPY_THRESHOLD = 2000


def to_epoch(moment):
    """Epoch seconds of an aware datetime."""
    return int(moment.timestamp())


def from_epoch(epoch):
    """The aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(epoch, timezone.utc)


def bucket_epoch(column):
    """SQL for the start (epoch seconds) of the 15-minute bucket holding a timestamp."""
    if db.is_postgres():
        return cast(func.floor(func.extract("epoch", column) / STEP) * STEP, BigInteger)
    return cast(func.strftime("%s", column), Integer) // STEP * STEP


def collect_new_hours(state, watched_clients, now):
    """The hours to rewrite per client, and the first hour of each (client, keyword) series seen."""
    rows = db.session.execute(
        select(Mention.id, Mention.client_id, Mention.keyword_id, Mention.published_at, Mention.created_at)
        .where(Mention.id > state.last_mention_id).order_by(Mention.id).limit(MAX_NEW)
    ).all()
    hours, firsts = defaultdict(set), {}
    for _id, client_id, keyword_id, published_at, _created in rows:
        epoch = to_epoch(published_at)
        hour = epoch - epoch % HOUR
        hours[client_id].add(hour)
        if keyword_id is not None:
            firsts[(client_id, keyword_id)] = min(hour, firsts.get((client_id, keyword_id), hour))
    current = to_epoch(now) - to_epoch(now) % HOUR
    for client_id in watched_clients:
        hours[client_id].update(range(current - RECENT, current + HOUR, HOUR))
    settled = [row[0] for row in rows if row[4] <= utcnow() - SETTLE]
    if settled:
        state.last_mention_id = max(settled)
    return hours, firsts


def span_of(hours):
    """The [start, end) a client's buckets are rewritten over: from its first hour to its last.

    Rewriting an hour that got nothing new is harmless (same counts), and one span per client
    lets clients with the same span share one query; a long span (a backfill, the first pass)
    starts at midnight so that they mostly do.
    """
    lo, hi = min(hours), max(hours) + HOUR
    if hi - lo > DAY:
        lo -= lo % DAY
    return lo, hi


def rewrite_buckets(hours_by_client):
    """Recompute every bucket of these hours from the mentions, one query per distinct span."""
    groups = defaultdict(list)
    for client_id, hours in hours_by_client.items():
        if hours:
            groups[span_of(hours)].append(client_id)
    written = 0
    for (lo, hi), client_ids in groups.items():
        written += _rewrite_span(sorted(client_ids), lo, hi)
    return written


def _rewrite_span(client_ids, lo, hi):
    """Recount the buckets of these clients in [lo, hi) and write the ones that changed."""
    epoch = bucket_epoch(Mention.published_at)
    negative = func.sum(case((func.coalesce(Mention.sentiment_corrected, Mention.sentiment) == "negative", 1),
                             else_=0))
    counted = db.session.execute(
        select(Mention.client_id, Mention.keyword_id, epoch, func.count(), negative)
        .where(Mention.client_id.in_(client_ids), Mention.keyword_id.is_not(None),
               Mention.published_at >= from_epoch(lo), Mention.published_at < from_epoch(hi))
        .group_by(Mention.client_id, Mention.keyword_id, epoch)
    ).all()
    stored = stored_buckets(client_ids, lo, hi)
    stale, changed = [], []
    for row in bucket_rows(counted):  # write only what changed: most recent buckets did not
        bucket_id, counts = stored.pop(_key(row), (None, None))
        if counts != (row["mentions"], row["negative"]):
            changed.append(row)
            stale += [bucket_id] if bucket_id is not None else []
    stale += [bucket_id for bucket_id, _counts in stored.values()]  # their mentions are gone
    if stale:
        db.session.execute(delete(MentionBucket).where(MentionBucket.id.in_(stale))
                           .execution_options(synchronize_session=False))
    insert_buckets(changed)
    return len(changed)


def _key(row):
    return row["client_id"], row["keyword_id"], row["width"], row["epoch"]


def stored_buckets(client_ids, lo, hi):
    """The buckets already stored in [lo, hi): {(client, keyword, width, start): (id, (mentions, negative))}."""
    rows = db.session.execute(
        select(MentionBucket.id, MentionBucket.client_id, MentionBucket.keyword_id, MentionBucket.width,
               bucket_epoch(MentionBucket.start), MentionBucket.mentions, MentionBucket.negative)
        .where(MentionBucket.client_id.in_(client_ids), MentionBucket.start >= from_epoch(lo),
               MentionBucket.start < from_epoch(hi))).all()
    return {(c, k, w, int(start)): (bucket_id, (m, n)) for bucket_id, c, k, w, start, m, n in rows}


def bucket_rows(counted):
    """Rows of 15-minute buckets and of the hourly buckets they add up to."""
    agency_id = tenancy.current_agency_id()
    hourly = defaultdict(lambda: [0, 0])
    rows = []
    for client_id, keyword_id, start, mentions, negative in counted:
        start = int(start)
        rows.append(_row(agency_id, client_id, keyword_id, 15, start, mentions, int(negative or 0)))
        total = hourly[(client_id, keyword_id, start - start % HOUR)]
        total[0] += mentions
        total[1] += int(negative or 0)
    for (client_id, keyword_id, hour), (mentions, negative) in hourly.items():
        rows.append(_row(agency_id, client_id, keyword_id, 60, hour, mentions, negative))
    return rows


def _row(agency_id, client_id, keyword_id, width, start, mentions, negative):
    return {"agency_id": agency_id, "client_id": client_id, "keyword_id": keyword_id, "width": width,
            "start": from_epoch(start), "epoch": start, "mentions": mentions, "negative": negative}


def insert_buckets(rows):
    """Insert bucket rows (COPY through a staging table on PostgreSQL when there are many)."""
    if not rows:
        return
    rows = [{key: value for key, value in row.items() if key != "epoch"} for row in rows]
    if db.is_postgres() and len(rows) >= COPY_THRESHOLD:
        db.copy_insert_ignoring_duplicates(MentionBucket, rows, ["agency_id", "client_id", "width", "start",
                                                                 "keyword_id"], returning="id")
    else:
        db.session.execute(insert(MentionBucket), rows)


def load_counts(client_ids, starts, width=15):
    """Bucket counts {(client_id, keyword_id): {start epoch: (mentions, negative)}} at these starts."""
    series = defaultdict(dict)
    if not client_ids or not starts:
        return series
    rows = db.session.execute(
        select(MentionBucket.client_id, MentionBucket.keyword_id, bucket_epoch(MentionBucket.start),
               MentionBucket.mentions, MentionBucket.negative)
        .where(MentionBucket.width == width, MentionBucket.client_id.in_(sorted(client_ids)),
               MentionBucket.start.in_([from_epoch(s) for s in sorted(starts)]))
    ).all()
    for client_id, keyword_id, start, mentions, negative in rows:  # epochs from SQL: no datetime per row
        series[(client_id, keyword_id)][int(start)] = (mentions, negative)
    return series


def load_range(client_id, keyword_id, lo, hi, width=15):
    """One series' bucket counts {start epoch: (mentions, negative)} in [lo, hi); all keywords when None."""
    start = bucket_epoch(MentionBucket.start)
    query = select(start, func.sum(MentionBucket.mentions), func.sum(MentionBucket.negative)).where(
        MentionBucket.width == width, MentionBucket.client_id == client_id,
        MentionBucket.start >= from_epoch(lo), MentionBucket.start < from_epoch(hi))
    if keyword_id is not None:
        query = query.where(MentionBucket.keyword_id == keyword_id)
    rows = db.session.execute(query.group_by(start)).all()
    return {int(epoch): (int(m), int(n)) for epoch, m, n in rows}


def client_totals(series):
    """Add up each client's keyword series into its client-wide series."""
    totals = defaultdict(lambda: defaultdict(lambda: (0, 0)))
    for (client_id, _keyword), counts in series.items():
        merged = totals[client_id]
        for start, (m, n) in counts.items():
            old = merged[start]
            merged[start] = (old[0] + m, old[1] + n)
    return {client_id: dict(counts) for client_id, counts in totals.items()}


def coverage_starts(client_ids):
    """{client id: epoch of the first whole hour after its oldest source's first fetch}, for clients with sources.

    A source's first fetch also brings what it still lists from before (a feed's latest items): a
    partial past. A series never starts before its client's listening did, so that a new client on
    new sources learns its usual levels instead of reading that sparse backlog as its quiet past.
    """
    if not client_ids:
        return {}
    rows = db.session.execute(select(ClientSource.client_id, func.min(Source.created_at))
                              .join(Source, Source.id == ClientSource.source_id)
                              .where(ClientSource.client_id.in_(client_ids)).group_by(ClientSource.client_id))
    return {client_id: -(-to_epoch(first) // HOUR) * HOUR for client_id, first in rows if first is not None}


def series_start(first_epoch, client_id, coverage):
    """A series' start in epoch seconds: its first hourly bucket, never before its client's listening began."""
    floor = coverage.get(client_id)
    return max(first_epoch, floor) if floor is not None else first_epoch


def first_bucket(client_id, keyword_id):
    """The start of a series (`series_start`) as a datetime, or None when it has no bucket yet."""
    query = select(func.min(MentionBucket.start)).where(MentionBucket.width == 60,
                                                        MentionBucket.client_id == client_id)
    if keyword_id is not None:
        query = query.where(MentionBucket.keyword_id == keyword_id)
    first = db.session.scalar(query)
    if first is None:
        return None
    return from_epoch(series_start(to_epoch(first), client_id, coverage_starts([client_id])))
