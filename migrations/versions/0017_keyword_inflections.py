"""keyword_inflections: a keyword finds plurals and inflections of its lower-case words, or exact forms only

Issue 17: `rappel` finds "rappels" when the keyword allows it (the default, what a French agency
expects). A column with a default only: existing keywords get plurals too; Citus distributes it
with the rest of the table; row-level security already covers the table.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("keywords", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inflect", sa.Boolean(), server_default=sa.text("true"), nullable=False))


def downgrade():
    with op.batch_alter_table("keywords", schema=None) as batch_op:
        batch_op.drop_column("inflect")
