"""The verifier and the scrutineer tool speak French, Dutch or English (voting.cli_i18n), and every refusal
code of the voting core has one plain sentence (voting.reasons) shown before its technical detail."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voting import reasons
from voting.cli_i18n import choose_language, language_from_env, pre_parse_lang, words_for

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "tests" / "voting" / "records"
VALID = RECORDS / "valid.json"
FORGED = RECORDS / "ballot_forged.json"  # a ballot's signature does not hold (event 13)

# What each language says of the forged record and of the good one (the catalogue's words, not the code's;
# French with its no-break spaces before the colons, as on the web pages).
SAYS = {
    "fr": {
        "fail": "FAIL à l'événement 13\u00a0: La signature d'un bulletin ne correspond pas au bulletin et à son code de "
                "vote\u00a0: le bulletin a été modifié ou falsifié.",
        "detail": "  détail technique (ballot_signature)\u00a0: the signature does not match the ballot and its credential",
        "ok": "OK\u00a0: toutes les vérifications tiennent, résultat vérifié (",
        "checked": "vérifié — bulletins\u00a0: 7",
    },
    "nl": {
        "fail": "FAIL bij gebeurtenis 13: De handtekening van een stembiljet klopt niet met het stembiljet en zijn "
                "stemcode: het stembiljet werd gewijzigd of vervalst.",
        "detail": "  technisch detail (ballot_signature): the signature does not match the ballot and its credential",
        "ok": "OK: elke controle klopt, uitslag gecontroleerd (",
        "checked": "gecontroleerd — stembiljetten: 7",
    },
    "en": {
        "fail": "FAIL at event 13: A ballot's signature does not match the ballot and its voting credential: the "
                "ballot was changed or forged.",
        "detail": "  technical detail (ballot_signature): the signature does not match the ballot and its credential",
        "ok": "OK: every check holds, result verified (",
        "checked": "checked ballots: 7",
    },
}


def verify(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT,
           program: tuple[str, ...] = ("-m", "voting.verify")) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    base["UNEVOIX_VERIFY_KEY"] = str(Path("/tmp") / f"unevoix-test-verify-{os.getuid()}.key")
    return subprocess.run([sys.executable, *program, *args, "--workers", "1"], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**base, **(env or {})})


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_verifier_speaks_the_chosen_language(language: str) -> None:
    says = SAYS[language]
    good = verify(str(VALID), "--lang", language)
    assert good.returncode == 0, good.stdout + good.stderr
    assert says["ok"] in good.stdout and says["checked"] in good.stdout.splitlines()
    bad = verify(str(FORGED), "--lang", language, "--json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    lines = bad.stdout.splitlines()
    fail = lines.index(says["fail"])
    assert lines[fail + 1] == says["detail"]
    assert [line for line in lines if line.startswith("FAIL")] == [says["fail"]]
    # Machines read the JSON line: its keys and the code stay the same in every language.
    report = json.loads(lines[-1])
    assert report["code"] == "ballot_signature" and report["seq"] == 13 and report["ok"] is False
    assert "ballots" in report["checked"] and report["missing"] == ["partial decryptions (0 of the 2 needed)", "the result"]


def test_the_language_comes_from_the_environment_and_lang_beats_it() -> None:
    assert SAYS["nl"]["fail"] in verify(str(FORGED), env={"LANG": "nl_BE.UTF-8"}).stdout
    assert SAYS["fr"]["fail"] in verify(str(FORGED), env={"LANG": "en_GB.UTF-8", "LC_MESSAGES": "fr_BE.UTF-8"}).stdout
    assert SAYS["fr"]["fail"] in verify(str(FORGED), "--lang", "fr", env={"LANG": "nl_BE.UTF-8"}).stdout
    assert SAYS["en"]["fail"] in verify(str(FORGED), "--lang", "en", env={"LC_ALL": "fr_BE.UTF-8"}).stdout


def test_an_unknown_language_falls_back_to_english() -> None:
    for args, env in (((), {"LANG": "de_DE.UTF-8"}), (("--lang", "de"), {"LANG": "fr_BE.UTF-8"}), ((), {})):
        proc = verify(str(FORGED), *args, env=env)
        assert SAYS["en"]["fail"] in proc.stdout and SAYS["en"]["detail"] in proc.stdout, (args, env, proc.stdout)


def test_the_choice_of_language_follows_gettext() -> None:
    assert choose_language("fr", {"LANG": "nl_BE.UTF-8"}) == "fr"
    assert choose_language("nl-BE", {}) == "nl"
    assert choose_language("de", {"LANG": "fr_BE.UTF-8"}) == "en"
    assert choose_language(None, {"LANG": "nl_BE.UTF-8"}) == "nl"
    assert choose_language(None, {"LC_ALL": "fr_FR.UTF-8", "LANG": "nl_BE.UTF-8"}) == "fr"
    assert choose_language(None, {"LC_MESSAGES": "fr_BE", "LANG": "nl_BE.UTF-8"}) == "fr"
    assert language_from_env({"LANGUAGE": "de:nl", "LANG": "fr_BE.UTF-8"}) == "nl"  # a list, as gettext reads it
    assert language_from_env({"LC_ALL": "C.UTF-8", "LANG": "fr_BE.UTF-8"}) is None  # the first one set decides
    assert choose_language(None, {}) == "en"
    # --lang is read before the parser is built (the parser's own help is translated)
    assert pre_parse_lang(["decrypt", "--record", "r.json", "--lang", "nl"]) == "nl"
    assert pre_parse_lang(["--lang=fr", "r.json"]) == "fr"
    assert pre_parse_lang(["r.json", "--", "--lang", "fr"]) is None and pre_parse_lang(["--lang"]) is None


# -- one sentence per code -------------------------------------------------------------------------

def _coded_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """CodedError and every class deriving from it, in voting/."""
    names = {"CodedError"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        (b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)) in names for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def _strings(node: ast.AST) -> set[str]:
    """The codes a value may take: a literal, or either branch of ``a if ... else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    raise AssertionError(f"line {node.lineno}: a code that is not a literal")


