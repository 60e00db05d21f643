"""TOTP secrets sealed at rest, enrolment secret off the cookie, per-account attempt limits

Revision ID: sec0010a1b2
Revises: asmb0013a1b2
Create Date: 2026-11-27 08:40:00

The data step seals existing TOTP secrets with the running configuration's key
(UNEVOIX_TOTP_ENCRYPTION_KEY, else SECRET_KEY): run it with the production environment.
"""
from alembic import op
import sqlalchemy as sa

import app.db


revision = 'sec0010a1b2'
down_revision = 'asmb0013a1b2'
branch_labels = None
depends_on = None

account = sa.table("app_account", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String),
                   sa.column("totp_secret_sealed", sa.String))


def _config():
    from flask import current_app

    return current_app.config


def upgrade():
    with op.batch_alter_table('app_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_sealed', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_wait_until', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('password_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('password_wait_until', app.db.UTCDateTime(timezone=True), nullable=True))

    from app.sealed import seal

    bind = op.get_bind()
    rows = bind.execute(sa.select(account.c.id, account.c.totp_secret).where(account.c.totp_secret.isnot(None)))
    for row_id, secret in rows.fetchall():
        bind.execute(account.update().where(account.c.id == row_id)
                     .values(totp_secret_sealed=seal(secret, _config())))

    with op.batch_alter_table('app_account', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')


def downgrade():
    with op.batch_alter_table('app_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))

    from app.sealed import unseal

    bind = op.get_bind()
    rows = bind.execute(sa.select(account.c.id, account.c.totp_secret_sealed)
                        .where(account.c.totp_secret_sealed.isnot(None)))
    for row_id, sealed in rows.fetchall():
        bind.execute(account.update().where(account.c.id == row_id)
                     .values(totp_secret=unseal(sealed, _config())))

    with op.batch_alter_table('app_account', schema=None) as batch_op:
        batch_op.drop_column('password_wait_until')
        batch_op.drop_column('password_failures')
        batch_op.drop_column('totp_wait_until')
        batch_op.drop_column('totp_failures')
        batch_op.drop_column('totp_pending_sealed')
        batch_op.drop_column('totp_secret_sealed')
