"""card_mentions: the link between a board card and the mentions it was made from

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from saas.tenancy import rls_statements

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_card_mentions_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id", "card_id"], ["board_cards.agency_id", "board_cards.id"],
                                name=op.f("fk_card_mentions_agency_id_card_id_board_cards"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id", "mention_id"], ["mentions.agency_id", "mentions.id"],
                                name=op.f("fk_card_mentions_agency_id_mention_id_mentions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_mentions")),
        sa.UniqueConstraint("agency_id", "card_id", "mention_id", name=op.f("uq_card_mentions_agency_id_card_id_mention_id")),
        sa.UniqueConstraint("agency_id", "id", name=op.f("uq_card_mentions_agency_id_id")),
    )
    with op.batch_alter_table("card_mentions") as batch_op:
        batch_op.create_index(batch_op.f("ix_card_mentions_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_mentions_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_mentions_mention_id"), ["mention_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements("card_mentions"):
            op.execute(statement)


def downgrade():
    op.drop_table("card_mentions")
