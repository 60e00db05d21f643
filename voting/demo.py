"""Demo elections, and scrutineers played in memory (for the demo and the tests).

``ScrutineerKit`` holds what each scrutineer would keep on their own machine (the private keys of
``python -m voting.trustee init``, the keygen state, the secret share); the functions below run
each step exactly as the CLI does and hand the signed output to the services, as an upload would.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select

from app.clock import today
from app.demo import files_folder
from app.extensions import db
from app.models import Account, AccountRole, Role
from shares.standing import is_current_member, register_facts
from voting import queries, services
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.crypto.dkg import keygen_step1, keygen_step2, new_trustee_identity, partial_decrypt, sign_trustee_data
from voting.crypto.election import Contest
from voting.crypto.election import Election as CryptoElection
from voting.models import Election
from voting.texts import CATEGORY_TITLES


@dataclass
class ScrutineerKit:
    trustee_id: str
    name: str
    private: dict[str, str]
    public: dict[str, str]
    state: dict[str, Any] | None = None
    secret: dict[str, Any] | None = None

    @classmethod
    def new(cls, trustee_id: str, name: str) -> "ScrutineerKit":
        private, public = new_trustee_identity(trustee_id, name)
        return cls(trustee_id, name, private, public)


@dataclass
class DemoElection:
    election: Election
    kits: dict[str, ScrutineerKit]
    credentials: dict[str, str] = field(default_factory=dict)  # private credential -> category


def make_kits(n: int, names: Iterable[str] | None = None) -> dict[str, ScrutineerKit]:
    names = list(names or [f"Scrutineer {i}" for i in range(1, n + 1)])
    return {f"t{i}": ScrutineerKit.new(f"t{i}", names[i - 1]) for i in range(1, n + 1)}


def definition(election_id: str, title: str, contests: Iterable[Contest], kits: dict[str, ScrutineerKit],
               threshold: int, min_ballots: int | None = None, texts: dict[str, Any] | None = None) -> dict[str, Any]:
    """A definition; without ``min_ballots`` the election takes VOTING_MIN_BALLOTS from the config.
    ``texts``: its words in each language (:func:`demo_texts`); without them pages show identifiers."""
    out = {
        "version": "unevoix/v1", "id": election_id, "title": title,
        "contests": [c.to_json() for c in contests],
        "trustees": [dict(kit.public) for kit in kits.values()],
        "threshold": threshold, "tie_rule": "ballot_order"}
    if min_ballots is not None:
        out["min_ballots"] = min_ballots
    if texts is not None:
        out["texts"] = texts
    return out


# The demo's resolutions and candidates, as a secretary would have written them: the elections of
# demo_contests() below and the assemblies demo's agenda (assemblies.demo.build_agenda) both use them.
RESOLUTION_TITLES = {
    "accounts-2025": {"fr": "Approbation des comptes annuels", "nl": "Goedkeuring van de jaarrekening",
                      "en": "Approval of the annual accounts"},
    "discharge-board": {"fr": "Décharge aux administrateurs", "nl": "Kwijting aan de bestuurders",
                        "en": "Discharge of the directors"},
    "statutes-art-12": {"fr": "Modification de l'article 12 des statuts",
                        "nl": "Wijziging van artikel 12 van de statuten",
                        "en": "Amendment of article 12 of the statutes"},
}
# (name, gender as assemblies.models.Gender's value), per category.
CANDIDATES = {
    "A": [("Amélie Dubois", "woman"), ("Jan Peeters", "man"), ("Fatou Diallo", "woman"), ("Luca Rossi", "man"),
          ("Sofie Maes", "woman"), ("Karim Benali", "man"), ("Inès Lambert", "woman"), ("Wouter Claes", "man"),
          ("Chloé Martin", "woman"), ("Bram Wouters", "man")],
    "B": [("Coop Atelier asbl", "legal"), ("Marie Janssens", "woman"), ("Pierre Martin", "man"),
          ("Lotte De Smet", "woman"), ("Dienstencentrum vzw", "legal"), ("Nadia Amrani", "woman")],
}


def demo_texts(title: dict[str, str], contests: Iterable[Contest]) -> dict[str, Any]:
    """French, Dutch and English words for an election of :func:`demo_contests`: its title, each
    contest's title, and the candidates' names (the identifiers a01, b01... are never shown)."""
    out: dict[str, Any] = {"title": dict(title), "contests": {}}
    for contest in contests:
        if contest.kind == "board":
            names = CANDIDATES[contest.category]
            out["contests"][contest.id] = {
                "title": CATEGORY_TITLES[contest.category],
                "choices": {choice: names[i][0] for i, choice in enumerate(contest.choices)}}
        else:
            out["contests"][contest.id] = {"title": RESOLUTION_TITLES[contest.id]}
    return out


def demo_definition(slug: str, year: int, contests: list[Contest], kits: dict[str, ScrutineerKit]) -> dict[str, Any]:
    """The definition of one of the demo's elections of their own (no assembly's: those are named
    after their assembly), with its words (:func:`demo_texts`)."""
    title = {"fr": f"Vote en ligne {year}", "nl": f"Online stemming {year}", "en": f"Online vote {year}"}
    return definition(slug, title["en"], contests, kits, 3, texts=demo_texts(title, contests))


def run_keygen(election: Election, kits: dict[str, ScrutineerKit]) -> None:
    """Both key-generation steps for every scrutineer, through the services (flushes only)."""
    el = services.crypto_election(election)
    for kit in kits.values():
        data, kit.state = keygen_step1(el, kit.private)
        services.record_trustee_step(election, data)
    step1 = queries.event_data(election, "trustee_commitments")
    for kit in kits.values():
        assert kit.state is not None
        data, kit.secret = keygen_step2(el, kit.private, kit.state, step1)
        services.record_trustee_step(election, data)


def partial_decryption(election: Election, kit: ScrutineerKit) -> dict[str, Any]:
    """What ``python -m voting.trustee decrypt`` writes for this scrutineer."""
    el = services.crypto_election(election)
    tally = services.tally_event(election)
    assert tally is not None and kit.secret is not None
    return partial_decrypt(el, kit.private, kit.secret["share"], tally.data["decrypt"], tally.hash)


def seal_signature(election: Election, kit: ScrutineerKit) -> dict[str, Any]:
    """What ``python -m voting.trustee sign-seal`` writes for this scrutineer."""
    return sign_trustee_data(kit.private, "seal_signature", services.seal_data(election, kit.trustee_id))


def demo_contests(candidates_a: int = 8, candidates_b: int = 5) -> list[Contest]:
    return [
        Contest("accounts-2025", "resolution", ("yes", "no", "abstain"), 1, 1),
        Contest("discharge-board", "resolution", ("yes", "no", "abstain"), 1, 1),
        Contest("statutes-art-12", "resolution", ("yes", "no", "abstain"), 1, 1, majority="two_thirds"),
        Contest("board-a", "board", tuple(f"a{i:02d}" for i in range(1, candidates_a + 1)), 0, min(4, candidates_a),
                category="A", seats=min(4, candidates_a)),
        Contest("board-b", "board", tuple(f"b{i:02d}" for i in range(1, candidates_b + 1)), 0, min(2, candidates_b),
                category="B", seats=min(2, candidates_b)),
    ]


def random_selections(el: CryptoElection, rnd: random.Random) -> dict[str, list[str]]:
    out = {}
    for c in el.contests:
        out[c.id] = rnd.sample(list(c.choices), rnd.randint(c.min, c.max))
    return out


def write_kits(directory: Path, kits: dict[str, ScrutineerKit]) -> None:
    """The demo scrutineers' files, as ``python -m voting.trustee`` would have left them."""
    directory.mkdir(parents=True, exist_ok=True)
    for kit in kits.values():
        for suffix, obj in (("key", kit.private), ("public", kit.public), ("state", kit.state), ("share", kit.secret)):
            if obj is not None:
                path = directory / f"{kit.trustee_id}.{suffix}.json"
                path.write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n", encoding="utf-8")
                path.chmod(0o600)


