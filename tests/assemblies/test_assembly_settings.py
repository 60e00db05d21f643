"""A secretary edits an assembly's settings while nothing fixed them, and deletes an assembly nothing was
given out of; the assembly form says every date problem at once, each beside its field."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.clock import BRUSSELS, today, utcnow
from app.extensions import db
from app.models import AuditEntry
from app.uow import unit_of_work
from assemblies import errors, services
from assemblies.models import AgendaItem, Assembly, Candidate, Document, Elector, Gender, ItemKind
from shares.models import Category
from tests.assemblies.test_assembly_views import post
from tests.factories import sign_in

DAY = today() + timedelta(days=20)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def settings(world, **changes):
    """The keywords of create_assembly and update_assembly: a meeting in twenty days."""
    return {"titles": {"fr": "AG", "nl": "AV", "en": "GA"}, "starts_at": _at(DAY, 14), "place": "Namur",
            "voting_opens_at": _at(DAY - timedelta(days=7), 9), "voting_closes_at": _at(DAY, 18),
            "record_date": world.record, "quorum_percent": 10, "proxy_limit": 1, "proxy_deadline": _at(DAY, 12),
            "min_count": 5, "tie_rule": "ballot_order", **changes}


def fresh(world, slug="ga-fresh", frozen=False):
    """An assembly in preparation: an agenda with a board item and a candidate, a document; frozen if asked."""
    assembly = services.create_assembly(slug=slug, **settings(world), actor=world.secretary)
    services.add_item(assembly, kind=ItemKind.RESOLUTION,
                      titles={"fr": "Comptes", "nl": "Rekeningen", "en": "Accounts"})
    board = services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "CA", "nl": "RvB", "en": "Board"})
    services.add_candidate(board, category=Category.A, name="Nadia El Amrani", gender=Gender.WOMAN)
    services.add_document(assembly, titles={"fr": "Comptes", "nl": "Rekeningen", "en": "Accounts"},
                          filename="comptes.pdf", content_type="application/pdf", data=b"%PDF-1.4 comptes\n%%EOF\n")
    if frozen:
        services.freeze_electorate(assembly)
    db.session.commit()
    return assembly


def rows(assembly_id: int) -> dict[str, int]:
    """What an assembly holds, table by table (the candidates through its items)."""
    db.session.expire_all()
    items = select(AgendaItem.id).where(AgendaItem.assembly_id == assembly_id)
    count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return {"assembly": count(Assembly, Assembly.id == assembly_id),
            "items": count(AgendaItem, AgendaItem.assembly_id == assembly_id),
            "candidates": count(Candidate, Candidate.item_id.in_(items)),
            "documents": count(Document, Document.assembly_id == assembly_id),
            "electors": count(Elector, Elector.assembly_id == assembly_id)}


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def form_of(world, **changes) -> dict[str, str]:
    """The assembly form as a browser posts it (times typed in Brussels)."""
    return {"slug": "ga-form", "title_fr": "AG", "title_nl": "AV", "title_en": "GA",
            "starts_at": f"{DAY.isoformat()}T14:00", "place": "Namur",
            "voting_opens_at": f"{(DAY - timedelta(days=7)).isoformat()}T09:00",
            "voting_closes_at": f"{DAY.isoformat()}T18:00", "record_date": world.record.isoformat(),
            "quorum_percent": "10", "proxy_limit": "1", "proxy_deadline": f"{DAY.isoformat()}T12:00",
            "min_count": "5", "tie_rule": "ballot_order", **changes}


EVERY_DATE_WRONG = {"starts_at": "2020-01-10T14:00", "voting_opens_at": "2020-01-10T09:00",
                    "voting_closes_at": "2020-01-09T18:00", "record_date": "2020-02-01",
                    "proxy_deadline": "2020-01-11T12:00"}
DATE_SENTENCES = {"starts_at": "The meeting cannot start in the past.",
                  "voting_closes_at": "The vote must close after it opens, and on the day of the meeting at the latest.",
                  "record_date": "The record date cannot come after the day of the assembly.",
                  "proxy_deadline": "The deadline for proxies cannot come after the vote closes."}


def assert_each_beside_its_field(html: str, sentences: dict[str, str]) -> None:
    for name, sentence in sentences.items():
        start = html.index(f'id="{name}-error"')
        assert sentence in html[start:html.index("</p>", start)], name


# -- the rules of the dates, in the service -------------------------------------------------------

def test_every_date_problem_is_named_at_once_and_nothing_is_created(world):
    with pytest.raises(errors.InvalidDates) as refused:
        services.create_assembly(slug="ga-bad", **settings(
            world, starts_at=_at(today() - timedelta(days=3), 14), voting_opens_at=_at(DAY, 9),
            voting_closes_at=_at(DAY, 8), record_date=DAY + timedelta(days=1), proxy_deadline=_at(DAY, 10)),
            now=utcnow())
    assert refused.value.fields == ("starts_at", "voting_closes_at", "record_date", "proxy_deadline")
    db.session.rollback()
    assert db.session.scalar(select(Assembly).where(Assembly.slug == "ga-bad")) is None
    assert audit("assemblies.assembly.create")[-1].after["slug"] == "ga-test"  # the world's only


def test_only_a_person_scheduling_is_refused_a_meeting_in_the_past(world):
    past = settings(world, starts_at=_at(world.record, 14), voting_opens_at=_at(world.record, 9),
                    voting_closes_at=_at(world.record, 18), proxy_deadline=None)
    with pytest.raises(errors.InvalidDates) as refused:
        services.create_assembly(slug="ga-past", **past, now=utcnow())
    assert refused.value.fields == ("starts_at",)
    db.session.rollback()
    assert services.create_assembly(slug="ga-past", **past).starts_at < utcnow()  # the demo's past assemblies


def test_a_remote_vote_closing_after_the_day_of_the_meeting_is_refused(world):
    late = settings(world, voting_closes_at=_at(DAY + timedelta(days=5), 18))
    with pytest.raises(errors.InvalidDates) as refused:
        services.create_assembly(slug="ga-late", **late, now=utcnow())
    assert refused.value.fields == ("voting_closes_at",)
    db.session.rollback()
    assert services.create_assembly(slug="ga-late", **settings(world, voting_closes_at=_at(DAY, 23)), now=utcnow())


# -- editing, state by state -----------------------------------------------------------------------

def test_before_anything_is_fixed_every_setting_changes_and_the_change_is_audited(world):
    assembly = fresh(world)
    assert services.locked_settings(assembly) == {}
    new = settings(world, titles={"fr": "AG 2027", "nl": "AV", "en": "GA"}, place="Liège", starts_at=_at(DAY, 15),
                   record_date=world.record - timedelta(days=1), quorum_percent=20, tie_rule="lot", proxy_deadline=None)
    changed = services.update_assembly(assembly, **new, now=utcnow(), actor=world.secretary)
    db.session.commit()
    assert changed == ["title_fr", "starts_at", "place", "record_date", "quorum_percent", "proxy_deadline", "tie_rule"]
    assert (assembly.title_fr, assembly.place, assembly.quorum_percent, assembly.tie_rule) == ("AG 2027", "Liège", 20,
                                                                                               "lot")
    entry = audit("assemblies.assembly.update")[-1]
    assert entry.actor_id == world.secretary.id and entry.object_id == str(assembly.id)
    assert entry.before["place"] == "Namur" and entry.after["place"] == "Liège" and "slug" not in entry.after
    assert set(entry.after) == set(changed) and entry.after["proxy_deadline"] is None
    assert services.update_assembly(assembly, **new, now=utcnow()) == []
    assert len(audit("assemblies.assembly.update")) == 1  # nothing changed, nothing written


def test_a_frozen_electorate_fixes_the_record_date_only(world):
    assembly = fresh(world, frozen=True)
    assert services.locked_settings(assembly) == {"record_date": "electorate"}
    with pytest.raises(errors.SettingsLocked) as refused:
        services.update_assembly(assembly, **settings(world, place="Liège",
                                                      record_date=world.record - timedelta(days=1)))
    assert refused.value.fields == {"record_date": "electorate"}
    db.session.rollback()
    assert services.update_assembly(assembly, **settings(world, place="Liège", starts_at=_at(DAY, 10))) == [
        "starts_at", "place"]


def test_the_ballot_on_the_board_fixes_its_texts_rules_and_dates_but_not_the_place_nor_proxies(world):
    current = dict(titles=world.assembly.texts("title"), starts_at=world.assembly.starts_at,
                   voting_opens_at=world.assembly.voting_opens_at, voting_closes_at=world.assembly.voting_closes_at,
                   proxy_deadline=world.assembly.proxy_deadline)
    locked = services.locked_settings(world.assembly)
    assert locked == {"record_date": "electorate", **{name: "ballot" for name in (
        "title_fr", "title_nl", "title_en", "starts_at", "voting_opens_at", "voting_closes_at", "quorum_percent",
        "min_count", "tie_rule")}}
    with pytest.raises(errors.SettingsLocked) as refused:  # every locked change is named at once
        services.update_assembly(world.assembly, **settings(world, **{
            **current, "titles": {"fr": "X", "nl": "AV", "en": "GA"},
            "voting_closes_at": current["voting_closes_at"] + timedelta(hours=1)}, min_count=7))
    assert refused.value.fields == {"title_fr": "ballot", "title_nl": "ballot", "title_en": "ballot",
                                    "voting_closes_at": "ballot", "min_count": "ballot"}
    db.session.rollback()
    assert services.update_assembly(world.assembly, **settings(world, **{**current, "proxy_deadline": None},
                                                               place="Gent", proxy_limit=2)) == [
        "place", "proxy_limit", "proxy_deadline"]


def test_convocations_fix_the_place_and_a_proxy_the_proxy_rules(client, world):
    sign_in(client, world.secretary)
    assert "Save the settings" in client.get(f"/assemblies/{world.assembly.slug}/edit").get_data(as_text=True)
    services.convene(world.assembly)
    services.give_proxy(world.assembly, world.members[0], world.members[1])
    db.session.commit()
    locked = services.locked_settings(world.assembly)
    assert (locked["place"], locked["proxy_limit"], locked["proxy_deadline"]) == ("convocations", "proxies", "proxies")
    assert set(locked) == {name for names in services.FIXED_BY.values() for name in names}
    # Nothing left to change: the page says so and offers no button that could only be refused.
    page = client.get(f"/assemblies/{world.assembly.slug}/edit").get_data(as_text=True)
    assert "none can change any more" in page and "Save the settings" not in page


def test_a_meeting_cannot_be_moved_into_the_past_but_a_past_one_keeps_its_date(world):
    assembly = fresh(world)
    with pytest.raises(errors.InvalidDates) as refused:
        services.update_assembly(assembly, **settings(world, starts_at=utcnow() - timedelta(hours=1)), now=utcnow())
    assert refused.value.fields == ("starts_at", "voting_closes_at")  # and its vote would now close days after it
    db.session.rollback()
    # The clock moved on: the meeting is past, and still its place may be corrected.
    assert services.update_assembly(assembly, **settings(world, place="Liège"), now=_at(DAY, 16)) == ["place"]


# -- deleting --------------------------------------------------------------------------------------

def test_an_assembly_in_preparation_is_deleted_whole_and_audited(world):
    assembly = fresh(world, frozen=True)
    assembly_id = assembly.id
    assert rows(assembly_id) == {"assembly": 1, "items": 2, "candidates": 1, "documents": 1, "electors": 6}
    world_rows = rows(world.assembly.id)
    services.delete_assembly(assembly, actor=world.secretary)
    db.session.commit()
    assert rows(assembly_id) == {"assembly": 0, "items": 0, "candidates": 0, "documents": 0, "electors": 0}
    assert rows(world.assembly.id) == world_rows  # another assembly is left as it was
    entry = audit("assemblies.assembly.delete")[-1]
    assert entry.object_id == str(assembly_id) and entry.actor_id == world.secretary.id
    assert entry.before | {"starts_at": None} == {"slug": "ga-fresh", "title": "AG", "starts_at": None, "items": 2,
                                                  "documents": 1, "electors": 6}


def test_a_deletion_failing_midway_leaves_the_assembly_whole(world, monkeypatch):
    """The items and candidates are gone when the electorate's delete fails: the transaction takes all back."""
    assembly_id = fresh(world, frozen=True).id
    before = rows(assembly_id)
    execute = db.session.execute

    def failing(statement, *args, **kwargs):
        if getattr(statement, "is_delete", False) and statement.table.name == Elector.__tablename__:
            raise RuntimeError("the disk is full")
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", failing)
    with pytest.raises(RuntimeError), unit_of_work():
        services.delete_assembly(db.session.get(Assembly, assembly_id), actor=world.secretary)
    monkeypatch.undo()
    assert rows(assembly_id) == before and audit("assemblies.assembly.delete") == []


