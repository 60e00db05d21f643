"""Words for the candidacies' codes: statuses, eligibility reasons, skills, version events,
categories. Said once, as lazy strings: a page translates only the word it shows (a history of
many versions used to translate every word of each table for each line).
Templates reach them through the macros of candidates/_labels.html (``candidacy_word``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.i18n import LANGUAGE_WORDS
from shares.labels import CATEGORY_WORDS

WORDS = {
    "status": {"draft": _l("Draft"), "submitted": _l("Sent, waiting for review"),
               "correction": _l("Correction asked"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
               "withdrawn": _l("Withdrawn")},
    "reason": {
        "not_in_good_standing": _l("Not a member in good standing."),
        "membership_lapsed": _l("Membership lapsed: the renewal is not paid."),
        "no_seats_in_category": _l("No seat to fill in this category."),
        "staff_not_in_category_b": _l("Staff of the cooperative may stand only in category B."),
        "term_running": _l("A board term that runs beyond this election."),
        "category_changed": _l("The category in the register changed since the application was sent.")},
    "skill": {"governance": _l("Governance and strategy"), "finance": _l("Finance and accounting"),
              "law": _l("Law and statutes"), "human_resources": _l("Human resources"),
              "it": _l("IT and digital tools"), "communication": _l("Communications"),
              "social_economy": _l("Social economy and cooperatives"), "culture": _l("Arts and culture"),
              "training": _l("Training and education"), "sustainability": _l("Sustainability")},
    "event": {"created": _l("Started"), "saved": _l("Saved"), "edited_after_acceptance": _l("Changed after acceptance"),
              "submitted": _l("Sent"), "resubmitted": _l("Sent again"), "accepted": _l("Accepted"),
              "rejected": _l("Rejected"), "correction_requested": _l("Correction asked"), "withdrawn": _l("Withdrawn"),
              "membership_ended": _l("Withdrawn: the membership ended"),
              "membership_restored": _l("Given back: the exit was corrected")},
    "category": {None: _l("Unknown"), **CATEGORY_WORDS},
    "language": LANGUAGE_WORDS,
    "gender": {"woman": _l("Woman"), "man": _l("Man"), "other": _l("Other")},
    "ballot_order": {"lot": _l("Draw by lot (the seed is recorded)"), "manual": _l("In the order I give below")},
}


def candidacy_word(kind: str, code) -> str:
    """The word for ``code`` (an enum or its value) among the ``kind`` words; an unknown code as is."""
    key = getattr(code, "value", code)
    word = WORDS[kind].get(key, key)
    return "" if word is None else str(word)
