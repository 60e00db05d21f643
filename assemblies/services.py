"""The verbs of an assembly. They flush and never commit; the request or command commits once.

The vote runs on voting/: ``prepare_vote`` builds ONE verifiable election for the whole assembly
(one contest per resolution, one per board category), so each member holds one credential, one
link and one QR code for the whole meeting; the chair opens and closes that ballot box.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from flask import current_app, url_for
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.clock import brussels_day, today, utcnow
from app.errors import DomainError
from app.forms import one_line
from app.extensions import db
from app.jobs import job_context, public_url
from app.mail import queue_mail
from app.models import Account
from app.uow import savepoint
from app.web import check_free_name
from assemblies import errors, queries, rules
from assemblies.models import (
    LANGUAGES,
    AgendaItem,
    Assembly,
    AssemblyMinutes,
    Candidate,
    Channel,
    CheckIn,
    Document,
    Elector,
    Gender,
    ItemKind,
    Majority,
    Proxy,
    ProxyEnding,
    ProxySource,
)
from shares.models import Category, Member, fold
from shares.services import IDENTITY_FIELDS
from voting import errors as verrors
from voting import services as voting
from voting.crypto.credential import (CredentialError, case_readings, credential_public, generate_credential,
                                      normalize_credential)
from voting.models import Credential, Election, ElectionState
from voting.texts import CATEGORY_SUFFIXES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
YES_NO_ABSTAIN = {
    "yes": {"fr": "Oui", "nl": "Ja", "en": "Yes"},
    "no": {"fr": "Non", "nl": "Nee", "en": "No"},
    "abstain": {"fr": "Abstention", "nl": "Onthouding", "en": "Abstain"},
}
CATEGORY_QUESTIONS = {
    "A": {"fr": "Choisissez au plus {n} candidats de la catégorie A.",
          "nl": "Kies ten hoogste {n} kandidaten van categorie A.",
          "en": "Choose at most {n} candidates of category A."},
    "B": {"fr": "Choisissez au plus {n} candidats de la catégorie B.",
          "nl": "Kies ten hoogste {n} kandidaten van categorie B.",
          "en": "Choose at most {n} candidates of category B."},
}


def _lock(assembly: Assembly) -> None:
    """The assembly row's lock for this transaction (proxies, corrections queue up behind it)."""
    db.session.execute(update(Assembly).where(Assembly.id == assembly.id).values(touched_at=utcnow())
                       .execution_options(synchronize_session=False))


# -- preparing -----------------------------------------------------------------------------------

# The settings a secretary gives an assembly (besides its short name), and what fixes each of them:
# the electorate frozen on the record date; the ballot on the public board (its titles, its counting
# rules, and the dates of the meeting and of the vote, which the convocations then give members); the
# convocations sent (the place they name); a proxy given (the rules it was given under).
FIXED_BY = {
    "electorate": ("record_date",),
    "ballot": ("title_fr", "title_nl", "title_en", "starts_at", "voting_opens_at", "voting_closes_at",
               "quorum_percent", "min_count", "tie_rule"),
    "convocations": ("place",),
    "proxies": ("proxy_limit", "proxy_deadline"),
}


def create_assembly(*, slug: str, titles: Mapping[str, str], starts_at: datetime, place: str,
                    voting_opens_at: datetime, voting_closes_at: datetime, record_date: date,
                    quorum_percent: int = 0, proxy_limit: int = 1, proxy_deadline: datetime | None = None,
                    min_count: int = 5, tie_rule: str = "ballot_order", now: datetime | None = None,
                    actor: Account | None = None) -> Assembly:
    """``now``: the moment the meeting may not start before (the secretary's form gives it)."""
    problems = ([] if SLUG.match(slug or "") else ["slug"]) + rules.date_problems(
        starts_at=starts_at, voting_opens_at=voting_opens_at, voting_closes_at=voting_closes_at,
        record_date=record_date, proxy_deadline=proxy_deadline, now=now)
    if problems:
        raise errors.InvalidDates(*problems)
    check_free_name("assemblies", slug)
    assembly = Assembly(slug=slug, starts_at=starts_at, place=one_line(place), voting_opens_at=voting_opens_at,
                        voting_closes_at=voting_closes_at, record_date=record_date, quorum_percent=quorum_percent,
                        proxy_limit=proxy_limit, proxy_deadline=proxy_deadline, min_count=min_count,
                        tie_rule=tie_rule, created_by=actor,
                        **{f"title_{lang}": one_line(titles[lang]) for lang in LANGUAGES})
    with savepoint(errors.DuplicateSlug):
        db.session.add(assembly)
        db.session.flush()
    audit.record("assemblies.assembly.create", assembly, actor=actor,
                 after={"slug": slug, "title": titles["fr"], "record_date": record_date.isoformat()})
    return assembly


def locked_settings(assembly: Assembly) -> dict[str, str]:
    """Each setting that can no longer change, with what fixed it (a key of ``FIXED_BY``)."""
    fixed = []
    if assembly.electorate_frozen_at is not None:
        fixed.append("electorate")
    if assembly.election_id is not None:
        fixed.append("ballot")
        if _convened(assembly):
            fixed.append("convocations")
    if db.session.scalar(select(Proxy.id).where(Proxy.assembly_id == assembly.id).limit(1)) is not None:
        fixed.append("proxies")
    return {name: reason for reason in fixed for name in FIXED_BY[reason]}


def update_assembly(assembly: Assembly, *, titles: Mapping[str, str], starts_at: datetime, place: str,
                    voting_opens_at: datetime, voting_closes_at: datetime, record_date: date, quorum_percent: int,
                    proxy_limit: int, proxy_deadline: datetime | None, min_count: int, tie_rule: str,
                    now: datetime | None = None, actor: Account | None = None) -> list[str]:
    """Change the settings ``create_assembly`` took (not the short name), those nothing fixed yet; the
    dates are checked as at creation, ``now`` only for a meeting moved. Returns the settings changed."""
    _lock(assembly)
    db.session.refresh(assembly)  # what a concurrent freeze, ballot or proxy fixed is seen under the lock
    values = {**{f"title_{lang}": one_line(titles[lang]) for lang in LANGUAGES}, "starts_at": starts_at,
              "place": one_line(place), "voting_opens_at": voting_opens_at, "voting_closes_at": voting_closes_at,
              "record_date": record_date,
              "quorum_percent": quorum_percent, "proxy_limit": proxy_limit, "proxy_deadline": proxy_deadline,
              "min_count": min_count, "tie_rule": tie_rule}
    changes = {name: value for name, value in values.items() if getattr(assembly, name) != value}
    locked = locked_settings(assembly)
    refused = {name: locked[name] for name in changes if name in locked}
    if refused:
        raise errors.SettingsLocked(refused)
    problems = rules.date_problems(starts_at=starts_at, voting_opens_at=voting_opens_at,
                                   voting_closes_at=voting_closes_at, record_date=record_date,
                                   proxy_deadline=proxy_deadline, now=now if "starts_at" in changes else None)
    if problems:
        raise errors.InvalidDates(*problems)
    if not changes:
        return []
    before = {name: getattr(assembly, name) for name in changes}
    for name, value in changes.items():
        setattr(assembly, name, value)
    db.session.flush()
    audit.record("assemblies.assembly.update", assembly, actor=actor, before=before, after=changes)
    return list(changes)


