"""Creating a tenant table in a migration, the same way every time.

A tenant table has an `id`, an `agency_id` (foreign key to agencies, ON DELETE CASCADE), PRIMARY KEY
(agency_id, id) so that Citus can distribute it by agency, composite foreign keys (agency_id, x_id) to
the other tenant tables, and row-level security on PostgreSQL. SQLite keeps `id` as its row id and
needs a UNIQUE (agency_id, id) for the composite foreign keys pointing at the table.
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements


def create_tenant_table(table, *columns, fks=(), uniques=(), checks=(), indexes=()):
    """Create `table` with `columns` plus id and agency_id.

    fks: (column, target table[, on delete]) composite foreign keys, CASCADE unless told;
    uniques: column tuples made unique within the agency; checks: (name, condition);
    indexes: columns indexed on their own (agency_id always is).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *columns,
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{table}_agency_id_agencies"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint(["agency_id", fk[0]], [f"{fk[1]}.agency_id", f"{fk[1]}.id"],
                                  name=op.f(f"fk_{table}_agency_id_{fk[0]}_{fk[1]}"),
                                  ondelete=fk[2] if len(fk) > 2 else "CASCADE")
          for fk in fks],
        *[sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}")) for name, condition in checks],
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{table}"), info={"sqlite_rowid_id": True}),
        *[sa.UniqueConstraint("agency_id", *names, name=op.f(f"uq_{table}_{'_'.join(('agency_id', *names))}"))
          for names in uniques],
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{table}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(table) as batch_op:
        for column in ("agency_id", *indexes):
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def enable_row_security(*tables):
    """Row-level security on the tables (PostgreSQL; SQLite has none)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            for statement in rls_statements(table):
                op.execute(statement)