def load_elections(ctx) -> None:
    """Loader (order 50): a tallied election with a few dozen ballots, and an open one."""
    rng = ctx.rng
    members = list(ctx.data.get("members") or [])
    scrutineers = list(db.session.scalars(
        select(Account).join(AccountRole).where(AccountRole.role == Role.SCRUTINEER).order_by(Account.id)))[:5]
    officer = db.session.scalar(select(Account).join(AccountRole).where(AccountRole.role == Role.OFFICER).limit(1))
    if len(scrutineers) < 5 or not members:
        return
    kit_names = [a.display_name for a in scrutineers]

    # 1. Last year's assembly: tallied, with one scrutineer absent at the decryption.
    kits = make_kits(5, kit_names)
    past = services.create_election(demo_definition("ag-2025", 2025, demo_contests(), kits),
                                    {f"t{i + 1}": a for i, a in enumerate(scrutineers)}, slug="ag-2025",
                                    created_by=officer)
    run_keygen(past, kits)
    voters = members[: min(40, len(members))]
    private = {m.id: generate_credential() for m in voters}
    services.publish_credentials(past, [{"credential": credential_public(c), "category": m.category.value,
                                         "voter": services.new_voter()} for m in voters for c in [private[m.id]]],
                                 {credential_public(private[m.id]): m.id for m in voters})
    services.open_election(past)
    el = services.crypto_election(past)
    casting = voters[: int(len(voters) * 0.8)]
    for member in casting + rng.sample(casting, min(5, len(casting))):  # five members vote again
        ballot = encrypt_ballot(el, past.public_key, private[member.id], random_selections(el, rng))
        services.cast_ballot(past, ballot, member)
    del private
    services.close_election(past)
    for tid in ("t1", "t2", "t4"):  # k scrutineers check the closed board and sign its seal
        services.record_trustee_step(past, seal_signature(past, kits[tid]))
    services.compute_tally(past)
    for tid in ("t2", "t4", "t5"):  # t1 and t3 absent: any 3 of 5 decrypt
        services.record_trustee_step(past, partial_decryption(past, kits[tid]))
    services.publish_result(past)
    db.session.commit()  # demo loader: the past election is committed before this year's is built

    # 2. This year's vote: open, every current member has a credential in the demo outbox.
    kits = make_kits(5, kit_names)
    current = services.create_election(demo_definition("ag-2026", 2026, demo_contests(10, 6), kits),
                                       {f"t{i + 1}": a for i, a in enumerate(scrutineers)}, slug="ag-2026",
                                       created_by=officer)
    run_keygen(current, kits)
    # Every member, renewed or not, but none who has left the cooperative (as `voting credentials` takes
    # its electorate from the register).
    facts = register_facts(today(), [m.id for m in members])
    services.issue_credentials(current, [m for m in members if m.id in facts and is_current_member(facts[m.id])])
    services.open_election(current)
    directory = files_folder() / "demo-scrutineers" / current.slug
    write_kits(directory, kits)
    ctx.logins.append(("voting: boards", "/voting/ag-2025/board (tallied), /voting/ag-2026/board (open); "
                       "officer page /voting/manage/ag-2026"))
    ctx.logins.append(("voting: demo scrutineer files (ag-2026)", str(directory)))