def deletion_refusal(assembly: Assembly) -> errors.AssemblyInUse | None:
    """Why the assembly can no longer be deleted, or None: its ballot is on the public board (and so
    are the convocations members received), or members gave proxies or were checked in."""
    if assembly.election_id is not None:
        return errors.AssemblyInUse("ballot")
    for reason, model in (("proxies", Proxy), ("checkins", CheckIn), ("minutes", AssemblyMinutes)):
        if db.session.scalar(select(model.id).where(model.assembly_id == assembly.id).limit(1)) is not None:
            return errors.AssemblyInUse(reason)
    return None


def delete_assembly(assembly: Assembly, actor: Account | None = None) -> None:
    """Delete an assembly nothing was given out of (``deletion_refusal``), with its agenda items and
    their candidates, its documents and its electorate, in this one transaction."""
    _lock(assembly)
    db.session.refresh(assembly)
    refusal = deletion_refusal(assembly)
    if refusal is not None:
        raise refusal
    counts = {name: db.session.scalar(select(func.count()).select_from(model).where(model.assembly_id == assembly.id))
              for name, model in (("items", AgendaItem), ("documents", Document), ("electors", Elector))}
    audit.record("assemblies.assembly.delete", assembly, actor=actor,
                 before={"slug": assembly.slug, "title": assembly.title_fr, "starts_at": assembly.starts_at, **counts})
    items = select(AgendaItem.id).where(AgendaItem.assembly_id == assembly.id)
    for statement in (delete(Candidate).where(Candidate.item_id.in_(items)),
                      delete(AgendaItem).where(AgendaItem.assembly_id == assembly.id),
                      delete(Document).where(Document.assembly_id == assembly.id),
                      delete(Elector).where(Elector.assembly_id == assembly.id),
                      delete(Assembly).where(Assembly.id == assembly.id)):
        db.session.execute(statement)
    db.session.flush()


def agenda_open(assembly: Assembly) -> bool:
    """The agenda (items, their order, candidates) may change: the ballot is not on the public board yet."""
    return assembly.election_id is None


def _check_agenda_open(assembly: Assembly) -> None:
    if not agenda_open(assembly):
        raise errors.AgendaLocked()


def add_item(assembly: Assembly, *, kind: ItemKind, titles: Mapping[str, str], bodies: Mapping[str, str] | None = None,
             majority: Majority = Majority.SIMPLE, abstentions_count: bool = False, seats_a: int = 11,
             seats_b: int = 7, actor: Account | None = None) -> AgendaItem:
    _check_agenda_open(assembly)
    if kind is ItemKind.BOARD and seats_a + seats_b < 1:
        raise errors.NoSeats()
    bodies = bodies or {}
    titles = {lang: one_line(titles[lang]) for lang in LANGUAGES}
    if (same := _item_titled(assembly, titles)) is not None:
        raise errors.ItemTwice(same)
    position = (db.session.scalar(select(func.max(AgendaItem.position))
                                  .where(AgendaItem.assembly_id == assembly.id)) or 0) + 1
    item = AgendaItem(assembly_id=assembly.id, position=position, kind=kind, majority=majority,
                      abstentions_count=abstentions_count, seats_a=seats_a, seats_b=seats_b,
                      **{f"title_{lang}": titles[lang] for lang in LANGUAGES},
                      **{f"body_{lang}": bodies.get(lang, "") for lang in LANGUAGES})
    try:
        with savepoint():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:  # a concurrent request added it (or another item took the position) meanwhile
        same = _item_titled(assembly, titles)
        raise (errors.ItemTwice(same) if same is not None else errors.AgendaLocked()) from None
    db.session.refresh(assembly, ["items"])
    audit.record("assemblies.item.create", item, actor=actor,
                 after={"assembly": assembly.slug, "position": position, "kind": kind.value, "title": titles["fr"]})
    return item


def _item_titled(assembly: Assembly, titles: Mapping[str, str]) -> str | None:
    """The title of an item of ``assembly``'s agenda that has one of ``titles`` (in its language, whatever
    the case and accents), or None."""
    for lang in LANGUAGES:
        wanted = fold(titles[lang])
        for title in db.session.scalars(select(getattr(AgendaItem, f"title_{lang}"))
                                        .where(AgendaItem.assembly_id == assembly.id)):
            if fold(one_line(title)) == wanted:
                return title
    return None


def remove_item(item: AgendaItem, actor: Account | None = None) -> None:
    assembly = item.assembly
    _check_agenda_open(assembly)
    audit.record("assemblies.item.delete", item, actor=actor,
                 before={"assembly": assembly.slug, "position": item.position, "title": item.title_fr})
    db.session.delete(item)
    db.session.flush()
    # Close the gap so positions stay 1..n (in two passes: the unique constraint holds meanwhile).
    rest = [i for i in assembly.items if i is not item]
    for i in rest:
        i.position = -i.position
    db.session.flush()
    for n, i in enumerate(sorted(rest, key=lambda x: -x.position), start=1):
        i.position = n
    db.session.flush()
    db.session.refresh(assembly, ["items"])


def move_item(item: AgendaItem, step: int, actor: Account | None = None) -> None:
    """Swap the item with its neighbour above (``step`` -1) or below (+1). Under the assembly's lock,
    positions read afresh; the item waits on position 0 (never an agenda position) while its neighbour
    takes its place, so the unique (assembly, position) constraint holds at every flush. A concurrent
    writer that took position 0 meanwhile makes the flush fail: the request is refused whole."""
    if step not in (-1, 1):
        raise ValueError(f"step {step!r}: -1 (up) or 1 (down)")
    assembly = item.assembly
    _lock(assembly)
    db.session.refresh(assembly)  # a ballot put on the board meanwhile is seen under the lock
    _check_agenda_open(assembly)
    db.session.refresh(item)
    neighbour = db.session.scalar(select(AgendaItem).where(AgendaItem.assembly_id == assembly.id,
                                                           AgendaItem.position == item.position + step)
                                  .execution_options(populate_existing=True))
    if neighbour is None:
        raise errors.CannotMoveItem()
    before = item.position
    item.position = 0
    db.session.flush()
    neighbour.position = before
    db.session.flush()
    item.position = before + step
    db.session.flush()
    db.session.refresh(assembly, ["items"])
    audit.record("assemblies.item.move", item, actor=actor,
                 before={"assembly": assembly.slug, "position": before},
                 after={"position": item.position, "title": item.title_fr})


def add_candidate(item: AgendaItem, *, category: Category, name: str, gender: Gender, member: Member | None = None,
                  actor: Account | None = None) -> Candidate:
    """A candidate entered by hand (or from a board candidacy through ``candidates_adapter``)."""
    _check_agenda_open(item.assembly)
    if item.kind is not ItemKind.BOARD:
        raise errors.NothingToVote()
    if (item.seats_a if category is Category.A else item.seats_b) < 1:
        raise errors.NoSeatInCategory(category.value)
    name = one_line(name)
    for other in item.candidates:  # one person once: a voter could otherwise mark them twice
        if (member is not None and other.member_id == member.id) or fold(one_line(other.name)) == fold(name):
            raise errors.CandidateTwice(other.name, other.gender)
    position = (db.session.scalar(select(func.max(Candidate.position)).where(
        Candidate.item_id == item.id, Candidate.category == category)) or 0) + 1
    candidate = Candidate(item_id=item.id, category=category, position=position, name=name, gender=gender,
                          member_id=member.id if member else None)
    with savepoint(errors.AgendaLocked):
        db.session.add(candidate)
        db.session.flush()
    db.session.refresh(item, ["candidates"])
    audit.record("assemblies.candidate.create", candidate, actor=actor,
                 after={"item": item.id, "category": category.value, "name": candidate.name})
    return candidate


