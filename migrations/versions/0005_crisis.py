"""crisis: mention buckets, detector watermark, alert rules, crises and their cards, alerts, deliveries (RLS)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from saas.tenancy import rls_statements

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("crisis_detector_states", "crises", "alert_rules", "mention_buckets", "crisis_alerts", "alert_deliveries",
          "crisis_cards")


def upgrade():
    op.create_table('crisis_detector_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_mention_id', sa.Integer(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_crisis_detector_states_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_detector_states')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_crisis_detector_states_agency_id_id')),
    sa.UniqueConstraint('agency_id', name=op.f('uq_crisis_detector_states_agency_id'))
    )
    with op.batch_alter_table('crisis_detector_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_detector_states_agency_id'), ['agency_id'], unique=False)

    op.create_table('crises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=6), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('peak_score', sa.Float(), nullable=False),
    sa.Column('last_score', sa.Float(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('card_made', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open','closed')", name=op.f('ck_crises_status')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_crises_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_crises_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_crises_closed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crises')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_crises_agency_id_id'))
    )
    with op.batch_alter_table('crises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crises_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crises_client_id'), ['client_id'], unique=False)
        batch_op.create_index('uq_crises_open_client', ['agency_id', 'client_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('alert_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('keyword_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sensitivity', sa.String(length=6), nullable=False),
    sa.Column('min_volume', sa.Integer(), nullable=False),
    sa.Column('cooldown_minutes', sa.Integer(), nullable=False),
    sa.Column('recipient_pole', sa.String(length=5), nullable=True),
    sa.Column('recipient_ids', sa.JSON(), nullable=False),
    sa.Column('notify_in_app', sa.Boolean(), nullable=False),
    sa.Column('notify_email', sa.Boolean(), nullable=False),
    sa.Column('notify_digest', sa.Boolean(), nullable=False),
    sa.Column('webhook_url', sa.String(length=1000), nullable=True),
    sa.Column('webhook_format', sa.String(length=5), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('series_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_score', sa.Float(), nullable=True),
    sa.Column('last_evaluated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("recipient_pole IS NULL OR recipient_pole IN ('rp','cm','both')", name=op.f('ck_alert_rules_recipient_pole')),
    sa.CheckConstraint("sensitivity IN ('low','medium','high')", name=op.f('ck_alert_rules_sensitivity')),
    sa.CheckConstraint("webhook_format IN ('json','slack')", name=op.f('ck_alert_rules_webhook_format')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_alert_rules_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'keyword_id'], ['keywords.agency_id', 'keywords.id'], name=op.f('fk_alert_rules_agency_id_keyword_id_keywords'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_alert_rules_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rules')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_alert_rules_agency_id_id'))
    )
    with op.batch_alter_table('alert_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rules_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_rules_client_id'), ['client_id'], unique=False)

    op.create_table('mention_buckets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('keyword_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.SmallInteger(), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentions', sa.Integer(), nullable=False),
    sa.Column('negative', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('width IN (15, 60)', name=op.f('ck_mention_buckets_width')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_mention_buckets_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'keyword_id'], ['keywords.agency_id', 'keywords.id'], name=op.f('fk_mention_buckets_agency_id_keyword_id_keywords'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_mention_buckets_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mention_buckets')),
    sa.UniqueConstraint('agency_id', 'client_id', 'width', 'start', 'keyword_id', name=op.f('uq_mention_buckets_agency_id_client_id_width_start_keyword_id')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_mention_buckets_agency_id_id'))
    )
    with op.batch_alter_table('mention_buckets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mention_buckets_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mention_buckets_keyword_id'), ['keyword_id'], unique=False)

    op.create_table('crisis_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('crisis_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'crisis_id'], ['crises.agency_id', 'crises.id'], name=op.f('fk_crisis_alerts_agency_id_crisis_id_crises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'rule_id'], ['alert_rules.agency_id', 'alert_rules.id'], name=op.f('fk_crisis_alerts_agency_id_rule_id_alert_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_crisis_alerts_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_alerts')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_crisis_alerts_agency_id_id')),
    sa.UniqueConstraint('agency_id', 'rule_id', 'window_start', name=op.f('uq_crisis_alerts_agency_id_rule_id_window_start'))
    )
    with op.batch_alter_table('crisis_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_alerts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crisis_alerts_crisis_id'), ['crisis_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=1000), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('email','webhook','digest')", name=op.f('ck_alert_deliveries_channel')),
    sa.CheckConstraint("status IN ('pending','retrying','sent','failed')", name=op.f('ck_alert_deliveries_status')),
    sa.ForeignKeyConstraint(['agency_id', 'alert_id'], ['crisis_alerts.agency_id', 'crisis_alerts.id'], name=op.f('fk_alert_deliveries_agency_id_alert_id_crisis_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'rule_id'], ['alert_rules.agency_id', 'alert_rules.id'], name=op.f('fk_alert_deliveries_agency_id_rule_id_alert_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_alert_deliveries_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_alert_deliveries_agency_id_id')),
    sa.UniqueConstraint('agency_id', 'key', name=op.f('uq_alert_deliveries_agency_id_key'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('ix_alert_deliveries_rule', ['agency_id', 'rule_id', 'id'], unique=False)

    op.create_table('crisis_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crisis_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'card_id'], ['board_cards.agency_id', 'board_cards.id'], name=op.f('fk_crisis_cards_agency_id_card_id_board_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'crisis_id'], ['crises.agency_id', 'crises.id'], name=op.f('fk_crisis_cards_agency_id_crisis_id_crises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_crisis_cards_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_cards')),
    sa.UniqueConstraint('agency_id', 'crisis_id', name=op.f('uq_crisis_cards_agency_id_crisis_id')),
    sa.UniqueConstraint('agency_id', 'id', name=op.f('uq_crisis_cards_agency_id_id'))
    )
    with op.batch_alter_table('crisis_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_cards_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crisis_cards_card_id'), ['card_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in rls_statements(table):
                op.execute(statement)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