@pytest.mark.parametrize("given", ["ballot", "proxies", "checkins"])
def test_what_members_or_the_board_hold_stops_a_deletion(world, given):
    assembly = world.assembly if given == "ballot" else fresh(world, frozen=True)
    if given == "proxies":
        services.give_proxy(assembly, world.members[0], world.members[1])
    elif given == "checkins":
        assembly.starts_at = utcnow()  # the day of the meeting: the door is open
        services.check_in(assembly, world.members[0])
    db.session.commit()
    before = rows(assembly.id)
    assert services.deletion_refusal(assembly).reason == given
    with pytest.raises(errors.AssemblyInUse):
        services.delete_assembly(assembly)
    db.session.rollback()
    assert rows(assembly.id) == before


# -- the pages ---------------------------------------------------------------------------------------

def test_the_new_assembly_form_says_every_date_problem_at_once_beside_its_field(client, world):
    sign_in(client, world.secretary)
    bad = post(client, "/assemblies/new", "/assemblies/new", form_of(world, **EVERY_DATE_WRONG))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert_each_beside_its_field(html, DATE_SENTENCES)
    db.session.expire_all()
    assert db.session.scalar(select(Assembly).where(Assembly.slug == "ga-form")) is None
    # A wrong short name, or a place left empty, hides no date problem, the meeting in the past included.
    both = post(client, "/assemblies/new", "/assemblies/new", form_of(world, slug="Bad Name!", **EVERY_DATE_WRONG))
    assert both.status_code == 400 and 'id="slug-error"' in both.get_data(as_text=True)
    assert_each_beside_its_field(both.get_data(as_text=True), DATE_SENTENCES)
    past = post(client, "/assemblies/new", "/assemblies/new", form_of(world, place="", starts_at="2020-01-10T14:00"))
    assert past.status_code == 400
    assert_each_beside_its_field(past.get_data(as_text=True), {"place": "This field is required.",
                                                               "starts_at": DATE_SENTENCES["starts_at"]})
    # "new" is the address of this very form: an assembly named so could never be opened.
    reserved = post(client, "/assemblies/new", "/assemblies/new", form_of(world, slug="new"))
    assert reserved.status_code == 400 and "This short name is reserved: choose another." in reserved.get_data(as_text=True)
    assert post(client, "/assemblies/new", "/assemblies/new", form_of(world)).status_code == 302