def remove_candidate(candidate: Candidate, actor: Account | None = None) -> None:
    """Take one candidate off a board item while the agenda may change; the others of the category
    keep their order, numbered 1..n again (in two passes: the unique constraint holds meanwhile)."""
    item = candidate.item
    _check_agenda_open(item.assembly)
    audit.record("assemblies.candidate.delete", candidate, actor=actor,
                 before={"item": item.id, "category": candidate.category.value, "name": candidate.name})
    db.session.delete(candidate)
    db.session.flush()
    rest = sorted((c for c in item.candidates if c is not candidate and c.category is candidate.category),
                  key=lambda c: c.position)
    for c in rest:
        c.position = -c.position
    db.session.flush()
    for n, c in enumerate(rest, start=1):
        c.position = n
    db.session.flush()
    db.session.refresh(item, ["candidates"])


def add_document(assembly: Assembly, *, titles: Mapping[str, str], filename: str, content_type: str, data: bytes,
                 actor: Account | None = None) -> Document:
    document = Document(assembly_id=assembly.id, filename=filename, content_type=content_type, data=data,
                        **{f"title_{lang}": one_line(titles[lang]) for lang in LANGUAGES})
    db.session.add(document)
    db.session.flush()
    db.session.refresh(assembly, ["documents"])
    audit.record("assemblies.document.create", document, actor=actor,
                 after={"assembly": assembly.slug, "filename": filename, "bytes": len(data)})
    return document


# -- the electorate ------------------------------------------------------------------------------

def freeze_electorate(assembly: Assembly, actor: Account | None = None) -> dict[str, int]:
    """Snapshot of the members in good standing on the record date; counts per category."""
    from shares.standing import members_in_good_standing

    _lock(assembly)
    db.session.refresh(assembly)  # the record date as it stands under the lock (update_assembly may change it)
    if assembly.electorate_frozen_at is not None:
        raise errors.ElectorateFrozen()
    if assembly.record_date > today():  # who will be in good standing that day is not known yet
        raise errors.RecordDateToCome(assembly.record_date)
    ids = members_in_good_standing(assembly.record_date)
    if not ids:
        raise errors.EmptyElectorate()
    # In member-number order (the roll's): the same snapshot, row for row, on every database.
    members = db.session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.number)).all()
    db.session.add_all(Elector(assembly_id=assembly.id, member_id=m.id, category=m.category) for m in members)
    assembly.electorate_frozen_at = utcnow()
    db.session.flush()
    counts = electorate_counts(assembly)
    audit.record("assemblies.electorate.freeze", assembly, actor=actor,
                 after={"record_date": assembly.record_date.isoformat(), **counts})
    return counts


def electorate_counts(assembly: Assembly) -> dict[str, int]:
    rows = db.session.execute(select(Elector.category, func.count(Elector.id)).where(
        Elector.assembly_id == assembly.id, Elector.removed_at.is_(None)).group_by(Elector.category)).all()
    counts = {"A": 0, "B": 0}
    counts.update({cat.value: n for cat, n in rows})
    counts["total"] = counts["A"] + counts["B"]
    return counts


MAX_MEMBER_NUMBER = 2**31 - 1  # the column's integer (PostgreSQL's int4): a longer number is nobody's


def member_by_number(number: int | str) -> Member:
    try:
        number = int(str(number).strip())
    except ValueError as exc:
        raise errors.UnknownMember() from exc
    if not 0 < number <= MAX_MEMBER_NUMBER:
        raise errors.UnknownMember()
    member = db.session.scalar(select(Member).where(Member.number == number))
    if member is None:
        raise errors.UnknownMember()
    return member


def elector_for(assembly: Assembly, member: Member | int | None) -> Elector | None:
    if member is None:
        return None
    member_id = member if isinstance(member, int) else member.id
    return db.session.scalar(select(Elector).where(Elector.assembly_id == assembly.id, Elector.member_id == member_id,
                                                   Elector.removed_at.is_(None)))


def electorate_sealed(assembly: Assembly) -> errors.ElectorateSealed | None:
    """Why the electorate can no longer be corrected, or None: the vote is closed, and the record sealed
    the electorate that the results and the minutes state."""
    return errors.ElectorateSealed() if vote_closed(assembly) else None


def _lock_open_electorate(assembly: Assembly) -> None:
    """The assembly's lock for a correction of the electorate, refused once the vote is closed."""
    _lock(assembly)
    refusal = electorate_sealed(assembly)
    if refusal is not None:
        raise refusal


def add_elector_late(assembly: Assembly, member: Member, reason: str, actor: Account | None = None) -> Elector:
    """A late correction (e.g. a payment booked after the record date): audited, on the record."""
    if assembly.electorate_frozen_at is None:
        raise errors.ElectorateNotFrozen()
    _lock_open_electorate(assembly)
    existing = db.session.scalar(select(Elector).where(Elector.assembly_id == assembly.id,
                                                       Elector.member_id == member.id))
    if existing is not None and existing.removed_at is None:
        raise errors.AlreadyElector()
    # The same person: the same account (a former member who applied again), or the same national or
    # enterprise number (one who came back through /join with another address).
    same_person = [Member.account_id == member.account_id]
    same_person += [getattr(Member, field) == getattr(member, field) for field in IDENTITY_FIELDS
                    if getattr(member, field)]
    other = db.session.scalar(select(Member).join(Elector, Elector.member_id == Member.id).where(
        Elector.assembly_id == assembly.id, Elector.removed_at.is_(None), or_(*same_person),
        Member.id != member.id).limit(1))
    if other is not None:  # under the assembly's lock: two late additions of one person cannot both pass
        raise errors.ElectorAsAnotherMembership(other)
    if existing is not None:
        existing.removed_at, existing.added_late, existing.correction_reason = None, True, reason
        existing.added_at = utcnow()
        elector = existing
    else:
        elector = Elector(assembly_id=assembly.id, member_id=member.id, category=member.category, added_late=True,
                          added_at=utcnow(), correction_reason=reason)
        db.session.add(elector)
    db.session.flush()
    audit.record("assemblies.electorate.add", assembly, actor=actor,
                 after={"member": member.number, "category": member.category.value, "reason": reason})
    if assembly.election_id is not None and assembly.election_id and _election(assembly).state in (
            ElectionState.KEYGEN, ElectionState.OPEN) and (_convened(assembly) or
                                                          _election(assembly).state is ElectionState.OPEN):
        # While the vote is open, a new voter joins by an audited late correction on the record.
        issue_links(assembly, [elector], late=True)
    return elector


def remove_elector(assembly: Assembly, elector: Elector, reason: str, actor: Account | None = None) -> None:
    """A late correction: the member leaves the electorate; their credential is revoked on the
    board, so a ballot they cast no longer counts."""
    if elector.removed_at is not None:
        return
    _lock_open_electorate(assembly)
    elector.removed_at, elector.correction_reason = utcnow(), reason
    if elector.credential_public and assembly.election_id:
        row = db.session.scalar(select(Credential).where(Credential.public == elector.credential_public))
        if row is not None and row.revoked_at is None:
            voting.revoke_credential(_election(assembly), elector.credential_public, actor=actor)
    db.session.flush()
    audit.record("assemblies.electorate.remove", assembly, actor=actor,
                 after={"member": elector.member.number, "reason": reason})


