"""Central scoping (fail-closed) and PostgreSQL row-level security, the second wall."""
import psycopg
import pytest
from sqlalchemy import select, update

from saas import db, tenancy
from saas.config import Config
from tenants.clients.models import Client
from tests.conftest import postgres_only
from tests.factories import populate


@pytest.fixture
def two(app, make_agency):
    return populate(app, make_agency("Agence Alpha"), "Alpha"), populate(app, make_agency("Agence Beta"), "Beta")


def test_query_on_tenant_model_without_agency_raises(app, two):
    with app.app_context(), pytest.raises(tenancy.TenantNotSet):
        db.session.scalars(select(Client)).all()


def test_query_sees_only_current_agency_rows(app, two):
    a, b = two
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        names = db.session.scalars(select(Client.name)).all()
        assert names == ["Alpha Client"]
        assert db.session.get(Client, b.ids["client_id"]) is None


def test_a_count_selected_from_a_tenant_table_is_scoped_too(app, two):
    """select(func.count()).select_from(Model) has no mapper among its columns: still scoped (SQLite has no
    row-level security behind it, and on Citus the agency criterion routes the query to one shard)."""
    from sqlalchemy import event, func

    from tenants.boards.models import BoardCard, BoardColumn

    a, _ = two
    seen = []
    engine = app.extensions["relais_engine"]
    listener = lambda _c, _cur, statement, _p, _ctx, _many: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with app.app_context(), tenancy.agency_scope(a.agency.id):
            count = db.session.scalar(select(func.count()).select_from(BoardCard)
                                      .join(BoardColumn, BoardColumn.id == BoardCard.column_id))
            assert count >= 1
        with app.app_context(), pytest.raises(tenancy.TenantNotSet):
            db.session.scalar(select(func.count()).select_from(Client))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    counted = [s for s in seen if "count(*)" in s][0]
    assert "board_cards.agency_id = " in counted and "board_columns.agency_id = " in counted


def test_bulk_update_is_scoped_to_current_agency(app, two):
    a, b = two
    with app.app_context():
        with tenancy.agency_scope(a.agency.id):
            db.session.execute(update(Client).values(sector="Changed"))
            db.commit()
        with tenancy.agency_scope(b.agency.id):
            assert db.session.scalars(select(Client.sector)).all() == ["Food"]


def test_writing_a_row_for_another_agency_raises(app, two):
    a, b = two
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        db.session.add(Client(agency_id=b.agency.id, name="Intruder"))
        with pytest.raises(tenancy.TenantMismatch):
            db.session.flush()
        db.session.rollback()


def test_new_rows_take_the_current_agency(app, two):
    a, _ = two
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        client = Client(name="Fresh")
        db.session.add(client)
        db.session.flush()
        assert client.agency_id == a.agency.id
        db.session.rollback()


def test_explicit_opt_out_spans_agencies(app, two):
    with app.app_context(), tenancy.all_agencies():
        assert len(db.session.scalars(select(Client)).all()) == 2


def _as_app_role(database_url):
    conn = psycopg.connect(database_url)
    conn.execute(f'SET ROLE "{Config.DATABASE_APP_ROLE}"')
    return conn


@postgres_only
def test_rls_without_agency_reads_zero_rows(database_url, two):
    with _as_app_role(database_url) as conn:
        for table in ("clients", "memberships", "invitations"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


@postgres_only
def test_rls_with_agency_hides_other_agency_and_refuses_its_writes(database_url, two):
    a, b = two
    with _as_app_role(database_url) as conn:
        conn.execute(f"SET LOCAL app.agency_id = '{int(a.agency.id)}'")  # as saas.tenancy does (Citus)
        rows = conn.execute("SELECT agency_id, name FROM clients").fetchall()
        assert rows == [(a.agency.id, "Alpha Client")]
        assert conn.execute("UPDATE clients SET name = 'x' WHERE agency_id = %s", (b.agency.id,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO clients (agency_id, name, sector, website, social_handles, notes, color, created_at, updated_at)"
                " VALUES (%s, 'Intruder', '', '', '{}', '', '#000000', now(), now())", (b.agency.id,))


@postgres_only
def test_rls_setting_is_per_transaction(database_url, two):
    a, _ = two
    with _as_app_role(database_url) as conn:
        conn.execute(f"SET LOCAL app.agency_id = '{int(a.agency.id)}'")  # as saas.tenancy does (Citus)
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 1
        conn.commit()
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


@postgres_only
def test_app_connections_run_as_the_non_owner_role(app):
    with app.app_context():
        role = db.session.execute(select(db.text("current_user"))).scalar()
        assert role == Config.DATABASE_APP_ROLE
        bypass = db.session.execute(db.text("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        assert bypass is False


def test_the_transaction_carries_the_tenant_of_each_statement(app, two, monkeypatch):
    """The settings row-level security reads follow every change of tenant, also within one transaction, after a
    savepoint rolled back and in the next transaction; they are sent once per change, not per statement."""
    from sqlalchemy import text

    if not db.is_postgres():
        pytest.skip("row-level security settings are PostgreSQL's")
    a, b = two
    settings = text("SELECT current_setting('app.agency_id', true), current_setting('app.all_agencies', true)")
    sent = []
    settings_sql = tenancy._pg_settings
    monkeypatch.setattr(tenancy, "_pg_settings", lambda wanted=None: sent.append(wanted) or settings_sql(wanted))

    def read():
        return tuple(db.session.execute(settings).one())

    with app.app_context():
        with tenancy.all_agencies():
            assert read() == ("", "on")
            assert read() == ("", "on")
        tenancy.set_agency(a.agency.id)
        assert read() == (str(a.agency.id), "off")
        with tenancy.agency_scope(b.agency.id):
            assert read() == (str(b.agency.id), "off")
            assert db.session.scalars(select(Client.name)).all() == ["Beta Client"]
        assert read() == (str(a.agency.id), "off")
        nested = db.session.begin_nested()
        tenancy.set_agency(b.agency.id)
        assert read() == (str(b.agency.id), "off")
        nested.rollback()  # PostgreSQL puts the savepoint's settings back: they are sent again
        assert read() == (str(b.agency.id), "off")
        db.session.commit()
        assert read() == (str(b.agency.id), "off")  # a new transaction starts with none
        tenancy.clear()
        db.session.rollback()
    a_id, b_id = str(a.agency.id), str(b.agency.id)
    assert sent == [("", "on"), (a_id, "off"), (b_id, "off"), (a_id, "off"), (b_id, "off"), (b_id, "off"),
                    (b_id, "off")]