def codes_raised_in_source() -> set[str]:
    """Every code a CodedError (RecordError, TrusteeError, InvalidBallot, TallyError) is raised with in voting/,
    and the verifier's own failure codes. A code passed through a variable is followed to its literal values
    (an assignment in the function, or the literal arguments of its calls); any other form fails here."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in (ROOT / "voting").rglob("*.py")}
    coded = _coded_classes(trees) | {"Failure"}
    codes: set[str] = set()
    for path, tree in trees.items():
        functions = {f.name: f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for func in functions.values():
            for call in ast.walk(func):
                if not (isinstance(call, ast.Call) and call.args):
                    continue
                name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
                if name not in coded:
                    continue
                first = call.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.add(first.value)
                elif isinstance(first, ast.Attribute) and first.attr == "code":
                    continue  # re-raised from another coded error, whose codes are read at its own raise
                elif isinstance(first, ast.Name):
                    assigned = [n.value for n in ast.walk(func) if isinstance(n, ast.Assign)
                                and any(isinstance(t, ast.Name) and t.id == first.id for t in n.targets)]
                    params = [a.arg for a in func.args.args]
                    if assigned:
                        for value in assigned:
                            codes |= _strings(value)
                    elif first.id in params:
                        index = params.index(first.id) - (1 if params[0] == "self" else 0)
                        for other in ast.walk(tree):
                            callee = other.func.id if isinstance(other, ast.Call) and isinstance(other.func, ast.Name) \
                                else getattr(getattr(other, "func", None), "attr", None)
                            if isinstance(other, ast.Call) and callee == func.name:
                                arg = other.args[index] if len(other.args) > index else None
                                assert isinstance(arg, ast.Constant), f"{path}:{other.lineno}: code not a literal"
                                codes.add(arg.value)
                    # (a Failure built from a worker's (seq, code, msg) tuple carries a code read elsewhere)
                    elif not (name == "Failure" and first.id == "code"):
                        raise AssertionError(f"{path}:{call.lineno}: cannot follow the code {first.id}")
                else:
                    raise AssertionError(f"{path}:{call.lineno}: a code of an unknown form")
    return codes


def test_every_code_raised_in_voting_has_a_sentence() -> None:
    codes = codes_raised_in_source()
    # The scan finds codes of every kind (an earlier scan that found nothing would pass anything).
    assert {"ballot_signature", "hash_link", "refused", "state_mismatch", "item_hold", "item_open", "result_seats",
            "result_outcome", "close_count", "decryption_out_of_range", "unreadable", "incomplete"} <= codes
    assert len(codes) >= 60
    missing = sorted(codes - set(reasons.SENTENCES))
    assert missing == [], f"give each a sentence in voting/reasons.py and translate it: {missing}"
    # And no sentence for a code that no longer exists.
    assert sorted(set(reasons.SENTENCES) - codes) == []


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_sentence_is_translated(language: str) -> None:
    words = words_for(language)
    assert words.language == language and not words.missing_catalogue
    untranslated = [code for code, text in reasons.SENTENCES.items() if words.reason(code) == text]
    assert untranslated == []
    assert words.reason("no_such_code") == words._(reasons.UNKNOWN) != reasons.UNKNOWN


def test_the_single_file_verifier_speaks_french(tmp_path: Path) -> None:
    """The zipapp carries its catalogues: run from elsewhere, isolated from the source tree (-I)."""
    from voting.verifier_file import build

    pyz = build(tmp_path / "une-voix-verify.pyz")
    bad = verify("--lang", "fr", str(FORGED), cwd=tmp_path, program=("-I", str(pyz)))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert SAYS["fr"]["fail"] in bad.stdout.splitlines() and SAYS["fr"]["detail"] in bad.stdout.splitlines()
    good = verify(str(VALID), cwd=tmp_path, program=("-I", str(pyz)), env={"LANG": "nl_BE.UTF-8"})
    assert good.returncode == 0 and SAYS["nl"]["ok"] in good.stdout, good.stdout + good.stderr


def test_the_scrutineer_page_names_what_is_wrong_with_the_same_sentence(app) -> None:
    """One registry for both: a file refused on the web page gets the code's sentence from voting/reasons.py,
    in the page's language, after the page's own words."""
    from flask_babel import force_locale

    from app.errors import error_message
    from voting import errors

    refused = errors.InvalidTrusteeData("trustee t2: proof of knowledge fails", code="trustee_proof")
    with app.test_request_context():
        with force_locale("fr"):
            french = error_message(refused)
        with force_locale("nl"):
            dutch = error_message(refused)
        with force_locale("en"):
            english = error_message(refused)
            plain = error_message(errors.InvalidTrusteeData("?", code="no_such_code"))
    assert french == ("Le fichier ne concorde pas avec le dossier publié. "
                      "La preuve qu'un scrutateur connaît sa clé secrète ne tient pas.")
    assert dutch == ("Het bestand klopt niet met het gepubliceerde dossier. "
                     "Het bewijs dat een stemopnemer zijn geheime sleutel kent, klopt niet.")
    assert english == ("The file does not verify against the published record. "
                       "A scrutineer's proof that they know their secret key does not hold.")
    assert plain == "The file does not verify against the published record."


def test_help_and_argument_errors_speak_too() -> None:
    """argparse's own words (usage, the help option, a missing argument) come from the same catalogue."""
    helped = verify("--lang", "fr", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("utilisation\u00a0: python -m voting.verify")
    for text in ("afficher cette aide et quitter", "chemin ou URL https:// du registre (JSON)",
                 "langue des messages (par défaut : celle de LANG, sinon l'anglais)"):
        assert text in " ".join(helped.stdout.split()), text  # split() takes the no-break spaces too
    wrong = subprocess.run([sys.executable, "-m", "voting.trustee", "--lang", "nl", "decrypt", "--record", "x.json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2
    assert wrong.stderr.splitlines()[0].startswith("gebruik: python -m voting.trustee decrypt")
    assert wrong.stderr.splitlines()[-1] == ("python -m voting.trustee decrypt: fout: de volgende argumenten zijn "
                                             "vereist: --key, --share, --out")
    english = subprocess.run([sys.executable, "-m", "voting.trustee", "decrypt"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert "error: the following arguments are required: --record" in english.stderr