# -- the election definition ---------------------------------------------------------------------

def _contest_texts(title: Mapping[str, str], question: Mapping[str, str], choices: Mapping[str, Mapping[str, str]]):
    return {"title": dict(title), "question": dict(question), "choices": {k: dict(v) for k, v in choices.items()}}


def build_definition(assembly: Assembly, scrutineers: list[tuple[str, str]], threshold: int) -> dict[str, Any]:
    """The voting definition of the whole assembly, every text in fr/nl/en (trustee keys empty:
    the scrutineers register theirs on the voting pages). ``scrutineers``: (trustee id, name)."""
    from voting.crypto.election import Contest

    counts = electorate_counts(assembly)
    contests, texts = [], {}
    quorum = 0  # the statutes' quorum is checked on the assembly side (voted + present + represented)
    for item in assembly.items:
        if item.kind is ItemKind.RESOLUTION:
            contest = Contest(item.contest_id, "resolution", ("yes", "no", "abstain"), 1, 1,
                              majority=item.majority.value, quorum=quorum)
            contests.append(contest)
            texts[contest.id] = _contest_texts(item.texts("title"), item.texts("body"), YES_NO_ABSTAIN)
        elif item.kind is ItemKind.BOARD:
            for cat, seats in (("A", item.seats_a), ("B", item.seats_b)):
                cands = [c for c in item.candidates if c.category.value == cat]
                if not cands:
                    continue
                cid = f"{item.contest_id}-{cat.lower()}"
                contest = Contest(cid, "board", tuple(c.choice_id for c in cands), 0, min(seats, len(cands)),
                                  category=cat, seats=min(seats, len(cands)))
                contests.append(contest)
                title = {lang: f"{item.text('title', lang)} — {CATEGORY_SUFFIXES[cat][lang]}" for lang in LANGUAGES}
                question = {lang: CATEGORY_QUESTIONS[cat][lang].format(n=contest.max) for lang in LANGUAGES}
                texts[cid] = _contest_texts(title, question,
                                            {c.choice_id: {lang: c.name for lang in LANGUAGES} for c in cands})
    if not contests:
        raise errors.NothingToVote()
    for item in assembly.items:
        if item.kind is ItemKind.BOARD and not item.candidates:
            raise errors.CandidatesMissing(item)
    return {
        "version": "unevoix/v1", "id": assembly.slug, "title": assembly.title_fr,
        "contests": [c.to_json() for c in contests],
        "trustees": [{"id": tid, "name": name, "signing_key": "", "encryption_key": ""} for tid, name in scrutineers],
        "threshold": threshold, "tie_rule": assembly.tie_rule, "min_ballots": assembly.min_count,
        "texts": {"title": assembly.texts("title"), "contests": texts,
                  "trustees": {tid: {lang: name for lang in LANGUAGES} for tid, name in scrutineers},
                  "electorate": {k: str(v) for k, v in counts.items()}},
    }


def prepare_vote(assembly: Assembly, scrutineers: list[Account], threshold: int,
                 actor: Account | None = None) -> Election:
    """Create the assembly's verifiable election; the agenda is then on the board and locked."""
    _lock(assembly)
    db.session.refresh(assembly)  # the titles and rules as they stand under the lock (update_assembly may change them)
    if assembly.election_id is not None:
        raise errors.AgendaLocked()
    if assembly.electorate_frozen_at is None:
        raise errors.ElectorateNotFrozen()
    if len(scrutineers) < 1 or not 1 <= threshold <= len(scrutineers) or len(set(a.id for a in scrutineers)) != len(scrutineers):
        raise errors.NotEnoughScrutineers()
    ids = [(f"t{i}", a.display_name) for i, a in enumerate(scrutineers, start=1)]
    definition = build_definition(assembly, ids, threshold)
    election = voting.create_election(definition, {tid: a for (tid, _), a in zip(ids, scrutineers)},
                                      slug=assembly.slug, require_login=True, created_by=actor,
                                      assembly_id=assembly.id)
    assembly.election_id = election.id
    db.session.flush()
    audit.record("assemblies.vote.prepare", assembly, actor=actor,
                 after={"election": election.slug, "contests": [c["id"] for c in definition["contests"]],
                        "threshold": threshold})
    return election


def _election(assembly: Assembly) -> Election:
    if assembly.election_id is None:
        raise errors.VoteNotPrepared()
    return db.session.get(Election, assembly.election_id)


def _convened(assembly: Assembly) -> bool:
    return db.session.scalar(select(Elector.id).where(Elector.assembly_id == assembly.id,
                                                      Elector.convoked_at.is_not(None)).limit(1)) is not None


def has_voted(assembly: Assembly, member_id: int) -> bool:
    if assembly.election_id is None:
        return False
    from assemblies.queries import voted_members

    return db.session.scalar(voted_members(assembly.election_id, [member_id]).limit(1)) is not None


# -- convocation and links -----------------------------------------------------------------------

def vote_link(assembly: Assembly, credential: str) -> str:
    """The personal link: the credential and the election's fingerprint in the #fragment (never
    sent to the server); the ballot page checks the served definition against the fingerprint."""
    election = _election(assembly)
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}{url_for('voting.vote', slug=election.slug)}#{credential}:{election.fingerprint}"


def assembly_page(assembly: Assembly) -> str:
    """The assembly's page as a full address, for mail (the convocation, a declined proxy)."""
    return public_url(url_for("assemblies.show", slug=assembly.slug))


def standing_proxy(assembly: Assembly, giver_id: int) -> Proxy | None:
    return db.session.scalar(select(Proxy).where(Proxy.assembly_id == assembly.id, Proxy.active_giver == giver_id))


def issue_links(assembly: Assembly, electors: Iterable[Elector], *, channel: Channel = Channel.EMAIL,
                letters: list | None = None, late: bool = False) -> int:
    """Play the credential authority: one new credential per elector (an older one is revoked),
    published (public part), delivered by mail (to the proxy holder when a proxy stands) or into
    ``letters`` (the caller prints them at once), then forgotten. Returns how many were issued.
    ``late``: new voters of an audited late correction may join while the vote is open (an
    ``electorate_addition`` on the record); without it, only replacements may."""
    election = _election(assembly)
    if election.state not in (ElectionState.KEYGEN, ElectionState.OPEN):
        raise errors.VotingClosed()
    electors = [e for e in electors if e.removed_at is None]
    if not electors:
        return 0
    voters = {}
    for e in electors:
        if e.credential_public:
            old_row = db.session.scalar(select(Credential).where(Credential.election_id == election.id,
                                                                 Credential.public == e.credential_public))
            if old_row.revoked_at is None:  # its ballots stop counting: the member (or holder) votes again
                voting.revoke_credential(election, e.credential_public)
            voters[e.id] = old_row.voter  # the same voter pseudonym: one voter, counted once
        else:
            voters[e.id] = voting.new_voter()
    private = [(e, generate_credential()) for e in electors]
    try:
        voting.publish_credentials(election, [{"credential": credential_public(c), "category": e.category.value,
                                               "voter": voters[e.id]} for e, c in private],
                                   {credential_public(c): e.member_id for e, c in private},
                                   late=late and all(e.credential_public is None for e in electors))
    except verrors.CredentialAfterOpen as exc:
        raise errors.ElectorateClosed() from exc
    now = utcnow()
    with job_context():
        _deliver(assembly, election, private, now, channel, letters)
    db.session.flush()
    audit.record("assemblies.convocation.issue", assembly,
                 after={"count": len(private), "channel": channel.value,
                        "members": [e.member.number for e, _ in private][:50]})
    del private
    return len(electors)


