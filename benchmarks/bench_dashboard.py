"""A client's dashboard with 100,000 mentions in its period, against the workspace home, and its PDF.

Creates a throwaway migrated PostgreSQL database: one agency of 20 clients, the first with
100,000 mentions over the last 30 days (and 50,000 in the 30 days before, the comparison),
the others with a few hundred each; runs the rollup pass once (the worker runs it every minute);
then times, in the same run and with kept pages off (every request renders): the workspace home,
the client's 30-day dashboard, and its PDF.
The goal (issue 19): the dashboard in at most 3x the home's time, the PDF under 5 s.
Run with `.venv/bin/python -m benchmarks dashboard`.
"""
import json
import random
import statistics
import time
from datetime import timedelta

import psycopg
import logging

from sqlalchemy import select, text

from saas import create_app, db, tenancy
from saas.auth import service as accounts, sessions
from saas.cli import upgrade_database
from saas.config import TestConfig
from saas.db import utcnow
from tenants.clients.models import Client

SEED = 20261128
CLIENTS, BIG, PREVIOUS, SMALL = 20, 100_000, 50_000, 300
RUNS = 5
COLUMNS = ("agency_id", "client_id", "source_kind", "source_name", "item_key", "url", "title", "excerpt",
           "highlights", "author", "published_at", "language", "sentiment", "sentiment_score", "status", "created_at")
OUTLETS = [("rss", f"Outlet {n}") for n in range(40)] + [("bluesky", "bsky.social"), ("reddit", "r/france"),
                                                         ("mastodon", "mastodon.social")]


def rows(rng, agency_id, client_id, count, start, end, prefix):
    """`count` mentions of one client spread between two moments."""
    span = (end - start).total_seconds()
    for n in range(count):
        moment = start + timedelta(seconds=span * rng.random())
        kind, name = rng.choice(OUTLETS)
        sentiment = rng.choices(("positive", "neutral", "negative"), (3, 5, 2))[0]
        yield (agency_id, client_id, kind, name, f"{prefix}{client_id}-{n}", f"https://news.example/{prefix}{n}",
               "Brand news", "Something said about the brand.", json.dumps([]), f"author{rng.randrange(2000)}",
               moment, "fr", sentiment, {"negative": -rng.random(), "positive": rng.random()}.get(sentiment, 0.0),
               "new", moment)


def seed(app, url):
    """The agency, its clients and mentions (COPY as the owner: seeding, not the code under test)."""
    rng, now = random.Random(SEED), utcnow()
    with app.app_context():
        owner = accounts.register_user("owner@bench.test", "Owner", "Correct-Horse-Battery-42")
        agency = accounts.create_agency("Agence Bench", "agence-bench", owner)
        db.commit()
        with tenancy.agency_scope(agency.id):
            clients = [Client(name=f"Client {c:02d}") for c in range(CLIENTS)]
            db.session.add_all(clients)
            db.session.flush()
            ids = [c.id for c in clients]
            key = sessions.open_session(owner, ip="127.0.0.1", user_agent="benchmark")
            db.commit()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY mentions ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(rng, agency.id, ids[0], BIG, now - timedelta(days=29, hours=12), now, "cur"):
                copy.write_row(row)
            for row in rows(rng, agency.id, ids[0], PREVIOUS, now - timedelta(days=59), now - timedelta(days=30), "pre"):
                copy.write_row(row)
            for client_id in ids[1:]:
                for row in rows(rng, agency.id, client_id, SMALL, now - timedelta(days=30), now, "s"):
                    copy.write_row(row)
        conn.commit()
        cur.execute(text("ANALYZE mentions").text)
    return key, agency.slug, ids[0]


def fold(app, slug):
    """The rollup pass the worker runs every minute (tenants/dashboards/rollups.py), once, as production has."""
    from saas.auth.models import Agency
    from tenants.dashboards import rollups

    with app.test_request_context():
        with tenancy.all_agencies():
            agency_id = db.session.scalar(select(Agency.id).where(Agency.slug == slug))
        with tenancy.agency_scope(agency_id):
            folded = rollups.refresh()
            db.commit()
    # Autovacuum's steady state for the rollups (they are rewritten every minute, so it visits them often):
    # without it, freshly written rows are read with their visibility checked one by one.
    with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:
        for table in ("mention_rollups", "author_rollups", "negative_rollups", "mention_rollup_states"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return folded


def timed(client, url, runs=RUNS):
    """Median and worst server time of GET `url`, in milliseconds, and the answer's size."""
    client.get(url)  # warm the caches (templates, statements, pango for the PDF)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(response.data)


def breakdown(app, slug, client_id):
    """The median time of each of the dashboard's queries, in milliseconds."""
    from saas.auth.models import Agency
    from saas.i18n import local_today
    from tenants.dashboards import figures, periods

    parts = ("daily_series", "top_sources", "top_authors", "outlets", "most_visible", "most_negative", "alert_timeline",
             "board_activity")
    with app.test_request_context():
        with tenancy.all_agencies():
            agency_id = db.session.scalar(select(Agency.id).where(Agency.slug == slug))
        with tenancy.agency_scope(agency_id):
            period = periods.last_days(30, local_today())
            times = {}
            for name in parts:
                runs = []
                for _ in range(3):
                    started = time.perf_counter()
                    getattr(figures, name)(client_id, period)
                    runs.append((time.perf_counter() - started) * 1000)
                times[name] = statistics.median(runs)
            db.session.rollback()
    return "queries (median ms): " + ", ".join(f"{name} {ms:.0f}" for name, ms in times.items())


def main():
    """Seed, then print the dashboard's and the PDF's server time against the workspace home."""
    from tests import services

    url = services.create_database(services.postgres_server())
    upgrade_database(url)
    config = type("BenchConfig", (TestConfig,), {"DATABASE_URL": url, "REDIS_URL": services.redis_server_url(),
                                                 "PAGE_CACHE": False})
    app = create_app(config)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    started = time.perf_counter()
    user_key, slug, client_id = seed(app, url)
    print(f"seeded {BIG + PREVIOUS + (CLIENTS - 1) * SMALL:,} mentions in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    folded = fold(app, slug)
    print(f"rollup pass (every minute in production): {folded:,} mentions folded in "
          f"{time.perf_counter() - started:.1f} s")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_key, True
    pages = (("workspace home", f"/a/{slug}/"),
             (f"dashboard, 30 days, {BIG:,} mentions", f"/a/{slug}/clients/{client_id}/dashboard"),
             ("dashboard PDF", f"/a/{slug}/clients/{client_id}/dashboard.pdf"))
    print(f"{'page':<40} {'median ms':>10} {'max ms':>8} {'KiB':>6}")
    results = {}
    for name, page in pages:
        median, worst, size = timed(client, page)
        results[name] = median
        print(f"{name:<40} {median:>10.1f} {worst:>8.1f} {size / 1024:>6.0f}")
    print(breakdown(app, slug, client_id))
    ratio = results[pages[1][0]] / results["workspace home"]
    print(f"dashboard / workspace home: {ratio:.1f}x (goal: at most 3x); PDF: {results['dashboard PDF'] / 1000:.2f} s "
          f"(goal: under 5 s); {RUNS} runs each")


if __name__ == "__main__":
    main()
