"""api_tokens: the agency API tokens (only the SHA-256 of each secret is kept)

Tenant table (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); a token may be
limited to one client (composite foreign key to clients).

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column("scope", sa.String(length=5), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id", "client_id"], ["clients.agency_id", "clients.id"],
                                name=op.f("fk_api_tokens_agency_id_client_id_clients"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_api_tokens_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_api_tokens"), info={"sqlite_rowid_id": True}),
        sa.UniqueConstraint("agency_id", "token_hash", name=op.f("uq_api_tokens_agency_id_token_hash")),
        *([sa.UniqueConstraint("agency_id", "id", name=op.f("uq_api_tokens_agency_id_id"))]
          if op.get_bind().dialect.name == "sqlite" else []),
    )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_agency_id"), ["agency_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements("api_tokens"):
            op.execute(statement)


def downgrade():
    op.drop_table("api_tokens")