def _deliver(assembly, election, private, now, channel, letters) -> None:
    for elector, credential in private:
        elector.credential_public = credential_public(credential)
        elector.links_issued += 1
        elector.convoked_at = now
        elector.convocation_channel = channel
        proxy = standing_proxy(assembly, elector.member_id)
        link = vote_link(assembly, credential)
        if channel is Channel.LETTER and letters is not None and proxy is None:
            letters.append((elector.member, link, credential))
            continue
        recipient = proxy.holder if proxy is not None else elector.member
        if not recipient.email:
            raise errors.NoEmail()
        queue_mail(recipient.email, recipient.language, "assembly_convocation", secret=True,
                   dedupe_key=f"assembly-link:{assembly.id}:{elector.member_id}:{elector.links_issued}",
                   assembly=assembly, lang=recipient.language, link=link, credential=credential,
                   fingerprint=election.fingerprint, for_member=elector.member if proxy is not None else None,
                   recipient=recipient, replaces=proxy is None and elector.links_issued > 1,
                   proxies_open=not proxies_closed(assembly),
                   page=assembly_page(assembly))


def notice_days() -> int:
    """The days of notice a convocation gives at least (``ASSEMBLY_NOTICE_DAYS``, 15 by CSA art. 6:70)."""
    return int(current_app.config.get("ASSEMBLY_NOTICE_DAYS", 15))


def last_convocation_day(assembly: Assembly) -> date:
    """The last day (in Brussels) the assembly's convocations may go out: every step before them
    (the electorate frozen, the ballot on the public board) is due by then too."""
    return rules.last_convocation_day(assembly.starts_at, notice_days())


def convocation_refusal(assembly: Assembly, now: datetime | None = None) -> errors.ShortNotice | None:
    """Why a convocation sent ``now`` would come too late, or None: after :func:`last_convocation_day`."""
    last_day = last_convocation_day(assembly)
    if brussels_day(now or utcnow()) > last_day:
        return errors.ShortNotice(last_day, notice_days())
    return None


def _awaiting_convocation(assembly: Assembly):
    return select(Elector).where(Elector.assembly_id == assembly.id, Elector.removed_at.is_(None),
                                 Elector.convoked_at.is_(None))


def convocations_waiting(assembly: Assembly) -> bool:
    """Some member of the electorate has not been convened yet (what :func:`convene` would send)."""
    return db.session.scalar(_awaiting_convocation(assembly).with_only_columns(Elector.id).limit(1)) is not None


def convened_count(assembly: Assembly) -> int:
    """How many members of the electorate have been sent their convocation."""
    return db.session.scalar(select(func.count(Elector.id)).where(
        Elector.assembly_id == assembly.id, Elector.removed_at.is_(None), Elector.convoked_at.is_not(None))) or 0


def nobody_to_convene(assembly: Assembly) -> errors.NobodyToConvene | None:
    """Why no convocation is left to send (every elector has had theirs), or None: some wait."""
    return None if convocations_waiting(assembly) else errors.NobodyToConvene(convened_count(assembly))


def convene(assembly: Assembly, *, short_notice: str | None = None, actor: Account | None = None) -> int:
    """Send the convocation to every elector not convened yet. With nobody left to convene it sends
    nothing and is refused in words (``NobodyToConvene``; the command says it and succeeds, so cron may
    run it twice). Past the last day of the notice period (:func:`convocation_refusal`) it is refused,
    unless ``short_notice`` says why a shorter notice stands (a second assembly, a board decision):
    that reason goes to the audit log."""
    _election(assembly)
    pending = db.session.scalars(_awaiting_convocation(assembly)).all()
    if not pending:
        issue_links(assembly, pending)  # nothing sent; a closed vote says so first
        raise errors.NobodyToConvene(convened_count(assembly))
    refusal = convocation_refusal(assembly)
    if refusal is not None:
        if short_notice is None:
            raise refusal
        if not short_notice.strip():
            raise errors.ShortNoticeReasonMissing()
        audit.record("assemblies.convocation.short_notice", assembly, actor=actor,
                     after={"last_day": refusal.last_day.isoformat(), "notice_days": refusal.notice_days,
                            "reason": short_notice.strip(), "count": len(pending)})
    return issue_links(assembly, pending)


def resend_link(assembly: Assembly, elector: Elector, channel: Channel = Channel.EMAIL,
                letters: list | None = None, actor: Account | None = None) -> None:
    """A lost link: the old credential is revoked and a new one issued, on the record."""
    issue_links(assembly, [elector], channel=channel, letters=letters)
    audit.record("assemblies.convocation.resend", assembly, actor=actor,
                 after={"member": elector.member.number, "channel": channel.value,
                        "links_issued": elector.links_issued})


# -- proxies -------------------------------------------------------------------------------------

def vote_closed(assembly: Assembly) -> bool:
    """Whether the chair has closed the vote (the ballot box, not one item): nothing more to vote for.
    Read from the database, not the session's copy: under the assembly's lock, a close that committed
    meanwhile (:func:`close_vote` takes that lock too) is seen."""
    if not assembly.election_id:
        return False
    state = db.session.scalar(select(Election.state).where(Election.id == assembly.election_id))
    return state in (ElectionState.CLOSED, ElectionState.TALLIED)


def proxies_closed(assembly: Assembly) -> errors.AssemblyError | None:
    """Why no proxy can be given or recorded now, or None: the vote is closed (a proxy hands over a vote,
    and none is left to hand over), or the assembly's deadline for proxies has passed. The pages say it
    instead of offering the form; :func:`give_proxy` refuses with it. ``ProxiesOver`` exactly when the vote
    is closed (the pages read the vote's state once, through this)."""
    if vote_closed(assembly):
        return errors.ProxiesOver()
    if assembly.proxy_deadline is not None and utcnow() > assembly.proxy_deadline:
        return errors.ProxyDeadlinePassed(assembly.proxy_deadline)
    return None


def give_proxy(assembly: Assembly, giver: Member, holder: Member, *, source: ProxySource = ProxySource.ONLINE,
               actor: Account | None = None) -> Proxy:
    """``giver``'s proxy to ``holder``. A refusal about one of them names it (``errors.about``)."""
    if giver.id == holder.id:
        raise errors.about(errors.ProxyToSelf(), "holder")
    refusal = proxies_closed(assembly)
    if refusal is not None:
        raise refusal
    giver_el, holder_el = elector_for(assembly, giver), elector_for(assembly, holder)
    if giver_el is None or holder_el is None:
        raise errors.about(errors.NotAnElector(), "giver" if giver_el is None else "holder")
    if has_voted(assembly, giver.id):
        raise errors.about(errors.AlreadyVoted(), "giver")
    if checked_in_at(assembly, giver.id) is not None:  # present: their own link works in the hall and after
        raise errors.about(errors.GiverPresent(), "giver")
    if standing_proxy(assembly, giver.id) is not None:  # said as such, before the holder's limit would be
        raise errors.about(errors.ProxyExists(), "giver")
    _lock(assembly)
    # A proxy is not passed on (as in OpenSlides' vote delegation): a member either represents others or
    # is represented. Checked under the assembly's lock, so that two proxies given at once cannot chain.
    if proxies_held(assembly, giver):
        raise errors.about(errors.GiverHoldsProxies(), "giver")
    if standing_proxy(assembly, holder.id) is not None:
        raise errors.about(errors.HolderRepresented(), "holder")
    held = db.session.scalar(select(func.count(Proxy.id)).where(Proxy.assembly_id == assembly.id,
                                                               Proxy.holder_id == holder.id,
                                                               Proxy.active_giver.is_not(None)))
    if held >= assembly.proxy_limit:
        raise errors.about(errors.ProxyLimitReached(), "holder")
    proxy = Proxy(assembly_id=assembly.id, giver_id=giver.id, holder_id=holder.id, active_giver=giver.id,
                  source=source, recorded_by_id=actor.id if actor else None)
    with savepoint(errors.about(errors.ProxyExists(), "giver")):
        db.session.add(proxy)
        db.session.flush()
    audit.record("assemblies.proxy.give", proxy, actor=actor,
                 after={"giver": giver.number, "holder": holder.number, "source": source.value})
    if giver_el.convoked_at is not None:
        try:
            issue_links(assembly, [giver_el])  # the holder receives the represented member's credential
        except errors.NoEmail as exc:
            raise errors.about(exc, "holder") from None
    return proxy


