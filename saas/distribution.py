"""How Relais spreads over a Citus cluster: the distribution plan, as data, and the command that applies it.

- Tenant tables (every table with `agency_id`): distributed by `agency_id`, all co-located, so
  that one agency's rows of every table sit in the same shard group: each request of an agency,
  its joins and its composite foreign keys stay on one node (router queries).
- Platform tables that tenant tables point at (`agencies`, `users`) and the source registry
  (`sources`): reference tables, one copy on every node, so that a foreign key or a join from
  any shard finds them locally. `sources` is small (one row per feed or search, shared by all
  agencies) and is the target of foreign keys from tenant tables (client_sources, mentions).
- The registry's items (`source_items`, the bulk of what ingestion writes): distributed by
  their own key, `source_id`, in a co-location group of their own; every ingestion query on
  them names one source (insert ... on conflict, the backfill's read) and goes to one shard.
- Platform tables that nothing on the workers needs (`user_sessions`, `passkeys`, `stripe_events`,
  `alembic_version`): local to the coordinator. No query outer-joins them with a distributed
  table: Citus cannot push such a join to the shards, and under row-level security its planner
  crashes the coordinator on it (Citus 13.2.2); the layout's session query takes two statements
  on Citus for that reason (saas/web.py, docs/operations.md).

`flask db distribute` applies the plan on a migrated database of a Citus coordinator (see
docs/operations.md); it is idempotent. Row-level security: Citus copies each table's policies,
FORCE ROW LEVEL SECURITY and grants to its shards; the tenant settings reach the workers
because saas.tenancy sets them with SET LOCAL on Citus, which Citus propagates to the
workers' transactions when `citus.propagate_set_commands` is 'local' (set by this command
for the database).
"""
from sqlalchemy import text

from saas.db import CITUS_SQL
from saas.tenancy import tenant_tables

DISTRIBUTION_COLUMN = "agency_id"
SHARD_COUNT = 32
REFERENCE_TABLES = ("agencies", "users", "sources")
OWN_KEY_TABLES = {"source_items": "source_id"}
LOCAL_TABLES = ("user_sessions", "stripe_events", "passkeys")


def plan(metadata):
    """The plan for these tables, in the order Citus needs it (targets of foreign keys first).

    A list of (table, kind, column, colocate_with) with kind in reference|distributed|local.
    """
    tenants = set(tenant_tables(metadata))
    steps, anchor = [], None
    for table in metadata.sorted_tables:
        name = table.name
        if name in REFERENCE_TABLES:
            steps.append((name, "reference", None, None))
        elif name in OWN_KEY_TABLES:
            steps.append((name, "distributed", OWN_KEY_TABLES[name], "none"))
        elif name in tenants:
            steps.append((name, "distributed", DISTRIBUTION_COLUMN, anchor or "none"))
            anchor = anchor or name
        elif name in LOCAL_TABLES:
            steps.append((name, "local", None, None))
        else:
            raise ValueError(f"table {name} has no place in the distribution plan (saas/distribution.py)")
    return steps


def is_citus(conn):
    """Tell whether this database has the Citus extension."""
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text(CITUS_SQL)).scalar() > 0


def _current_kind(conn, name):
    row = conn.execute(text(
        "SELECT partmethod, repmodel FROM pg_dist_partition WHERE logicalrelid = to_regclass(:t)"), {"t": name}).first()
    if row is None:
        return None
    if row.partmethod == "n":
        return "reference" if row.repmodel == "t" else "local"
    return "distributed"


def distribute(conn, metadata, shard_count=SHARD_COUNT, app_roles=("relais_app", "relais_search"), echo=print):
    """Apply the plan on a Citus coordinator (idempotent); return the steps taken."""
    if not is_citus(conn):
        raise RuntimeError("this database has no citus extension: run CREATE EXTENSION citus on the coordinator "
                           "and every worker first (docs/operations.md)")
    database = conn.execute(text("SELECT current_database()")).scalar()
    # Citus reaches the workers as the current role: the app role (and the search function's owner)
    # must be allowed to connect to them (Citus propagates ALTER ROLE to every node).
    for role in app_roles:
        if conn.execute(text("SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
            conn.execute(text(f'ALTER ROLE "{role}" LOGIN'))
    # SET LOCAL app.agency_id travels with each transaction to the workers (saas.tenancy).
    conn.execute(text(f'ALTER DATABASE "{database}" SET citus.propagate_set_commands = \'local\''))
    conn.execute(text(f"SET citus.shard_count = {int(shard_count)}"))
    conn.execute(text("SET citus.multi_shard_modify_mode = 'sequential'"))
    steps = plan(metadata)
    # Citus refuses a foreign key from a table still local to one already distributed: the keys
    # between tables to distribute go first, and come back (on every shard) once all are.
    distributed = [name for name, kind, _c, _w in steps if kind == "distributed" and _current_kind(conn, name) is None]
    keys = conn.execute(text(
        "SELECT c.conrelid::regclass::text AS tab, c.conname, pg_get_constraintdef(c.oid) AS definition "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(:t) "
        "AND c.confrelid::regclass::text = ANY(:t) ORDER BY c.conname"), {"t": distributed}).all()
    for key in keys:
        conn.execute(text(f'ALTER TABLE "{key.tab}" DROP CONSTRAINT "{key.conname}"'))
    done = []
    for name, kind, column, colocate in steps:
        current = _current_kind(conn, name)
        if current == kind:
            continue
        if kind == "reference":
            conn.execute(text("SELECT create_reference_table(:t)"), {"t": name})
        elif kind == "distributed":
            conn.execute(text("SELECT create_distributed_table(:t, :c, colocate_with => :w)"),
                         {"t": name, "c": column, "w": colocate})
        elif current is None:
            conn.execute(text("SELECT citus_add_local_table_to_metadata(:t)"), {"t": name})
        done.append((name, kind, column))
        echo(f"{name}: {kind}" + (f" by {column}" if column else ""))
    for key in keys:
        conn.execute(text(f'ALTER TABLE "{key.tab}" ADD CONSTRAINT "{key.conname}" {key.definition}'))
    return done


def placement(conn, agency_ids, table="clients"):
    """Which worker holds each agency's shard group: {"host:port": [agency ids]}."""
    nodes = {}
    for agency_id in agency_ids:
        row = conn.execute(text(
            "SELECT nodename || ':' || nodeport FROM pg_dist_shard_placement "
            "WHERE shardid = get_shard_id_for_distribution_column(:t, :a)"), {"t": table, "a": agency_id}).scalar()
        nodes.setdefault(row, []).append(agency_id)
    return nodes
