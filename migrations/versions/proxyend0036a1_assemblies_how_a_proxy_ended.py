"""assemblies: how a proxy ended, and by whom, kept on the proxy

Revision ID: proxyend0036a1
Revises: agendatitle0035a1
Create Date: 2026-11-30 06:45:00

A proxy withdrawn by its giver (on their page, or at the door) and one declined by its holder both ended
with ended_at alone: which of the two it was could be read only in the audit log, and so it was (the
sentence a holder reads on a revoked link). The row now keeps it (ended_how, "withdrawn" or "declined",
set exactly when ended_at is: a check constraint) and the account that ended it (ended_by_id). Proxies
ended before are read back from their audit entry ("assemblies.proxy.end" or "assemblies.proxy.decline",
written in the same transaction); an ended proxy without one, which the code never wrote, counts as
withdrawn and is logged.
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = 'proxyend0036a1'
down_revision = 'agendatitle0035a1'
branch_labels = None
depends_on = None

HOW = {"assemblies.proxy.end": "withdrawn", "assemblies.proxy.decline": "declined"}
log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table('assembly_proxy') as batch:
        batch.add_column(sa.Column('ended_how', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_assembly_proxy_ended_by_id_app_account'), 'app_account',
                                 ['ended_by_id'], ['id'])
    conn = op.get_bind()
    ended = {}  # proxy id -> (how, actor): the last entry that ended it (a proxy ends once)
    for object_id, action, actor_id in conn.execute(sa.text(
            "SELECT object_id, action, actor_id FROM app_audit_entry WHERE object_type = 'assembly_proxy' "
            "AND action IN ('assemblies.proxy.end', 'assemblies.proxy.decline') ORDER BY id")):
        if object_id is not None and object_id.isdigit():
            ended[int(object_id)] = (HOW[action], actor_id)
    for proxy_id, (how, actor_id) in ended.items():
        conn.execute(sa.text("UPDATE assembly_proxy SET ended_how = :how, ended_by_id = :actor "
                             "WHERE id = :id AND ended_at IS NOT NULL"),
                     {"how": how, "actor": actor_id, "id": proxy_id})
    unknown = conn.execute(sa.text("SELECT id FROM assembly_proxy WHERE ended_at IS NOT NULL AND ended_how IS NULL "
                                   "ORDER BY id")).scalars().all()
    if unknown:
        log.warning("Proxies ended without an audit entry, kept as withdrawn: %s", ", ".join(map(str, unknown)))
        conn.execute(sa.text("UPDATE assembly_proxy SET ended_how = 'withdrawn' "
                             "WHERE ended_at IS NOT NULL AND ended_how IS NULL"))
    with op.batch_alter_table('assembly_proxy') as batch:
        batch.create_check_constraint(batch.f('ck_assembly_proxy_ended_how_with_date'),
                                      '(ended_at IS NULL) = (ended_how IS NULL)')


def downgrade():
    with op.batch_alter_table('assembly_proxy') as batch:
        batch.drop_constraint(batch.f('ck_assembly_proxy_ended_how_with_date'), type_='check')
        batch.drop_constraint(batch.f('fk_assembly_proxy_ended_by_id_app_account'), type_='foreignkey')
        batch.drop_column('ended_by_id')
        batch.drop_column('ended_how')
