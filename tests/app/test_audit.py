"""The audit log: written with the change, readable and filterable by staff, never editable."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import audit
from app.models import AuditEntry


def test_an_entry_is_written_in_the_same_transaction(db, make_member):
    member = make_member()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shares.member.create"))
    assert entry.object_id == str(member.id)
    assert entry.after["category"] == "A"


def test_a_rolled_back_change_leaves_no_entry(db, make_member):
    member = make_member()
    audit.record("tests.member.test", member, after={"x": 1})
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tests.member.test")) is None


def test_entries_cannot_be_changed_or_deleted_through_the_app(db, make_member):
    make_member()
    entry = db.session.scalar(select(AuditEntry))
    entry.action = "forged"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_staff_browse_and_filter(client, login_as, make_member):
    login_as("staff")
    first, second = make_member(), make_member()
    page = client.get("/staff/audit")
    assert page.status_code == 200 and "Member created" in page.text
    import re

    shown = re.sub(r'value="[^"]*"', "", page.text)  # what a person reads, without the attributes
    assert "shares.member.create" not in shown and "shares_member" not in shown  # words, not the code
    assert '<option value="shares.member.create">Member created</option>' in page.text  # the filter in words
    assert '<option value="voting_election">Election</option>' in page.text
    filtered = client.get(f"/staff/audit?object_type=shares_member&object_id={second.id}")
    assert f"Member {second.id}" in filtered.text
    assert f"Member {first.id}<" not in filtered.text
    partial = client.get("/staff/audit?action=shares.member", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="audit-entries">')
    assert "HX-Request" in partial.headers["Vary"]


def test_audit_page_is_keyset_paginated(client, login_as, db, make_member):
    login_as("staff")
    for n in range(55):
        audit.record("tests.bulk.test", object_type="system", object_id=n)
    db.session.commit()
    first = client.get("/staff/audit?action=tests.bulk")
    assert first.text.count("tests.bulk.test") == 50
    assert "Older entries" in first.text



def test_an_action_not_named_module_noun_verb_is_refused(db):
    with pytest.raises(ValueError, match="module.noun.verb"):
        audit.record("member.created", object_type="system")
