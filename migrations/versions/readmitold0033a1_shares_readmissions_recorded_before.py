"""shares: readmissions the board decided before they were kept on the membership

Revision ID: readmitold0033a1
Revises: readmit0032a1
Create Date: 2026-11-29 21:40:00

Before readmit0032a1 the board's readmission of an excluded member was kept only in the audit of the
application staff made with it ("shares.application.submit", its "excluded" membership number with
"board_decision_on" and "board_reference"). Those memberships kept an empty readmitted_on, so their
page still offered staff the readmission as if nothing had been decided. Read back from the audit,
the first decision recorded for a membership is kept on it, as shares.admission._keep_readmission does.
"""
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = 'readmitold0033a1'
down_revision = 'readmit0032a1'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT after FROM app_audit_entry WHERE action = 'shares.application.submit' "
                                "ORDER BY id")).scalars()
    decided: dict[int, tuple[date, str]] = {}
    for after in rows:
        after = json.loads(after) if isinstance(after, str) else after
        if not isinstance(after, dict) or not after.get("board_decision_on") or after.get("excluded") is None:
            continue
        decided.setdefault(int(after["excluded"]), (date.fromisoformat(after["board_decision_on"]),
                                                    str(after.get("board_reference") or "")[:100]))
    for number, (decided_on, reference) in decided.items():
        conn.execute(sa.text("UPDATE shares_member SET readmitted_on = :on, readmission_reference = :reference "
                             "WHERE number = :number AND readmitted_on IS NULL"),
                     {"on": decided_on, "reference": reference, "number": number})


def downgrade():
    # Nothing to give back: readmit0032a1's downgrade drops the columns.
    pass
