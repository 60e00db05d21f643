"""The words of an election definition in the reader's language (its optional ``texts``), for the
ballot page and the board. A definition without texts falls back to plain words for yes, no and
abstain and to the identifiers elsewhere (older elections only)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# An election's state (voting.models.ElectionState values), for its pages and the audit log.
STATE_WORDS = {"setup": _l("Waiting for the scrutineers' keys"), "keygen": _l("Key generation"), "open": _l("Open"),
               "closed": _l("Closed"), "tallied": _l("Result published"),
               "ready": _l("Ready to open")}  # key generation done: the election key is on the board

# A board contest's category, in the words of a definition's texts (each language).
CATEGORY_TITLES = {
    "A": {"fr": "Conseil d'administration, catégorie A", "nl": "Raad van bestuur, categorie A",
          "en": "Board of directors, category A"},
    "B": {"fr": "Conseil d'administration, catégorie B", "nl": "Raad van bestuur, categorie B",
          "en": "Board of directors, category B"},
}


# Why a member's own credential was revoked, said on their ballot page: each explanation, registered
# by the module that revokes (assemblies: a proxy given), returns a sentence or None (voting imports none).
REVOKED_EXPLANATIONS: list = []


def register_revoked_explanation(explain) -> None:
    if explain not in REVOKED_EXPLANATIONS:
        REVOKED_EXPLANATIONS.append(explain)


# Why a credential delivered to another member, opened by the signed-in member, no longer votes: each
# explanation, registered the same way (assemblies: a proxy withdrawn by its giver), takes the member,
# the election and the credential's owner (a member id), and returns a sentence or None.
HELD_REVOKED_EXPLANATIONS: list = []


def register_held_revoked_explanation(explain) -> None:
    if explain not in HELD_REVOKED_EXPLANATIONS:
        HELD_REVOKED_EXPLANATIONS.append(explain)


def why_held_revoked(member: Any, election: Any, owner_id: int, revoked_at: Any) -> str | None:
    """Why another member's credential in ``member``'s hands, revoked at ``revoked_at``, no longer votes, if a
    module knows."""
    for explain in HELD_REVOKED_EXPLANATIONS:
        words = explain(member, election, owner_id, revoked_at)
        if words:
            return words
    return None


def why_revoked(member: Any, election: Any, replaced: bool) -> str:
    """Why ``member``'s own credential no longer votes: a registered explanation; else, when a newer
    credential of theirs votes (``replaced``), that a newer link came by mail; else that it was revoked
    (the officer's revocation, a removal from an assembly's electorate), with whom to ask."""
    for explain in REVOKED_EXPLANATIONS:
        words = explain(member, election)
        if words:
            return words
    if replaced:
        return _("This link was replaced by a newer one, sent to you by mail: vote with the link of your latest "
                 "mail.")
    return _("This link no longer votes: it was revoked on the public board. If you think you should vote, write to "
             "the election officer.")


# A board contest's category after its election's own title ("Election of the board — category A").
CATEGORY_SUFFIXES = {
    "A": {"fr": "catégorie A", "nl": "categorie A", "en": "category A"},
    "B": {"fr": "catégorie B", "nl": "categorie B", "en": "category B"},
}


def _pick(value: Any, lang: str, default: str) -> str:
    if isinstance(value, dict):
        return value.get(lang) or value.get("fr") or value.get("en") or default
    return value if isinstance(value, str) and value else default


def title_in(definition: dict[str, Any] | None, lang: str, default: str) -> str:
    """An election's title in ``lang``, from its definition's texts; else ``default``."""
    return _pick(((definition or {}).get("texts") or {}).get("title"), lang, default)


def election_title(election: Any, lang: str) -> str:
    """What pages, lists and mails call an election, in the reader's language (an assembly's
    election carries its title in French, Dutch and English; ``election.title`` is one of them)."""
    return title_in(election.definition, lang, election.title)


def ballot_view(definition: dict[str, Any], lang: str) -> dict[str, Any]:
    texts = definition.get("texts") or {}
    contest_texts = texts.get("contests") or {}
    plain = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
    contests = []
    for c in definition.get("contests", []):
        t = contest_texts.get(c["id"]) or {}
        ch = t.get("choices") or {}
        contests.append({
            "id": c["id"], "kind": c["kind"], "min": c["min"], "max": c["max"], "category": c.get("category"),
            "title": contest_title(definition, c["id"], lang),
            "question": _pick(t.get("question"), lang, ""),
            "choices": [{"id": x, "label": _pick(ch.get(x), lang, plain.get(x, x))} for x in c["choices"]],
            "placeholder": placeholder_selection(c),
        })
    return {"title": title_in(definition, lang, definition.get("title", "")), "contests": contests,
            "contest_titles": {c["id"]: c["title"] for c in contests},
            "choice_labels": {c["id"]: {x["id"]: x["label"] for x in c["choices"]} for c in contests},
            "trustees": trustee_names(definition, lang)}


def contest_title(definition: dict[str, Any], contest_id: str, lang: str) -> str:
    """A contest's title (the question's or the board category's) in ``lang``; else its id."""
    texts = ((definition.get("texts") or {}).get("contests") or {}).get(contest_id) or {}
    return _pick(texts.get("title") if isinstance(texts, dict) else None, lang, contest_id)


def trustee_names(definition: dict[str, Any], lang: str) -> dict[str, str]:
    """Each scrutineer's name by id, in the reader's language."""
    trustee_texts = (definition.get("texts") or {}).get("trustees") or {}
    return {t["id"]: _pick(trustee_texts.get(t["id"]), lang, t.get("name") or t["id"])
            for t in definition.get("trustees", [])}


def event_words(event_type: str) -> str:
    """What an event of the public board is, for people (section 5 of docs/election-record.md)."""
    return {
        "election": _("The election is defined"),
        "trustee_commitments": _("A scrutineer's key commitments"),
        "trustee_complaint": _("A scrutineer's complaint"),
        "trustee_share": _("A scrutineer's key shares"),
        "election_key": _("The election key"),
        "credentials": _("Voting credentials"),
        "revocation": _("A credential revoked"),
        "open": _("The ballot box opens"),
        "electorate_addition": _("A voter added to the electorate"),
        "ballot": _("A ballot"),
        "item_hold": _("Items held back at the opening"),
        "item_open": _("The vote on an item opens"),
        "item_close": _("The vote on an item closes"),
        "close": _("The ballot box closes"),
        "seal_signature": _("A scrutineer seals the box"),
        "tally": _("The encrypted tally"),
        "partial_decryption": _("A scrutineer's partial decryption"),
        "result": _("The result"),
    }.get(event_type, event_type)


def placeholder_selection(contest: dict[str, Any]) -> list[str]:
    """What a ballot carries for a contest whose vote is closed (the ballot keeps every contest; that
    part does not count, docs/election-record.md 5.8a): blank when allowed, else abstain, else the
    first choices, as many as the contest's minimum."""
    n = contest["min"]
    if n == 0:
        return []
    choices = list(contest["choices"])
    order = (["abstain"] if "abstain" in choices else []) + [x for x in choices if x != "abstain"]
    return order[:n]


def majority_words(code: str | None) -> str:
    return {"simple": _("simple majority"), "two_thirds": _("two thirds"), "three_quarters": _("three quarters"),
            "each_category": _("a majority within each category")}.get(code or "", code or "")


def tie_rule_words(code: str | None) -> str:
    return {"ballot_order": _("the order of the ballot"), "lot": _("lot")}.get(code or "", code or "")
