"""The verbs of a call for candidates: open and announce a call, save, submit, withdraw, decide,
publish, fix the ballot order, and hand the ballot to the assembly's election.

Services take models and plain values, check every rule themselves, raise DomainErrors, write an
audit row and a version, and only flush: the request or command commits once."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from flask import url_for
from sqlalchemy import select

from app import audit
from app.clock import today, utcnow
from app.extensions import db
from app.forms import JOINERS, differing
from app.jobs import job_context, public_url
from app.mail import queue_mail
from app.models import Account, AccountRole, OutboxMessage, Role
from app.uow import savepoint
from app.web import reserved_names
from candidates import errors
from candidates.models import (EDITABLE, LANGUAGES, Application, ApplicationStatus, ApplicationVersion,
                               BallotOrder, Call, Gender, Mandate)
from candidates.permissions import can_stand
from candidates.photos import process_photo
from candidates.queries import stands_in, vote_over
from shares import register, standing
from shares.models import Category, Member, MemberKind

# -- the rules ------------------------------------------------------------------------------------

# Eligibility reason codes (candidates/labels.py words them).
NOT_IN_GOOD_STANDING = "not_in_good_standing"
LAPSED = "membership_lapsed"
NO_SEATS = "no_seats_in_category"
STAFF_NOT_IN_B = "staff_not_in_category_b"
SITTING_MEMBER = "term_running"
CATEGORY_CHANGED = "category_changed"
ELIGIBILITY_CODES = (NOT_IN_GOOD_STANDING, LAPSED, NO_SEATS, STAFF_NOT_IN_B, SITTING_MEMBER, CATEGORY_CHANGED)

SKILLS = ("governance", "finance", "law", "human_resources", "it", "communication", "social_economy",
          "culture", "training", "sustainability")
LIMITS = {"published_name": 120, "representative_name": 120, "biography": 1500, "motivation": 3000,
          "vision": 3000, "skills_other": 300}
BOXES = ("no_conflict", "consent_publication")  # ticked, not typed
CONTENT_FIELDS = ("language", "published_name", "representative_name", "biography", "motivation", "skills",
                  "skills_other", "vision", "gender", *BOXES)


def check_eligibility(call: Call, *, category: Category | None, standing_reasons: Iterable[str],
                      is_staff: bool, mandate_ends_on: date | None,
                      applied_category: Category | None = None, lapsed_on: date | None = None) -> list[str]:
    """Why a member cannot stand in ``call`` (codes, in the order they would fix them); empty if they can.

    - a member in good standing (the register's rule, shares.standing) of their category;
    - not lapsed today (``lapsed_on``: a renewal unpaid after its grace period, until paid): a lapse is no
      exit, nothing is withdrawn, but nobody is accepted while it lasts;
    - the call has seats in that category;
    - staff of the cooperative stand in category B when the call says so (statutes);
    - a board member whose term runs past the day the vote opens cannot stand (their seat is not up);
    - the category on the application is still the register's."""
    reasons = []
    if list(standing_reasons):
        reasons.append(NOT_IN_GOOD_STANDING)
    if lapsed_on is not None:
        reasons.append(LAPSED)
    if category is not None and call.seats(category) == 0:
        reasons.append(NO_SEATS)
    if call.staff_in_category_b and is_staff and category is not Category.B:
        reasons.append(STAFF_NOT_IN_B)
    if mandate_ends_on is not None and mandate_ends_on > call.vote_opens_on:
        reasons.append(SITTING_MEMBER)
    if applied_category is not None and category is not None and applied_category is not category:
        reasons.append(CATEGORY_CHANGED)
    return reasons


@dataclass(frozen=True)
class Eligibility:
    category: Category | None
    standing_reasons: list[str]
    reasons: list[str]
    lapsed_on: date | None = None  # the lapse in force on the day of the check, if any

    @property
    def eligible(self) -> bool:
        return not self.reasons


def eligibility_date(call: Call, on: date | None = None) -> date:
    """Good standing is judged on the closing date; before it, on the day of the check."""
    return min(on or today(), call.closes_on)


def member_eligibility(call: Call, member: Member, on: date | None = None,
                       application: Application | None = None) -> Eligibility:
    """The register's answer for one member (a few queries): good standing as of ``eligibility_date``, a
    lapse as of ``on`` (today)."""
    day = eligibility_date(call, on)
    lapsed_on = register.holding(member, on or today()).lapsed_on
    facts = standing.register_facts(day, [member.id]).get(member.id)
    if facts is None:
        facts = standing.RegisterFacts(member_id=member.id, category=member.category)
    reasons_standing = facts.reasons(day)
    is_staff = member.account.has_role(Role.STAFF)
    mandate_end = db.session.scalar(select(Mandate.ends_on).where(
        Mandate.member_id == member.id, Mandate.starts_on <= call.vote_opens_on)
        .order_by(Mandate.ends_on.desc()).limit(1))
    applied = application.category if application is not None and application.status is not ApplicationStatus.DRAFT else None
    return Eligibility(facts.category, reasons_standing,
                       check_eligibility(call, category=facts.category, standing_reasons=reasons_standing,
                                         is_staff=is_staff, mandate_ends_on=mandate_end, applied_category=applied,
                                         lapsed_on=lapsed_on), lapsed_on)


def eligibility_for_call(call: Call, applications: list[Application], on: date | None = None) -> dict[int, Eligibility]:
    """Eligibility of every applicant of a call, in a constant number of queries (the review list)."""
    day = eligibility_date(call, on)
    member_ids = [a.member_id for a in applications]
    if not member_ids:
        return {}
    facts = standing.register_facts(day, member_ids)
    lapses = {member_id: h.lapsed_on for member_id, h in register.holdings(member_ids, on or today()).items()}
    staff = set(db.session.scalars(select(Member.id).join(AccountRole, AccountRole.account_id == Member.account_id)
                                   .where(Member.id.in_(member_ids), AccountRole.role == Role.STAFF)))
    mandates: dict[int, date] = {}
    for member_id, ends_on in db.session.execute(select(Mandate.member_id, Mandate.ends_on).where(
            Mandate.member_id.in_(member_ids), Mandate.starts_on <= call.vote_opens_on)):
        mandates[member_id] = max(ends_on, mandates.get(member_id, ends_on))
    out = {}
    for a in applications:
        f = facts.get(a.member_id) or standing.RegisterFacts(member_id=a.member_id, category=None)
        reasons_standing = f.reasons(day)
        applied = a.category if a.status is not ApplicationStatus.DRAFT else None
        out[a.id] = Eligibility(f.category, reasons_standing, check_eligibility(
            call, category=f.category, standing_reasons=reasons_standing, is_staff=a.member_id in staff,
            mandate_ends_on=mandates.get(a.member_id), applied_category=applied,
            lapsed_on=lapses.get(a.member_id)), lapses.get(a.member_id))
    return out


# -- calls ----------------------------------------------------------------------------------------

CALL_FIELDS = ("slug", "title_fr", "title_nl", "title_en", "text_fr", "text_nl", "text_en", "opens_on", "closes_on",
               "vote_opens_on", "seats_a", "seats_b", "term_years", "staff_in_category_b", "election_slug")


def _check_call(values: Mapping[str, Any]) -> None:
    if values.get("slug") in reserved_names("candidates"):
        raise errors.InvalidCall("slug")
    if values["opens_on"] > values["closes_on"]:
        raise errors.InvalidCall("closes_before_opening")
    if values["closes_on"] >= values["vote_opens_on"]:
        raise errors.InvalidCall("vote_before_closing")
    if values["seats_a"] < 0 or values["seats_b"] < 0 or values["seats_a"] + values["seats_b"] == 0:
        raise errors.InvalidCall("no_seats")
    if values["term_years"] < 1:
        raise errors.InvalidCall("term")
    if not all((values.get(f"title_{lang}") or "").strip() for lang in LANGUAGES):
        raise errors.InvalidCall("titles")


def create_call(*, actor: Account | None = None, assembly_id: int | None = None, **values) -> Call:
    values = {k: values.get(k) for k in CALL_FIELDS} | {"election_slug": values.get("election_slug") or None}
    values["staff_in_category_b"] = bool(values["staff_in_category_b"]) if values["staff_in_category_b"] is not None else True
    values["term_years"] = values["term_years"] or 4
    for lang in LANGUAGES:
        values[f"text_{lang}"] = values[f"text_{lang}"] or ""
    _check_call(values)
    call = Call(**values, assembly_id=assembly_id, created_by=actor)
    with savepoint(errors.DuplicateCall):
        db.session.add(call)
        db.session.flush()
    audit.record("candidates.call.create", call, actor=actor, after=audit.snapshot(call, CALL_FIELDS))
    return call


def update_call(call: Call, *, actor: Account | None = None, **values) -> Call:
    """Texts and dates may change; seats cannot once the ballot is fixed."""
    _check_not_standing(call, actor)
    before = audit.snapshot(call, CALL_FIELDS)
    merged = before | {k: v for k, v in values.items() if k in CALL_FIELDS and k != "slug"}
    merged["election_slug"] = merged.get("election_slug") or None
    _check_call(merged)
    if call.ballot_fixed_at is not None and (merged["seats_a"], merged["seats_b"]) != (call.seats_a, call.seats_b):
        raise errors.BallotFixed("seats")
    for key, value in merged.items():
        if key != "slug":
            setattr(call, key, value)
    db.session.flush()
    audit.record("candidates.call.update", call, actor=actor, before=before, after=audit.snapshot(call, CALL_FIELDS))
    return call


def announce_call(call: Call, *, on: date | None = None, actor: Account | None = None) -> int:
    """Tell every member in good standing of the call, each in their language. Idempotent: a member
    is told once (the outbox's unique dedupe key); returns how many messages were queued now."""
    _check_not_standing(call, actor)
    on = on or today()
    if on > call.closes_on:
        raise errors.CallClosed("announcing after the closing date")
    member_ids = sorted(standing.members_in_good_standing(on))
    prefix = f"candidates:call:{call.id}:"
    done = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(prefix + "%"))))
    queued = 0
    with job_context():
        link = public_url(url_for("candidates.application_form", slug=call.slug))
        for chunk_start in range(0, len(member_ids), 500):
            chunk = member_ids[chunk_start:chunk_start + 500]
            for member in db.session.scalars(select(Member).where(Member.id.in_(chunk)).order_by(Member.id)):
                key = f"{prefix}{member.id}"
                if key in done:
                    continue
                queue_mail(member.email, member.language, "candidates_call", dedupe_key=key, call=call,
                           member=member, link=link, lang=member.language)
                queued += 1
            db.session.flush()
    first = call.announced_at is None
    if first:
        call.announced_at = utcnow()
    db.session.flush()
    audit.record("candidates.call.announce", call, actor=actor, after={"queued": queued, "first": first})
    return queued


