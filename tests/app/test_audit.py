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
    entries = page.text.split("<tbody>")[1]
    assert '{"' not in entries and "_name" not in entries  # the change in words, not its JSON
    assert f'<span class="name">Last name: </span>{first.last_name}</li>' in page.text
    filtered = client.get(f"/staff/audit?object_type=shares_member&object_id={second.id}")
    # The object named as people know it (member number and name), not by its row id.
    assert f"Member: no. {second.number}, {second.name}</td>" in filtered.text
    assert f"no. {first.number}, {first.name}<" not in filtered.text
    partial = client.get("/staff/audit?action=shares.member", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="audit-entries">')
    assert "HX-Request" in partial.headers["Vary"]


def _lines(data_app, language, object_type, before=None, after=None):
    entry = AuditEntry(action="tests.entry.read", object_type=object_type, before=before, after=after)
    # A context of its own: the locale is chosen once per application context.
    with data_app.app_context(), data_app.test_request_context(headers={"Accept-Language": language}):
        return [(line.field, line.before, line.after) for line in audit.change_lines(entry)]


def test_a_change_reads_in_words_money_references_and_codes(data_app):
    lines = _lines(data_app, "fr", "shares_payment_request", before={"paid_cents": 0},
                   after={"paid_cents": 3000, "status": "paid", "reference": "424313398936", "transaction": None,
                          "purpose": "renewal"})
    assert lines == [("Payé", "0,00 €", "30,00 €"),
                     ("Statut", None, "Payé"), ("Communication structurée", None, "+++424/3133/98936+++"),
                     ("Objet", None, "Renouvellement annuel")]  # no line for the bank transaction: there is none


def test_a_field_saved_unchanged_is_no_line(data_app):
    """A form saved with its language and status as they were: only what changed is a line."""
    lines = _lines(data_app, "en", "shares_payment_request", before={"status": "due", "paid_cents": 0},
                   after={"status": "due", "paid_cents": 3000})
    assert lines == [("Paid", "0.00 €", "30.00 €")]


def test_a_change_reads_in_words_dates_lists_and_yes_or_no(data_app):
    assert _lines(data_app, "nl", "candidates_application", after={
        "consent_publication": True, "skills": ["finance", "it"], "gender": "woman", "language": "fr"}) == [
        ("Stemt in met publicatie", None, "ja"),
        ("Vaardigheden", None, "Financiën en boekhouding, IT en digitale tools"),
        ("Gender", None, "Vrouw"), ("Taal", None, "Frans")]
    lines = dict((field, after) for field, _, after in _lines(data_app, "en", "candidates_call", after={
        "opens_on": "2026-11-23", "published_at": "2026-11-28T03:24:11.850353+00:00", "order": {"A": [2, 1], "B": []}},
        before={"opens_on": None}))
    assert lines == {"Applications open on": "23 Nov 2026", "Published on": "28 Nov 2026, 04:24",
                     "Order on the ballot": "Category A: 2, 1; Category B: —"}
    values = [after for _, _, after in _lines(data_app, "fr", "candidates_call", after={
        "order": {"A": [2], "B": [1]}, "opens_on": "2026-13-45"})]
    assert values == ["Catégorie A\u00a0: 2\u202f; Catégorie B\u00a0: 1", "2026-13-45"]  # French spacing; not a date: as written
    lines = _lines(data_app, "en", "voting_election", before={"state": "open"},
                   after={"state": "closed", "head": "ab" * 32, "decrypt": ["A", "B"], "require_login": False})
    assert lines == [("State", "Open", "Closed"), ("Head of the board", None, "abababababab…"),
                     ("Counts to decrypt", None, "Category A, Category B"), ("Sign-in required", None, "no")]


def test_a_field_or_a_code_without_words_is_named(db):
    entry = AuditEntry(action="tests.entry.read", object_type="shares_payment_request",
                       after={"colour": "red", "status": "lost", "paid_cents": 0})
    assert audit.unworded(entry) == {"colour", "status=lost"}


def test_audit_page_is_keyset_paginated(client, login_as, db, make_member):
    login_as("staff")
    for n in range(55):
        audit.record("tests.bulk.test", object_type="system", object_id=n)
    db.session.commit()
    first = client.get("/staff/audit?action=tests.bulk")
    assert first.text.count("tests.bulk.test") == 50
    assert "Older entries" in first.text
    # What is no whole number in plain digits is a refused filter, never a 500: "²" passes str.isdigit().
    for bad in ("²", "١²٣", "-1", "1.5", "9" * 11, str(2**31)):
        assert client.get("/staff/audit", query_string={"before_id": bad}).status_code == 400, bad



def test_an_action_not_named_module_noun_verb_is_refused(db):
    with pytest.raises(ValueError, match="module.noun.verb"):
        audit.record("member.created", object_type="system")