def counted_member_by_number(assembly: Assembly, number: int | str) -> Member:
    """The member a typed number names, as this assembly counts the person: a former member who applied
    again may give their new number, while the electorate holds the membership the record date found (the
    same account, one person: ``queries.elector_membership``). For the door and proxies, not for the
    electorate's corrections, which name one membership."""
    member = member_by_number(number)
    if elector_for(assembly, member) is None:
        return queries.elector_membership(assembly, member.account_id) or member
    return member


def record_paper_proxy(assembly: Assembly, giver_number: int | str, holder_number: int | str,
                       actor: Account | None = None) -> Proxy:
    """A proxy handed in on paper at the door, the two members given by number (an unknown
    number is named as the giver's or the holder's)."""
    try:
        giver = counted_member_by_number(assembly, giver_number)
    except errors.UnknownMember as exc:
        raise errors.about(exc, "giver") from None
    try:
        holder = counted_member_by_number(assembly, holder_number)
    except errors.UnknownMember as exc:
        raise errors.about(exc, "holder") from None
    try:
        return give_proxy(assembly, giver, holder, source=ProxySource.PAPER, actor=actor)
    except DomainError as exc:
        who = getattr(exc, "who", None)
        if who is not None:
            errors.at_the_door(exc, giver if who == "giver" else holder)
        raise


def end_proxy(assembly: Assembly, giver: Member | None = None, actor: Account | None = None, *,
              proxy_id: int | None = None) -> Proxy:
    """The member takes their vote back (to vote themselves): ``giver``'s own withdrawal on their page, or staff
    at the door withdraw the proxy ``proxy_id`` the giver asks them to (on paper or online). The holder's link
    is revoked (a ballot the holder cast with it no longer counts) and the holder is told. A member already
    convened receives a new link by mail; one without an e-mail address receives none, and an election officer
    prints them a letter. Before their convocation there is no link yet: the convocation will go to them.
    Until the vote closes: then the holder's ballot is the member's last."""
    if vote_closed(assembly):
        raise errors.ProxiesOver()
    if proxy_id is None:
        _lock(assembly)  # first: a withdrawal sent twice (two tabs) finds the proxy ended the second time
        proxy = standing_proxy(assembly, giver.id)
        if proxy is None:
            raise errors.NoProxy()
    else:  # ended meanwhile: by the giver online, or in another tab at the door
        proxy = _locked_proxy(assembly, proxy_id, missing=errors.NoProxy(),
                              ended=lambda proxy: errors.at_the_door(errors.ProxyEnded(proxy.ended_how), proxy.giver))
    giver, holder = proxy.giver, proxy.holder
    link_sent = _vote_back_to_giver(assembly, proxy, ProxyEnding.WITHDRAWN, actor)
    if holder.email:  # the holder is told their link for the giver stopped working, or will not come
        with job_context():
            queue_mail(holder.email, holder.language, "assembly_proxy_withdrawn", dedupe_key=f"proxy-end:{proxy.id}",
                       assembly=assembly, lang=holder.language, giver=giver, holder=holder, link_sent=link_sent)
    return proxy


def decline_proxy(assembly: Assembly, holder: Member, proxy_id: int, actor: Account | None = None) -> Proxy:
    """``holder`` hands back the proxy ``proxy_id`` a member gave them (nobody is made to represent another,
    and a proxy held keeps the holder from giving their own). The giver has their vote back as after a
    withdrawal, and is told by mail. Not once the holder has voted in their name: the giver's ballot would
    be lost without their word (the giver may still withdraw the proxy); not once the vote is closed."""
    if vote_closed(assembly):
        raise errors.ProxiesOver()
    # ended meanwhile: withdrawn by the giver, or declined in another tab
    proxy = _locked_proxy(assembly, proxy_id, missing=errors.NoProxyHeld(),
                          ended=lambda proxy: errors.ProxyEnded(proxy.ended_how), holder=holder)
    if has_voted(assembly, proxy.giver_id):
        raise errors.ProxyUsed()
    giver = proxy.giver
    link_sent = _vote_back_to_giver(assembly, proxy, ProxyEnding.DECLINED, actor)
    if giver.email:
        with job_context():
            queue_mail(giver.email, giver.language, "assembly_proxy_declined", dedupe_key=f"proxy-decline:{proxy.id}",
                       assembly=assembly, lang=giver.language, giver=giver, holder=holder, link_sent=link_sent,
                       proxies_open=not proxies_closed(assembly),
                       page=assembly_page(assembly))
    return proxy


def _locked_proxy(assembly: Assembly, proxy_id: int, *, missing: errors.AssemblyError,
                  ended: Callable[[Proxy], DomainError], holder: Member | None = None) -> Proxy:
    """The standing proxy ``proxy_id`` of ``assembly`` (given to ``holder``, if named), read as it stands under
    the assembly's lock, taken first: a request sent twice (two tabs) finds it ended the second time. The
    caller's refusals: ``missing`` for no such proxy, ``ended(proxy)`` for one no longer standing."""
    _lock(assembly)
    proxy = db.session.get(Proxy, proxy_id, populate_existing=True)
    if proxy is None or proxy.assembly_id != assembly.id or (holder is not None and proxy.holder_id != holder.id):
        raise missing
    if proxy.active_giver is None:
        raise ended(proxy)
    return proxy


def _vote_back_to_giver(assembly: Assembly, proxy: Proxy, how: ProxyEnding, actor: Account | None) -> bool:
    """End ``proxy`` as ``how`` says, by ``actor`` (kept on the row, and audited): the holder's link for the giver
    is revoked and a giver already convened receives a new one by mail; one without an e-mail address receives
    none, and an election officer prints them a letter. Whether the giver had been convened (their link sent)."""
    giver, holder = proxy.giver, proxy.holder
    proxy.active_giver, proxy.ended_at = None, utcnow()
    proxy.ended_how, proxy.ended_by_id = how, actor.id if actor else None
    db.session.flush()
    audit.record("assemblies.proxy.decline" if how is ProxyEnding.DECLINED else "assemblies.proxy.end", proxy,
                 actor=actor, after={"giver": giver.number, "holder": holder.number})
    elector = elector_for(assembly, giver)
    link_sent = elector is not None and elector.convoked_at is not None
    if link_sent and giver.email:
        issue_links(assembly, [elector])
    elif link_sent:  # nowhere to mail a new one: the holder's stops working all the same
        voting.revoke_credential(_election(assembly), elector.credential_public, actor=actor)
    return link_sent


