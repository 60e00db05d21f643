"""The audit log shows recorded values as people read them: numbers as Belgians write them, an
assembly, an election, a scrutineer and a ballot's questions by their names, in the reader's language;
a value of an unexpected type is shown as it was written, never a server error."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest

from app.models import AuditEntry
from tests.factories import make_account
from assemblies.models import AgendaItem, Assembly, ItemKind
from voting.models import Election, Trustee

LANGUAGES = ("fr", "nl", "en")
ACCOUNTS = {"fr": "Comptes annuels", "nl": "Jaarrekening", "en": "Annual accounts"}
BOARD = {"fr": "Conseil, catégorie A", "nl": "Raad, categorie A", "en": "Board, category A"}
ASSEMBLY = {"fr": "Assemblée générale 2026", "nl": "Algemene vergadering 2026", "en": "General assembly 2026"}


@pytest.fixture
def world(db):
    """An assembly whose vote is an election with two questions and two scrutineers, every entry
    recording their codes, and a member's entry recording their numbers."""
    election = Election(slug="ga-2026", title=ASSEMBLY["fr"], definition={
        "trustees": [{"id": "t1", "name": "Anne Peeters"}, {"id": "t2", "name": "Jean Dumont"}],
        "contests": [{"id": "item2"}, {"id": "item3-a"}],
        "texts": {"title": ASSEMBLY, "contests": {"item2": {"title": ACCOUNTS}, "item3-a": {"title": BOARD}}}})
    db.session.add(election)
    db.session.flush()
    trustee = Trustee(election_id=election.id, trustee_id="t2", position=2, name="Jean Dumont")
    moment = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
    assembly = Assembly(slug="ga-2026", **{f"title_{lang}": title for lang, title in ASSEMBLY.items()},
                        starts_at=moment, place="Namur", voting_opens_at=moment, voting_closes_at=moment,
                        record_date=date(2026, 10, 1), election_id=election.id)
    db.session.add_all([trustee, assembly])
    db.session.flush()
    item = AgendaItem(assembly_id=assembly.id, position=2, kind=ItemKind.RESOLUTION,
                      **{f"title_{lang}": title for lang, title in ACCOUNTS.items()})
    db.session.add(item)
    db.session.flush()
    entries = [
        AuditEntry(action="shares.member.create", object_type="shares_member", object_id="999999", after={
            "national_number": "85073003328", "enterprise_number": "0123456749", "iban": "BE68539007547034"}),
        AuditEntry(action="shares.surplus.refund", object_type="shares_surplus", object_id="999999",
                   after={"iban": "BE68539007547034"}),
        AuditEntry(action="assemblies.item.create", object_type="assembly_item", object_id=str(item.id),
                   after={"assembly": "ga-2026"}),
        AuditEntry(action="assemblies.item.open", object_type="assembly_item", object_id=str(item.id),
                   after={"contests": ["item2"]}),
        AuditEntry(action="assemblies.vote.prepare", object_type="assembly_assembly", object_id=str(assembly.id),
                   after={"election": "ga-2026", "contests": ["item2", "item3-a"]}),
        AuditEntry(action="voting.trustee.complain", object_type="voting_election", object_id=str(election.id),
                   after={"trustee": "t1", "dealer": "t2"}),
        AuditEntry(action="voting.election.create", object_type="voting_election", object_id=str(election.id),
                   after={"trustees": ["t1", "t2"]}),
        AuditEntry(action="voting.item.close", object_type="voting_election", object_id=str(election.id),
                   after={"contests": ["item3-a"]}),
        AuditEntry(action="voting.trustee.register_keys", object_type="voting_trustee", object_id=str(trustee.id),
                   after={"election": "ga-2026", "trustee": "t2"}),
    ]
    db.session.add_all(entries)
    db.session.commit()


