"""reports: stored client reports (a dashboard snapshot with the agency's commentary, its PDF) and their schedules

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security; Citus distributes them by
agency_id with the rest, saas/distribution.py); links are composite foreign keys (agency_id, x_id).
A schedule makes one report per period: UNIQUE (agency_id, schedule_id, first_day).

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLES = ("report_schedules", "reports")


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    day = lambda name: sa.Column(name, sa.Date(), nullable=False)  # noqa: E731
    create_tenant_table("report_schedules",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("frequency", sa.String(length=8), nullable=False),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("recipient_ids", sa.JSON(), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"),
            fks=(("client_id", "clients"),), indexes=("client_id",))
    create_tenant_table("reports",
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
            uniques=(("schedule_id", "first_day"),), indexes=("client_id",))
    enable_row_security(*TABLES)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
