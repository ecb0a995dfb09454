"""boards: shared RP/CM task boards (columns, cards, labels, checklist, comments, links,
activity) and in-app notifications with each member's email choice; RLS on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00
"""
import sqlalchemy as sa
from alembic import op

from saas.tenancy import rls_statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "boards", "board_columns", "board_labels", "board_cards", "card_assignees", "card_labels",
    "checklist_items", "card_comments", "card_links", "board_activities", "notifications",
    "notification_preferences",
)


def upgrade():
    op.create_table('board_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_board_labels_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_labels')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_board_labels_agency_id_id')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_board_labels_agency_id_name'))
    )
    with op.batch_alter_table('board_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_labels_agency_id'), ['agency_id'], unique=False)

    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_boards_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_boards_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boards')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_boards_agency_id_client_id')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_boards_agency_id_id'))
    )
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boards_agency_id'), ['agency_id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('email_mode', sa.String(length=8), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("email_mode IN ('instant','digest','off')", name=op.f('ck_notification_preferences_email_mode')),
    sa.ForeignKeyConstraint(['agency_id', 'membership_id'], ['memberships.agency_id', 'memberships.id'], name=op.f('fk_notification_preferences_agency_id_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notification_preferences_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_notification_preferences_agency_id_id')),
    sa.UniqueConstraint('agency_id', 'membership_id', name=op.f('uq_notification_preferences_agency_id_membership_id'))
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_agency_id'), ['agency_id'], unique=False)

    op.create_table('board_columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('wip_limit', sa.Integer(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('wip_limit IS NULL OR wip_limit > 0', name=op.f('ck_board_columns_wip_limit')),
    sa.ForeignKeyConstraint(['agency_id', 'board_id'], ['boards.agency_id', 'boards.id'], name=op.f('fk_board_columns_agency_id_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_board_columns_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_columns')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_board_columns_agency_id_id'))
    )
    with op.batch_alter_table('board_columns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_columns_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_board_columns_board_position', ['agency_id', 'board_id', 'position'], unique=False)

    op.create_table('board_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pole', sa.String(length=5), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_visible', sa.Boolean(), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('source_excerpt', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("pole IN ('rp','cm','both')", name=op.f('ck_board_cards_pole')),
    sa.ForeignKeyConstraint(['agency_id', 'board_id'], ['boards.agency_id', 'boards.id'], name=op.f('fk_board_cards_agency_id_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'column_id'], ['board_columns.agency_id', 'board_columns.id'], name=op.f('fk_board_cards_agency_id_column_id_board_columns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_board_cards_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_board_cards_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_cards')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_board_cards_agency_id_id'))
    )
    with op.batch_alter_table('board_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_cards_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_board_cards_column_position', ['agency_id', 'column_id', 'position'], unique=False)
        batch_op.create_index('ix_board_cards_due_at', ['agency_id', 'due_at'], unique=False)

    op.create_table('board_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('verb', sa.String(length=30), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('board_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_board_activities_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agency_id', 'board_id'], ['boards.agency_id', 'boards.id'], name=op.f('fk_board_activities_agency_id_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_board_activities_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_board_activities_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_activities')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_board_activities_agency_id_id'))
    )
    with op.batch_alter_table('board_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_activities_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_board_activities_board_version', ['agency_id', 'board_id', 'board_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_activities_card_id'), ['card_id'], unique=False)

    op.create_table('card_assignees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_card_assignees_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'membership_id'], ['memberships.agency_id', 'memberships.id'], name=op.f('fk_card_assignees_agency_id_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_card_assignees_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_assignees')),
    sa.UniqueConstraint('agency_id', 'card_id', 'membership_id', name=op.f('uq_card_assignees_agency_id_card_id_membership_id')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_card_assignees_agency_id_id'))
    )
    with op.batch_alter_table('card_assignees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_assignees_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_assignees_membership_id'), ['membership_id'], unique=False)

    op.create_table('card_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_card_comments_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_card_comments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_card_comments_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_comments')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_card_comments_agency_id_id'))
    )
    with op.batch_alter_table('card_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_comments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_comments_card_id'), ['card_id'], unique=False)

    op.create_table('card_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_card_labels_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'label_id'], ['board_labels.agency_id', 'board_labels.id'], name=op.f('fk_card_labels_agency_id_label_id_board_labels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_card_labels_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_labels')),
    sa.UniqueConstraint('agency_id', 'card_id', 'label_id', name=op.f('uq_card_labels_agency_id_card_id_label_id')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_card_labels_agency_id_id'))
    )
    with op.batch_alter_table('card_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_labels_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_labels_label_id'), ['label_id'], unique=False)

    op.create_table('card_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_card_links_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_card_links_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_links')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_card_links_agency_id_id'))
    )
    with op.batch_alter_table('card_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_links_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_links_card_id'), ['card_id'], unique=False)

    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_checklist_items_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_checklist_items_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_checklist_items_agency_id_id'))
    )
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_items_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_items_card_id'), ['card_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('assigned','mentioned','due')", name=op.f('ck_notifications_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_notifications_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'membership_id'], ['memberships.agency_id', 'memberships.id'], name=op.f('fk_notifications_agency_id_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_notifications_agency_id_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_card_id'), ['card_id'], unique=False)
        batch_op.create_index('ix_notifications_recipient_unread', ['agency_id', 'membership_id', 'read_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_recipient_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_card_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_agency_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_items_card_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_items_agency_id'))

    op.drop_table('checklist_items')
    with op.batch_alter_table('card_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_links_card_id'))
        batch_op.drop_index(batch_op.f('ix_card_links_agency_id'))

    op.drop_table('card_links')
    with op.batch_alter_table('card_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_labels_label_id'))
        batch_op.drop_index(batch_op.f('ix_card_labels_agency_id'))

    op.drop_table('card_labels')
    with op.batch_alter_table('card_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_comments_card_id'))
        batch_op.drop_index(batch_op.f('ix_card_comments_agency_id'))

    op.drop_table('card_comments')
    with op.batch_alter_table('card_assignees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_assignees_membership_id'))
        batch_op.drop_index(batch_op.f('ix_card_assignees_agency_id'))

    op.drop_table('card_assignees')
    with op.batch_alter_table('board_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_activities_card_id'))
        batch_op.drop_index('ix_board_activities_board_version')
        batch_op.drop_index(batch_op.f('ix_board_activities_agency_id'))

    op.drop_table('board_activities')
    with op.batch_alter_table('board_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_board_cards_due_at')
        batch_op.drop_index('ix_board_cards_column_position')
        batch_op.drop_index(batch_op.f('ix_board_cards_agency_id'))

    op.drop_table('board_cards')
    with op.batch_alter_table('board_columns', schema=None) as batch_op:
        batch_op.drop_index('ix_board_columns_board_position')
        batch_op.drop_index(batch_op.f('ix_board_columns_agency_id'))

    op.drop_table('board_columns')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preferences_agency_id'))

    op.drop_table('notification_preferences')
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boards_agency_id'))

    op.drop_table('boards')
    with op.batch_alter_table('board_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_labels_agency_id'))

    op.drop_table('board_labels')
