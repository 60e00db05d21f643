"""Scrutineer (trustee) tool working with files: ``python -m voting.trustee STEP ...``.

Steps:

* ``init``     create my signing (Ed25519) and share-encryption (X25519) keys;
               the public half goes into the election definition.
* ``keygen1``  deal my polynomial: signed commitments, proof and encrypted
               shares (publish), private state (keep).
* ``keygen2``  check every dealer's commitments and the share addressed to me;
               write my combined secret share (keep) and my signed public share
               (publish).
* ``sign-seal`` verify the closed record, show its count, turnout and head, and
               sign the seal (publish); the tally needs k such signatures.
* ``decrypt``  verify the published record, then write my signed partial
               decryption of its encrypted tally, with proofs (publish).
* ``tally``    combine any k published partial decryptions into the result
               event; with fewer than k, name who is missing.

Everything published is signed with my trustee key and checked by the others
(and by ``python -m voting.verify``) against the election definition.

Messages are in the scrutineer's language (``--lang fr|nl|en``, else LANG, else
English; voting.cli_i18n); a refusal names what is wrong in a plain sentence
(voting.reasons), then the technical detail with its code.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from typing import Any, Sequence

from voting.cli_i18n import ENGLISH, N_, Words, parse_in_language
from voting.crypto.dkg import (
    TrusteeError,
    bad_dealers,
    make_complaint,
    keygen_step1,
    keygen_step2,
    new_trustee_identity,
    partial_decrypt,
    verify_step1,
    verify_trustee_signature,
)
from voting.crypto.election import DefinitionError, Election
from voting.record import RECORD_FORMAT, RecordError, RecordState


def _read(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# The private file the browser scrutineer saves (static/js/scrutineer/page.mjs) holds the key, the
# key-generation state and the share together; a command reads the part it needs from it.
BROWSER_PRIVATE_FORMAT = "unevoix/v1/trustee-private"


# What only a scrutineer's own files hold (the key, the key-generation state; the share file is exactly
# these three fields): such a file is never uploaded. Twin: isPrivateFile in static/js/scrutineer/page.mjs.
PRIVATE_FIELDS = frozenset({"signing_seed", "encryption_secret", "coefficients"})


def is_private_file(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    return (doc.get("format") == BROWSER_PRIVATE_FORMAT or bool(PRIVATE_FIELDS & doc.keys())
            or set(doc) == {"id", "election", "share"})


def _private(path: str, part: str) -> Any:
    """``part`` ("key", "state" or "share") from this tool's own file, or from the browser's file."""
    doc = _read(path)
    if isinstance(doc, dict) and doc.get("format") == BROWSER_PRIVATE_FORMAT:
        return doc[part]  # a file saved before this step lacks it: "cannot be read", as any wrong file
    return doc


def _write(path: str, obj: Any, *, private: bool = False) -> None:
    if os.path.exists(path):
        raise FileExistsError(errno.EEXIST, "exists; refusing to overwrite", path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.write("\n")


def load_election(path: str) -> Election:
    """An election from a bare definition file or from a record's first event."""
    doc = _read(path)
    if isinstance(doc, dict) and doc.get("format") == RECORD_FORMAT:
        doc = doc["events"][0]["data"]
    return Election.from_json(doc)


def _replay(path: str) -> tuple[RecordState, list[dict[str, Any]]]:
    """Replay a record without its ballots' crypto (key generation and combining steps).

    Streams the file and keeps no ballot; returns the state and the key-generation
    events (everything before the first ballot)."""
    from voting.verify import RecordFile, UnreadableRecord

    record = RecordFile(path)
    state = RecordState(defer_ballots=True, keep_ballots=False)
    setup: list[dict[str, Any]] = []
    try:
        for event, _ in record.events():
            state.apply(event)
            if event["type"] in ("election", "trustee_commitments", "trustee_complaint", "trustee_share", "election_key"):
                setup.append(event)
    except UnreadableRecord as exc:
        raise RecordError("record_format", f"{path}: {exc}") from exc
    if record.format != RECORD_FORMAT:
        raise RecordError("record_format", f"{path} is not a {RECORD_FORMAT} document")
    return state, setup


DEFAULT_MIN_BALLOTS = 5
# The hall's figure a scrutineer compares the count with (assemblies' turnout: "Voted" and participation).
HALL_COUNT = N_("the count to compare is the hall's \"Voted\" figure (one counted ballot per member who voted, "
                "remotely or in the hall); the hall's \"Taking part\" also counts members present or represented who "
                "did not vote")