def publish_list(call: Call, *, actor: Account | None = None) -> None:
    """Make the accepted candidates public. Nothing is public before."""
    _check_not_standing(call, actor)
    if call.published_at is not None:
        raise errors.AlreadyPublished(call.slug)
    pending = db.session.scalar(select(Application.id).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.SUBMITTED).limit(1))
    if pending is not None:
        raise errors.PendingReviews(call.slug)
    call.published_at = utcnow()
    db.session.flush()
    audit.record("candidates.call.publish", call, actor=actor, after={"published_at": call.published_at})


# -- applications ---------------------------------------------------------------------------------

def application_for(call: Call, member: Member) -> Application | None:
    return db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                       Application.member_id == member.id))


def _snapshot(application: Application) -> dict[str, Any]:
    data = {f: getattr(application, f) for f in CONTENT_FIELDS}
    data["gender"] = application.gender.value if application.gender else None
    data["category"] = application.category.value if application.category else None
    data["skills"] = list(application.skills or [])
    return data


def _add_version(application: Application, event: str, actor: Account | None, note: str | None = None,
                 **facts: Any) -> ApplicationVersion:
    number = (db.session.scalar(select(ApplicationVersion.number).where(
        ApplicationVersion.application_id == application.id).order_by(ApplicationVersion.number.desc()).limit(1)) or 0) + 1
    data = _snapshot(application) | facts
    if note:
        data["note"] = note
    version = ApplicationVersion(application_id=application.id, number=number, event=event,
                                 status=application.status, data=data, photo_id=application.photo_id,
                                 actor_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    return version


def _check_open_for_changes(application: Application | None, call: Call, on: date) -> None:
    if application is not None and application.status is ApplicationStatus.CORRECTION \
            and call.ballot_fixed_at is None and on < call.vote_opens_on:
        return  # the secretary asked for a correction: it can be made after the closing date
    if call.announced_at is None or on < call.opens_on:
        raise errors.CallNotOpen(call.slug)
    if on > call.closes_on:
        raise errors.CallClosed(call.slug)


def _clean_fields(fields: Mapping[str, Any], legal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("published_name", "representative_name", "biography", "motivation", "skills_other", "vision"):
        if name in fields:
            value = (fields[name] or "").replace("\r\n", "\n").strip()
            # Controls and invisible characters go (a pasted zero-width space, a direction override), but
            # the joiners stay: without them an emoji sequence (👩🏽‍🔬, 🏳️‍🌈) or a Persian word falls apart.
            out[name] = "".join(c for c in value if c.isprintable() or c in "\n\t" or c in JOINERS)
    if not legal:
        out["representative_name"] = ""
    too_long = [name for name, limit in LIMITS.items() if len(out.get(name, "")) > limit]
    if too_long:
        raise errors.FieldTooLong(too_long)
    if "language" in fields:
        out["language"] = fields["language"] if fields["language"] in LANGUAGES else "fr"
    if "skills" in fields:
        out["skills"] = [s for s in SKILLS if s in set(fields["skills"] or [])]
    if "gender" in fields:
        value = fields["gender"] or None
        out["gender"] = Gender(value) if value in {g.value for g in Gender} else None
    for flag in BOXES:
        if flag in fields:
            out[flag] = bool(fields[flag])
    return out


def save_application(call: Call, member: Member, fields: Mapping[str, Any], *, photo: bytes | None = None,
                     expected_version: int | None = None, actor: Account | None = None,
                     on: date | None = None) -> Application:
    """Create or change ``member``'s application to ``call``: every field optional (a draft), every
    change a new version. An application that was accepted goes back to the secretary."""
    on = on or today()
    application = application_for(call, member)
    _check_open_for_changes(application, call, on)
    if application is not None and application.status not in EDITABLE:
        raise errors.WrongStatus(application.status.value)
    if not can_stand(member.account, call, on):
        from shares.admission import check_admitted

        check_admitted(member)
        raise errors.NotEligible(member_eligibility(call, member, on).reasons)
    if application is not None and expected_version is not None and application.version != expected_version:
        raise errors.StaleApplication(application.id)
    legal = member.kind is MemberKind.LEGAL
    cleaned = _clean_fields(fields, legal)
    new_photo = process_photo(photo) if photo else None
    created = application is None
    if created:
        application = Application(call=call, member=member, language=member.language if member.language in LANGUAGES else "fr",
                                  published_name=member.name if not legal else member.legal_name or "", skills=[])
        with savepoint(errors.DuplicateApplication):
            db.session.add(application)
            db.session.flush()
    before = _snapshot(application) | {"status": application.status.value, "photo_id": application.photo_id}
    for key, value in cleaned.items():
        setattr(application, key, value)
    if new_photo is not None:
        db.session.add(new_photo)
        db.session.flush()
        application.photo = new_photo
    application.legal_person = legal
    if application.status is ApplicationStatus.DRAFT:
        application.category = _register_category(member, on)
    event = "created" if created else "saved"
    if application.status is ApplicationStatus.ACCEPTED:
        application.status = ApplicationStatus.SUBMITTED
        event = "edited_after_acceptance"
    application.updated_at = utcnow()
    db.session.flush()
    _add_version(application, event, actor)
    audit.record("candidates.application.save", application, actor=actor, before=None if created else before,
                 after=_snapshot(application) | {"status": application.status.value, "photo_id": application.photo_id})
    return application


def unsaved_fields(application: Application, fields: Mapping[str, Any]) -> list[str]:
    """The fields whose text in ``fields`` (the form as typed) differs from ``application`` as it is saved
    (by another window, meanwhile), in the form's order: what a save refused as stale gives back. The
    boxes ticked are no typing."""
    typed = {name: fields[name] for name in CONTENT_FIELDS if name not in BOXES}
    saved = {name: _plain(getattr(application, name)) for name in typed}
    return differing(saved, typed, lambda name, value: _plain(value))


def _plain(value: Any) -> Any:
    """A field's value as compared: a choice of several in any order, a choice by its code, a text
    without its surrounding blanks or Windows line ends (nothing is an empty text)."""
    if isinstance(value, (list, tuple)):
        return sorted(value)
    value = getattr(value, "value", value)
    return (value or "").replace("\r\n", "\n").strip() if isinstance(value, str) or value is None else value


def _register_category(member: Member, on: date) -> Category | None:
    facts = standing.register_facts(on, [member.id]).get(member.id)
    return facts.category if facts is not None else member.category


def missing_fields(application: Application) -> list[str]:
    """What submission still needs (field names)."""
    missing = [name for name in ("published_name", "biography", "motivation", "vision")
               if not (getattr(application, name) or "").strip()]
    if application.legal_person and not application.representative_name.strip():
        missing.append("representative_name")
    if application.photo_id is None:
        missing.append("photo")
    if not application.skills and not application.skills_other.strip():
        missing.append("skills")
    for flag in BOXES:
        if not getattr(application, flag):
            missing.append(flag)
    return missing


def submit_application(application: Application, *, actor: Account | None = None, on: date | None = None) -> Application:
    """Send the application to the secretary: complete, on time, and eligible by the register."""
    on = on or today()
    call = application.call
    _check_open_for_changes(application, call, on)
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.CORRECTION, ApplicationStatus.SUBMITTED):
        raise errors.WrongStatus(application.status.value)
    missing = missing_fields(application)
    if missing:
        raise errors.IncompleteApplication(missing)
    application.category = _register_category(application.member, on)
    eligibility = member_eligibility(call, application.member, on)
    if not eligibility.eligible:
        raise errors.NotEligible(eligibility.reasons)
    before = application.status
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = utcnow()
    application.correction_note = "" if before is ApplicationStatus.CORRECTION else application.correction_note
    db.session.flush()
    _add_version(application, "submitted" if before is ApplicationStatus.DRAFT else "resubmitted", actor)
    audit.record("candidates.application.submit", application, actor=actor, before={"status": before},
                 after={"status": application.status, "category": application.category})
    return application


def _renumber(call: Call, category: Category, back: Application | None = None, at: int = 0) -> None:
    """Number the category's candidates on the ballot 1, 2... in their order; ``back`` goes in again at its
    place ``at`` (the others from there move down one)."""
    rows = list(db.session.scalars(select(Application).where(
        Application.call_id == call.id, Application.category == category, Application.ballot_position.is_not(None))
        .order_by(Application.ballot_position)))
    if back is not None:
        rows.insert(min(at, len(rows) + 1) - 1, back)
    for position, row in enumerate(rows, start=1):
        row.ballot_position, row.ballot_choice = position, choice_id(category, position)


def withdrawal_refusal(application: Application, on: date | None = None, *,
                       own: bool = True) -> errors.CandidacyError | None:
    """Why ``application`` cannot be withdrawn on ``on`` (today), or None: withdrawn or rejected already; the
    vote opened and it is not on the ballot (not accepted); or, for the candidate's ``own`` withdrawal, the
    vote is over (``queries.vote_over``: the election is decided, a withdrawal would change nothing). The
    pages offer no withdrawal then (``permissions.can_withdraw_application``); withdraw_application refuses."""
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED):
        return errors.WrongStatus(application.status.value)
    call = application.call
    if (on or today()) >= call.vote_opens_on and application.status is not ApplicationStatus.ACCEPTED:
        return errors.WithdrawalClosed(call.slug)
    if own and vote_over(call):
        return errors.VoteOver(call.slug)
    return None


