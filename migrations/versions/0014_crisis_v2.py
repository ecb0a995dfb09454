"""crisis_v2: two kinds of alert (crisis, buzz) and a rule's buzz setting

A buzz (a positive or neutral surge) is recorded as an alert of kind 'buzz' that belongs to no
crisis (crisis_id NULL); existing alerts are crises. Rules record buzz alerts unless told not
to. Columns only: no row is rewritten beyond the defaults, and Citus distributes them as it
does the rest of the tables.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("crisis_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=6), server_default="crisis", nullable=False))
        batch_op.alter_column("crisis_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_crisis_alerts_kind"), "kind IN ('crisis','buzz')")
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notify_buzz", sa.Boolean(), server_default=sa.text("true"), nullable=False))


def downgrade():
    op.execute("DELETE FROM crisis_alerts WHERE kind = 'buzz'")
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("notify_buzz")
    with op.batch_alter_table("crisis_alerts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_crisis_alerts_kind"), type_="check")
        batch_op.alter_column("crisis_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")
