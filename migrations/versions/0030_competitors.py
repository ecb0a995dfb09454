"""competitors: a client's competitor brands, their keywords, and the mentions those keywords find

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security): `competitors` (per client, its
name unique there) and `competitor_mentions` (unique per competitor and item key), apart from `mentions` so
that nothing reading a client's mentions (inbox, crisis detection, API, exports, webhooks) ever sees them.
`keywords.competitor_id` (composite key to the competitor) marks a competitor's keyword.

Revision ID: 0030
Revises: 0029
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLES = ("competitors", "competitor_mentions")


@contextmanager
def _sqlite_keys_off():
    """SQLite rebuilds `keywords` to add a foreign key: with foreign keys on, dropping the old table would cascade
    to the mentions. migrations/env.py turns them off for the whole upgrade on SQLite; this refuses to go on if
    they are on anyway (an upgrade run by other means) while keywords exist."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar() and \
            bind.exec_driver_sql("SELECT count(*) FROM keywords").scalar():
        raise RuntimeError("SQLite: foreign keys must be off while keywords are rebuilt (run `flask db-upgrade`)")
    yield


def upgrade():
    moment = lambda name: sa.Column(name, sa.DateTime(timezone=True), nullable=False)  # noqa: E731
    create_tenant_table("competitors",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("color", sa.String(length=7), nullable=False),
            moment("created_at"),
            fks=(("client_id", "clients"),), uniques=(("client_id", "name"),),
            indexes=("client_id",))
    with _sqlite_keys_off():
        with op.batch_alter_table("keywords") as batch_op:
            batch_op.add_column(sa.Column("competitor_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f("ix_keywords_competitor_id"), ["competitor_id"], unique=False)
            batch_op.create_foreign_key(op.f("fk_keywords_agency_id_competitor_id_competitors"), "competitors",
                                        ["agency_id", "competitor_id"], ["agency_id", "id"], ondelete="CASCADE")
    create_tenant_table("competitor_mentions",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("competitor_id", sa.Integer(), nullable=False),
            sa.Column("keyword_id", sa.Integer(), nullable=False),
            sa.Column("source_id", sa.Integer(), nullable=True),
            sa.Column("source_kind", sa.String(length=20), nullable=False),
            sa.Column("source_name", sa.String(length=300), nullable=False),
            sa.Column("item_key", sa.String(length=300), nullable=False),
            sa.Column("url", sa.String(length=1000), nullable=True),
            sa.Column("title", sa.String(length=500), nullable=False),
            sa.Column("author", sa.String(length=200), nullable=True),
            moment("published_at"),
            sa.Column("language", sa.String(length=3), nullable=False),
            sa.Column("sentiment", sa.String(length=8), nullable=False),
            sa.Column("sentiment_score", sa.Float(), nullable=False),
            moment("created_at"),
            sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_competitor_mentions_source_id_sources"),
                                    ondelete="SET NULL"),
            fks=(("client_id", "clients"), ("competitor_id", "competitors"), ("keyword_id", "keywords")),
            uniques=(("competitor_id", "item_key"),),
            indexes=("keyword_id",))
    op.create_index("ix_competitor_mentions_client_published", "competitor_mentions",
                    ["agency_id", "client_id", "published_at"])
    enable_row_security(*TABLES)


def downgrade():
    op.drop_table("competitor_mentions")
    with _sqlite_keys_off():
        op.execute("DELETE FROM client_sources WHERE keyword_id IN (SELECT id FROM keywords WHERE competitor_id IS NOT NULL)")
        op.execute("DELETE FROM keywords WHERE competitor_id IS NOT NULL")
        with op.batch_alter_table("keywords") as batch_op:
            batch_op.drop_constraint(op.f("fk_keywords_agency_id_competitor_id_competitors"), type_="foreignkey")
            batch_op.drop_index(batch_op.f("ix_keywords_competitor_id"))
            batch_op.drop_column("competitor_id")
    op.drop_table("competitors")