def _changes(page: str) -> str:
    """The Change column of the audit log, as text a person reads."""
    cells = re.findall(r'<td class="change"[^>]*>(.*?)</td>', page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(cells)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_names_and_questions_read_as_people_know_them(client, login_as, world, language):
    login_as("staff", language=language)
    page = client.get("/staff/audit")
    assert page.status_code == 200
    text = _changes(page.text)
    # A national and an enterprise number as Belgians write them, an account number in groups of four.
    assert "85.07.30-033.28" in text and "0123.456.749" in text and "BE68 5390 0754 7034" in text
    # The assembly and its election by their titles, the questions by theirs, the scrutineers by their names.
    assert ASSEMBLY[language] in text
    assert f"{ACCOUNTS[language]}, {BOARD[language]}" in text
    assert "Anne Peeters, Jean Dumont" in text and "Jean Dumont" in text
    for code in ("85073003328", "0123456749", "BE68539007547034", "ga-2026", "item2", "item3-a", "t1", "t2"):
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code


def test_the_lines_of_one_entry_in_words(data_app, world):
    from sqlalchemy import select

    from app import audit
    from app.extensions import db

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voting.trustee.complain"))
    with data_app.test_request_context(headers={"Accept-Language": "nl"}):
        lines = [(line.field, line.after) for line in audit.change_lines(entry)]
    assert lines == [("Stemopnemer", "Anne Peeters"), ("Aangeklaagde stemopnemer", "Jean Dumont")]


HOSTILE = [  # (what was recorded, what the log shows of it)
    ({"national_number": ["85073003328"], "enterprise_number": {"a": 1}, "iban": 12345},
     ["85.07.30-033.28", "{'a': 1}", "12345"]),
    ({"national_number": "<b>8507</b>", "enterprise_number": "abcdefghij", "iban": "<script>alert(1)</script>"},
     ["<b>8507</b>", "abcdefghij", "<script>alert(1)</script>"]),
    ({"national_number": 85073003328, "enterprise_number": "1234567890", "iban": ["BE68539007547034", "BE00"],
      "reference": 424313398936},
     ["85073003328", "1234.567.890", "BE68 5390 0754 7034, BE00", "424313398936"]),
    ({"reference": ["424313398936", "12/34"]}, ["+++424/3133/98936+++, 12/34"]),
]


@pytest.mark.parametrize("after, shown", HOSTILE)
def test_a_value_of_another_type_is_shown_as_written(client, login_as, db, after, shown):
    db.session.add(AuditEntry(action="shares.member.create", object_type="shares_member", object_id="1", after=after))
    db.session.commit()
    login_as("staff")
    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<b>8507" not in page.text  # escaped, never markup
    text = _changes(page.text)
    assert all(value in text for value in shown), text


HOSTILE_CODES = [
    {"assembly": 7, "election": ["x"], "trustee": {"t1": 1}, "dealer": 10 ** 30, "contests": "item2",
     "trustees": [None, 3, "t9"]},
    {"assembly": "<i>ga</i>", "election": 10 ** 30, "trustee": ["t1", ["t2"]], "contests": [{"id": "item2"}]},
]


@pytest.mark.parametrize("after", HOSTILE_CODES)
@pytest.mark.parametrize("object_type, object_id", [("voting_election", "abc"), ("voting_election", str(10 ** 30)),
                                                    ("assembly_item", "-1"), ("voting_trustee", None),
                                                    ("assembly_assembly", "99999")])
def test_codes_of_another_type_or_of_nothing_known_are_shown_as_written(client, login_as, db, world, after,
                                                                          object_type, object_id):
    db.session.add(AuditEntry(action="voting.election.create", object_type=object_type, object_id=object_id,
                              after=after))
    db.session.commit()
    login_as("staff")
    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert "<i>ga" not in page.text and "&lt;i&gt;ga&lt;/i&gt;" in page.text or after["assembly"] == 7


def _assemblies_named(db, count: int, start: int) -> None:
    """``count`` assemblies, each with its election, and an entry of each that names both by their short names."""
    moment = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
    for n in range(start, start + count):
        election = Election(slug=f"vote-{n}", title=f"Vote {n}", definition={"texts": {"title": {
            lang: f"Vote {n} ({lang})" for lang in LANGUAGES}}})
        assembly = Assembly(slug=f"ga-{n}", **{f"title_{lang}": f"Assembly {n} ({lang})" for lang in LANGUAGES},
                            starts_at=moment, place="Namur", voting_opens_at=moment, voting_closes_at=moment,
                            record_date=date(2026, 10, 1))
        db.session.add_all([election, assembly])
        db.session.add(AuditEntry(action="assemblies.vote.prepare", object_type="shares_member", object_id="999999",
                                  after={"assembly": f"ga-{n}", "election": f"vote-{n}"}))
    db.session.commit()


def test_the_assemblies_and_elections_a_page_names_are_read_in_one_query_each(client, login_as, db, query_counter):
    login_as("staff", language="en")
    _assemblies_named(db, 2, 1)
    client.get("/staff/audit")  # the first request of a session loads what later ones keep
    with query_counter() as few:
        text = _changes(client.get("/staff/audit").text)
    assert "Assembly 1 (en)" in text and "Vote 2 (en)" in text
    _assemblies_named(db, 6, 3)
    with query_counter() as many:
        text = _changes(client.get("/staff/audit").text)
    assert all(f"Assembly {n} (en)" in text and f"Vote {n} (en)" in text for n in range(1, 9))
    assert "ga-" not in text and "vote-" not in text
    assert many.n == few.n


@pytest.mark.parametrize("language, words", [
    ("en", ["Category: A (users of the services)", "Category A: 14", "Category B: 0"]),
    ("fr", ["Catégorie\u00a0: A (utilisateurs des services)", "Catégorie A\u00a0: 14"])])
def test_a_category_reads_in_words(client, login_as, db, language, words):
    db.session.add(AuditEntry(action="shares.member.create", object_type="shares_member", object_id="1",
                              after={"category": "A"}))
    db.session.add(AuditEntry(action="voting.election.open", object_type="voting_election", object_id="1",
                              after={"counted": {"A": 14, "B": 0}}))
    db.session.commit()
    login_as("staff", language=language)
    text = re.sub(r"\s+", " ", _changes(client.get("/staff/audit").text)).replace(" :", "\u00a0:")
    assert all(word in text for word in words), text
    assert not re.search(r"(Category|Catégorie)\W*: A\b(?! \()", text)  # never the letter alone


@pytest.mark.parametrize("approved_by", [10 ** 30, -1, True, "12", [1], None])
def test_an_account_id_of_another_type_is_shown_as_written(client, login_as, db, approved_by):
    db.session.add(AuditEntry(action="working_groups.minutes.approve", object_type="wg_minutes", object_id="1",
                              after={"approved_by": approved_by}))
    db.session.commit()
    login_as("staff")
    page = client.get("/staff/audit")
    assert page.status_code == 200


def test_true_in_an_account_field_names_nobody_and_hides_no_account(client, login_as, db):
    """``True == 1`` in Python: the page's one look-up per kind must not take one for the other."""
    first = make_account(email="one@example.be")
    for approved_by in (True, first.id, True):
        db.session.add(AuditEntry(action="working_groups.minutes.approve", object_type="wg_minutes", object_id="1",
                                  after={"approved_by": approved_by}))
    db.session.commit()
    login_as("staff")
    text = " ".join(_changes(client.get("/staff/audit").text).split())
    assert text.count("Approved by: one@example.be") == 1 and text.count("Approved by: True") == 2, text