def decryption_summary(state: RecordState, *, min_ballots: int = DEFAULT_MIN_BALLOTS,
                       expect_count: int | None = None, words: Words = ENGLISH) -> dict[str, Any]:
    """What a scrutineer is about to decrypt, or :class:`TrusteeError` ``refused`` saying why not.

    Call only on a state the verifier replayed without failure (every counted
    ballot's signature and proofs verified, the encrypted tally recomputed from
    them). Refuses a board that is not closed and sealed by k scrutineers, a tally
    with nothing to decrypt, an election whose definition publishes counts of
    fewer than ``min_ballots`` ballots, any decrypted total that combines fewer
    (decrypting it would show how a few members voted), and a count other than
    the one announced (``expect_count``). The refusal's message is the reason in ``words``' language
    (English by default)."""
    _ = words._
    if state.election is None or not state.closed:
        raise TrusteeError("refused", _("the ballot box is not closed and sealed: nothing may be decrypted yet"))
    el = state.el
    if len(state.seals) < el.threshold:
        missing = [t.id for t in el.trustees if t.id not in state.seals]
        raise TrusteeError("refused", _("the board is not sealed: %(have)s of the %(need)s scrutineers needed signed "
                                        "the seal (missing: %(missing)s)", have=len(state.seals), need=el.threshold,
                                        missing=", ".join(missing)))
    if state.tally_decrypt is None or state.tally_hash is None or state.tally_counted is None:
        raise TrusteeError("refused", _("the record has no encrypted tally yet"))
    counted = dict(state.tally_counted)
    total = sum(counted.values())
    if el.min_ballots < min_ballots:
        raise TrusteeError("refused", _("this election publishes counts of as few as %(min)s ballots; at least "
                                        "%(needed)s are needed so that no single vote shows", min=el.min_ballots,
                                        needed=min_ballots))
    if not state.tally_decrypt:
        raise TrusteeError("refused", _("every count is withheld (fewer than %(min)s ballots): nothing to decrypt",
                                        min=el.min_ballots))
    groups = list(state.tally_decrypt)
    small: list[str] = []
    for g in groups:  # every decrypted total, contest by contest (items closed apart count apart)
        for cid in state.tally_decrypt[g]:
            per = state.tally_contest_counted[cid] if state.tally_contest_counted else counted
            n = sum(per.values()) if g == "total" else per.get(g, 0)
            if state.tally_contest_counted:
                where = (_("in all for %(contest)s: %(n)s", contest=cid, n=n) if g == "total"
                         else _("category %(category)s for %(contest)s: %(n)s", category=g, contest=cid, n=n))
            else:
                where = _("in all: %(n)s", n=n) if g == "total" else _("category %(category)s: %(n)s", category=g, n=n)
            if 0 < n < min_ballots and where not in small:
                small.append(where)
    if small:
        raise TrusteeError("refused", _("the tally combines too few ballots (%(counts)s; at least %(min)s per published "
                                        "count): decrypting it would show how individual members voted",
                                        counts=", ".join(small), min=min_ballots))
    if expect_count is not None and total != expect_count:
        raise TrusteeError("refused", _("the record counts %(total)s ballots, not the %(expected)s announced",
                                        total=total, expected=expect_count))
    electorate = state.electorate()
    voters = sum(electorate.values())
    return {
        "counted": counted,
        "total": total,
        "groups": groups,
        "electorate": electorate,
        "turnout": _("%(total)s of %(voters)s (%(percent)s)", total=total, voters=voters,
                     percent=words.percent(100 * total / voters)) if voters else "0",
        "head": state.close_head,
        "tally": state.tally_hash,
    }


def cmd_init(args: argparse.Namespace) -> int:
    private, public = new_trustee_identity(args.id, args.name)
    _write(args.key, private, private=True)
    _write(args.public, public)
    print(args.words._("trustee %(id)s: private keys in %(key)s; give %(public)s to the election officer",
                       id=args.id, key=args.key, public=args.public))
    return 0


def cmd_keygen1(args: argparse.Namespace) -> int:
    election = load_election(args.election)
    private = _private(args.key, "key")
    election.trustee_index(private["id"])
    data, state = keygen_step1(election, private)
    _write(args.state, state, private=True)
    _write(args.out, data)
    print(args.words._("trustee %(id)s: commitments and encrypted shares in %(out)s (publish); private state in "
                       "%(state)s (keep)", id=private["id"], out=args.out, state=args.state))
    return 0


