"""press relations: contacts, their clients, media lists and members, contact imports

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); links between them
and to clients are composite foreign keys (agency_id, x_id).

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("press_contacts", "press_contact_clients", "press_media_lists", "press_media_list_members", "press_imports")


def _tenant(table, *columns, fks=(), uniques=()):
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *columns,
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f(f"fk_{table}_agency_id_agencies"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint(["agency_id", column], [f"{target}.agency_id", f"{target}.id"],
                                  name=op.f(f"fk_{table}_agency_id_{column}_{target}"), ondelete=ondelete)
          for column, target, ondelete in fks],
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f(f"pk_{table}"), info={"sqlite_rowid_id": True}),
        *[sa.UniqueConstraint("agency_id", *names, name=op.f(f"uq_{table}_agency_id_{'_'.join(names)}"))
          for names in uniques],
        *([sa.UniqueConstraint("agency_id", "id", name=op.f(f"uq_{table}_agency_id_id"))] if sqlite else []),
    )
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_agency_id"), ["agency_id"], unique=False)


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    _tenant("press_contacts",
            sa.Column("first_name", sa.String(length=80), nullable=False),
            sa.Column("last_name", sa.String(length=80), nullable=False),
            sa.Column("kind", sa.String(length=12), nullable=False),
            sa.Column("role", sa.String(length=120), nullable=False),
            sa.Column("outlets", sa.JSON(), nullable=False),
            sa.Column("outlet_type", sa.String(length=16), nullable=False),
            sa.Column("beats", sa.JSON(), nullable=False),
            sa.Column("languages", sa.JSON(), nullable=False),
            sa.Column("emails", sa.JSON(), nullable=False),
            sa.Column("phones", sa.JSON(), nullable=False),
            sa.Column("social_handles", sa.JSON(), nullable=False),
            sa.Column("city", sa.String(length=120), nullable=False),
            sa.Column("region", sa.String(length=120), nullable=False),
            sa.Column("notes", sa.Text(), nullable=False),
            sa.Column("search_text", sa.Text(), nullable=False),
            sa.Column("facets", sa.Text(), nullable=False),
            sa.Column("lawful_basis", sa.String(length=24), nullable=False),
            sa.Column("data_source", sa.String(length=200), nullable=False),
            sa.Column("do_not_contact", sa.Boolean(), nullable=False),
            moment("do_not_contact_at", True), moment("created_at"), moment("updated_at"), moment("last_used_at", True))
    _tenant("press_contact_clients",
            sa.Column("contact_id", sa.Integer(), nullable=False),
            sa.Column("client_id", sa.Integer(), nullable=False),
            fks=(("contact_id", "press_contacts", "CASCADE"), ("client_id", "clients", "CASCADE")),
            uniques=(("contact_id", "client_id"),))
    _tenant("press_media_lists",
            sa.Column("name", sa.String(length=120), nullable=False),
            sa.Column("campaign", sa.String(length=120), nullable=False),
            sa.Column("client_id", sa.Integer(), nullable=True),
            sa.Column("filters", sa.JSON(), nullable=False),
            moment("created_at"), moment("updated_at"),
            fks=(("client_id", "clients", "CASCADE"),))
    _tenant("press_media_list_members",
            sa.Column("list_id", sa.Integer(), nullable=False),
            sa.Column("contact_id", sa.Integer(), nullable=False),
            moment("added_at"),
            fks=(("list_id", "press_media_lists", "CASCADE"), ("contact_id", "press_contacts", "CASCADE")),
            uniques=(("list_id", "contact_id"),))
    _tenant("press_imports",
            sa.Column("filename", sa.String(length=200), nullable=False),
            sa.Column("file_kind", sa.String(length=4), nullable=False),
            sa.Column("content", sa.LargeBinary(), nullable=True),
            sa.Column("headers", sa.JSON(), nullable=False),
            sa.Column("mapping", sa.JSON(), nullable=False),
            sa.Column("state", sa.String(length=8), nullable=False),
            sa.Column("total", sa.Integer(), nullable=False),
            sa.Column("processed", sa.Integer(), nullable=False),
            sa.Column("created", sa.Integer(), nullable=False),
            sa.Column("merged", sa.Integer(), nullable=False),
            sa.Column("skipped", sa.Integer(), nullable=False),
            sa.Column("problems", sa.JSON(), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            moment("created_at"), moment("finished_at", True))
    for table, column in (("press_contact_clients", "contact_id"), ("press_contact_clients", "client_id"),
                          ("press_media_list_members", "list_id"), ("press_media_list_members", "contact_id")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