def test_the_secretary_edits_from_the_prepare_page_the_fixed_fields_disabled_with_why(client, world):
    assembly = fresh(world, frozen=True)
    sign_in(client, world.secretary)
    prepare = client.get("/assemblies/ga-fresh/prepare").get_data(as_text=True)
    assert 'href="/assemblies/ga-fresh/edit"' in prepare
    html = client.get("/assemblies/ga-fresh/edit").get_data(as_text=True)
    record = html[html.index('id="record_date"') - 300:html.index('id="record_date"') + 300]
    assert "disabled" in record and "The electorate is frozen on this record date" in html
    assert 'value="Namur"' in html and f'value="{DAY.isoformat()} 14:00:00"' in html  # Brussels time, as typed
    page_sends = {k: v for k, v in form_of(world, place="Liège", quorum_percent="25").items()
                  if k not in ("slug", "record_date")}  # a disabled field is not sent
    saved = post(client, "/assemblies/ga-fresh/edit", "/assemblies/ga-fresh/edit", page_sends)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/assemblies/ga-fresh/prepare")
    assert "The assembly&#39;s settings are saved." in client.get("/assemblies/ga-fresh/prepare").get_data(as_text=True)
    db.session.expire_all()
    assembly = db.session.get(Assembly, assembly.id)
    assert (assembly.place, assembly.quorum_percent, assembly.record_date) == ("Liège", 25, world.record)
    assert assembly.starts_at == _at(DAY, 14)
    assert audit("assemblies.assembly.update")[-1].after == {"place": "Liège", "quorum_percent": 25}


