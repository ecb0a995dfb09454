"""Crisis detector pass over 1,000 clients with 30 days of buckets, against a plain aggregation query.

Creates a throwaway migrated PostgreSQL database, seeds 10 agencies of 100 clients (one
keyword and one alert rule each) with 30 days of mentions from a fixed seed, builds the
buckets once (the cold pass), then, in the same run, times:
  - a detector pass of every agency (`detect_crises`): 5 minutes of new mentions, 1% of the
    clients spiking (alerts, crisis cards, deliveries), every rule scored;
  - the plain aggregation a detector without buckets would run instead: 15-minute counts and
    negative counts per client keyword over the 30 days, agency by agency (same role, same RLS).
Prints both and their ratio. Run with `.venv/bin/python -m benchmarks crisis`.
"""
import json
import random
import statistics
import time
from datetime import timedelta

import psycopg
from sqlalchemy import func, select, text

from benchmarks.pg import benchmark_app
from saas import db, tenancy
from saas.auth import service as accounts
from saas.db import utcnow
from tenants.crisis.jobs import detect_crises
from tenants.crisis.models import CrisisAlert, MentionBucket

SEED = 20261125
AGENCIES, CLIENTS = 10, 100
DAYS = 30
RUNS = 3
PLAIN_AGGREGATION = text(
    "SELECT client_id, keyword_id, floor(extract(epoch FROM published_at) / 900) AS bucket, count(*), "
    "sum(CASE WHEN coalesce(sentiment_corrected, sentiment) = 'negative' THEN 1 ELSE 0 END) "
    "FROM mentions WHERE published_at >= :since GROUP BY client_id, keyword_id, bucket")
COLUMNS = ("agency_id", "client_id", "keyword_id", "source_kind", "source_name", "item_key", "url", "title", "excerpt",
           "highlights", "author", "published_at", "language", "sentiment", "sentiment_score", "status", "created_at")


def seed_agencies(app):
    """Create the agencies, clients, keywords and rules; return [(agency id, [(client id, keyword id)])]."""
    made = []
    with app.app_context():
        for a in range(AGENCIES):
            owner = accounts.register_user(f"owner{a}@bench.test", f"Owner {a}", "Correct-Horse-Battery-42")
            agency = accounts.create_agency(f"Agence {a}", f"agence-{a}", owner)
            db.commit()
            with tenancy.agency_scope(agency.id):
                pairs = [seed_client(a, c) for c in range(CLIENTS)]
                db.commit()
            made.append((agency.id, pairs))
    return made


def seed_client(a, c):
    """One client with its keyword and a medium rule that alerts by email (raw SQL: it is a benchmark)."""
    client_id = db.session.execute(text("INSERT INTO clients (agency_id, name, sector, website, social_handles, notes, "
                                        "color, created_at, updated_at) VALUES (:a, :n, '', '', '{}', '', '#4f46e5', "
                                        "now(), now()) RETURNING id"),
                                   {"a": tenancy.current_agency_id(), "n": f"Brand {a}-{c}"}).scalar_one()
    keyword_id = db.session.execute(text("INSERT INTO keywords (agency_id, client_id, query, active, backfill_state, "
                                         "backfill_done, backfill_total, created_at) VALUES (:a, :c, :q, true, 'done', "
                                         "0, 0, now()) RETURNING id"),
                                    {"a": tenancy.current_agency_id(), "c": client_id, "q": f"brand{a}x{c}"}
                                    ).scalar_one()
    db.session.execute(text(
        "INSERT INTO alert_rules (agency_id, client_id, name, sensitivity, min_volume, cooldown_minutes, "
        "recipient_pole, recipient_ids, notify_in_app, notify_email, notify_digest, webhook_format, secret, active, created_at) "
        "VALUES (:a, :c, 'Crisis watch', 'medium', 10, 180, 'both', '[]', true, true, false, 'json', :s, true, now())"),
        {"a": tenancy.current_agency_id(), "c": client_id, "s": f"{a}-{c}-secret".ljust(48, "x")})
    return client_id, keyword_id


def mention_rows(rng, agency_id, client_id, keyword_id, start, end, per_hour, negative=0.1, prefix="m"):
    """Mentions of one client between two moments, with a daily rhythm."""
    expected = per_hour * (end - start).total_seconds() / 3600
    rows = []
    for n in range(int(expected) + (rng.random() < expected % 1)):
        moment = start + (end - start) * rng.random()
        if expected > 24 and rng.random() > 0.35 + 0.65 * (8 <= moment.hour <= 21):
            moment -= timedelta(hours=10)  # fewer at night: move most night mentions into the day
        rows.append((agency_id, client_id, keyword_id, rng.choice(("rss", "bluesky", "reddit")), "bench source",
                     f"{prefix}{client_id}-{n}", f"https://news.example/{prefix}{client_id}/{n}", "Brand news",
                     "Something said about the brand.", json.dumps([]), f"author{rng.randrange(400)}",
                     max(moment, start), "en", "negative" if rng.random() < negative else "neutral", 0.0, "new",
                     moment))
    return rows