def small_tallied_election(slug: str = "ag-small", trustee_accounts: dict[str, Account] | None = None,
                           voters: list[Any] | None = None, require_login: bool = False) -> DemoElection:
    """A tiny election run to its result (3 scrutineers, threshold 2, one ballot per voter or two
    anonymous ones): for tests that need every page of an election to exist. Flushes only."""
    kits = make_kits(3)
    contests = [Contest("r1", "resolution", ("yes", "no", "abstain"), 1, 1)]
    election = services.create_election(definition(slug, slug, contests, kits, 2, min_ballots=1), trustee_accounts or {},
                                         slug=slug, require_login=require_login)
    run_keygen(election, kits)
    creds = {generate_credential(): getattr(v, "id", None) for v in (voters or [None, None])}
    services.publish_credentials(election, [{"credential": credential_public(c), "category": "A",
                                             "voter": services.new_voter()} for c in creds],
                                 {credential_public(c): m for c, m in creds.items() if m is not None})
    services.open_election(election)
    el = services.crypto_election(election)
    voter_list = voters or [None, None]
    for cred, voter in zip(creds, voter_list):
        services.cast_ballot(election, encrypt_ballot(el, election.public_key, cred, {"r1": ["yes"]}), voter)
    services.close_election(election)
    for tid in ("t1", "t2"):
        services.record_trustee_step(election, seal_signature(election, kits[tid]))
    services.compute_tally(election)
    for tid in ("t1", "t2"):
        services.record_trustee_step(election, partial_decryption(election, kits[tid]))
    services.publish_result(election)
    return DemoElection(election, kits, {c: "A" for c in creds})