def test_a_stale_page_changing_a_fixed_setting_is_refused_beside_it_and_nothing_is_saved(client, world):
    sign_in(client, world.secretary)
    stale = form_of(world, place="Gent", title_fr="Autre titre", min_count="9",
                    starts_at=world.assembly.starts_at.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M"),
                    voting_opens_at=world.assembly.voting_opens_at.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M"),
                    voting_closes_at=world.assembly.voting_closes_at.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M"),
                    proxy_deadline="")
    refused = post(client, "/assemblies/ga-test/edit", "/assemblies/ga-test/edit", stale)
    assert refused.status_code == 409
    sentence = "The ballot is on the public board with this setting: it can no longer change."
    assert_each_beside_its_field(refused.get_data(as_text=True), {"title_fr": sentence, "min_count": sentence})
    db.session.expire_all()
    assembly = db.session.get(Assembly, world.assembly.id)
    assert (assembly.place, assembly.title_fr, assembly.min_count) != ("Gent", "Autre titre", 9)
    assert assembly.place == "Tour & Taxis, avenue du Port 86C, 1000 Bruxelles" and audit("assemblies.assembly.update") == []


def test_the_edit_form_says_every_date_problem_at_once_and_saves_nothing(client, world):
    assembly = fresh(world)
    sign_in(client, world.secretary)
    bad = post(client, "/assemblies/ga-fresh/edit", "/assemblies/ga-fresh/edit",
               form_of(world, place="Liège", **EVERY_DATE_WRONG))
    assert bad.status_code == 400
    assert_each_beside_its_field(bad.get_data(as_text=True), DATE_SENTENCES)
    db.session.expire_all()
    assembly = db.session.get(Assembly, assembly.id)
    assert (assembly.place, assembly.starts_at) == ("Namur", _at(DAY, 14))
    assert audit("assemblies.assembly.update") == []


