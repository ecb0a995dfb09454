"""two_factor: TOTP second factor, recovery codes, an agency's requirement, a session's second-factor time

- `users.totp_secret` (base32, set once the person confirmed a first code), `users.totp_enabled_at`,
  `users.totp_last_step` (the last accepted 30-second step: a code is never accepted twice) and
  `users.recovery_codes` (SHA-256 hashes of the unused one-time codes).
- `agencies.require_two_factor`: the owner asks every staff member to use a second factor.
- `user_sessions.second_factor_at`: when this signed-in browser passed the second factor.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("recovery_codes", sa.JSON(), nullable=True))
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.add_column(sa.Column("require_two_factor", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("user_sessions") as batch_op:
        batch_op.add_column(sa.Column("second_factor_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user_sessions") as batch_op:
        batch_op.drop_column("second_factor_at")
    with op.batch_alter_table("agencies") as batch_op:
        batch_op.drop_column("require_two_factor")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("recovery_codes")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
