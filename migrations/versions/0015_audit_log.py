"""audit_log: the agency's audit entries, which the app role can add and read but never change

- `audit_events`: who did what, when, from which address and browser; tenant table (PRIMARY KEY
  (agency_id, id) on PostgreSQL, row-level security).
- PostgreSQL: the app role loses UPDATE and DELETE on it (the default privileges gave them);
  `relais_purge_audit(days)` (SECURITY DEFINER, owned by the migrating role) deletes entries
  older than `days`, and refuses under 30 days. Only the app role may call it.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

from saas.config import Config
from saas.tenancy import rls_statements

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PURGE = """
CREATE OR REPLACE FUNCTION relais_purge_audit(keep_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public SET app.all_agencies = 'on' AS $$
DECLARE removed integer;
BEGIN
  IF keep_days IS NULL OR keep_days < 30 THEN
    RAISE EXCEPTION 'audit entries are kept 30 days at least (asked: %)', keep_days;
  END IF;
  DELETE FROM audit_events WHERE created_at < now() - make_interval(days => keep_days);
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$
"""


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_audit_events_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agency_id", "id", name=op.f("pk_audit_events"), info={"sqlite_rowid_id": True}),
        *([sa.UniqueConstraint("agency_id", "id", name=op.f("uq_audit_events_agency_id_id"))]
          if op.get_bind().dialect.name == "sqlite" else []),
    )
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_audit_events_agency_id_created_at", ["agency_id", "created_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls_statements("audit_events"):
            op.execute(statement)
        role = Config.DATABASE_APP_ROLE
        op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM "{role}"')
        op.execute(PURGE)
        op.execute("REVOKE ALL ON FUNCTION relais_purge_audit(integer) FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION relais_purge_audit(integer) TO "{role}"')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS relais_purge_audit(integer)")
    op.drop_table("audit_events")
