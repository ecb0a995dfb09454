"""press replies: a contact's answers logged by the RP (when, how, the outcome, the release, a note)

Tenant table (PRIMARY KEY (agency_id, id) on PostgreSQL, row-level security); composite foreign keys
to the contact and the release (a reply goes with either).

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

from saas.migration_tables import create_tenant_table, enable_row_security

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLE = "press_replies"


def upgrade():
    moment = lambda name, nullable=False: sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)  # noqa: E731
    create_tenant_table(
        TABLE,
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=True),
        moment("received_at"),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        moment("created_at"),
        fks=(("contact_id", "press_contacts"), ("release_id", "press_releases")),
        checks=(("channel", "channel IN ('email','phone','social','meeting','other')"),
                ("outcome", "outcome IN ('interested','interview','more_info','declined','other')")),
        indexes=("contact_id", "release_id"))
    enable_row_security(TABLE)


def downgrade():
    op.drop_table(TABLE)
