"""The sentences people read for each refusal (one registry, app.errors)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.audit import (named_rows, register_action_labels, register_field_labels, register_object_labels,
                       register_object_names, register_value_words)
from app.errors import register_messages
from candidates import errors
from candidates.labels import WORDS
from candidates.models import Application, Call, Mandate
from candidates.photos import MAX_PIXELS, PHOTO_MEGABYTES
from shares.labels import member_number_and_name

FIELD_LABELS = {
    "published_name": _l("Name as published"),
    "representative_name": _l("Name of the person representing your organisation"),
    "photo": _l("Photo"),
    "biography": _l("Short biography"),
    "motivation": _l("Why do you stand?"),
    "skills": _l("Skills you bring"),
    "skills_other": _l("Other skills"),
    "vision": _l("Your vision for the cooperative"),
    "no_conflict": _l("Declaration of no conflict of interest"),
    "consent_publication": _l("Consent to publication"),
}

ELIGIBILITY_TEXTS = {
    "not_in_good_standing": _l("You are not a member in good standing."),
    "membership_lapsed": _l("Your membership lapsed: the renewal is not paid. Paying it brings the membership back."),
    "no_seats_in_category": _l("This call has no seat to fill in your category."),
    "staff_not_in_category_b": _l("Staff of the cooperative may stand only in category B."),
    "term_running": _l("Your term on the board runs beyond this election: your seat is not up for election."),
    "category_changed": _l("Your category in the register changed since you applied."),
}

CALL_PROBLEMS = {
    "closes_before_opening": _l("The closing date must not be before the opening date."),
    "vote_before_closing": _l("The vote must open after the closing date."),
    "no_seats": _l("Give at least one seat to fill."),
    "term": _l("The term is at least one year."),
    "titles": _l("Enter the title in each language."),
    "slug": _l("This short name is reserved: choose another."),
}


def _join(items) -> str:
    return " ".join(str(i) for i in items)


register_messages({
    errors.CallNotOpen: _l("This call for candidates is not open yet."),
    errors.CallClosed: _l("The call for candidates is closed: applications can no longer be made or changed."),
    errors.NotEligible: lambda exc: _join([_l("You cannot stand in this election:")]
                                          + [ELIGIBILITY_TEXTS.get(r, r) for r in exc.reasons]),
    errors.DuplicateApplication: _l("There is already an application by this member for this call."),
    errors.IncompleteApplication: lambda exc: _join([_l("Your application cannot be sent yet. Still missing:")]
                                                    + [", ".join(str(FIELD_LABELS.get(f, f)) for f in exc.missing) + "."]),
    errors.InvalidPhoto: _l("The photo must be a JPEG, PNG or WebP image. This file is not one."),
    errors.PhotoTooLarge: _l("The photo is too large: at most %(size)s MB and %(pixels)s million pixels.",
                              size=PHOTO_MEGABYTES, pixels=MAX_PIXELS // 1_000_000),
    errors.WrongStatus: _l("This cannot be done with the application in its current state."),
    errors.StaleApplication: _l("Your application was changed in another window (or on another device) since this "
                                "page was opened: nothing was saved here, so that that work is kept. The form now "
                                "shows the newest version; what you typed here is below, to copy into it."),
    errors.ReasonRequired: _l("Say why: the candidate receives this text."),
    errors.WithdrawalClosed: _l("The vote has opened: a withdrawal can no longer change the ballot."),
    errors.VoteOver: _l("The vote is over: your application can no longer be withdrawn. The assembly's results say "
                        "who was elected."),
    errors.NotPublished: _l("The list of candidates is not published yet."),
    errors.AlreadyPublished: _l("The list of candidates is already published."),
    errors.Recused: _l("You stand in this call yourself: another secretary decides on its applications, "
                       "publishes its list and fixes its ballot."),
    errors.BallotFixed: _l("The ballot order is already fixed: decisions and the order can no longer change."),
    errors.BallotNotFixed: _l("The ballot order has not been chosen or drawn yet."),
    errors.PendingReviews: _l("Some applications still wait for a decision: decide on them first."),
    errors.InvalidBallotOrder: _l("Number the candidates of each category 1, 2, 3… each number once."),
    errors.NoCandidates: _l("No candidate has been accepted: there is nothing to put on the ballot."),
    errors.VoteOpened: _l("The vote has opened: the ballot can no longer change."),
    errors.InvalidCall: lambda exc: CALL_PROBLEMS.get(exc.problem, _l("The call's dates or seats do not hold together.")),
    errors.CallStillOpen: _l("The call is still open: fix the ballot after the closing date."),
    errors.DuplicateCall: _l("Another call already has this short name."),
    errors.FieldTooLong: lambda exc: _join([_l("Some texts are too long:")]
                                           + [", ".join(str(FIELD_LABELS.get(f, f)) for f in exc.fields) + "."]),
})


# Words for the audit log (app.audit): every action this package writes, and the objects it audits.
register_action_labels({
    "candidates.call.create": _l("Call for candidates created"),
    "candidates.call.update": _l("Call for candidates changed"),
    "candidates.call.announce": _l("Call for candidates announced to members"),
    "candidates.call.publish": _l("List of candidates published"),
    "candidates.application.save": _l("Application saved"),
    "candidates.application.submit": _l("Application sent"),
    "candidates.application.withdraw": _l("Application withdrawn"),
    "candidates.application.restore": _l("Application given back: the exit that withdrew it was corrected"),
    "candidates.application.accept": _l("Application accepted"),
    "candidates.application.reject": _l("Application rejected"),
    "candidates.application.request_correction": _l("Correction asked of the candidate"),
    "candidates.ballot.fix": _l("Order of candidates on the ballot fixed"),
    "candidates.mandate.record": _l("Board mandates recorded"),
})
register_object_labels({
    "candidates_call": _l("Call for candidates"),
    "candidates_application": _l("Board candidacy"),
    "candidates_mandate": _l("Board mandate"),
})

# The fields the candidacies' audit entries record (app.audit), and the words for their codes.
register_field_labels({
    "after_vote": _l("Withdrawn after the vote opened"), "ballot_choice": _l("Place on the ballot"),
    "biography": _l("Short biography"), "closes_on": _l("Applications close on"),
    "consent_publication": _l("Agrees to publication"), "election_slug": _l("Election"), "ends_on": _l("Ends on"),
    "first": _l("First announcement"), "gender": _l("Gender"), "motivation": _l("Why do you stand?"),
    "membership_ended_on": _l("Withdrawn: the membership ended on"),
    "no_conflict": _l("No conflict of interest declared"), "opens_on": _l("Applications open on"),
    "order": _l("Order on the ballot"), "photo_id": _l("Photo number"), "published_at": _l("Published on"),
    "published_name": _l("Name as published"), "queued": _l("Messages queued"),
    "representative_name": _l("Name of the person representing your organisation"),
    "seats_a": _l("Seats in category A"), "seats_b": _l("Seats in category B"), "seed": _l("Seed of the draw"),
    "skills": _l("Skills"),
    "skills_other": _l("Other skills"), "staff_in_category_b": _l("Staff stand in category B"),
    "starts_on": _l("Starts on"), "term_years": _l("Term (years)"), "text_en": _l("Text in English"),
    "text_fr": _l("Text in French"), "text_nl": _l("Text in Dutch"), "title_en": _l("Title in English"),
    "title_fr": _l("Title in French"), "title_nl": _l("Title in Dutch"), "vision": _l("Vision for the cooperative"),
    "vote_opens_on": _l("The vote opens on"),
})
register_value_words("candidates_application", {"status": WORDS["status"], "gender": WORDS["gender"],
                                                "skills": WORDS["skill"], "language": WORDS["language"]})
register_value_words("candidates_call", {"method": WORDS["ballot_order"]})
register_object_names("candidates_call", named_rows(Call, Call.title))
register_object_names("candidates_application", named_rows(
    Application, lambda application, language: application.published_name or application.member.name))
register_object_names("candidates_mandate", named_rows(Mandate, lambda mandate, language: member_number_and_name(
    mandate.member)))
