"""Every audit action the code writes, and every object it audits, has words in the audit log, in
French, Dutch and English (people see words, not codes)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app import audit
from shares.models import MemberRequestKind, MemberRequestStatus

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "shares", "voting", "assemblies", "candidates", "working_groups")
# Functions that pass their own parameter on as the action (or its last word): (name, argument index, prefix).
WRAPPERS = {"_audit": (0, ""), "_move_recommendation": (3, ""), "_move": (3, "working_groups.minutes."),
            "_finish_approval": (2, "working_groups.minutes.")}
# f-string actions: the values their placeholder takes.
EXPANSIONS = {
    "shares.member_request.": [k.value for k in MemberRequestKind] + [s.value for s in MemberRequestStatus],
    "working_groups.call.": ["open", "close"],
    "working_groups.minutes.": [],  # its verbs are read from the calls of _move and _finish_approval
}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _arg(call: ast.Call, index: int) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else None


def _literals(node: ast.expr | None) -> list[str] | None:
    """The names a literal, or a conditional between literals, can take; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def written_actions() -> set[str]:
    """Every action name the code can write, read from the source (a new way of writing one that this
    walk cannot read fails the test, so it is extended rather than skipped)."""
    found: set[str] = set()
    unreadable: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name == "record" and isinstance(node.func, ast.Attribute) and _name(node.func.value) == "audit":
                    first = _arg(node, 0)
                    if _literals(first) is not None:
                        found.update(_literals(first))
                    elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                        prefix = first.values[0].value
                        if prefix not in EXPANSIONS:
                            unreadable.append(f"{where}: f-string action {prefix}…: list its values in EXPANSIONS")
                        found.update(prefix + value for value in EXPANSIONS.get(prefix, []))
                    elif not (isinstance(first, ast.Name) and first.id == "action"):
                        unreadable.append(f"{where}: action is not a literal")
                elif name in WRAPPERS:
                    index, prefix = WRAPPERS[name]
                    for value in _literals(_arg(node, index)) or []:
                        found.add(prefix + value)
    assert not unreadable, "\n".join(unreadable)
    return found


def test_the_walk_finds_the_actions_of_every_package():
    actions = written_actions()
    assert {a.split(".")[0] for a in actions} == set(PACKAGES)
    assert {"shares.register.transfer", "working_groups.minutes.approve", "working_groups.recommendation.adopt",
            "shares.member_request.buy_shares", "voting.election.open", "app.session.sign_in"} <= actions


def _catalogue(language: str) -> dict[str, str]:
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", encoding="utf-8") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and not m.fuzzy}


def test_every_audit_action_in_the_code_has_words_in_three_languages(app):
    french, dutch = _catalogue("fr"), _catalogue("nl")
    missing, untranslated = [], []
    with app.test_request_context():
        for action in sorted(written_actions()):
            with force_locale("en"):
                english = audit.action_label(action)
            if english == action:
                missing.append(action)
            elif not (french.get(english) and dutch.get(english)):
                untranslated.append(f"{action}: {english!r}")
            else:
                with force_locale("fr"):
                    assert audit.action_label(action) != action
    assert not missing, "no words for these audit actions (register_action_labels in their package):\n" + "\n".join(missing)
    assert not untranslated, "\n".join(untranslated)


def test_every_audited_object_type_has_words(app):
    """The objects written by the code's audit calls: the tables of the models they pass."""
    from app.extensions import db

    audited = {"app_account", "system", "shares_member", "shares_payment_request", "shares_bank_statement_import",
               "shares_bank_transaction", "shares_member_request", "shares_membership_application",
               "voting_election", "voting_trustee", "assembly_assembly", "assembly_item", "assembly_candidate",
               "assembly_document", "assembly_proxy", "assembly_checkin", "candidates_call",
               "candidates_application", "candidates_mandate", "wg_group", "wg_membership", "wg_meeting",
               "wg_document", "wg_recommendation", "wg_submission", "wg_answer", "wg_minutes"}
    with app.app_context():
        assert audited - {"system"} <= set(db.metadata.tables)
    with app.test_request_context(), force_locale("en"):
        assert [t for t in sorted(audited) if audit.object_label(t) == t] == []
