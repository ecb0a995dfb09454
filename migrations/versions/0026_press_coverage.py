"""press coverage ("retombées"), press reviews and their items; a release's own key terms

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); links are composite
foreign keys (agency_id, x_id). Coverage is unique per (agency, scope, url_key), scope being the
release ("release:<id>") or the client ("client:<id>"): the proposal job may run any number of times.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLES = ("press_coverage", "press_reviews", "press_review_items")


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    with op.batch_alter_table("press_releases") as batch_op:
        batch_op.add_column(sa.Column("key_terms", sa.JSON(), nullable=True))
    create_tenant_table("press_coverage",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("release_id", sa.Integer(), nullable=True),
            sa.Column("mention_id", sa.Integer(), nullable=True),
            sa.Column("contact_id", sa.Integer(), nullable=True),
            sa.Column("scope", sa.String(length=24), nullable=False),
            sa.Column("url_key", sa.String(length=40), nullable=False),
            sa.Column("url", sa.String(length=1000), nullable=False),
            sa.Column("outlet", sa.String(length=300), nullable=False),
            sa.Column("author", sa.String(length=200), nullable=False),
            sa.Column("headline", sa.String(length=500), nullable=False),
            moment("published_at", True),
            sa.Column("sentiment", sa.String(length=8), nullable=False),
            sa.Column("reach", sa.BigInteger(), nullable=True),
            sa.Column("media_value", sa.Numeric(precision=12, scale=2), nullable=True),
            sa.Column("origin", sa.String(length=10), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("decided_by_id", sa.Integer(), nullable=True),
            moment("decided_at", True), moment("created_at"),
            fks=(("client_id", "clients", "CASCADE"), ("release_id", "press_releases", "CASCADE")),
            uniques=(("scope", "url_key"),),
            checks=(("status", "status IN ('proposed','accepted','rejected')"),
                    ("reach", "reach IS NULL OR (reach >= 0 AND reach <= 1000000000000)"),
                    ("media_value", "media_value IS NULL OR (media_value >= 0 AND media_value <= 1000000000)")))
    create_tenant_table("press_reviews",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("first_day", sa.Date(), nullable=False),
            sa.Column("last_day", sa.Date(), nullable=False),
            sa.Column("shared_with_client", sa.Boolean(), nullable=False),
            moment("shared_at", True),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"), moment("updated_at"),
            fks=(("client_id", "clients", "CASCADE"),))
    create_tenant_table("press_review_items",
            sa.Column("review_id", sa.Integer(), nullable=False),
            sa.Column("coverage_id", sa.Integer(), nullable=False),
            fks=(("review_id", "press_reviews", "CASCADE"), ("coverage_id", "press_coverage", "CASCADE")),
            uniques=(("review_id", "coverage_id"),))
    for table, column in (("press_coverage", "client_id"), ("press_coverage", "release_id"),
                          ("press_coverage", "contact_id"), ("press_reviews", "client_id"),
                          ("press_review_items", "review_id"), ("press_review_items", "coverage_id")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    enable_row_security(*TABLES)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
    with op.batch_alter_table("press_releases") as batch_op:
        batch_op.drop_column("key_terms")
