"""Alembic upgrades an empty database on SQLite and PostgreSQL, and matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from saas.cli import upgrade_database
from saas.db import Base, make_engine


# Made by hand in migration 0011 for PostgreSQL's full-text search, unknown to the models.
POSTGRES_ONLY_INDEXES = {"ix_mentions_search_vector"}
POSTGRES_ONLY_COLUMNS = {("mentions", "search_vector")}


def _is_postgres_only(difference):
    if difference[0] == "remove_index":
        return difference[1].name in POSTGRES_ONLY_INDEXES
    return difference[0] == "remove_column" and (difference[2], difference[3].name) in POSTGRES_ONLY_COLUMNS


def _differences(url):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = [d for d in compare_metadata(context, Base.metadata) if not _is_postgres_only(d)]
            return diff, set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_empty_sqlite_database_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    diff, tables = _differences(url)
    assert set(Base.metadata.tables) <= tables
    assert diff == []


def test_postgres_schema_matches_models(database_url):
    diff, tables = _differences(database_url)
    assert set(Base.metadata.tables) <= tables
    assert diff == []


def test_every_tenant_table_has_forced_row_level_security(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relkind = 'r'"
        ).all()
    engine.dispose()
    flags = {name: (rls, force) for name, rls, force in rows}
    tenant_tables = [name for name, table in Base.metadata.tables.items() if "agency_id" in table.c]
    assert tenant_tables
    for name in tenant_tables:
        assert flags[name] == (True, True), f"{name} lacks FORCE ROW LEVEL SECURITY"


def test_people_already_signed_up_count_as_confirmed(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade_database(url, "0007")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO users (email, name, password_hash, session_token, created_at) "
                "VALUES ('old@x.test', 'Old', 'x', 't', '2024-01-02 03:04:05')"
            )
        upgrade_database(url)
        with engine.connect() as conn:
            confirmed = conn.exec_driver_sql("SELECT email_confirmed_at FROM users").scalar()
    finally:
        engine.dispose()
    assert confirmed is not None and str(confirmed).startswith("2024-01-02")
