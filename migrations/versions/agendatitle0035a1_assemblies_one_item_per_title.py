"""assemblies: an agenda lists an item of a given title once

Revision ID: agendatitle0035a1
Revises: wgread0034a1
Create Date: 2026-11-30 01:30:00

A double click on "Add the item" sent the form twice and put the item twice on the agenda. The service
refuses an item whose title is on the agenda already; this unique index makes it hold for two requests
at once. An agenda that already lists an item twice must lose its copy first (the upgrade stops, naming it).
"""
import sqlalchemy as sa

from alembic import op

revision = 'agendatitle0035a1'
down_revision = 'wgread0034a1'
branch_labels = None
depends_on = None


def upgrade():
    twice = op.get_bind().execute(sa.text(
        "SELECT assembly_id, title_fr FROM assembly_item GROUP BY assembly_id, title_fr HAVING COUNT(*) > 1")).all()
    if twice:
        raise RuntimeError("Items listed twice on an agenda (assembly id, French title): remove the copy first: "
                           + "; ".join(f"{a}, {t!r}" for a, t in twice))
    op.create_index('uq_assembly_item_title', 'assembly_item', ['assembly_id', 'title_fr'], unique=True)


def downgrade():
    op.drop_index('uq_assembly_item_title', table_name='assembly_item')
