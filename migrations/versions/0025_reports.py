"""reports: stored client reports (a dashboard snapshot with the agency's commentary, its PDF) and their schedules

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security; Citus distributes them by
agency_id with the rest, saas/distribution.py); links are composite foreign keys (agency_id, x_id).
A schedule makes one report per period: UNIQUE (agency_id, schedule_id, first_day).

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLES = ("report_schedules", "reports")


def _tenant(table, *columns, fks=(), uniques=()):
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *columns,
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{table}_agency_id_agencies"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint(["agency_id", column], [f"{target}.agency_id", f"{target}.id"],
                                  name=op.f(f"fk_{table}_agency_id_{column}_{target}"), ondelete="CASCADE")
          for column, target in fks],
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{table}"), info={"sqlite_rowid_id": True}),
        *[sa.UniqueConstraint("agency_id", *names, name=op.f(f"uq_{table}_agency_id_{'_'.join(names)}"))
          for names in uniques],
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{table}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table}_client_id"), ["client_id"], unique=False)


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    day = lambda name: sa.Column(name, sa.Date(), nullable=False)  # noqa: E731
    _tenant("report_schedules",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("frequency", sa.String(length=8), nullable=False),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("recipient_ids", sa.JSON(), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"),
            fks=(("client_id", "clients"),))
    _tenant("reports",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("schedule_id", sa.Integer(), nullable=True),
            sa.Column("period_kind", sa.String(length=8), nullable=False),
            day("first_day"), day("last_day"), day("previous_first"), day("previous_last"),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("highlights", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("error", sa.String(length=500), nullable=False),
            sa.Column("pdf", sa.LargeBinary(), nullable=True),
            sa.Column("figures", sa.JSON(), nullable=False),
            sa.Column("mailed_to", sa.JSON(), nullable=False),
            moment("mailed_at", True),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"), moment("rendered_at", True),
            fks=(("client_id", "clients"),),
            uniques=(("schedule_id", "first_day"),))
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
