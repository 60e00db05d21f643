"""candidates: the assembly of a call whose ballot was imported before the import said it

Revision ID: callassembly0036a1
Revises: proxyend0036a1
Create Date: 2026-11-30 06:50:00

The board results read a withdrawal from the candidacy in a call for their assembly (Call.assembly_id).
Since dc56f53 importing a call's ballot into a board item (assemblies.candidates_adapter.import_from_call)
sets it; a call imported before kept an empty one, so a candidate who withdrew once its vote had opened is
not said unable to take a seat. It is set here where the import can be read back without a guess:

- a candidate linked to a member (assembly_candidate.member_id) comes from an import: one entered by hand
  never is (assemblies.services.add_candidate is given a member by the adapter only);
- a board item came from a call when every such candidate of it is a member with an application in that
  call, and was added (its audit entry "assemblies.candidate.create") once that call's ballot was fixed
  (only a fixed ballot can be imported);
- a call is linked to an assembly only when that assembly's items came from it and from no other call,
  and it came into no other assembly. Anything else is left empty, and logged.
"""
import logging
from datetime import timezone

import sqlalchemy as sa

from alembic import op

revision = 'callassembly0036a1'
down_revision = 'proxyend0036a1'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _utc(moment):
    """An instant as naive UTC: SQLite gives naive UTC, PostgreSQL aware values."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def upgrade():
    conn = op.get_bind()
    call = sa.table("candidates_call", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                    sa.column("assembly_id", sa.Integer), sa.column("ballot_fixed_at", sa.DateTime))
    application = sa.table("candidates_application", sa.column("call_id", sa.Integer),
                           sa.column("member_id", sa.Integer))
    item = sa.table("assembly_item", sa.column("id", sa.Integer), sa.column("assembly_id", sa.Integer),
                    sa.column("kind", sa.String))
    candidate = sa.table("assembly_candidate", sa.column("id", sa.Integer), sa.column("item_id", sa.Integer),
                         sa.column("member_id", sa.Integer))
    audit = sa.table("app_audit_entry", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                     sa.column("action", sa.String),
                     sa.column("object_type", sa.String), sa.column("object_id", sa.String))

    fixed = {row.id: (row.slug, row.assembly_id, _utc(row.ballot_fixed_at)) for row in conn.execute(
        sa.select(call.c.id, call.c.slug, call.c.assembly_id, call.c.ballot_fixed_at)
        .where(call.c.ballot_fixed_at.is_not(None)))}
    if not any(assembly_id is None for _, assembly_id, _ in fixed.values()):
        return
    members: dict[int, set[int]] = {}
    for call_id, member_id in conn.execute(sa.select(application.c.call_id, application.c.member_id)):
        members.setdefault(call_id, set()).add(member_id)
    added = {}  # candidate id -> when it was added (the latest entry: SQLite may give a removed row's id again)
    for at, object_id in conn.execute(sa.select(audit.c.at, audit.c.object_id).where(
            audit.c.action == "assemblies.candidate.create", audit.c.object_type == "assembly_candidate")
            .order_by(audit.c.id)):
        if object_id is not None and object_id.isdigit():
            added[int(object_id)] = _utc(at)
    items: dict[int, tuple[int, list[tuple[int, int]]]] = {}  # item -> (assembly, [(candidate, member)])
    for item_id, assembly_id, candidate_id, member_id in conn.execute(
            sa.select(item.c.id, item.c.assembly_id, candidate.c.id, candidate.c.member_id)
            .join(candidate, candidate.c.item_id == item.c.id)
            .where(item.c.kind == "board", candidate.c.member_id.is_not(None))):
        items.setdefault(item_id, (assembly_id, []))[1].append((candidate_id, member_id))

    def came_from(call_id, rows) -> bool:
        fixed_at = fixed[call_id][2]
        return all(m in members.get(call_id, ()) and added.get(c) is not None and added[c] >= fixed_at
                   for c, m in rows)

    sources: dict[int, set[int]] = {}  # assembly -> the calls its items may have come from
    for assembly_id, rows in items.values():
        sources.setdefault(assembly_id, set()).update(c for c in fixed if came_from(c, rows))
    into: dict[int, set[int]] = {}  # call -> the assemblies it may have come into
    for assembly_id, calls in sources.items():
        for call_id in calls:
            into.setdefault(call_id, set()).add(assembly_id)
    for call_id, (slug, assembly_id, _) in sorted(fixed.items()):
        if assembly_id is not None or call_id not in into:
            continue
        assemblies = sorted(into[call_id])
        if len(assemblies) > 1:
            log.warning("Call %s (%s) left without an assembly: its ballot may have been imported into assemblies %s",
                        call_id, slug, ", ".join(map(str, assemblies)))
        elif sources[assemblies[0]] != {call_id}:
            log.warning("Call %s (%s) left without an assembly: the ballot of assembly %s may also have come from "
                        "call(s) %s", call_id, slug, assemblies[0],
                        ", ".join(map(str, sorted(sources[assemblies[0]] - {call_id}))))
        else:
            conn.execute(sa.update(call).where(call.c.id == call_id, call.c.assembly_id.is_(None))
                         .values(assembly_id=assemblies[0]))
            log.warning("Call %s (%s): its ballot was imported into assembly %s; linked to it", call_id, slug,
                        assemblies[0])

def downgrade():
    # Nothing to give back: the link is what importing the ballot sets today, and the column stays.
    pass
