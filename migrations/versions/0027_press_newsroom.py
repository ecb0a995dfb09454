"""press newsrooms: a client's public page of its sent releases

Tenant table (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); one per client, its slug unique
in the agency.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLE = "press_newsrooms"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{TABLE}_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id", "client_id"], ["clients.agency_id", "clients.id"],
                                name=op.f(f"fk_{TABLE}_agency_id_client_id_clients"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{TABLE}"), info={"sqlite_rowid_id": True}),
        sa.UniqueConstraint("agency_id", "client_id", name=op.f(f"uq_{TABLE}_agency_id_client_id")),
        sa.UniqueConstraint("agency_id", "slug", name=op.f(f"uq_{TABLE}_agency_id_slug")),
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{TABLE}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_agency_id"), ["agency_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements(TABLE):
            op.execute(statement)


def downgrade():
    op.drop_table(TABLE)
