"""billing_invoices: every invoice of an agency; a subscription's interval and scheduled cancellation

- `invoices`: one row per Stripe invoice of the agency (number, date, amounts with VAT, hosted
  page and PDF), for the billing page's history; tenant table (PRIMARY KEY (agency_id, id) on
  PostgreSQL, row-level security).
- `subscriptions.billing_interval` ("month" or "year"), `subscriptions.cancel_at` (Stripe's
  scheduled cancellation), `subscriptions.trial_notice_at` (when the owners were told that
  Relais's own free trial ends) and `subscriptions.vat_number` (the customer's tax ID, shown).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(sa.Column("cancel_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("billing_interval", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("trial_notice_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("vat_number", sa.String(length=40), nullable=True))
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stripe_invoice_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("number", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hosted_url", sa.String(length=1000), nullable=True),
        sa.Column("pdf_url", sa.String(length=1000), nullable=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_invoices_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_invoices"), info={"sqlite_rowid_id": True}),
        sa.UniqueConstraint("agency_id", "stripe_invoice_id", name=op.f("uq_invoices_agency_id_stripe_invoice_id")),
        *([sa.UniqueConstraint("agency_id", "id", name=op.f("uq_invoices_agency_id_id"))]
          if op.get_bind().dialect.name == "sqlite" else []),
    )
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_agency_id"), ["agency_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements("invoices"):
            op.execute(statement)


def downgrade():
    op.drop_table("invoices")
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("vat_number")
        batch_op.drop_column("trial_notice_at")
        batch_op.drop_column("billing_interval")
        batch_op.drop_column("cancel_at")
