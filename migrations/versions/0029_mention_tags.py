"""mention tags: an agency's labels on mentions (free text, one per casefolded form, at most 20 a mention)

Tenant table (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security; Citus distributes it by agency_id
with the mentions it points at through a composite foreign key).

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TABLE = "mention_tags"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("tag_key", sa.String(length=160), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{TABLE}_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id", "mention_id"], ["mentions.agency_id", "mentions.id"],
                                name=op.f(f"fk_{TABLE}_agency_id_mention_id_mentions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f(f"fk_{TABLE}_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{TABLE}"), info={"sqlite_rowid_id": True}),
        sa.UniqueConstraint("agency_id", "mention_id", "tag_key", name=op.f(f"uq_{TABLE}_agency_id_mention_id_tag_key")),
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{TABLE}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_mention_id"), ["mention_id"], unique=False)
        batch_op.create_index("ix_mention_tags_key", ["agency_id", "tag_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements(TABLE):
            op.execute(statement)


def downgrade():
    op.drop_table(TABLE)