def withdraw_application(application: Application, *, actor: Account | None = None, on: date | None = None,
                         membership_ended_on: date | None = None) -> Application:
    """The candidate withdraws. Before the vote opens they leave the ballot (the others move up);
    afterwards the ballot cannot change: they stay on it, shown as withdrawn. ``membership_ended_on``:
    the register withdraws it, the membership having ended that day (``on_membership_ended``)."""
    on = on or today()
    refusal = withdrawal_refusal(application, on, own=membership_ended_on is None)
    if refusal is not None:
        raise refusal
    call = application.call
    before = {"status": application.status, "ballot_choice": application.ballot_choice}
    place = application.ballot_position
    after_vote = on >= call.vote_opens_on
    application.withdrawn_after_vote = after_vote and application.ballot_position is not None
    if not application.withdrawn_after_vote and application.ballot_position is not None:
        application.ballot_position, application.ballot_choice = None, None
        db.session.flush()
        _renumber(call, application.category)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = utcnow()
    application.membership_ended_on = membership_ended_on
    db.session.flush()
    if membership_ended_on is None:
        _add_version(application, "withdrawn", actor)
    else:  # the place it left, for the exit's correction to give back (on_exit_undone)
        _add_version(application, "membership_ended", actor,
                     **({"ballot_position": place} if place is not None and not application.withdrawn_after_vote else {}))
    audit.record("candidates.application.withdraw", application, actor=actor, before=before,
                 after={"status": application.status, "after_vote": application.withdrawn_after_vote}
                 | ({"membership_ended_on": membership_ended_on} if membership_ended_on else {}))
    return application


