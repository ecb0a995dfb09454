"""agency logo: `agencies.logo` (a PNG re-encoded from the upload) and `agencies.logo_updated_at`

`agencies` is a platform table (a Citus reference table): adding nullable columns needs nothing more there.

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.drop_column("logo_updated_at")
        batch_op.drop_column("logo")