def cmd_keygen2(args: argparse.Namespace) -> int:
    election = load_election(args.election)
    private = _private(args.key, "key")
    state = _private(args.state, "state")
    if state.get("election") != election.fingerprint:
        raise TrusteeError("state_mismatch", "the private state belongs to another election")
    disqualified: list[str] = []
    if args.record:
        rec, events = _replay(args.record)
        step1 = [e["data"] for e in events if e["type"] == "trustee_commitments"]
        disqualified = list(rec.disqualified)
    else:
        step1 = [_read(p) for p in args.commitments]
    for data in step1:
        verify_step1(election, data)
    bad = bad_dealers(election, private, step1, excluded=disqualified)
    if bad:
        # Name each dealer at fault with a complaint anyone can check; key generation goes on without them.
        by_dealer = {d["trustee"]: d for d in step1}
        paths = []
        for dealer in bad:
            path = f"{args.out}.complaint-{dealer}.json"
            _write(path, make_complaint(election, private, by_dealer[dealer]))
            paths.append(path)
        print(args.words._("trustee %(id)s: the share dealt by %(dealers)s is wrong (it cannot be decrypted with your "
                           "key, or does not match its commitments). Publish %(files)s (a complaint anyone can "
                           "check); once it is on the board, run keygen2 again with --record: key generation "
                           "continues without %(dealers)s.", id=private["id"], dealers=", ".join(bad),
                           files=", ".join(paths)))
        return 3
    public, secret = keygen_step2(election, private, state, step1, disqualified)
    _write(args.share, secret, private=True)
    _write(args.out, public)
    _ = args.words._
    if disqualified:
        print(_("trustee %(id)s: every dealer's share checked against its commitments (left out after a complaint: "
                "%(left_out)s); public share in %(out)s (publish); secret share in %(share)s (keep)",
                id=private["id"], left_out=", ".join(disqualified), out=args.out, share=args.share))
    else:
        print(_("trustee %(id)s: every dealer's share checked against its commitments; public share in %(out)s "
                "(publish); secret share in %(share)s (keep)", id=private["id"], out=args.out, share=args.share))
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from voting.verify import verify_record

    _ = args.words._
    # Every counted ballot's signature and proofs, and the tally recomputed from them, before anything else.
    report = verify_record(args.record, workers=args.workers, out=sys.stderr, words=args.words)
    if report.failure is not None:
        print(_("refused: the record does not verify."), report.failure.line(args.words), sep="\n", file=sys.stderr)
        return 1
    state = report.state
    assert state is not None
    summary = decryption_summary(state, min_ballots=args.min_ballots, expect_count=args.expect_count, words=args.words)
    private = _private(args.key, "key")
    share = _private(args.share, "share")
    election = state.el
    if share.get("election") != election.fingerprint or share.get("id") != private["id"]:
        raise TrusteeError("state_mismatch", "the secret share belongs to another election or trustee")
    if private["id"] not in state.shares:
        raise TrusteeError("state_mismatch", "I am not a trustee with a public share on this record")
    assert state.tally_decrypt is not None and state.tally_hash is not None
    data = partial_decrypt(election, private, share["share"], state.tally_decrypt, state.tally_hash)
    if data["public_share"] != state.shares[private["id"]].hex():
        raise TrusteeError("state_mismatch", "my secret share does not match my public share on the record")
    _write(args.out, data)
    cats = ", ".join(f"{cat} {n}" for cat, n in sorted(summary["counted"].items()))
    print(_("trustee %(id)s: decrypting the tally of %(total)s counted ballots (%(categories)s); turnout %(turnout)s; "
            "board head %(head)s; tally %(tally)s", id=private["id"], total=summary["total"], categories=cats,
            turnout=summary["turnout"], head=summary["head"], tally=summary["tally"]))
    print(_("compare these figures with the ones announced in the hall before publishing"))
    print(_(HALL_COUNT))
    print(_("partial decryption in %(out)s (publish)", out=args.out))
    return 0


def cmd_sign_seal(args: argparse.Namespace) -> int:
    """Check the closed record, show what it seals, sign the seal (a ``seal_signature`` data)."""
    from voting.crypto.dkg import sign_trustee_data
    from voting.verify import verify_record

    _ = args.words._
    report = verify_record(args.record, workers=args.workers, out=sys.stderr, words=args.words)  # every ballot checked
    if report.failure is not None:
        print(_("refused: the record does not verify."), report.failure.line(args.words), sep="\n", file=sys.stderr)
        return 1
    state = report.state
    assert state is not None
    if not state.closed or state.close_data_seen is None:
        print(_("refused: the ballot box is not closed on this record"), file=sys.stderr)
        return 1
    private = _private(args.key, "key")
    me = private["id"]
    if me in state.seals:
        print(_("refused: trustee %(id)s already signed this seal", id=me), file=sys.stderr)
        return 1
    data = sign_trustee_data(private, "seal_signature", state.seal_data(me))
    try:  # a key of another election or scrutineer would sign a seal the board refuses: said here instead
        verify_trustee_signature(state.el, "seal_signature", data)
    except TrusteeError:
        raise TrusteeError("state_mismatch", "the private key is not this election's key of that trustee") from None
    electorate = sum(state.electorate().values())
    counted = data["counted"]
    _write(args.out, data)
    print(_("trustee %(id)s: seal of the closed board signed in %(out)s (publish). It fixes %(counted)s counted "
            "ballot(s) of %(electorate)s voter(s) (turnout %(percent)s), board head %(head)s. Compare these with "
            "what was announced in the hall.", id=me, out=args.out, counted=counted, electorate=electorate,
            percent=args.words.percent(100 * counted / electorate if electorate else 0),
            head=data["head"]))
    print(_(HALL_COUNT))
    return 0