def proxies_held(assembly: Assembly, holder: Member) -> list[Proxy]:
    return list(db.session.scalars(select(Proxy).where(Proxy.assembly_id == assembly.id, Proxy.holder_id == holder.id,
                                                       Proxy.active_giver.is_not(None)).order_by(Proxy.id)))


# -- on site -------------------------------------------------------------------------------------

def check_in_refusal(assembly: Assembly, now: datetime | None = None) -> errors.AssemblyError | None:
    """Why the door does not accept members ``now``, or None. It is open on the meeting's day, from
    ``rules.CHECK_IN_OPENS_BEFORE`` (3 hours) before the meeting starts until the end of that day
    in Brussels, and closes earlier once the chair has closed the vote (an arrival would then change
    a quorum already counted)."""
    opens_at, closes_at = rules.check_in_window(assembly.starts_at)
    now = now or utcnow()
    if now < opens_at:
        return errors.CheckInNotOpen(opens_at)
    if now >= closes_at or vote_closed(assembly):
        return errors.CheckInOver()
    return None


def _check_door(assembly: Assembly) -> None:
    refusal = check_in_refusal(assembly)
    if refusal is not None:
        raise refusal


def checked_in_at(assembly: Assembly, member_id: int) -> datetime | None:
    """When the member was checked in at the door, or None."""
    return db.session.scalar(select(CheckIn.checked_in_at).where(CheckIn.assembly_id == assembly.id,
                                                                 CheckIn.member_id == member_id))


def check_in(assembly: Assembly, member: Member, actor: Account | None = None) -> CheckIn:
    _check_door(assembly)
    if elector_for(assembly, member) is None:
        raise errors.at_the_door(errors.NotAnElector(), member, arriving=True)
    earlier = checked_in_at(assembly, member.id)
    if earlier is not None:
        raise errors.at_the_door(errors.AlreadyCheckedIn(), member, at=earlier)
    row = CheckIn(assembly_id=assembly.id, member_id=member.id, by_id=actor.id if actor else None)
    with savepoint(errors.AlreadyCheckedIn):  # the same member scanned at two doors at once
        db.session.add(row)
        db.session.flush()
    audit.record("assemblies.checkin.create", row, actor=actor, after={"member": member.number})
    return row


def undo_check_in(assembly: Assembly, check_in_id: int, actor: Account | None = None) -> Member:
    """A check-in made by mistake (a number mistyped at the door) is taken back while the door is open:
    the member no longer counts as present. It touches no ballot; the audit log keeps both steps."""
    _check_door(assembly)
    row = db.session.get(CheckIn, check_in_id)
    if row is None or row.assembly_id != assembly.id:
        raise errors.NoCheckIn()
    member = row.member
    db.session.delete(row)
    db.session.flush()
    audit.record("assemblies.checkin.undo", assembly, actor=actor, after={"member": member.number})
    return member


def recent_check_ins(assembly: Assembly, limit: int = 10) -> list[CheckIn]:
    """The door's latest check-ins, newest first, each with an undo for a mistake."""
    return list(db.session.scalars(select(CheckIn).where(CheckIn.assembly_id == assembly.id)
                                   .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()).limit(limit)))


def open_vote(assembly: Assembly, actor: Account | None = None, hold: Iterable[AgendaItem] = ()) -> None:
    """Open the vote (the whole ballot box), no sooner than the remote-voting window opens
    (:func:`vote_opening_refusal`). ``hold``: agenda items whose vote the chair opens later
    (:func:`open_item`); by default none, every item opens with the remote-voting window."""
    election = _election(assembly)
    refusal = vote_opening_refusal(assembly)
    if refusal is not None:
        raise refusal
    held_items = list(hold)
    contests: list[str] = []
    for item in held_items:
        own = item_contests(item, election.definition) if item.assembly_id == assembly.id else []
        if not own:
            raise errors.NotAVotingItem()
        contests.extend(own)
    voting.open_election(election, hold=contests)
    audit.record("assemblies.vote.open", assembly, actor=actor,
                 after={"held": [item.id for item in held_items]} if held_items else None)


def vote_opening_refusal(assembly: Assembly, now: datetime | None = None) -> errors.VoteOpensLater | None:
    """Why the chair cannot open the vote ``now``, or None: the remote-voting window the convocations
    announced has not opened yet."""
    if (now or utcnow()) < assembly.voting_opens_at:
        return errors.VoteOpensLater(assembly.voting_opens_at)
    return None


def vote_closing_refusal(assembly: Assembly, now: datetime | None = None) -> errors.MeetingNotStarted | None:
    """Why the chair cannot close the vote ``now``, or None: the meeting has not started (members
    decide at the meeting). Once it has, the chair may close before ``voting_closes_at`` (the meeting
    ended early), which the console says before confirming."""
    return _before_the_meeting(assembly, now, errors.MeetingNotStarted)


def item_opening_refusal(assembly: Assembly, now: datetime | None = None) -> errors.HeldItemBeforeMeeting | None:
    """Why the chair cannot open the vote on an item held back ``now``, or None: the meeting has not
    started (the item was held back for the hall to debate it first)."""
    return _before_the_meeting(assembly, now, errors.HeldItemBeforeMeeting)


def _before_the_meeting(assembly: Assembly, now: datetime | None, refusal: type[errors.MeetingNotStarted]):
    """``refusal`` (saying when the meeting starts) while it has not started ``now``, else None."""
    return refusal(assembly.starts_at) if (now or utcnow()) < assembly.starts_at else None


def close_vote(assembly: Assembly, actor: Account | None = None) -> None:
    """Close the whole ballot box, no sooner than the meeting starts (:func:`vote_closing_refusal`)."""
    election = _election(assembly)
    refusal = vote_closing_refusal(assembly)
    if refusal is not None:
        raise refusal
    _lock(assembly)  # after any correction of the electorate under way: the close seals the electorate it leaves
    voting.close_election(election)
    audit.record("assemblies.vote.close", assembly, actor=actor)


def item_contests(item: AgendaItem, definition: Mapping[str, Any]) -> list[str]:
    """The contests of the verifiable election that hold this agenda item's vote (one for a
    resolution, one per category for the board election), in definition order."""
    own = item.contest_id
    return [c["id"] for c in definition["contests"] if c["id"] == own or c["id"].startswith(own + "-")]


def _open_item_contests(assembly: Assembly, item: AgendaItem) -> tuple[Election, list[str]]:
    """The election and the item's contests, for the chair opening or closing the item's vote:
    a voting item of this assembly, the vote open, the item's vote not closed already."""
    election = _election(assembly)
    contests = item_contests(item, election.definition) if item.assembly_id == assembly.id else []
    if not contests:
        raise errors.NotAVotingItem()
    if election.state is not ElectionState.OPEN:
        raise errors.VoteNotOpen()
    if set(contests) & voting.closed_contests(election):
        raise errors.ItemVoteClosed()
    return election, contests


def close_item(assembly: Assembly, item: AgendaItem, actor: Account | None = None) -> None:
    """The chair closes the vote on one agenda item: ballots on the board before now count for it,
    none after (an ``item_close`` event on the record); the other items stay open. No sooner than
    the meeting starts, as the whole vote (:func:`vote_closing_refusal`)."""
    election, contests = _open_item_contests(assembly, item)
    if set(contests) & voting.waiting_contests(election):
        raise errors.ItemVoteNotOpenYet()
    refusal = vote_closing_refusal(assembly)
    if refusal is not None:
        raise refusal
    event = voting.close_item(election, contests, actor=actor)
    audit.record("assemblies.item.close", item, actor=actor,
                 after={"contests": contests, "counted": event.data["counted"]})


