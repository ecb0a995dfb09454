"""Ingestion: 100,000 matched items into PostgreSQL as mentions, against a bulk COPY of the same rows.

Our path is the one workers run: per agency, with the agency set (row-level security on, as
the non-owner app role), batches of 1,000 rows COPYed into a staging table, then
INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING (tenants/monitoring/pipeline/ingest.py).
COPY runs as the table owner into the same table, emptied first: the floor for these rows.
"""
import random
import time
from datetime import timedelta

import psycopg

from benchmarks.pg import benchmark_app
from saas import db, tenancy
from saas.auth import service as accounts
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.monitoring.pipeline.ingest import insert_mentions
from tenants.monitoring.models import Keyword, Mention

ITEMS = 100_000
AGENCIES = 10
BATCH = 1_000
COLUMNS = ("agency_id", "client_id", "keyword_id", "source_kind", "source_name", "item_key", "url", "title",
           "excerpt", "highlights", "author", "published_at", "language", "sentiment", "sentiment_score",
           "status", "created_at")


def setup(app):
    """Ten agencies with one client and one keyword each; return [(agency, client, keyword)]."""
    targets = []
    with app.app_context():
        for n in range(AGENCIES):
            user = accounts.register_user(f"owner{n}@bench.test", "Owner", "Bench-password-123")
            agency = accounts.create_agency(f"Bench {n}", f"bench-{n}", user)
            with tenancy.agency_scope(agency.id):
                client = Client(name="Danone")
                db.session.add(client)
                db.session.flush()
                keyword = Keyword(client_id=client.id, query="Danone", backfill_state="done")
                db.session.add(keyword)
                db.session.flush()
                targets.append((agency.id, client.id, keyword.id))
            db.commit()
    return targets


def make_rows(targets):
    """100,000 mention rows spread over the agencies, as ingest.mentions_for builds them."""
    rng = random.Random(7)
    now = utcnow()
    rows = {agency_id: [] for agency_id, _, _ in targets}
    for i in range(ITEMS):
        agency_id, client_id, keyword_id = targets[i % len(targets)]
        text = f"Danone {' '.join(rng.choice(['yaourt', 'rappel', 'super', 'prix', 'service', 'bio']) for _ in range(30))}"
        rows[agency_id].append({
            "agency_id": agency_id, "client_id": client_id, "keyword_id": keyword_id, "source_id": None,
            "source_kind": "rss", "source_name": "Le Fil", "item_key": f"k{i:08d}", "url": f"https://news.example/{i}",
            "title": f"Danone news {i}", "excerpt": text[:320], "highlights": [[0, 6]], "author": "someone",
            "published_at": now - timedelta(seconds=i), "language": "fr", "sentiment": "neutral",
            "sentiment_score": 0.0, "status": "new", "created_at": now,
        })
    return rows


def run_ours(app, rows):
    """Insert through insert_mentions in batches; return seconds."""
    started = time.perf_counter()
    with app.app_context():
        for agency_id, agency_rows in rows.items():
            for start in range(0, len(agency_rows), BATCH):
                insert_mentions({agency_id: agency_rows[start:start + BATCH]})
                db.commit()
    return time.perf_counter() - started


def run_copy(url, rows):
    """COPY the same rows into the emptied table as its owner; return seconds."""
    import json

    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE mentions CASCADE")  # card_mentions (empty here) refers to it
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY mentions ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for agency_rows in rows.values():
                for row in agency_rows:
                    copy.write_row([json.dumps(row[c]) if c == "highlights" else row[c] for c in COLUMNS])
        conn.commit()
        return time.perf_counter() - started


def main():
    """Measure and print both, and the ratio."""
    app, url = benchmark_app()
    rows = make_rows(setup(app))
    ours = run_ours(app, rows)
    with app.app_context(), tenancy.all_agencies():
        stored = db.session.query(Mention).count()
    again = run_ours(app, rows)  # a retried job: everything is a duplicate, nothing is added
    copy = run_copy(url, rows)
    print(f"mentions inserted: {stored:,} ({AGENCIES} agencies, batches of {BATCH:,}, RLS on, app role)")
    print(f"ours (COPY to staging, INSERT ... ON CONFLICT):   {ours:.2f} s = {ITEMS / ours:,.0f} mentions/s")
    print(f"ours, replayed (all duplicates):                   {again:.2f} s = {ITEMS / again:,.0f} rows/s")
    print(f"bulk COPY of the same rows (owner, no RLS):         {copy:.2f} s = {ITEMS / copy:,.0f} rows/s")
    print(f"ratio ours / COPY: {ours / copy:.2f}x (target: at most 3x; at least 5,000 mentions/s)")


if __name__ == "__main__":
    main()
