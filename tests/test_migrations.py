"""Alembic upgrades an empty database on SQLite and PostgreSQL, and matches the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from saas.cli import upgrade_database
from saas.db import Base, make_engine


# Made by hand in migration 0011 for PostgreSQL's full-text search, unknown to the models.
POSTGRES_ONLY_INDEXES = {"ix_mentions_search_vector"}
POSTGRES_ONLY_COLUMNS = {("mentions", "search_vector")}


def _is_postgres_only(difference):
    if difference[0] == "add_constraint" and [c.name for c in difference[1].columns] == ["agency_id", "id"]:
        return True  # UNIQUE (agency_id, id): SQLite's target of the composite keys (saas.tenancy)
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


def _downgrade(url, revision):
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from saas.config import ROOT

    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.downgrade(config, revision)


def _keys(conn, table):
    inspector = inspect(conn)
    uniques = [u["column_names"] for u in inspector.get_unique_constraints(table)]
    return inspector.get_pk_constraint(table)["constrained_columns"], uniques


def test_citus_keys_migration_keeps_every_row_and_goes_back(database_url):
    """0012 turns PRIMARY KEY (id) into (agency_id, id) on a database holding rows; every row stays."""
    import psycopg

    from tests import services

    url = services.create_database(services.postgres_server())
    upgrade_database(url, "0011")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO agencies (id, name, slug, color, timezone, created_at) VALUES "
                     "(1, 'A', 'a', '#000000', 'Europe/Paris', now()), (2, 'B', 'b', '#000000', 'Europe/Paris', now())")
        conn.execute("INSERT INTO clients (agency_id, name, sector, website, social_handles, notes, color, created_at, "
                     "updated_at) SELECT 1 + g % 2, 'c' || g, '', '', '{}', '', '#000000', now(), now() "
                     "FROM generate_series(1, 50) g")
        conn.execute("INSERT INTO boards (agency_id, client_id, version, created_at) "
                     "SELECT agency_id, id, 0, now() FROM clients")
        conn.execute("INSERT INTO sources (kind, key, url, title, interval_seconds, next_fetch_at, failures, "
                     "items_total, created_at) VALUES ('rss', 'k', 'http://x.test', '', 900, now(), 0, 0, now())")
        conn.execute("INSERT INTO source_items (source_id, external_id, title, text, published_at, language, "
                     "sentiment, sentiment_score, fetched_at) SELECT 1, 'e' || g, '', '', now(), 'und', 'neutral', 0, "
                     "now() FROM generate_series(1, 20) g")
        before = conn.execute("SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM boards), "
                              "(SELECT count(*) FROM source_items)").fetchone()
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert _keys(conn, "clients") == (["agency_id", "id"], [["agency_id", "name"]])
            assert _keys(conn, "boards")[0] == ["agency_id", "id"]
            assert _keys(conn, "source_items")[0] == ["source_id", "id"]
            after = conn.exec_driver_sql("SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM boards), "
                                         "(SELECT count(*) FROM source_items)").fetchone()
            assert tuple(after) == tuple(before) == (50, 50, 20)
            fk = [f for f in inspect(conn).get_foreign_keys("boards") if f["referred_table"] == "clients"][0]
            assert fk["constrained_columns"] == ["agency_id", "client_id"] and fk["options"]["ondelete"] == "CASCADE"
        with engine.begin() as conn:  # the composite key still refuses a board on another agency's client
            client = conn.exec_driver_sql("SELECT id FROM clients WHERE agency_id = 1 LIMIT 1").scalar()
            with pytest.raises(IntegrityError):
                with conn.begin_nested():
                    conn.exec_driver_sql(f"INSERT INTO boards (agency_id, client_id, version, created_at) "
                                         f"VALUES (2, {client}, 0, now())")
        _downgrade(url, "0011")  # and back
        with engine.connect() as conn:
            assert _keys(conn, "clients")[0] == ["id"]
            assert ["agency_id", "id"] in _keys(conn, "clients")[1]
            assert conn.exec_driver_sql("SELECT count(*) FROM boards").scalar() == 50
    finally:
        engine.dispose()
        # create_database names the database after the process: this one replaced the run's database, which
        # the next tests (and the cleanup after this one) expect at the head revision, with every table.
        upgrade_database(url)


def test_sqlite_tenant_tables_number_their_rows_and_keep_composite_targets(tmp_path):
    """On SQLite a tenant table keeps PRIMARY KEY (id) (rowid numbering) and UNIQUE (agency_id, id)."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            primary, uniques = _keys(conn, "clients")
            assert primary == ["id"] and ["agency_id", "id"] in uniques
    finally:
        engine.dispose()


def test_sqlite_rebuilds_across_many_revisions_keep_every_mention(tmp_path):
    """make run's database, made long ago, upgraded in one go: tables rebuilt by batch migrations (keywords, by the
    competitors' 0030) must not take the rows pointing at them (foreign keys are off for the upgrade, then checked)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade_database(url, "0029")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            run = conn.exec_driver_sql
            run("INSERT INTO agencies (id, name, slug, color, timezone, created_at, require_two_factor) "
                "VALUES (1, 'Agence', 'agence', '#123456', 'Europe/Paris', '2026-01-01 00:00:00', 0)")
            run("INSERT INTO clients (id, agency_id, name, sector, website, social_handles, notes, color, created_at, "
                "updated_at) VALUES (1, 1, 'Client', '', '', '{}', '', '#123456', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')")
            run("INSERT INTO keywords (id, agency_id, client_id, query, inflect, active, backfill_state, backfill_done, "
                "backfill_total, created_at) VALUES (1, 1, 1, 'client', 1, 1, 'done', 0, 0, '2026-01-01 00:00:00')")
            run("INSERT INTO mentions (id, agency_id, client_id, keyword_id, source_kind, source_name, item_key, title, "
                "excerpt, highlights, published_at, language, sentiment, sentiment_score, status, created_at, "
                "shared_with_client) VALUES (1, 1, 1, 1, 'rss', 'Le Monde', 'k1', 'Titre', '', '[]', "
                "'2026-01-02 00:00:00', 'fr', 'neutral', 0, 'new', '2026-01-02 00:00:00', 0)")
        _downgrade(url, "0026")  # several revisions back, the competitors' rebuild of keywords among them
        upgrade_database(url)  # and up again in one go
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM keywords").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM mentions").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
