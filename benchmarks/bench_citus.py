"""One PostgreSQL node against a Citus cluster (coordinator + 2 workers) on the same machine, same run.

- Ingestion: mentions of 10 agencies stored as the workers do it (tenants/monitoring/ingest.py:
  per agency, the non-owner app role, row-level security on, batches of 1,000 COPYed into a
  staging table then INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING).
- The inbox's first page (50 mentions, newest first) for one agency, as the app reads it
  (`inbox.page`): median of 15 runs, and the number of shards the query goes to (EXPLAIN).
- Where 100 agencies' shard groups are placed over the workers.

The cluster: CITUS_URL (default postgresql://postgres@127.0.0.1:56432: `cluster.sh start DIR 56432`);
skipped with a message when nothing answers there. Each database is made, migrated and (on
Citus) distributed here, and dropped at exit.
"""
import os
import statistics
import time
from collections import Counter

import psycopg

from benchmarks.bench_ingest import make_rows
from saas import create_app, db, distribution, tenancy
from saas.auth import service as accounts
from saas.cli import upgrade_database
from saas.config import Config, TestConfig
from tenants.clients.models import Client
from tenants.monitoring.web import inbox
from tenants.monitoring.pipeline.ingest import insert_mentions
from tenants.monitoring.models import Keyword, Mention
from tests import services

AGENCIES = 10
BATCH = 1_000
ROWS = int(os.environ.get("BENCH_CITUS_ROWS", "20000"))
CITUS_URL = os.environ.get("CITUS_URL", "postgresql://postgres@127.0.0.1:56432").rstrip("/")


def make_database(server, citus):
    """A migrated database (distributed on Citus, 32 shards per table); returns its URL."""
    previous = os.environ.get("TEST_CITUS_URL")
    if citus:
        os.environ["TEST_CITUS_URL"] = server
    try:
        url = services.create_database(server)
    finally:
        if previous is None:
            os.environ.pop("TEST_CITUS_URL", None)
    upgrade_database(url)
    if citus:
        engine = db.make_engine(url)
        with engine.begin() as conn:
            distribution.distribute(conn, db.Base.metadata, distribution.SHARD_COUNT,
                                    app_roles=(Config.DATABASE_APP_ROLE, "relais_search"), echo=lambda _l: None)
        engine.dispose()
    return url


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


def measure(url):
    """(mentions/s, inbox first page median ms, shards the inbox query reaches, agency id) on this database."""
    config = type("BenchConfig", (TestConfig,), {"DATABASE_URL": url, "REDIS_URL": services.redis_server_url()})
    app = create_app(config)
    targets = setup(app)
    rows = make_rows(targets)
    for agency_id in rows:
        rows[agency_id] = rows[agency_id][:ROWS // AGENCIES]
    started = time.perf_counter()
    with app.app_context():
        for agency_id, agency_rows in rows.items():
            for start in range(0, len(agency_rows), BATCH):
                insert_mentions({agency_id: agency_rows[start:start + BATCH]})
                db.commit()
    seconds = time.perf_counter() - started
    agency_id = targets[0][0]
    timings = []
    with app.app_context(), tenancy.agency_scope(agency_id):
        stored = db.session.query(Mention).count()
        for _ in range(15):
            begin = time.perf_counter()
            found, _cursor = inbox.page(inbox.InboxFilters())
            timings.append((time.perf_counter() - begin) * 1000)
            db.session.rollback()
        assert len(found) == 50 and stored == ROWS // AGENCIES
    app.extensions["relais_engine"].dispose()
    with psycopg.connect(url) as conn:
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM mentions WHERE agency_id = %s AND status <> 'archived' "
            "ORDER BY published_at DESC, id DESC LIMIT 51", (agency_id,)).fetchall())
    tasks = next((line.split(":")[1].strip() for line in plan.splitlines() if "Task Count" in line), "-")
    return ROWS / seconds, statistics.median(timings), tasks, agency_id


def placement(url):
    """Agencies 1..100: how many land on each worker, and on how many distinct shards."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT a, get_shard_id_for_distribution_column('clients', a), "
            "(SELECT nodeport FROM pg_dist_shard_placement p "
            " WHERE p.shardid = get_shard_id_for_distribution_column('clients', a)) "
            "FROM generate_series(1, 100) a").fetchall()
    return Counter(port for _a, _shard, port in rows), len({shard for _a, shard, _p in rows})


def main():
    try:
        psycopg.connect(f"{CITUS_URL}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        print(f"skipped: no Citus coordinator at {CITUS_URL} (start one: make test-citus, or cluster.sh start)")
        return
    single = make_database(services.postgres_server() if not os.environ.get("TEST_CITUS_URL") else
                           "postgresql://postgres@127.0.0.1:5432", citus=False)
    cluster = make_database(CITUS_URL, citus=True)
    print(f"{ROWS:,} mentions of {AGENCIES} agencies, batches of {BATCH:,}, app role, RLS on; inbox: median of 15")
    print("| | one PostgreSQL node | Citus: coordinator + 2 workers |")
    print("| --- | --- | --- |")
    one, three = measure(single), measure(cluster)
    print(f"| ingestion, mentions/s | {one[0]:,.0f} | {three[0]:,.0f} |")
    print(f"| inbox first page, ms | {one[1]:.1f} | {three[1]:.1f} |")
    print(f"| shards the inbox query of one agency reaches | - | {three[2]} |")
    print(f"cluster / one node: ingestion {three[0] / one[0]:.2f}x, inbox {three[1] / one[1]:.2f}x the time")
    per_worker, shards = placement(cluster)
    print(f"100 agencies over {shards} of {distribution.SHARD_COUNT} shards: "
          + ", ".join(f"worker :{port} {count}" for port, count in sorted(per_worker.items())))


if __name__ == "__main__":
    main()