# What an ended membership withdraws: every application not yet decided against or withdrawn.
_OPEN = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.CORRECTION,
         ApplicationStatus.ACCEPTED)


def on_membership_ended(member: Member, *, on: date, actor: Account | None = None, **extra) -> list[Application]:
    """The register recorded ``member``'s exit (``shares.signals.membership_ended``): who is no longer a
    member cannot stand (``can_stand``), so their open applications are withdrawn, in calls whose vote
    has not opened (published or not: a published one leaves the list and the ballot), and each
    candidate is told by mail. Once a vote has opened its ballot no longer changes: the election decides."""
    now = today()
    withdrawn = []
    for application in db.session.scalars(select(Application).join(Call).where(
            Application.member_id == member.id, Application.status.in_(_OPEN), Call.vote_opens_on > now)
            .order_by(Application.id)):
        withdraw_application(application, actor=actor, on=now, membership_ended_on=on)
        _mail_candidate(application, "candidates_membership_ended", ended_on=on)
        withdrawn.append(application)
    return withdrawn


def withdraw_former_members(*, actor: Account | None = None) -> list[Application]:
    """The catch-up for exits recorded before an exit withdrew candidacies (``flask candidates
    withdraw-former-members``): what ``on_membership_ended`` would have withdrawn, for every membership
    whose exit is in force, from the day it took effect. Safe to run twice: a withdrawn application is
    no longer open."""
    applicants = set(db.session.scalars(select(Application.member_id).join(Call).where(
        Application.status.in_(_OPEN), Call.vote_opens_on > today())))
    gone = register.exits_in_force(applicants)
    withdrawn = []
    for member in db.session.scalars(select(Member).where(Member.id.in_(list(gone))).order_by(Member.id)):
        withdrawn += on_membership_ended(member, on=gone[member.id], actor=actor)
    return withdrawn