def test_deleting_asks_first_and_posting_without_the_confirmation_deletes_nothing(client, world):
    assembly_id = fresh(world, frozen=True).id
    sign_in(client, world.secretary)
    prepare = client.get("/assemblies/ga-fresh/prepare").get_data(as_text=True)
    assert 'action="/assemblies/ga-fresh/delete"' in prepare
    asked = post(client, "/assemblies/ga-fresh/delete", "/assemblies/ga-fresh/prepare")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Please confirm" in html and 'name="confirmed" value="1"' in html
    assert client.post("/assemblies/ga-fresh/delete", data={"confirmed": "0"}).status_code == 200
    reloaded = client.get("/assemblies/ga-fresh/delete")  # a reload of the confirmation asks again
    assert reloaded.status_code == 200 and "Please confirm" in reloaded.get_data(as_text=True)
    assert client.get("/assemblies/ga-fresh/delete?confirmed=1").status_code == 200  # a GET never deletes
    assert rows(assembly_id)["assembly"] == 1 and audit("assemblies.assembly.delete") == []
    done = client.post("/assemblies/ga-fresh/delete", data={"confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/assemblies/")
    listing = client.get("/assemblies/").get_data(as_text=True)
    assert "is deleted, with its agenda, documents and electorate." in listing and "ga-fresh" not in listing
    assert rows(assembly_id) == {"assembly": 0, "items": 0, "candidates": 0, "documents": 0, "electors": 0}
    assert client.get("/assemblies/ga-fresh/prepare").status_code == 404


def test_an_assembly_on_the_board_cannot_be_deleted_and_the_pages_say_why(client, world):
    sign_in(client, world.secretary)
    why = "The ballot of this assembly is on the public board"
    prepare = client.get("/assemblies/ga-test/prepare").get_data(as_text=True)
    assert why in prepare and 'action="/assemblies/ga-test/delete"' not in prepare
    before = rows(world.assembly.id)
    asked = client.post("/assemblies/ga-test/delete", data={})
    assert asked.status_code == 409 and why in asked.get_data(as_text=True)
    assert 'name="confirmed"' not in asked.get_data(as_text=True)
    forced = client.post("/assemblies/ga-test/delete", data={"confirmed": "1"})
    assert forced.status_code == 409 and why in forced.get_data(as_text=True)
    assert rows(world.assembly.id) == before and audit("assemblies.assembly.delete") == []


@pytest.mark.parametrize("who", ["member", "staff"])
def test_only_those_who_prepare_assemblies_edit_or_delete_them(client, world, who):
    fresh(world)
    sign_in(client, world.members[0].account if who == "member" else world.staff)
    assert client.get("/assemblies/ga-fresh/edit").status_code == 403
    assert client.post("/assemblies/ga-fresh/edit", data=form_of(world, place="Liège")).status_code == 403
    assert client.post("/assemblies/ga-fresh/delete", data={"confirmed": "1"}).status_code == 403
    assert rows(db.session.scalar(select(Assembly.id).where(Assembly.slug == "ga-fresh")))["assembly"] == 1
    assert audit("assemblies.assembly.update") == audit("assemblies.assembly.delete") == []


def test_hostile_input_is_refused_with_words_never_a_500(client, world):
    assembly = fresh(world)
    sign_in(client, world.secretary)
    assert client.get("/assemblies/no-such-thing/edit").status_code == 404
    assert client.post("/assemblies/no-such-thing/edit", data=form_of(world)).status_code == 404
    assert client.post("/assemblies/no-such-thing/delete", data={"confirmed": "1"}).status_code == 404
    for hostile in ({"starts_at": "2026-02-30T14:00"}, {"record_date": "not a day"}, {"quorum_percent": "1e308"},
                    {"min_count": "0"}, {"proxy_limit": "99999999999999999999"}, {"tie_rule": "coin"},
                    {"place": "x" * 5000}, {"title_fr": ""}, {"starts_at": ""}):
        answer = client.post("/assemblies/ga-fresh/edit", data=form_of(world, **hostile))
        assert answer.status_code == 400, hostile
        assert 'class="error"' in answer.get_data(as_text=True), hostile
    # Below the scrutineers' own minimum the result could never be decrypted: said beside the field.
    small = client.post("/assemblies/ga-fresh/edit", data=form_of(world, min_count="3"))
    assert small.status_code == 400 and "the scrutineers decrypt no count of fewer ballots" in small.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).place == "Namur" and audit("assemblies.assembly.update") == []


