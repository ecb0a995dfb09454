"""outbound_webhooks: the agency's webhook endpoints and their delivery log

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); an endpoint may be
limited to one client (composite foreign key to clients); deliveries go with their endpoint.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _sqlite_unique(table):
    return ([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{table}_agency_id_id"))]
            if op.get_bind().dialect.name == "sqlite" else [])


def upgrade():
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("sentiments", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_automatically", sa.Boolean(), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_deliveries", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id", "client_id"], ["clients.agency_id", "clients.id"],
                                name=op.f("fk_webhook_endpoints_agency_id_client_id_clients"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_webhook_endpoints_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_webhook_endpoints_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_webhook_endpoints"), info={"sqlite_rowid_id": True}),
        *_sqlite_unique("webhook_endpoints"),
    )
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_agency_id"), ["agency_id"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_params", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('pending','retrying','sent','failed')", name=op.f("ck_webhook_deliveries_status")),
        sa.ForeignKeyConstraint(["agency_id", "endpoint_id"], ["webhook_endpoints.agency_id", "webhook_endpoints.id"],
                                name=op.f("fk_webhook_deliveries_agency_id_endpoint_id_webhook_endpoints"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_webhook_deliveries_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_webhook_deliveries"), info={"sqlite_rowid_id": True}),
        *_sqlite_unique("webhook_deliveries"),
    )
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_endpoint", ["agency_id", "endpoint_id", "id"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_due", ["next_attempt_at"], unique=False,
                              postgresql_where=sa.text("status IN ('pending', 'retrying')"),
                              sqlite_where=sa.text("status IN ('pending', 'retrying')"))
    if op.get_bind().dialect.name == "postgresql":
        for table in ("webhook_endpoints", "webhook_deliveries"):
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
