"""assemblies: an agenda lists an item of a given title once

Revision ID: agendatitle0035a1
Revises: wgread0034a1
Create Date: 2026-11-30 01:30:00

A double click on "Add the item" sent the form twice and put the item twice on the agenda. The service
refuses an item whose title is on the agenda already; this unique index makes it hold for two requests
at once. An agenda that already lists a title twice keeps every item: the later ones (in the agenda's
order) are renamed " (2)", " (3)" in each language whose title clashes, and each renaming is logged, so
that the secretary can delete a copy or retitle it (docs/deploy.md).
"""
import logging

import sqlalchemy as sa

from alembic import op

revision = 'agendatitle0035a1'
down_revision = 'wgread0034a1'
branch_labels = None
depends_on = None

LANGUAGES = ("fr", "nl", "en")
TITLE_LENGTH = 300  # assembly_item.title_*
log = logging.getLogger("alembic.runtime.migration")


def _numbered(title, taken):
    """``title`` with the first " (n)" from 2 that no item of the agenda holds, within the column's length."""
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = title[:TITLE_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, assembly_id, title_fr, title_nl, title_en FROM assembly_item "
        "WHERE assembly_id IN (SELECT assembly_id FROM assembly_item GROUP BY assembly_id, title_fr "
        "HAVING COUNT(*) > 1) ORDER BY assembly_id, position, id")).all()
    seen = {}  # (assembly id, language) -> the titles of the items before, as renamed
    taken = {}  # (assembly id, language) -> every title of the agenda: a new name takes none of them
    for _, assembly_id, *titles in rows:
        for language, title in zip(LANGUAGES, titles):
            taken.setdefault((assembly_id, language), set()).add(title)
    for item_id, assembly_id, *titles in rows:
        renamed = {}
        for language, title in zip(LANGUAGES, titles):
            key = (assembly_id, language)
            if title in seen.setdefault(key, set()):
                renamed[language] = title = _numbered(title, taken[key])
                taken[key].add(title)
            seen[key].add(title)
        if renamed:
            conn.execute(sa.text("UPDATE assembly_item SET " + ", ".join(f"title_{lang} = :{lang}" for lang in renamed)
                                 + " WHERE id = :id"), renamed | {"id": item_id})
            log.warning("Agenda of assembly %s: item %s repeated a title, renamed %s", assembly_id, item_id,
                        "; ".join(f"{lang} {titles[LANGUAGES.index(lang)]!r} to {new!r}" for lang, new in renamed.items()))
    op.create_index('uq_assembly_item_title', 'assembly_item', ['assembly_id', 'title_fr'], unique=True)


def downgrade():
    op.drop_index('uq_assembly_item_title', table_name='assembly_item')
