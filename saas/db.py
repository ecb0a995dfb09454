"""The database: engine, session, declarative base, and the one commit point."""
import os
import weakref
from datetime import datetime, timezone

from flask import current_app, has_app_context
from sqlalchemy import DateTime, MetaData, create_engine, event, exc, text  # noqa: F401  (text re-exported)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from saas import search

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Relais model."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow():
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class AppSession(Session):
    """A session that talks to the current app's database (so two apps in one process never mix)."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if has_app_context() and "relais_engine" in current_app.extensions:
            return current_app.extensions["relais_engine"]
        return super().get_bind(mapper=mapper, clause=clause, **kwargs)


SessionFactory = sessionmaker(class_=AppSession, expire_on_commit=False)
session = scoped_session(SessionFactory)


def _guard_fork(engine):
    """Never hand a connection opened by a parent process to a forked RQ work horse."""

    @event.listens_for(engine, "connect")
    def _remember_pid(dbapi_conn, record):
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _check_pid(dbapi_conn, record, proxy):
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise exc.DisconnectionError("connection opened by another process")

    return engine


def make_engine(url, app_role=None):
    """Build an engine; on PostgreSQL every connection takes the non-owner app role."""
    if url.startswith("sqlite"):
        engine = _guard_fork(create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
            search.register_sqlite_functions(dbapi_conn)  # relais_fold, which the search boxes use

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = _guard_fork(create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10))
    _detect_citus(engine)

    @event.listens_for(engine, "connect")
    def _mark_tenant_connection(dbapi_conn, record):
        record.info["relais_tenant"] = True  # saas.tenancy sends the tenant settings on it

    if app_role:
        @event.listens_for(engine, "connect")
        def _set_role(dbapi_conn, _record):
            # Superusers and table owners bypass row-level security: take the app role.
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET ROLE "{app_role}"')
            dbapi_conn.commit()

    return engine


# Engines whose database is a Citus coordinator (read once, at each engine's first connection).
_CITUS = weakref.WeakKeyDictionary()
CITUS_SQL = "SELECT count(*) FROM pg_extension WHERE extname = 'citus'"


def _detect_citus(engine):
    """Tell once per engine, at its first connection, whether its database has the Citus extension.

    On the raw connection, before the pool hands it out: no request pays (or counts) this query.
    """

    @event.listens_for(engine, "first_connect")
    def _citus(dbapi_conn, _record):
        with dbapi_conn.cursor() as cur:
            cur.execute(CITUS_SQL)
            _CITUS[engine] = cur.fetchone()[0] > 0
        dbapi_conn.rollback()


def is_citus():
    """Tell whether the bound database is a Citus coordinator (known from the engine's first connection).

    Some queries take another shape there (saas/web.py, docs/operations.md "Citus").
    """
    engine = session.get_bind()
    if engine not in _CITUS and engine.dialect.name == "postgresql":
        session.connection()  # the engine's first connection tells
    return _CITUS.get(engine, False)


def init_app(app):
    """Bind the session to this app's database and close it after each request."""
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_APP_ROLE"))
    app.extensions["relais_engine"] = engine
    session.remove()
    SessionFactory.configure(bind=engine)

    @app.teardown_appcontext
    def _remove_session(exc):
        session.remove()


def commit():
    """Commit the unit of work: the one commit point of requests and jobs."""
    session.commit()


def is_postgres():
    """Tell whether the bound database is PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def ping():
    """Check the database answers; raise when it does not."""
    session.execute(text("SELECT 1"))


def insert_ignoring_duplicates(model, rows, conflict_columns, returning=None):
    """INSERT rows, skipping those that hit the unique key (PostgreSQL and SQLite)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).on_conflict_do_nothing(index_elements=conflict_columns)
    if returning is not None:
        return session.execute(statement.returning(*returning), rows).all()
    session.execute(statement, rows)
    return []


def copy_insert_ignoring_duplicates(model, rows, conflict_columns, returning):
    """PostgreSQL fast path of insert_ignoring_duplicates: COPY into a temporary table, then
    INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING, in the current transaction.

    Row-level security still checks every row (the INSERT runs as the app role).
    """
    from psycopg.types.json import Jsonb
    from sqlalchemy import JSON

    table = model.__table__
    columns = [name for name in rows[0] if name in table.c]
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    staging = f"_incoming_{table.name}"
    column_list = ", ".join(columns)
    connection = session.connection()
    connection.exec_driver_sql("SELECT 1")  # through SQLAlchemy first: the tenant settings go with it (saas.tenancy)
    raw = connection.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} AS SELECT {column_list} FROM {table.name} WITH NO DATA")
        cur.execute(f"TRUNCATE {staging}")
        with cur.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Jsonb(row[name]) if name in json_columns else row[name] for name in columns])
    # Through SQLAlchemy again, in the same transaction: what writes is seen (saas/pagecache.py counts it).
    return connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({column_list}) SELECT {column_list} FROM {staging} "
        f"ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING RETURNING {returning}"
    ).all()
