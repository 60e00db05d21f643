"""Credential authority: ``python -m voting.credentials ELECTORATE.csv --public P --private S``.

Reads the electorate (CSV ``member_id,category[,voter]`` with category A or B, header
optional), generates one credential per member, and writes the public list
(ready to be the data of a ``credentials`` event, sorted, without member ids)
and the private list (``member_id,category,voter,credential`` for printing and
mailing) to two different places. The server only ever receives the public
file.

Each member gets a voter pseudonym (128 random bits) that the record publishes with the
credential, so that anyone can check that each voter counts at most once. To replace a lost
credential after the officer revoked it, give the member's earlier pseudonym as the third column.

It speaks French, Dutch or English (``--lang``, else LANG, else English), as the verifier and the
scrutineer tool do (voting.cli_i18n).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import sys
from typing import Iterable, Sequence

from voting.cli_i18n import ENGLISH, Words, parse_in_language
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.election import CATEGORIES
from voting.crypto.encoding import is_hex


class ElectorateError(ValueError):
    pass


def read_electorate(lines: Iterable[str], words: Words = ENGLISH) -> list[tuple[str, str, str]]:
    """(member_id, category, voter pseudonym: the given one or a new random one); a refusal names
    the line in ``words``' language."""
    _ = words._
    members: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for n, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if n == 1 and row[0].strip().lower() == "member_id":
            continue
        if len(row) not in (2, 3):
            raise ElectorateError(_("line %(n)s: expected member_id,category[,voter]", n=n))
        member, cat = row[0].strip(), row[1].strip().upper()
        voter = row[2].strip() if len(row) == 3 else secrets.token_hex(16)
        if not member or cat not in CATEGORIES:
            raise ElectorateError(_("line %(n)s: empty member id or category not A/B", n=n))
        if not is_hex(voter, 32):
            raise ElectorateError(_("line %(n)s: a voter pseudonym is 32 lowercase hex characters", n=n))
        if member in seen:
            raise ElectorateError(_("line %(n)s: member %(member)s listed twice", n=n, member=member))
        seen.add(member)
        members.append((member, cat, voter))
    return members


def issue_credentials(
    members: Sequence[tuple[str, str] | tuple[str, str, str]], election_fingerprint: str | None = None
) -> tuple[dict[str, object], list[tuple[str, str, str, str]]]:
    """(public ``credentials`` event data, private rows member_id, category, voter, credential)."""
    rows = [(m[0], m[1], m[2] if len(m) == 3 else secrets.token_hex(16)) for m in members]
    private = [(m, cat, voter, generate_credential()) for m, cat, voter in rows]
    items = sorted(
        ({"credential": credential_public(cred), "category": cat, "voter": voter} for _, cat, voter, cred in private),
        key=lambda x: x["credential"],
    )
    public: dict[str, object] = {"credentials": items}
    if election_fingerprint is not None:
        public["election"] = election_fingerprint
    return public, private


def _same_place(a: str, b: str) -> bool:
    ra, rb = os.path.realpath(a), os.path.realpath(b)
    return ra == rb or os.path.dirname(ra) == os.path.dirname(rb)


def build_parser(words: Words) -> argparse.ArgumentParser:
    _ = words._
    parser = argparse.ArgumentParser(prog="python -m voting.credentials",
                                     description=_("Issue one voting credential per member of the electorate."))
    parser.add_argument("electorate", help=_("CSV member_id,category"))
    parser.add_argument("--public", required=True, help=_("where to write the public credential list (JSON)"))
    parser.add_argument("--private", required=True,
                        help=_("where to write the private credentials (CSV), another place"))
    parser.add_argument("--election", help=_("election fingerprint to include in the public list"))
    parser.add_argument("--demo-same-place", action="store_true",
                        help=_("allow both files in one directory (demo only)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_in_language(build_parser, argv)
    words = args.words
    _ = words._
    if _same_place(args.public, args.private) and not args.demo_same_place:
        print(_("refused: the public and private lists must go to different places (directories); "
                "use --demo-same-place only for a demo"), file=sys.stderr)
        return 2
    if os.path.realpath(args.public) == os.path.realpath(args.private):
        print(_("refused: the public and private lists cannot be the same file"), file=sys.stderr)
        return 2
    for path in (args.public, args.private):
        if os.path.exists(path):
            print(_("refused: %(file)s exists; credentials are never overwritten", file=path), file=sys.stderr)
            return 2
    try:
        with open(args.electorate, encoding="utf-8", newline="") as fh:
            members = read_electorate(fh, words)
    except OSError as exc:
        print(_("error: the electorate file cannot be read (%(detail)s)", detail=exc), file=sys.stderr)
        return 2
    except ElectorateError as exc:
        print(_("error: %(reason)s", reason=exc), file=sys.stderr)
        return 2
    public, private = issue_credentials(members, args.election)
    fd = os.open(args.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["member_id", "category", "voter", "credential"])
        writer.writerows(private)
    with open(args.public, "x", encoding="utf-8") as fh:
        json.dump(public, fh, indent=1, sort_keys=True)
        fh.write("\n")
    counts = {cat: sum(1 for _, c, _ in members if c == cat) for cat in CATEGORIES}
    print(_("%(n)s credentials issued (A: %(a)s, B: %(b)s); public list: %(public)s; private list: %(private)s",
            n=len(members), a=counts["A"], b=counts["B"], public=args.public, private=args.private))
    return 0


if __name__ == "__main__":
    sys.exit(main())