def on_exit_undone(member: Member, *, ended_on: date, actor: Account | None = None, **extra) -> list[Application]:
    """Staff corrected away ``member``'s exit in force from ``ended_on`` (recorded by mistake): each
    application that exit withdrew is given back as it was (its status, its place on a fixed ballot), and
    the candidate is told, if nothing happened to it since (its last version is that withdrawal), its
    call's vote has not opened, and the ballot was not fixed in between (without them). An acceptance comes
    back as submitted (the secretary decides again) while the register does not show them in good standing,
    and stays withdrawn then if it had a place on a fixed ballot. Otherwise it stays withdrawn: the
    secretary's pages say by whom and when."""
    now = today()
    given_back = []
    if register.holding(member, now).left is not None:  # the redemption corrected first: the exit still stands
        return given_back
    for application in db.session.scalars(select(Application).join(Call).where(
            Application.member_id == member.id, Application.status == ApplicationStatus.WITHDRAWN,
            Application.membership_ended_on == ended_on, Call.vote_opens_on > now).order_by(Application.id)):
        withdrawal, before = db.session.scalars(select(ApplicationVersion).where(
            ApplicationVersion.application_id == application.id)
            .order_by(ApplicationVersion.number.desc()).limit(2)).all()  # a withdrawal follows a version at least
        call = application.call
        place = withdrawal.data.get("ballot_position")
        if withdrawal.event != "membership_ended" or (
                call.ballot_fixed_at is not None and place is None and before.status is not ApplicationStatus.DRAFT):
            continue
        status = before.status
        # The exit undone, the shares it redeemed may still be (staff correct that next): an acceptance is
        # not given back to someone the register does not show in good standing. The secretary decides
        # again once they are; on a fixed ballot it stays withdrawn.
        decided_again = status is ApplicationStatus.ACCEPTED and not member_eligibility(
            call, member, application=application).eligible
        if decided_again and place is not None:
            continue
        application.status = ApplicationStatus.SUBMITTED if decided_again else status
        application.withdrawn_at = application.membership_ended_on = None
        if place is not None:
            _renumber(call, application.category, back=application, at=place)
        db.session.flush()
        _add_version(application, "membership_restored", actor)
        audit.record("candidates.application.restore", application, actor=actor,
                     before={"status": ApplicationStatus.WITHDRAWN, "membership_ended_on": ended_on},
                     after={"status": application.status, "ballot_choice": application.ballot_choice})
        _mail_candidate(application, "candidates_membership_restored", decided_again=decided_again)
        given_back.append(application)
    return given_back


