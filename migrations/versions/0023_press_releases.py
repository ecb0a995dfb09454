"""press releases, their sends and the sends' recipients

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); links are composite
foreign keys (agency_id, x_id).

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("press_releases", "press_sends", "press_send_recipients")


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    create_tenant_table("press_releases",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("images", sa.JSON(), nullable=False),
            sa.Column("attachments", sa.JSON(), nullable=False),
            moment("embargo_at", True),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("card_id", sa.Integer(), nullable=True),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"), moment("updated_at"),
            fks=(("client_id", "clients", "CASCADE"),))
    create_tenant_table("press_sends",
            sa.Column("release_id", sa.Integer(), nullable=False),
            sa.Column("list_id", sa.Integer(), nullable=True),
            sa.Column("list_name", sa.String(length=120), nullable=False),
            sa.Column("sender_id", sa.Integer(), nullable=True),
            sa.Column("sender_name", sa.String(length=200), nullable=False),
            sa.Column("sender_email", sa.String(length=254), nullable=False),
            sa.Column("overridden", sa.Boolean(), nullable=False),
            sa.Column("state", sa.String(length=8), nullable=False),
            moment("created_at"), moment("finished_at", True),
            fks=(("release_id", "press_releases", "CASCADE"),))
    create_tenant_table("press_send_recipients",
            sa.Column("send_id", sa.Integer(), nullable=False),
            sa.Column("contact_id", sa.Integer(), nullable=True),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("first_name", sa.String(length=80), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("outlet", sa.String(length=200), nullable=False),
            sa.Column("status", sa.String(length=14), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            moment("next_attempt_at", True), moment("lease_until", True),
            sa.Column("error", sa.String(length=300), nullable=False),
            moment("sent_at", True),
            fks=(("send_id", "press_sends", "CASCADE"),),
            uniques=(("send_id", "email"),))
    for table, column in (("press_releases", "client_id"), ("press_releases", "card_id"),
                          ("press_sends", "release_id"), ("press_send_recipients", "send_id")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    enable_row_security(*TABLES)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
