"""citus_keys: every tenant table keyed (agency_id, id), source items keyed (source_id, id)

So that Citus can distribute the tenant tables by agency_id and the source items by source_id
(saas/distribution.py, docs/operations.md): Citus refuses a distributed table whose primary key
or unique constraints leave out the distribution column.

PostgreSQL: each tenant table's PRIMARY KEY (id) becomes PRIMARY KEY (agency_id, id), and its
UNIQUE (agency_id, id), which the composite foreign keys pointed at until now, goes (the new
primary key is the same index). The composite foreign keys are dropped first and created again,
same names and actions, against the new primary keys. `source_items` gets PRIMARY KEY
(source_id, id). Only constraints change: no row is rewritten, copied or lost; ids and their
sequences stay as they are.

SQLite: nothing to do. Its tenant tables keep PRIMARY KEY (id) (the rowid, which numbers new
rows; SQLite cannot number a column of a two-column key) and UNIQUE (agency_id, id), which the
composite foreign keys point at (saas.tenancy.rowid_primary_key).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _tenant_tables(inspector):
    return sorted(name for name in inspector.get_table_names()
                  if any(column["name"] == "agency_id" for column in inspector.get_columns(name)))


def _composite_fks(inspector, tables):
    """Every foreign key (agency_id, x_id) -> tenant (agency_id, id), with what recreates it."""
    found = []
    for table in tables:
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_columns"] == ["agency_id", "id"] and fk["referred_table"] in tables:
                found.append((table, fk))
    return found


def _drop_fks(fks):
    for table, fk in fks:
        op.drop_constraint(fk["name"], table, type_="foreignkey")


def _create_fks(fks):
    for table, fk in fks:
        op.create_foreign_key(fk["name"], table, fk["referred_table"], fk["constrained_columns"],
                              fk["referred_columns"], ondelete=fk["options"].get("ondelete"))


def _set_primary_key(inspector, table, columns):
    name = inspector.get_pk_constraint(table)["name"] or f"pk_{table}"
    op.drop_constraint(name, table, type_="primary")
    op.create_primary_key(name, table, columns)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    tables = _tenant_tables(inspector)
    fks = _composite_fks(inspector, tables)
    _drop_fks(fks)
    for table in tables:
        uniques = {u["name"] for u in inspector.get_unique_constraints(table) if u["column_names"] == ["agency_id", "id"]}
        for name in uniques:
            op.drop_constraint(name, table, type_="unique")
        _set_primary_key(inspector, table, ["agency_id", "id"])
    _set_primary_key(inspector, "source_items", ["source_id", "id"])
    _create_fks(fks)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    tables = _tenant_tables(inspector)
    fks = _composite_fks(inspector, tables)
    _drop_fks(fks)
    _set_primary_key(inspector, "source_items", ["id"])
    for table in tables:
        _set_primary_key(inspector, table, ["id"])
        op.create_unique_constraint(f"uq_{table}_agency_id_id", table, ["agency_id", "id"])
    _create_fks(fks)
