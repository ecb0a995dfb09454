"""press relations: contacts, their clients, media lists and members, contact imports

Tenant tables (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); links between them
and to clients are composite foreign keys (agency_id, x_id).

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("press_contacts", "press_contact_clients", "press_media_lists", "press_media_list_members", "press_imports")


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    create_tenant_table("press_contacts",
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
    create_tenant_table("press_contact_clients",
            sa.Column("contact_id", sa.Integer(), nullable=False),
            sa.Column("client_id", sa.Integer(), nullable=False),
            fks=(("contact_id", "press_contacts", "CASCADE"), ("client_id", "clients", "CASCADE")),
            uniques=(("contact_id", "client_id"),))
    create_tenant_table("press_media_lists",
            sa.Column("name", sa.String(length=120), nullable=False),
            sa.Column("campaign", sa.String(length=120), nullable=False),
            sa.Column("client_id", sa.Integer(), nullable=True),
            sa.Column("filters", sa.JSON(), nullable=False),
            moment("created_at"), moment("updated_at"),
            fks=(("client_id", "clients", "CASCADE"),))
    create_tenant_table("press_media_list_members",
            sa.Column("list_id", sa.Integer(), nullable=False),
            sa.Column("contact_id", sa.Integer(), nullable=False),
            moment("added_at"),
            fks=(("list_id", "press_media_lists", "CASCADE"), ("contact_id", "press_contacts", "CASCADE")),
            uniques=(("list_id", "contact_id"),))
    create_tenant_table("press_imports",
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
    enable_row_security(*TABLES)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
