"""local_formats_and_archives: the agency's time zone, date-only due dates, archived keywords, coded fetch errors

Revision ID: 0010
Revises: 0009
"""
import os

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # The agencies already here keep the zone every page used until now: the TIMEZONE setting.
    zone = os.environ.get("TIMEZONE") or "Europe/Paris"
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default=zone))
    with op.batch_alter_table("keywords") as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("board_cards") as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("last_error_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("last_error_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("alert_deliveries") as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("error_params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("alert_deliveries") as batch_op:
        batch_op.drop_column("error_params")
        batch_op.drop_column("error_code")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("last_error_params")
        batch_op.drop_column("last_error_code")
    with op.batch_alter_table("board_cards") as batch_op:
        batch_op.drop_column("due_on")
    with op.batch_alter_table("keywords") as batch_op:
        batch_op.drop_column("archived_at")
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.drop_column("timezone")