# -- review ---------------------------------------------------------------------------------------

def _mail_candidate(application: Application, template: str, **context) -> None:
    member = application.member
    with job_context():
        link = public_url(url_for("candidates.application_form", slug=application.call.slug))
        queue_mail(member.email, member.language, template, application=application, call=application.call,
                   member=member, link=link, lang=member.language, **context)


def _check_not_standing(call: Call, actor: Account | None) -> None:
    """The rule of permissions.can_decide_in_call, for whoever calls the verb (a view, a command)."""
    if actor is not None and stands_in(actor.id, call):
        raise errors.Recused(call.slug)


def _check_decidable(application: Application, allowed: tuple[ApplicationStatus, ...],
                     actor: Account | None) -> None:
    _check_not_standing(application.call, actor)
    if application.call.ballot_fixed_at is not None:
        raise errors.BallotFixed(application.call.slug)
    if application.status not in allowed:
        raise errors.WrongStatus(application.status.value)


def accept_application(application: Application, *, actor: Account | None = None, on: date | None = None) -> Application:
    """The secretary's decision, after the register's checks hold."""
    _check_decidable(application, (ApplicationStatus.SUBMITTED,), actor)
    eligibility = member_eligibility(application.call, application.member, on, application)
    if not eligibility.eligible:
        raise errors.NotEligible(eligibility.reasons)
    application.status = ApplicationStatus.ACCEPTED
    application.decided_at, application.decided_by_id, application.decision_reason = utcnow(), actor.id if actor else None, ""
    db.session.flush()
    _add_version(application, "accepted", actor)
    audit.record("candidates.application.accept", application, actor=actor, before={"status": "submitted"},
                 after={"status": application.status})
    _mail_candidate(application, "candidates_accepted")
    return application