def copy_mentions(url, rows):
    """COPY mention rows in as the database owner (seeding, not the code under test)."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY mentions ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def history(url, made, now, rng):
    """Thirty days of mentions for every client, each at its own rate (0.3 to 3 an hour)."""
    total = 0
    for agency_id, pairs in made:
        rows = []
        for client_id, keyword_id in pairs:
            rows += mention_rows(rng, agency_id, client_id, keyword_id, now - timedelta(days=DAYS), now,
                                 rng.uniform(0.3, 3.0))
        total += copy_mentions(url, rows)
    return total


def fresh_mentions(url, made, start, end, rng, run, spike):
    """The 5 minutes of mentions a pass finds; with `spike`, 1% of the clients burst into a negative spike."""
    rows = []
    for agency_id, pairs in made:
        for index, (client_id, keyword_id) in enumerate(pairs):
            rows += mention_rows(rng, agency_id, client_id, keyword_id, start, end, rng.uniform(0.3, 3.0),
                                 prefix=f"r{run}-")
            if spike and index == run:  # one spiking client per agency and pass
                rows += mention_rows(rng, agency_id, client_id, keyword_id, end - timedelta(minutes=45), end, 80,
                                     negative=0.7, prefix=f"s{run}-")
    return copy_mentions(url, rows)


def plain_aggregation(app, made, now):
    """The aggregation a bucket-less detector would run every pass, agency by agency."""
    rows = 0
    with app.app_context():
        for agency_id, _pairs in made:
            with tenancy.agency_scope(agency_id):
                rows += len(db.session.execute(PLAIN_AGGREGATION, {"since": now - timedelta(days=DAYS)}).all())
                db.commit()
    return rows


def analyze(url):
    """Refresh the planner's statistics after a bulk load, as autovacuum would on a live database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE mentions")
        conn.execute("ANALYZE mention_buckets")


def timed(work):
    """Seconds one call takes, and its result."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main():
    """Seed, build the buckets, then time detector passes against the plain aggregation."""
    rng = random.Random(SEED)
    app, url = benchmark_app()
    now = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2)
    now -= timedelta(minutes=now.minute % 5)
    made = seed_agencies(app)
    seed_time, mentions = timed(lambda: history(url, made, now, rng))
    analyze(url)
    with app.app_context():
        cold, _ = timed(lambda: detect_crises(now=now))
        with tenancy.all_agencies():
            buckets = db.session.scalar(select(func.count()).select_from(MentionBucket))
        db.commit()
    analyze(url)
    print(f"seeded {AGENCIES * CLIENTS} clients, {mentions:,} mentions over {DAYS} days in {seed_time:.1f} s; "
          f"cold pass (all buckets built: {buckets:,} rows) {cold:.1f} s")
    passes, quiet, plains, alerts = [], [], [], 0
    for run in range(2 * RUNS):
        spiking = run < RUNS
        fresh_mentions(url, made, now, now + timedelta(minutes=5), rng, run, spiking)
        now += timedelta(minutes=5)
        with app.app_context():
            elapsed, report = timed(lambda: detect_crises(now=now))
            alerts += report["alerts"]
        (passes if spiking else quiet).append(elapsed)
        if spiking:
            plain, rows = timed(lambda: plain_aggregation(app, made, now))
            plains.append(plain)
    with app.app_context(), tenancy.all_agencies():
        assert db.session.scalar(select(func.count()).select_from(CrisisAlert)) == alerts
    detector_s, quiet_s, plain_s = statistics.median(passes), statistics.median(quiet), statistics.median(plains)
    print(f"{'detector pass, 1% of clients spiking (alerts, cards, deliveries)':<66} {detector_s * 1000:>8.0f} ms")
    print(f"{'detector pass, nothing unusual':<66} {quiet_s * 1000:>8.0f} ms")
    print(f"{'plain aggregation (15-min counts over 30 days, same agencies)':<66} {plain_s * 1000:>8.0f} ms"
          f"  ({rows:,} groups)")
    print(f"plain aggregation / detector pass: {plain_s / detector_s:.1f}x with spikes, {plain_s / quiet_s:.1f}x "
          f"without (10 agencies, 1,000 rules, 5 min of new mentions a pass; median of {RUNS} runs; {alerts} alerts)")

if __name__ == "__main__":
    main()