def open_item(assembly: Assembly, item: AgendaItem, actor: Account | None = None) -> None:
    """The chair opens the vote on an agenda item held back at the opening: ballots placed from
    now on count for it, none before (an ``item_open`` event on the record). No sooner than the
    meeting starts (:func:`item_opening_refusal`)."""
    election, contests = _open_item_contests(assembly, item)
    if not set(contests) <= voting.waiting_contests(election):
        raise errors.ItemVoteOpen()
    refusal = item_opening_refusal(assembly)
    if refusal is not None:
        raise refusal
    event = voting.open_item(election, contests, actor=actor)
    audit.record("assemblies.item.open", item, actor=actor, after={"contests": contests, "seq": event.seq})


CODE_MAX_LENGTH = 500  # the longest a convocation's link may be (its address, slug, credential, fingerprint)
_PUBLIC_CREDENTIAL = re.compile(r"[0-9a-fA-F]{64}")
_DIGITS = re.compile(r"[0-9]+")


def member_for_code(assembly: Assembly, code: str) -> Member:
    """The member the door's field names, whatever staff typed or a scanner "typed" into it:

    * a member number;
    * the public credential (64 hexadecimal digits, either case), which the check-in page derives
      in the browser from the member's QR code, so that the private part never leaves it;
    * what the convocation's QR code holds, the personal voting link
      (``https://…/voting/<slug>/vote#<credential>:<fingerprint>``), as a USB scanner types it, or
      its part after ``#``; the check-in page's script sends it with the public credential in place
      of the private one: its address and fingerprint only tell a code of another assembly;
    * the credential printed under the QR code (``XXXXX-XXXXX-XXXXX-XXXXX``, dashes and spaces
      optional).

    Spaces around and inside are ignored. A credential is case-sensitive, but one typed with Caps
    Lock on (every letter's case swapped) is tried as well, and one typed all in capitals (or all in
    small letters) is read back from its check characters: a reading must pass them and be the one
    current credential of this assembly that they allow, so a wrong reading cannot name another member. A private
    credential is used here only to derive its public part: it is neither kept nor logged.
    Refusals: ``UnreadableCode``, ``CodeOfAnotherAssembly``, ``CodeReplaced``, ``UnknownCode``,
    ``UnknownMember``, ``NotAnElector`` (a member removed from the electorate)."""
    text = "".join((code or "").split())
    if not text or len(text) > CODE_MAX_LENGTH:
        raise errors.UnreadableCode()
    if _PUBLIC_CREDENTIAL.fullmatch(text):
        return _member_for_public(assembly, [text.lower()])
    if _DIGITS.fullmatch(text):
        return counted_member_by_number(assembly, text)
    election = db.session.get(Election, assembly.election_id) if assembly.election_id else None
    address, hash_, payload = text.rpartition("#")
    if hash_:  # the link: its address names the election (…/voting/<slug>/vote)
        found = re.search(r"/voting/([^/?#]+)/vote", address, re.IGNORECASE)
        if not found:
            raise errors.UnreadableCode()
        if election is not None and unquote(found.group(1)).lower() != election.slug.lower():
            raise errors.CodeOfAnotherAssembly()
    credential, _colon, fingerprint = unquote(payload).partition(":")
    if fingerprint:  # the election's fingerprint follows the credential in a link
        if not _PUBLIC_CREDENTIAL.fullmatch(fingerprint):
            raise errors.UnreadableCode()
        if election is not None and election.fingerprint and fingerprint.lower() != election.fingerprint.lower():
            raise errors.CodeOfAnotherAssembly()
    if _PUBLIC_CREDENTIAL.fullmatch(credential):  # the check-in page's script: the link, its credential made public
        return _member_for_public(assembly, [credential.lower()])
    publics = []
    for reading in dict.fromkeys((credential, credential.swapcase())):  # as read, then as if with Caps Lock
        try:
            publics.append(credential_public(normalize_credential(reading)))
        except CredentialError:
            continue
    if not publics:
        return _member_for_lost_case(assembly, credential)
    try:
        return _member_for_public(assembly, publics)
    except errors.UnknownCode:
        # A code typed all in small letters (or capitals) passes its check characters as typed about
        # once in 1,300, and then names nobody: its case readings decide. Unknown either way, it stays unknown.
        try:
            return _member_for_lost_case(assembly, credential)
        except errors.UnreadableCode:
            raise errors.UnknownCode() from None


def _member_for_lost_case(assembly: Assembly, credential: str) -> Member:
    """A printed credential typed in capitals (or all in small letters): of the readings whose check
    characters hold (voting.crypto.credential.case_readings), the one credential of this assembly's
    electorate; a credential no longer current, or of another assembly, is refused as such; none, or
    more than one, and the code is unreadable."""
    publics = [credential_public(reading) for reading in case_readings(credential)]
    if not publics:
        raise errors.UnreadableCode()
    electors = db.session.scalars(select(Elector).where(Elector.assembly_id == assembly.id,
                                                        Elector.credential_public.in_(publics),
                                                        Elector.removed_at.is_(None)).limit(2)).all()
    if len(electors) == 1:
        return electors[0].member
    if not electors and db.session.scalar(select(Credential.id).where(Credential.public.in_(publics)).limit(1)):
        return _member_for_public(assembly, publics)  # a credential replaced, or of another assembly: says which
    raise errors.UnreadableCode()


def _member_for_public(assembly: Assembly, publics: list[str]) -> Member:
    """The member whose current credential at this assembly is one of ``publics``; else why not."""
    elector = db.session.scalar(select(Elector).where(Elector.assembly_id == assembly.id,
                                                      Elector.credential_public.in_(publics),
                                                      Elector.removed_at.is_(None)))
    if elector is not None:
        return elector.member
    rows = db.session.scalars(select(Credential).where(Credential.public.in_(publics))).all()
    own = [r for r in rows if r.election_id == assembly.election_id]
    if own:  # this assembly's, no longer current: replaced by a newer link, or its member removed
        member = db.session.get(Member, own[0].member_id) if own[0].member_id else None
        if member is not None and elector_for(assembly, member) is None:
            raise errors.NotAnElector()
        raise errors.CodeReplaced()
    if rows:
        raise errors.CodeOfAnotherAssembly()
    raise errors.UnknownCode()


def check_in_code(assembly: Assembly, code: str, actor: Account | None = None) -> Member:
    """Check in the member the door's field names (:func:`member_for_code`); returns the member.
    A closed door is said first, whatever was typed."""
    _check_door(assembly)
    member = member_for_code(assembly, code)
    check_in(assembly, member, actor=actor)
    return member


def holds_proxy_for(user, credential_owner: int | None, election=None) -> bool:
    """The proxy rule of voting.permissions.may_cast_for: the signed-in member ``user`` holds the
    standing proxy of ``credential_owner`` at the assembly of ``election``."""
    if user is None or credential_owner is None or election is None or election.assembly_id is None:
        return False
    holder_id = getattr(user, "id", None)
    return db.session.scalar(select(Proxy.id).where(Proxy.assembly_id == election.assembly_id,
                                                   Proxy.active_giver == credential_owner,
                                                   Proxy.holder_id == holder_id)) is not None