def reject_application(application: Application, reason: str, *, actor: Account | None = None) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired("reject")
    _check_decidable(application, (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED), actor)
    before = application.status
    application.status = ApplicationStatus.REJECTED
    application.decided_at, application.decided_by_id, application.decision_reason = utcnow(), actor.id if actor else None, reason
    db.session.flush()
    _add_version(application, "rejected", actor, note=reason)
    audit.record("candidates.application.reject", application, actor=actor, before={"status": before},
                 after={"status": application.status, "reason": reason})
    _mail_candidate(application, "candidates_rejected", reason=reason)
    return application


def request_correction(application: Application, note: str, *, actor: Account | None = None) -> Application:
    note = (note or "").strip()
    if not note:
        raise errors.ReasonRequired("correction")
    _check_decidable(application, (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED), actor)
    before = application.status
    application.status = ApplicationStatus.CORRECTION
    application.correction_note = note
    db.session.flush()
    _add_version(application, "correction_requested", actor, note=note)
    audit.record("candidates.application.request_correction", application, actor=actor, before={"status": before},
                 after={"status": application.status, "note": note})
    _mail_candidate(application, "candidates_correction", note=note)
    return application


# -- the ballot -----------------------------------------------------------------------------------

def choice_id(category: Category, position: int) -> str:
    """The candidate's choice id in the election definition: ``a01``, ``a02``... ``b01``..."""
    return f"{Category(category).value.lower()}{position:02d}"


def contest_id(category: Category) -> str:
    return f"board-{Category(category).value.lower()}"


def draw_order(application_ids: list[int], seed: str, category: Category) -> list[int]:
    """The order drawn by lot: the ids sorted, shuffled by Python's ``random.Random`` seeded with the
    text ``"<seed>:<category>"`` (reproducible by anyone holding the seed)."""
    ids = sorted(application_ids)
    random.Random(f"{seed}:{Category(category).value}").shuffle(ids)
    return ids


def fix_ballot_order(call: Call, method: BallotOrder, *, positions: Mapping[int, int] | None = None,
                     seed: str | None = None, actor: Account | None = None, on: date | None = None) -> dict[str, list[int]]:
    """Put the accepted candidates in their ballot order, chosen (``positions``: application id ->
    1-based place within its category) or drawn by lot (a fresh seed unless given). Recorded in the
    audit log with the seed; done once. Returns the order as {category: [application ids]}."""
    _check_not_standing(call, actor)
    on = on or today()
    if on >= call.vote_opens_on:
        raise errors.VoteOpened(call.slug)
    if on <= call.closes_on:
        raise errors.CallStillOpen(call.slug)
    if call.ballot_fixed_at is not None:
        raise errors.BallotFixed(call.slug)
    pending = db.session.scalar(select(Application.id).where(
        Application.call_id == call.id,
        Application.status.in_([ApplicationStatus.SUBMITTED, ApplicationStatus.CORRECTION])).limit(1))
    if pending is not None:
        raise errors.PendingReviews(call.slug)
    accepted = db.session.scalars(select(Application).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.ACCEPTED)).all()
    if not accepted:
        raise errors.NoCandidates(call.slug)
    method = BallotOrder(method)
    if method is BallotOrder.LOT:
        seed = seed or secrets.token_hex(16)
    else:
        seed = None
    order: dict[str, list[int]] = {}
    for category in (Category.A, Category.B):
        rows = {a.id: a for a in accepted if a.category is category}
        if not rows:
            continue
        if method is BallotOrder.LOT:
            ids = draw_order(list(rows), seed, category)
        else:
            given = {app_id: (positions or {}).get(app_id) for app_id in rows}
            if sorted(p for p in given.values() if isinstance(p, int)) != list(range(1, len(rows) + 1)):
                raise errors.InvalidBallotOrder(category.value)
            ids = sorted(rows, key=lambda app_id: given[app_id])
        for position, app_id in enumerate(ids, start=1):
            rows[app_id].ballot_position, rows[app_id].ballot_choice = position, choice_id(category, position)
        order[category.value] = ids
    call.ballot_order, call.ballot_seed, call.ballot_fixed_at = method, seed, utcnow()
    db.session.flush()
    audit.record("candidates.ballot.fix", call, actor=actor,
                 after={"method": method, "seed": seed, "order": order})
    return order


