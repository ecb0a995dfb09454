"""billing: each agency's subscription (trial, plan, Stripe state) and received Stripe events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TRIAL_DAYS = 14  # as saas/billing/plans.py when this migration was written


def upgrade():
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("trial_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("invoice_status", sa.String(length=20), nullable=True),
        sa.Column("invoice_amount", sa.Integer(), nullable=True),
        sa.Column("invoice_currency", sa.String(length=3), nullable=True),
        sa.Column("invoice_url", sa.String(length=1000), nullable=True),
        sa.Column("invoice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("plan IN ('solo','agency','network')", name=op.f("ck_subscriptions_plan")),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_subscriptions_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("agency_id", name=op.f("uq_subscriptions_agency_id")),
        sa.UniqueConstraint("agency_id", "id", name=op.f("uq_subscriptions_agency_id_id")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_stripe_customer_id"), ["stripe_customer_id"], unique=False)

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("stripe_created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )
    _start_trials_of_existing_agencies()
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements("subscriptions"):
            op.execute(statement)


def _start_trials_of_existing_agencies():
    """Agencies created before billing start the same free trial now (before RLS is on)."""
    now = datetime.now(timezone.utc)
    agencies = sa.table("agencies", sa.column("id", sa.Integer()))
    subscriptions = sa.table(
        "subscriptions", sa.column("agency_id", sa.Integer()), sa.column("plan", sa.String()),
        sa.column("status", sa.String()), sa.column("trial_ends_at", sa.DateTime(timezone=True)),
        sa.column("cancel_at_period_end", sa.Boolean()), sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = [{"agency_id": agency_id, "plan": "agency", "status": "trialing", "cancel_at_period_end": False,
             "trial_ends_at": now + timedelta(days=TRIAL_DAYS), "created_at": now}
            for agency_id in op.get_bind().execute(sa.select(agencies.c.id)).scalars()]
    if rows:
        op.bulk_insert(subscriptions, rows)


def downgrade():
    op.drop_table("stripe_events")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_stripe_customer_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_agency_id"))
    op.drop_table("subscriptions")
