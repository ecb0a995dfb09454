"""The one place that knows the current agency and scopes every tenant query to it.

Fail-closed: an ORM query or write touching a tenant model while no agency is set
raises TenantNotSet. Platform code that truly spans agencies says so with
`all_agencies()`; on PostgreSQL row-level security enforces the same rule again.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import ForeignKey, ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.util import find_tables
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria


_agency_id: ContextVar = ContextVar("relais_agency_id", default=None)
_all_agencies: ContextVar = ContextVar("relais_all_agencies", default=False)


class TenantNotSet(RuntimeError):
    """A tenant model was touched with no agency set."""


class TenantMismatch(RuntimeError):
    """A write would put a row into another agency than the current one."""


class TenantScoped:
    """Mixin of every model that belongs to one agency.

    Keys (so that Citus can distribute every tenant table by agency_id, docs/operations.md):
    the table's primary key is (agency_id, id) on PostgreSQL, and foreign keys between tenant
    tables are composite, (agency_id, x_id) -> (agency_id, id). `id` stays unique on its own
    (it comes from the table's sequence), and it alone is the ORM identity, so
    `db.session.get(Model, id)` keeps working. SQLite can only number rows of a one-column
    INTEGER PRIMARY KEY: there the primary key stays (id), and a UNIQUE (agency_id, id) is
    what the composite foreign keys point at (see _sqlite_tenant_primary_key below).
    """

    __tenant_args__ = ()

    @declared_attr
    def agency_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, index=True,
                             nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (*cls.__tenant_args__, rowid_primary_key("agency_id"),
                UniqueConstraint("agency_id", "id", info={"sqlite_only": True}).ddl_if(dialect="sqlite"))

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"primary_key": [cls.__table__.c.id]}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            # In a two-column primary key, SQLAlchemy numbers no column unless told which one.
            table.c.id.autoincrement = True


def rowid_primary_key(leading):
    """PRIMARY KEY (leading, id) on PostgreSQL (Citus needs the distribution column in it);
    PRIMARY KEY (id) on SQLite, whose rowid numbers new rows."""
    return PrimaryKeyConstraint(leading, "id", info={"sqlite_rowid_id": True})


@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_tenant_primary_key(constraint, compiler, **kw):
    """On SQLite a tenant table keeps PRIMARY KEY (id): the rowid, which numbers new rows."""
    if constraint.info.get("sqlite_rowid_id"):
        name = compiler.preparer.format_constraint(constraint) if constraint.name is not None else None
        return (f"CONSTRAINT {name} " if name else "") + "PRIMARY KEY (id)"
    return compiler.visit_primary_key_constraint(constraint, **kw)


@compiles(CreateColumn, "sqlite")
def _sqlite_tenant_id(element, compiler, **kw):
    """The id of a tenant table is numbered by SQLite's rowid, not by an AUTOINCREMENT clause."""
    column = element.element
    if column.name == "id" and column.autoincrement is True and column.table.primary_key.info.get("sqlite_rowid_id"):
        column.autoincrement = "auto"
        try:
            return compiler.visit_create_column(element, **kw)
        finally:
            column.autoincrement = True
    return compiler.visit_create_column(element, **kw)


def tenant_fk(column, target_table, ondelete="CASCADE"):
    """Composite foreign key (agency_id, column) -> target (agency_id, id)."""
    return ForeignKeyConstraint(
        ["agency_id", column], [f"{target_table}.agency_id", f"{target_table}.id"], ondelete=ondelete
    )


def current_agency_id():
    """Return the id of the agency set for this request or job, or None."""
    return _agency_id.get()


def spans_all_agencies():
    """Tell whether the code running opted out of scoping (all_agencies())."""
    return _all_agencies.get()


def set_agency(agency_id):
    """Set the current agency, also inside an already open database transaction."""
    _agency_id.set(agency_id)


def clear():
    """Forget the current agency (end of a request or job)."""
    _agency_id.set(None)
    _all_agencies.set(False)


@contextmanager
def agency_scope(agency_id):
    """Run a block as agency `agency_id` (jobs, CLI, tests), scoped even inside all_agencies()."""
    token, all_token = _agency_id.set(agency_id), _all_agencies.set(False)
    try:
        yield
    finally:
        _agency_id.reset(token)
        _all_agencies.reset(all_token)


@contextmanager
def all_agencies():
    """Explicitly opt out of scoping for platform code that spans agencies."""
    token = _all_agencies.set(True)
    try:
        yield
    finally:
        _all_agencies.reset(token)


def _pg_settings(wanted=None):
    """The tenant as two SET LOCAL statements (only integers and on/off reach the SQL text).

    SET LOCAL rather than set_config(): on Citus, SET LOCAL travels to the workers' part of the
    transaction (citus.propagate_set_commands = 'local', saas/distribution.py) where the shards'
    policies read it; set_config() would stay on the coordinator, and the workers would see no
    agency (every row refused: fail-closed, but nothing would work).
    """
    value, every = wanted or _wanted()
    return f"SET LOCAL app.agency_id = '{value}'; SET LOCAL app.all_agencies = '{every}'"


def _wanted():
    agency = _agency_id.get()
    return ("" if agency is None else str(int(agency))), ("on" if _all_agencies.get() else "off")


# Row-level security reads the tenant from two settings of the open transaction. They are sent
# right before the first statement that runs under a new tenant, on the same cursor and in the same
# transaction, rather than at each change: a request that reads the signed-in person across
# agencies, then works in one agency, sends them twice, not four times. What was sent is kept per
# connection and forgotten when the transaction ends (no transaction open: nothing applies) or a
# savepoint is rolled back. Connections of the app's engines only (saas.db.make_engine marks them).
TENANT_CONNECTION = "relais_tenant"
_APPLIED = "relais_tenant_applied"


@event.listens_for(Engine, "before_cursor_execute")
def _apply_tenant(conn, cursor, statement, parameters, context, executemany):
    info = conn.info
    if not info.get(TENANT_CONNECTION):
        return
    from psycopg.pq import TransactionStatus

    raw = conn.connection.driver_connection
    if raw.autocommit:
        return
    status = raw.info.transaction_status
    if status == TransactionStatus.INERROR:  # the statement fails anyway; the rollback starts afresh
        return
    wanted = _wanted()
    if status == TransactionStatus.IDLE or info.get(_APPLIED) != wanted:
        raw.execute(_pg_settings(wanted))  # a cursor of its own: the statement's may be a server-side one (DECLARE)
        info[_APPLIED] = wanted


@event.listens_for(Engine, "rollback_savepoint")
def _forget_on_savepoint_rollback(conn, name, context):
    conn.info.pop(_APPLIED, None)


def _touches_tenant_model(state):
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    # select(func.count()).select_from(Model).join(...): no mapper among the columns, a tenant table in FROM.
    if state.is_select:
        return any("agency_id" in table.c for clause in state.statement.get_final_froms()
                   for table in find_tables(clause, include_aliases=True))
    return False


@event.listens_for(Session, "do_orm_execute")
def _scope_query(state):
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _all_agencies.get():
        return
    agency_id = _agency_id.get()
    if agency_id is None:
        if _touches_tenant_model(state):
            raise TenantNotSet("query on a tenant model with no agency set")
        return
    # With an agency set every statement gets the criterion, also one whose tenant tables are only in
    # scalar subqueries (a SELECT of counts, see saas/web.py's layout): all_mappers only sees the top level.
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.agency_id == agency_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _check_writes(session, flush_context, instances):
    if _all_agencies.get():
        return
    agency_id = _agency_id.get()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if agency_id is None:
            raise TenantNotSet(f"write of {type(obj).__name__} with no agency set")
        if obj.agency_id is None and obj in session.new:
            obj.agency_id = agency_id
        if obj.agency_id != agency_id:
            raise TenantMismatch(f"{type(obj).__name__} belongs to another agency")


RLS_POLICY = (
    "agency_id = NULLIF(current_setting('app.agency_id', true), '')::integer "
    "OR current_setting('app.all_agencies', true) = 'on'"
)


def app_role_statements(role):
    """SQL that creates the non-owner application role and grants it data access."""
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
        f'THEN CREATE ROLE "{role}" NOLOGIN; END IF; END $$',
        f'GRANT "{role}" TO CURRENT_USER',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ]


def rls_statements(table):
    """SQL that puts a tenant table behind row-level security (the second wall)."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY agency_isolation ON {table} USING ({RLS_POLICY}) WITH CHECK ({RLS_POLICY})",
    ]


def tenant_tables(metadata):
    """Names of every table that carries agency_id."""
    return sorted(name for name, table in metadata.tables.items() if "agency_id" in table.c)