def cmd_tally(args: argparse.Namespace) -> int:
    state, _ = _replay(args.record)
    for path in args.partials or []:
        # Partial decryptions not yet on the record: check them as if appended.
        from voting.record import make_event

        state.apply(make_event(state.last, "partial_decryption", _read(path)))
    words = args.words
    try:
        result = state.result_data()
    except RecordError as exc:
        print(words._("cannot tally: %(reason)s", reason=words.reason(exc.code)), "  " + words.detail(exc.code, exc.message),
              sep="\n", file=sys.stderr)
        return 1
    _write(args.out, result)
    print(words._("result from trustees %(trustees)s in %(out)s", trustees=", ".join(result["trustees"]), out=args.out))
    return 0


def build_parser(words: Words) -> argparse.ArgumentParser:
    _ = words._
    parser = argparse.ArgumentParser(prog="python -m voting.trustee",
                                     description=_("Scrutineer (trustee) tool working with files."))
    sub = parser.add_subparsers(dest="step", required=True)

    def step(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--lang", metavar="fr|nl|en", default=argparse.SUPPRESS,
                       help=_("language of the messages (default: from LANG, else English)"))
        return p

    p = step("init", _("create my trustee keys"))
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--key", required=True, help=_("private key file to create"))
    p.add_argument("--public", required=True, help=_("public key file to create"))
    p.set_defaults(func=cmd_init)
    p = step("keygen1", _("deal my polynomial"))
    p.add_argument("--election", required=True, help=_("election definition or record"))
    p.add_argument("--key", required=True)
    p.add_argument("--state", required=True, help=_("private state file to create"))
    p.add_argument("--out", required=True, help=_("public commitments file to create"))
    p.set_defaults(func=cmd_keygen1)
    p = step("keygen2", _("check shares, combine mine"))
    p.add_argument("--election", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--state", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", help=_("read every trustee's commitments from the published record"))
    src.add_argument("--commitments", nargs="+", help=_("every trustee's keygen1 output files"))
    p.add_argument("--share", required=True, help=_("secret share file to create"))
    p.add_argument("--out", required=True, help=_("public share file to create"))
    p.set_defaults(func=cmd_keygen2)
    p = step("decrypt", _("partially decrypt the record's tally"))
    p.add_argument("--record", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--share", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--min-ballots", type=int, default=DEFAULT_MIN_BALLOTS,
                   help=_("refuse a tally with fewer ballots in any published count (default %(default)s)",
                          default=DEFAULT_MIN_BALLOTS))
    p.add_argument("--expect-count", type=int, default=None,
                   help=_("the number of counted ballots announced in the hall; refuse any other"))
    p.set_defaults(func=cmd_decrypt)
    p = step("sign-seal", _("check the closed record and sign its seal (count and head)"))
    p.add_argument("--record", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=cmd_sign_seal)
    p = step("tally", _("combine k partial decryptions into the result"))
    p.add_argument("--record", required=True)
    p.add_argument("--partials", nargs="*", help=_("partial decryption files not yet on the record"))
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_tally)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_in_language(build_parser, argv)
    words = args.words
    _ = words._
    try:
        return int(args.func(args))
    except (TrusteeError, RecordError) as exc:
        if exc.code == "refused":  # the reason is already words for the scrutineer, in their language
            print(_("refused: %(reason)s", reason=exc.message), file=sys.stderr)
        else:
            print(_("error: %(reason)s", reason=words.reason(exc.code)), "  " + words.detail(exc.code, exc.message),
                  sep="\n", file=sys.stderr)
        return 1
    except FileExistsError as exc:
        print(_("error: %(file)s exists; refusing to overwrite it", file=exc.filename), file=sys.stderr)
        return 2
    except (OSError, KeyError, ValueError, DefinitionError) as exc:
        print(_("error: a file given cannot be read, or is not what this step expects."),
              "  " + _("technical detail: %(detail)s", detail=f"{type(exc).__name__}: {exc}"), sep="\n", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
