"""The keys Citus needs, the distribution plan, and (on `make test-citus`) the plan applied on a real cluster.

The first tests read the models only. The others need a Citus coordinator (TEST_CITUS_URL, set by
`make test-citus`) and are skipped elsewhere.
"""
import psycopg
import pytest
from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, select

from saas import db, distribution, tenancy
from saas.config import Config
from saas.db import Base
from saas import import_models
from saas.auth.models import User
from tests import services
from tests.factories import populate

import_models()
TENANT_TABLES = tenancy.tenant_tables(Base.metadata)
on_citus = pytest.mark.skipif(not services.citus_coordinator(), reason="needs a Citus cluster (make test-citus)")


def test_every_tenant_key_and_unique_constraint_holds_agency_id():
    assert len(TENANT_TABLES) >= 25
    for name in TENANT_TABLES:
        table = Base.metadata.tables[name]
        assert [c.name for c in table.primary_key.columns] == ["agency_id", "id"], name
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                assert "agency_id" in constraint.columns, f"{constraint.name} leaves agency_id out"
        for index in table.indexes:
            if isinstance(index, Index) and index.unique:
                assert "agency_id" in index.columns, f"{index.name} leaves agency_id out"


def test_every_key_between_tenant_tables_is_composite():
    seen = 0
    for name in TENANT_TABLES:
        for constraint in Base.metadata.tables[name].constraints:
            if isinstance(constraint, ForeignKeyConstraint) and constraint.referred_table.name in TENANT_TABLES:
                assert [c.name for c in constraint.columns][0] == "agency_id", constraint.name
                assert [e.column.name for e in constraint.elements][:1] == ["agency_id"], constraint.name
                seen += 1
    assert seen >= 30


def test_the_orm_identity_stays_id_alone(app, make_agency):
    from tenants.clients.models import Client

    agency = make_agency("Agence Clé")
    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name="Marque")
        db.session.add(client)
        db.commit()
        assert client.id is not None
        db.session.expunge_all()
        assert db.session.get(Client, client.id).name == "Marque"
        assert Client.__mapper__.primary_key == (Client.__table__.c.id,)


def test_plan_places_every_table_and_colocates_the_tenant_tables():
    steps = distribution.plan(Base.metadata)
    by_table = {name: (kind, column, colocate) for name, kind, column, colocate in steps}
    assert set(by_table) == set(Base.metadata.tables)
    anchor = next(name for name, kind, column, _c in steps if column == "agency_id")
    for name in TENANT_TABLES:
        kind, column, colocate = by_table[name]
        assert (kind, column) == ("distributed", "agency_id"), name
        assert colocate == ("none" if name == anchor else anchor), name
    assert by_table["source_items"] == ("distributed", "source_id", "none")
    for name in ("agencies", "users", "sources"):
        assert by_table[name][0] == "reference"
    order = [name for name, *_ in steps]
    for name, _kind, _column, _colocate in steps:  # whatever a table points at comes before it
        for key in Base.metadata.tables[name].foreign_keys:
            target = key.column.table.name
            assert target == name or order.index(target) < order.index(name), (name, target)


def test_the_tenant_setting_is_plain_set_local():
    with tenancy.agency_scope(None):
        pass
    statement = str(tenancy._pg_settings())
    assert statement.startswith("SET LOCAL app.agency_id = ''; SET LOCAL app.all_agencies = ")


def test_distribute_refuses_a_database_without_citus(app):
    if services.citus_coordinator():
        pytest.skip("checks the refusal on a database without Citus; this one has it")
    engine = db.make_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as conn, pytest.raises(RuntimeError, match="no citus extension"):
            distribution.distribute(conn, Base.metadata, echo=lambda _line: None)
    finally:
        engine.dispose()
    result = app.test_cli_runner().invoke(args=["db", "distribute"])
    assert result.exit_code == 1 and "no citus extension" in result.output


# On the cluster ------------------------------------------------------------------------------


def _owner(database_url):
    return psycopg.connect(database_url, autocommit=True)


def _as_app_role(database_url):
    conn = psycopg.connect(database_url)
    conn.execute(f'SET ROLE "{Config.DATABASE_APP_ROLE}"')
    conn.commit()  # the role outlives the rollbacks below
    return conn


@pytest.fixture
def two(app, make_agency):
    return populate(app, make_agency("Agence Alpha"), "Alpha"), populate(app, make_agency("Agence Beta"), "Beta")


@on_citus
def test_the_plan_is_applied_and_the_command_is_idempotent(app, database_url):
    with _owner(database_url) as conn:
        rows = dict(conn.execute("SELECT logicalrelid::text, colocationid FROM pg_dist_partition "
                                 "WHERE partmethod = 'h'").fetchall())
        kinds = dict(conn.execute("SELECT logicalrelid::text, repmodel FROM pg_dist_partition "
                                  "WHERE partmethod = 'n'").fetchall())
        workers = conn.execute("SELECT count(*) FROM pg_dist_node WHERE groupid > 0").fetchone()[0]
    assert workers == 2
    assert {rows[name] for name in TENANT_TABLES} == {rows["clients"]}  # one co-location group
    assert rows["source_items"] != rows["clients"]
    assert kinds["agencies"] == kinds["users"] == kinds["sources"] == "t"  # reference tables
    result = app.test_cli_runner().invoke(args=["db", "distribute"])
    assert result.exit_code == 0, result.output
    assert "(0 table(s) changed)" in result.output


