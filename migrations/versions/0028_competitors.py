"""competitors: a client's competitor brands, their keywords, and the mentions those keywords find

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security): `competitors` (per client, its
name unique there) and `competitor_mentions` (unique per competitor and item key), apart from `mentions` so
that nothing reading a client's mentions (inbox, crisis detection, API, exports, webhooks) ever sees them.
`keywords.competitor_id` (composite key to the competitor) marks a competitor's keyword.

Revision ID: 0028
Revises: 0027
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = ("competitors", "competitor_mentions")


def _tenant(table, *columns, fks=(), uniques=(), indexes=()):
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *columns,
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{table}_agency_id_agencies"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint(["agency_id", column], [f"{target}.agency_id", f"{target}.id"],
                                  name=op.f(f"fk_{table}_agency_id_{column}_{target}"), ondelete="CASCADE")
          for column, target in fks],
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{table}"), info={"sqlite_rowid_id": True}),
        *[sa.UniqueConstraint("agency_id", *names, name=op.f(f"uq_{table}_agency_id_{'_'.join(names)}"))
          for names in uniques],
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{table}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)
        for name, names in indexes:
            batch_op.create_index(name, list(names), unique=False)


@contextmanager
def _sqlite_keys_off():
    """SQLite rebuilds `keywords` to add a foreign key: dropping the old table would cascade to the mentions.

    Foreign keys are turned off around the rebuild (a PRAGMA that SQLite ignores inside a transaction: then
    `keywords` must be empty, as in a database made from scratch, else the upgrade stops before any harm).
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() and bind.exec_driver_sql(
            "SELECT count(*) FROM keywords").scalar():
        raise RuntimeError("SQLite: upgrade to revision 0027 first, then to 0028 on its own "
                           "(foreign keys cannot be turned off inside the running transaction)")
    try:
        yield
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    moment = lambda name: sa.Column(name, sa.DateTime(timezone=True), nullable=False)  # noqa: E731
    _tenant("competitors",
            sa.Column("client_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("color", sa.String(length=7), nullable=False),
            moment("created_at"),
            fks=(("client_id", "clients"),), uniques=(("client_id", "name"),),
            indexes=((op.f("ix_competitors_client_id"), ("client_id",)),))
    with _sqlite_keys_off():
        with op.batch_alter_table("keywords") as batch_op:
            batch_op.add_column(sa.Column("competitor_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f("ix_keywords_competitor_id"), ["competitor_id"], unique=False)
            batch_op.create_foreign_key(op.f("fk_keywords_agency_id_competitor_id_competitors"), "competitors",
                                        ["agency_id", "competitor_id"], ["agency_id", "id"], ondelete="CASCADE")
    _tenant("competitor_mentions",
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
            indexes=(("ix_competitor_mentions_client_published", ("agency_id", "client_id", "published_at")),
                     (op.f("ix_competitor_mentions_keyword_id"), ("keyword_id",))))
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


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
