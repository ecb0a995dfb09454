"""mention rollups: a client's mentions per day of the agency's calendar, outlet and sentiment, per day and
author, its days' most negative mentions (the dashboard's counts), and each agency's watermark

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security). Derived data: the rollup
job fills them from `mentions` (tenants/dashboards/rollups.py); until it has, dashboards count `mentions`.

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TABLES = ("mention_rollups", "author_rollups", "negative_rollups", "mention_rollup_states")


def upgrade():
    create_tenant_table(
        "mention_rollups",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        fks=(("client_id", "clients"),),
        uniques=(("client_id", "day", "source_kind", "source_name", "sentiment"),))
    create_tenant_table(
        "author_rollups",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        fks=(("client_id", "clients"),),
        uniques=(("client_id", "day", "author"),))
    create_tenant_table(
        "negative_rollups",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mention_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        fks=(("client_id", "clients"),),
        uniques=(("client_id", "day", "mention_id"),))
    create_tenant_table(
        "mention_rollup_states",
        sa.Column("last_mention_id", sa.BigInteger(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        uniques=((),))
    enable_row_security(*TABLES)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