@on_citus
def test_row_level_security_holds_on_the_workers(database_url, two):
    a, b = two
    with _as_app_role(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0  # no agency: nothing
        conn.execute(f"SET LOCAL app.agency_id = '{int(a.agency.id)}'")
        assert conn.execute("SELECT agency_id FROM clients").fetchall() == [(a.agency.id,)]
        assert conn.execute("SELECT count(*) FROM clients WHERE agency_id = %s", (b.agency.id,)).fetchone()[0] == 0
        assert conn.execute("UPDATE clients SET name = 'x' WHERE agency_id = %s", (b.agency.id,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO clients (agency_id, name, sector, website, social_handles, notes, color, "
                         "created_at, updated_at) VALUES (%s, 'Intruder', '', '', '{}', '', '#000000', now(), now())",
                         (b.agency.id,))
        conn.rollback()
        # set_config() stays on the coordinator: the shards see no agency and refuse everything.
        conn.execute("SELECT set_config('app.agency_id', %s, true)", (str(a.agency.id),))
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


@on_citus
def test_app_queries_see_only_their_agency_on_the_cluster(app, two):
    from sqlalchemy import select

    from tenants.clients.models import Client

    a, b = two
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        assert db.session.scalars(select(Client.name)).all() == ["Alpha Client"]
        assert db.session.get(Client, b.ids["client_id"]) is None
    with app.app_context(), tenancy.all_agencies():
        assert len(db.session.scalars(select(Client)).all()) == 2


def _explain(conn, sql, params=()):
    return "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params).fetchall())


@on_citus
def test_an_agency_query_and_a_source_query_each_go_to_one_shard(database_url, two):
    a, _ = two
    with _owner(database_url) as conn:
        inbox = _explain(conn, "SELECT id FROM mentions WHERE agency_id = %s AND status = 'new' "
                               "ORDER BY published_at DESC, id DESC LIMIT 50", (a.agency.id,))
        assert "Task Count: 1" in inbox
        joined = _explain(conn, "SELECT m.id FROM mentions m JOIN clients c ON c.agency_id = m.agency_id "
                                "AND c.id = m.client_id WHERE m.agency_id = %s", (a.agency.id,))
        assert "Task Count: 1" in joined
        items = _explain(conn, "SELECT id FROM source_items WHERE source_id = 7 ORDER BY published_at DESC LIMIT 100")
        assert "Task Count: 1" in items
        insert = _explain(conn, "INSERT INTO source_items (source_id, external_id, title, text, published_at, "
                                "language, sentiment, sentiment_score, fetched_at) VALUES (7, 'x', '', '', now(), "
                                "'und', 'neutral', 0, now()) ON CONFLICT (source_id, external_id) DO NOTHING")
        assert "Task Count: 1" in insert


@on_citus
def test_agencies_spread_over_both_workers(database_url, make_agency):
    ids = [make_agency(f"Agence {n}", slug=f"agence-{n}").id for n in range(12)]
    with _owner(database_url) as conn:
        nodes = {}
        for agency_id in ids:
            node = conn.execute("SELECT nodeport FROM pg_dist_shard_placement "
                                "WHERE shardid = get_shard_id_for_distribution_column('clients', %s)",
                                (agency_id,)).fetchone()[0]
            nodes.setdefault(node, []).append(agency_id)
    assert len(nodes) == 2, nodes


@on_citus
def test_the_schedulers_cross_table_queries_run_on_the_cluster(app, two):
    """sources (reference) x client_sources (distributed): no correlated subquery, which Citus refuses."""
    from tenants.monitoring.pipeline.ingest import followers_of
    from tenants.monitoring.models import ClientSource
    from tenants.monitoring.pipeline.sources import due_sources, overdue_sources

    a, _ = two
    with app.app_context():
        with tenancy.agency_scope(a.agency.id):
            source_id = db.session.scalars(select(ClientSource.source_id)).first()
        assert source_id is not None
        assert source_id in [source.id for source in due_sources()]
        overdue_sources()
        assert isinstance(followers_of([source_id]), dict)


def test_the_session_is_read_with_the_agencies_in_one_query_but_in_two_on_citus(app, client, make_agency):
    """On Citus the local session record outer-joined with the distributed memberships crashes the
    coordinator (saas/web.py): there the agencies come in a second query, filtered on the person, and
    the request can still write a reference table afterwards (the person's language)."""
    from tests.conftest import login
    from tests.querycount import count_queries

    first = make_agency("Agence Alpha")
    make_agency("Agence Beta", email=first.owner_email)
    login(client, first.owner_email)
    with count_queries(app) as queries:
        response = client.get(f"/a/{first.slug}/")
    assert response.status_code == 200
    assert "Agence Beta" in response.get_data(as_text=True)  # the switcher: both agencies were read
    with app.app_context():
        citus = db.is_citus()
    assert citus == bool(services.citus_coordinator())
    [session_read] = queries.matching(r"\bFROM user_sessions\b")
    if citus:
        assert "memberships" not in session_read, queries.report()
        assert len(queries.matching(r"\bFROM memberships JOIN agencies\b")) == 1, queries.report()
    else:
        assert "JOIN memberships" in session_read, queries.report()
    assert client.post("/lang", data={"lang": "fr", "next": "/"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == first.owner_email)) == "fr"
