"""mastodon_search_token: an agency's Mastodon access token per client, for full-text search

Issue 17: Mastodon instances answer `/api/v2/search` for statuses only to an authenticated account.
The token the agency gives (on the first server of the client's list) is kept with the client's
search settings, never shown again; a nullable column only, row-level security already covers the
table and Citus distributes it with the rest.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("monitoring_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mastodon_token", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("monitoring_settings", schema=None) as batch_op:
        batch_op.drop_column("mastodon_token")
