"""Inbox search: the first page of a search for an agency with 100,000 mentions.

PostgreSQL: two agencies of 100,000 mentions each (the table holds both), made of the
realistic French and English posts of tests/data with the brand name in every one, a few
words planted at known frequencies; loaded with COPY, then VACUUM ANALYZE (as autovacuum
would). Each search runs as the app does (`inbox.page`, the non-owner role, row-level
security on), three ways:
- ours: relais_mention_hits through the GIN index when at most HITS_CAP mentions match,
  else the stored vectors along the inbox's newest-first index;
- without the GIN index: always the stored vectors along the inbox index (HITS_CAP = 0);
- before: the query of the previous version (`to_tsvector('simple', ...)` computed per row,
  its expression index unusable under row-level security), timed as SQL.
SQLite (`make run`): the same 100,000 mentions in one agency, searched through relais_fold.
Medians of RUNS runs (SQLITE_RUNS on SQLite). Run with `.venv/bin/python -m benchmarks search`.
"""
import csv
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

from benchmarks.pg import benchmark_app
from saas import create_app, db, search, tenancy
from saas.auth import service as accounts
from saas.cli import upgrade_database
from saas.config import ROOT, TestConfig
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.monitoring.web import inbox
from tenants.monitoring.web import search as mention_search

MENTIONS = 100_000
RUNS = 15
SEED = 20261128
SQLITE_RUNS = 5
# Planted words: how many of each agency's mentions hold them (the first agency is searched).
PLANTED = ({"L'Écume": 5, "rappels": 1_000, "rappel produit": 500, "Velours": 5},
           {"L'Écume": 5, "rappels": 1_000, "rappel produit": 500, "Velours": 50_000})
QUERIES = (("rare word", "ecume"), ("French stem of a frequent word", "rappel"),
           ("phrase", '"rappel produit"'), ("two words", "rappel danone"),
           ("brand, in every mention", "Danone"), ("rare here, in half of another agency's", "velours"),
           ("no match", "zyxwvu"))
OLD_QUERY = text(
    "SELECT id FROM mentions WHERE to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(excerpt, '')) "
    "@@ websearch_to_tsquery('simple', :q) AND status != 'archived' ORDER BY published_at DESC, id DESC LIMIT 51")


def posts():
    """The labelled posts of tests/data, by language."""
    found = {"fr": [], "en": []}
    for path in sorted((ROOT / "tests" / "data").glob("sentiment_*_*.tsv")):
        language = path.name.split("_")[1]
        with path.open(encoding="utf-8") as handle:
            found[language].extend(row[1] for row in csv.reader(handle, delimiter="\t") if len(row) > 1)
    return found


def mention_rows(agency_id, client_id, n):
    """MENTIONS rows of the n-th agency: three posts each, the brand, planted words."""
    rng, corpus, now = random.Random(SEED + n), posts(), utcnow()
    planted = {}
    for word, count in PLANTED[n].items():
        for index in rng.sample(range(MENTIONS), count):
            planted.setdefault(index, []).append(word)
    for i in range(MENTIONS):
        language = "fr" if i % 10 < 6 else "en" if i % 10 < 9 else "und"
        words = corpus["fr" if language == "und" else language]
        excerpt = " ".join([*(rng.choice(words) for _ in range(3)), *planted.get(i, ())])
        yield (agency_id, client_id, "rss", "Le Fil", f"k{i:07d}", f"Danone: {rng.choice(words)[:80]}", excerpt,
               "[]", now - timedelta(minutes=i), language, "neutral", 0.0, "new", now, False)


COLUMNS = ("agency_id, client_id, source_kind, source_name, item_key, title, excerpt, highlights, published_at, "
           "language, sentiment, sentiment_score, status, created_at, shared_with_client")


def create_agency(app, n):
    """An agency with its owner and one client; returns (agency id, client id)."""
    with app.app_context():
        owner = accounts.register_user(f"owner{n}@bench.test", "Owner", "Bench-password-123")
        agency = accounts.create_agency(f"Bench {n}", f"bench-{n}", owner)
        with tenancy.agency_scope(agency.id):
            client = Client(name="Danone")
            db.session.add(client)
            db.commit()
            return agency.id, client.id


def median_ms(action, runs=RUNS):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def first_page(query):
    rows, _cursor = inbox.page(inbox.InboxFilters(text=query))
    return rows


def postgres():
    app, url = benchmark_app()
    targets = [create_agency(app, n) for n in range(2)]
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for n, (agency_id, client_id) in enumerate(targets):
            with conn.cursor().copy(f"COPY mentions ({COLUMNS}) FROM STDIN") as copy:
                for row in mention_rows(agency_id, client_id, n):
                    copy.write_row(row)
        loaded = time.perf_counter() - started
        conn.execute("VACUUM ANALYZE mentions")
        sizes = conn.execute("SELECT pg_size_pretty(pg_relation_size('ix_mentions_search_vector')), "
                             "pg_size_pretty(pg_relation_size('mentions'))").fetchone()
    print(f"{2 * MENTIONS:,} mentions loaded by COPY in {loaded:.1f} s "
          f"({2 * MENTIONS / loaded:,.0f}/s, vectors computed on the way); GIN index {sizes[0]}, table {sizes[1]}")
    print("| search | matches | ours | without the GIN index | before |")
    print("| --- | --- | --- | --- | --- |")
    with app.app_context(), tenancy.agency_scope(targets[0][0]):
        for label, query in QUERIES:
            matches = len(db.session.scalars(text("SELECT relais_mention_hits(:q, 1000000)"),
                                             {"q": mention_search.websearch_text(search.terms(query))}).all())
            ours = median_ms(lambda: first_page(query))
            cap = mention_search.HITS_CAP
            mention_search.HITS_CAP = 0
            try:
                unindexed = median_ms(lambda: first_page(query))
            finally:
                mention_search.HITS_CAP = cap
            before = median_ms(lambda: db.session.execute(OLD_QUERY, {"q": query}).all())
            print(f"| {label}: `{query}` | {matches:,} | {ours:.1f} ms | {unindexed:.1f} ms | {before:.1f} ms |", flush=True)
            db.session.rollback()


def stored(moment):
    """A timestamp as SQLAlchemy keeps it in SQLite."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite():
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-search-"))
    url = f"sqlite:///{folder / 'relais.db'}"
    upgrade_database(url)
    config = type("SQLiteBench", (TestConfig,), {"DATABASE_URL": url})
    app = create_app(config)
    agency_id, client_id = create_agency(app, 0)
    with app.app_context():
        raw = db.session.connection().connection.driver_connection
        marks = ", ".join("?" * len(COLUMNS.split(", ")))
        raw.executemany(f"INSERT INTO mentions ({COLUMNS}) VALUES ({marks})",
                        ([*row[:8], stored(row[8]), *row[9:13], stored(row[13]), row[14]]
                         for row in mention_rows(agency_id, client_id, 0)))
        raw.commit()
    print(f"\nSQLite, {MENTIONS:,} mentions:")
    print("| search | first page |")
    print("| --- | --- |")
    with app.app_context(), tenancy.agency_scope(agency_id):
        for label, query in QUERIES:
            print(f"| {label}: `{query}` | {median_ms(lambda: first_page(query), SQLITE_RUNS):.1f} ms |", flush=True)


if __name__ == "__main__":
    postgres()
    sqlite()