def test_the_electorate_is_frozen_on_its_record_date_or_after_and_the_page_says_why_not_before(client, world):
    """Before the record date nobody knows who will be in good standing that day: "no member in good
    standing" would be false. Said on the preparation page, nothing frozen."""
    assembly = fresh(world, slug="ga-later")
    assembly.record_date = today() + timedelta(days=5)
    db.session.commit()
    with pytest.raises(errors.RecordDateToCome):
        services.freeze_electorate(assembly)
    db.session.rollback()
    sign_in(client, world.secretary)
    answer = client.post("/assemblies/ga-later/electorate/freeze")
    text = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 409 and "has not come yet: the electorate is who is in good standing" in text
    assert 'id="electorate"' in text  # the preparation page, its record date at hand
    assert db.session.get(type(assembly), assembly.id).electorate_frozen_at is None


def test_the_edit_form_says_a_meeting_moved_into_the_past_with_other_problems_and_a_past_one_keeps_its_date(
        client, world):
    assembly = fresh(world)
    past = today() - timedelta(days=2)
    assembly.starts_at, assembly.voting_opens_at = _at(past, 14), _at(past - timedelta(days=7), 9)
    assembly.voting_closes_at, assembly.proxy_deadline = _at(past, 18), _at(past, 12)
    assembly.record_date = past - timedelta(days=10)
    db.session.commit()
    sign_in(client, world.secretary)
    as_it_is = form_of(world, starts_at=f"{past.isoformat()}T14:00",
                       voting_opens_at=f"{(past - timedelta(days=7)).isoformat()}T09:00",
                       voting_closes_at=f"{past.isoformat()}T18:00", proxy_deadline=f"{past.isoformat()}T12:00",
                       record_date=(past - timedelta(days=10)).isoformat())
    kept = post(client, "/assemblies/ga-fresh/edit", "/assemblies/ga-fresh/edit", {**as_it_is, "place": ""})
    html = kept.get_data(as_text=True)
    assert kept.status_code == 400 and 'id="place-error"' in html and 'id="starts_at-error"' not in html
    moved = post(client, "/assemblies/ga-fresh/edit", "/assemblies/ga-fresh/edit",
                 {**as_it_is, "place": "", "starts_at": f"{past.isoformat()}T15:00"})
    assert moved.status_code == 400
    assert_each_beside_its_field(moved.get_data(as_text=True), {"place": "This field is required.",
                                                                "starts_at": DATE_SENTENCES["starts_at"]})
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).place == "Namur"
