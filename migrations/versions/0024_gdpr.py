"""gdpr: an agency's deletion, asked by an owner, waits a grace period before the purge

Issue 21: `agencies.purge_after` is set when an owner deletes the agency: until then the workspace
is read-only and can be restored; the daily purge job removes every row of the agency afterwards.
A nullable column on a platform (reference) table: nothing for row-level security or Citus.

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purge_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deletion_requested_by", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("deletion_requested_by")
        batch_op.drop_column("purge_after")