def ballot_choices(call: Call) -> dict[str, Any]:
    """The call's candidates as an election definition's board contests (see docs/candidacies.md).

    Returns ``{"call", "order", "seed", "fixed_at", "seats", "contests", "candidates"}`` where ``seats``
    are the call's seats per category (``{"A": 11, "B": 7}``, a category without candidates too),
    ``contests`` are ``unevoix/v1`` contest objects (``board-a``, ``board-b``; choices in ballot order;
    ``min`` 0, ``max`` the seats or fewer; ``seats`` the call's seats) ready for a definition's
    ``contests``, and ``candidates`` maps each choice id to who it is. A category without candidates has no
    contest."""
    from voting.crypto.election import Contest

    if call.ballot_fixed_at is None:
        raise errors.BallotNotFixed(call.slug)
    rows = db.session.scalars(select(Application).where(
        Application.call_id == call.id, Application.ballot_position.is_not(None))
        .order_by(Application.category, Application.ballot_position)).all()
    contests, candidates = [], {}
    for category in (Category.A, Category.B):
        in_category = [a for a in rows if a.category is category and a.on_ballot]
        seats = call.seats(category)
        if not in_category or seats == 0:
            continue
        contests.append(Contest(contest_id(category), "board", tuple(a.ballot_choice for a in in_category), 0,
                                min(seats, len(in_category)), category=category.value, seats=seats).to_json())
        for a in in_category:
            candidates[a.ballot_choice] = {
                "application_id": a.id, "member_id": a.member_id, "name": a.published_name,
                "representative": a.representative_name or None, "category": category.value,
                "position": a.ballot_position, "language": a.language,
                "withdrawn": a.status is ApplicationStatus.WITHDRAWN}
    return {"call": call.slug, "order": call.ballot_order.value if call.ballot_order else None,
            "seed": call.ballot_seed, "fixed_at": call.ballot_fixed_at.isoformat(),
            "seats": {category.value: call.seats(category) for category in (Category.A, Category.B)},
            "contests": contests, "candidates": candidates}


def election_definition(call: Call, *, election_id: str, title: str, trustees: list[dict[str, str]], threshold: int,
                        other_contests: Iterable[dict[str, Any]] = (), tie_rule: str = "ballot_order") -> dict[str, Any]:
    """A whole ``unevoix/v1`` definition for ``voting.services.create_election``: ``other_contests``
    (resolutions, as contest JSON) first, then the board contests of ``ballot_choices``."""
    return {"version": "unevoix/v1", "id": election_id, "title": title,
            "contests": [*other_contests, *ballot_choices(call)["contests"]],
            "trustees": list(trustees), "threshold": threshold, "tie_rule": tie_rule}


def record_mandates(call: Call, elected: Iterable[Application], starts_on: date, *,
                    actor: Account | None = None) -> list[Mandate]:
    """The elected candidates' seats, for the term the call set (their later calls check them)."""
    ends_on = date(starts_on.year + call.term_years, starts_on.month, min(starts_on.day, 28))
    out = []
    for application in elected:
        mandate = Mandate(member_id=application.member_id, category=application.category, starts_on=starts_on,
                          ends_on=ends_on, call_id=call.id)
        db.session.add(mandate)
        out.append(mandate)
    db.session.flush()
    audit.record("candidates.mandate.record", call, actor=actor,
                 after={"members": [a.member.number for a in elected], "starts_on": starts_on, "ends_on": ends_on})
    return out
