"""Demo assemblies (loader order 70): last year's, held and tallied with readable results, and the
coming one with its electorate, convocations in the outbox, voting open, proxies and check-ins.

Also ``run_assembly_vote`` / ``prepared_assembly`` for tests: scrutineers played in memory."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from app.clock import BRUSSELS, today, utcnow
from app.demo import files_folder
from app.extensions import db
from app.models import Account, AccountRole, Role
from assemblies import errors, minutes, services
from assemblies.models import Assembly, Channel, Elector, Gender, ItemKind, Majority, ProxySource
from shares.demo_documents import demo_pdf
from shares.models import Category
from voting import services as voting
from voting.crypto.ballot import encrypt_ballot
from voting.crypto.credential import credential_public, generate_credential
from voting.demo import CANDIDATES, RESOLUTION_TITLES, ScrutineerKit, partial_decryption, run_keygen, seal_signature

# The assembly's ballot: the first seven candidates of category A and four of category B.
BALLOT_SIZES = {"A": 7, "B": 4}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def _tri(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


def build_agenda(assembly: Assembly, seats_a: int = 4, seats_b: int = 2, actor=None, call_slug: str | None = None) -> None:
    services.add_item(assembly, kind=ItemKind.INFORMATION, actor=actor,
                      titles=_tri("Rapport d'activité", "Activiteitenverslag", "Activity report"),
                      bodies=_tri("Le conseil présente l'année écoulée.", "De raad stelt het afgelopen jaar voor.",
                                  "The board presents the past year."))
    services.add_item(assembly, kind=ItemKind.RESOLUTION, majority=Majority.SIMPLE, actor=actor,
                      titles=RESOLUTION_TITLES["accounts-2025"],
                      bodies=_tri("L'assemblée approuve les comptes de l'exercice.",
                                  "De vergadering keurt de jaarrekening goed.",
                                  "The assembly approves the accounts of the year."))
    services.add_item(assembly, kind=ItemKind.RESOLUTION, majority=Majority.SIMPLE, actor=actor,
                      titles=RESOLUTION_TITLES["discharge-board"])
    services.add_item(assembly, kind=ItemKind.RESOLUTION, majority=Majority.TWO_THIRDS, abstentions_count=False,
                      actor=actor, titles=RESOLUTION_TITLES["statutes-art-12"])
    board = services.add_item(assembly, kind=ItemKind.BOARD, seats_a=seats_a, seats_b=seats_b, actor=actor,
                              titles=_tri("Élection du conseil d'administration", "Verkiezing van de raad van bestuur",
                                          "Election of the board of directors"))
    if call_slug is not None:  # the board candidacies' fixed ballot, through the adapter
        from assemblies import candidates_adapter

        if candidates_adapter.import_from_call(board, call_slug, actor=actor):
            return
    for category in (Category.A, Category.B):
        for name, gender in CANDIDATES[category.value][:BALLOT_SIZES[category.value]]:
            services.add_candidate(board, category=category, name=name, gender=Gender(gender), actor=actor)


def prepared_assembly(slug: str, scrutineers: list[Account], *, record_date: date, starts: date,
                      threshold: int = 2, actor=None, opens: datetime | None = None,
                      titles: dict[str, str] | None = None, call_slug: str | None = None,
                      min_count: int = 5, at: datetime | None = None) -> tuple[Assembly, dict[str, ScrutineerKit]]:
    """An assembly with agenda, frozen electorate, and its election keyed by in-memory scrutineers
    (``min_count``: the smallest count published). The meeting is at 14:00 on ``starts`` (proxies until
    noon, the vote closing at 18:00), or at ``at`` on that day (proxies until it starts, the vote closing
    at the end of the day)."""
    starts_at = at or _at(starts, 14)
    assembly = services.create_assembly(
        slug=slug, titles=titles or _tri(f"Assemblée générale {starts.year}", f"Algemene vergadering {starts.year}",
                                         f"General assembly {starts.year}"),
        starts_at=starts_at, place="Tour & Taxis, avenue du Port 86C, 1000 Bruxelles", voting_opens_at=opens or _at(starts - timedelta(days=7), 9),
        voting_closes_at=_at(starts, 18) if at is None else datetime.combine(starts, time(23, 59), tzinfo=BRUSSELS),
        record_date=record_date, quorum_percent=10, proxy_limit=1,
        proxy_deadline=_at(starts, 12) if at is None else at, min_count=min_count, actor=actor)
    build_agenda(assembly, actor=actor, call_slug=call_slug)
    services.freeze_electorate(assembly, actor=actor)
    election = services.prepare_vote(assembly, scrutineers, threshold, actor=actor)
    kits = {}
    for trustee in election.trustees:
        kit = ScrutineerKit.new(trustee.trustee_id, trustee.name)
        kits[trustee.trustee_id] = kit
        voting.register_trustee_keys(election, trustee, kit.public)
    run_keygen(election, kits)
    return assembly, kits


def _credentials(assembly: Assembly, electors: list[Elector], convened: datetime | None = None) -> dict[int, str]:
    """Give each elector a new credential (the authority's part, returned to cast with, then forgotten):
    the convocation's is replaced (same voter). ``convened``: when the convocation went out, by e-mail or,
    for a member without an address, by letter (a past assembly's); else now, as a new link."""
    from voting.models import Credential

    election = services._election(assembly)
    voters = {}
    for e in electors:  # one credential per member: the convocation's is replaced (same voter)
        row = db.session.scalar(select(Credential).where(Credential.public == e.credential_public)) \
            if e.credential_public else None
        if row is not None and row.revoked_at is None:
            voting.revoke_credential(election, row.public)
        voters[e.member_id] = row.voter if row is not None else voting.new_voter()
    private = {e.member_id: generate_credential() for e in electors}
    voting.publish_credentials(election, [{"credential": credential_public(private[e.member_id]),
                                           "category": e.category.value, "voter": voters[e.member_id]}
                                          for e in electors],
                               {credential_public(private[e.member_id]): e.member_id for e in electors})
    for e in electors:
        e.credential_public = credential_public(private[e.member_id])
        e.links_issued += 1
        e.convoked_at = convened or utcnow()
        if convened is not None or e.convocation_channel is None:
            e.convocation_channel = Channel.EMAIL if e.member.email else Channel.LETTER
    return private


def cast_for(assembly: Assembly, electors: list[Elector], rng: random.Random, weights: dict[str, Any] | None = None,
             private: dict[int, str] | None = None):
    """Cast one ballot for each elector, with the credential ``private`` holds for them (from
    :func:`_credentials`), or else a new one given now."""
    election = services._election(assembly)
    if private is None:
        private = _credentials(assembly, electors)
    if election.state.value == "keygen":
        voting.open_election(election)
    el = voting.crypto_election(election)
    for e in electors:
        sel = {}
        for c in el.contests:
            if c.kind == "resolution":
                sel[c.id] = [rng.choices(["yes", "no", "abstain"], [7, 2, 1])[0]]
            else:
                weights_ = [len(c.choices) - i for i in range(len(c.choices))]
                picked = []
                while len(picked) < min(c.max, len(c.choices) - 1):
                    ch = rng.choices(list(c.choices), weights_)[0]
                    if ch not in picked:
                        picked.append(ch)
                sel[c.id] = picked
        voting.cast_ballot(election, encrypt_ballot(el, election.public_key, private[e.member_id], sel), e.member)
    del private


def tally(assembly: Assembly, kits: dict[str, ScrutineerKit]) -> None:
    election = services._election(assembly)
    if election.state.value == "open":
        voting.close_election(election)
    el = voting.crypto_election(election)
    for tid in list(kits)[: el.threshold]:  # k scrutineers check the closed board and sign its seal
        voting.record_trustee_step(election, seal_signature(election, kits[tid]))
    voting.compute_tally(election)
    if voting.tally_event(election).data["decrypt"]:  # with every count withheld nothing is decrypted
        for tid in list(kits)[: el.threshold]:
            voting.record_trustee_step(election, partial_decryption(election, kits[tid]))
    voting.publish_result(election)


def _signed_minutes(assembly: Assembly) -> None:
    """The held assembly's minutes, written and signed by the secretary (in French, as they were)."""
    secretary = db.session.scalar(select(Account).join(AccountRole).where(AccountRole.role == Role.SECRETARY)
                                  .order_by(Account.id).limit(1))
    draft = minutes.start_minutes(assembly, actor=secretary)
    said = {ItemKind.INFORMATION: "Le conseil présente le rapport d'activité ; trois questions de la salle sur les "
                                  "délais de paiement des clients.",
            ItemKind.BOARD: "Le conseil rappelle l'appel à candidatures ; les candidat·es présent·es dans la salle se "
                            "présentent en une minute chacun·e."}
    notes = {item.id: said[item.kind] for item in assembly.items if item.kind in said}
    accounts = next((item for item in assembly.items if item.kind is ItemKind.RESOLUTION), None)
    if accounts is not None:
        notes[accounts.id] = "La trésorière présente les comptes. Deux questions sur la réserve du fonds de garantie ; " \
                             "elle y répond."
    minutes.save_minutes(draft, version=draft.version, chair="Anne Lemaire", secretary=secretary.display_name
                         if secretary else "Bruno Peeters", tellers="Chloé Martin, Youssef El Amrani",
                         opening="La présidente ouvre la séance à 14 h 05. L'assemblée a été convoquée par courriel "
                                 "et par courrier quinze jours à l'avance.",
                         closing="L'ordre du jour étant épuisé, la présidente clôt la séance à 17 h 20.",
                         notes=notes, actor=secretary)
    minutes.sign_minutes(draft, version=draft.version, actor=secretary)


# The papers members read before each demo assembly (in French, the cooperative's first language).
_PAPERS = {
    "ordinary": [
        (_tri("Comptes annuels 2025", "Jaarrekening 2025", "Annual accounts 2025"), "comptes-annuels-2025.pdf",
         ["Bilan et compte de résultats de l'exercice 2025, tels que le Conseil d'administration les soumet à "
          "l'approbation de l'assemblée générale.",
          "Le résultat de l'exercice est reporté ; aucun dividende n'est proposé."]),
        (_tri("Rapport d'activité 2025", "Activiteitenverslag 2025", "Activity report 2025"), "rapport-activite-2025.pdf",
         ["Le Conseil présente l'année écoulée : les activités des sociétaires, les groupes de travail et les "
          "chantiers de l'année qui vient."]),
    ],
    "extraordinary": [
        (_tri("Modification de l'article 12 : le texte proposé", "Wijziging van artikel 12: de voorgestelde tekst",
              "Amendment of article 12: the proposed text"), "article-12-texte-propose.pdf",
         ["Texte actuel : « Les administrateurs sont élus pour trois ans par l'assemblée générale. Leur mandat "
          "est renouvelable une fois. »",
          "Texte proposé : « Les administrateurs sont élus pour trois ans par l'assemblée générale. Leur mandat "
          "est renouvelable deux fois. Un tiers des sièges est renouvelé chaque année. »",
          "Avis du Conseil d'administration : favorable. La modification requiert une majorité des deux tiers "
          "des voix exprimées."]),
    ],
}


def _add_papers(assembly: Assembly, kind: str, on: date, actor=None) -> None:
    for titles, filename, paragraphs in _PAPERS[kind]:
        services.add_document(assembly, titles=titles, filename=filename, content_type="application/pdf",
                              data=demo_pdf("fr", titles["fr"], paragraphs, on), actor=actor)


def load_assemblies(ctx) -> None:
    rng = ctx.rng
    scrutineers = list(db.session.scalars(
        select(Account).join(AccountRole).where(AccountRole.role == Role.SCRUTINEER).order_by(Account.id)))[:3]
    officer = db.session.scalar(select(Account).join(AccountRole).where(AccountRole.role == Role.OFFICER).limit(1))
    if len(scrutineers) < 2:
        return
    now = today()
    # 1. Last year's: held and tallied.
    try:
        held = now - timedelta(days=30)
        from assemblies import candidates_adapter

        calls = candidates_adapter.fixed_calls()
        past, kits = prepared_assembly(
            f"ga-{held:%Y-%m}", scrutineers, record_date=held - timedelta(days=20), starts=held, actor=officer,
            opens=_at(held - timedelta(days=7), 9),
            titles=_tri(f"Assemblée générale ordinaire {held.year}", f"Gewone algemene vergadering {held.year}",
                        f"Ordinary general assembly {held.year}"),
            call_slug=calls[0].slug if calls else None)
    except errors.EmptyElectorate:  # no member in good standing: nothing to demo
        db.session.rollback()  # demo loader: no elector, nothing of this assembly is kept
        return
    _add_papers(past, "ordinary", held - timedelta(days=20), actor=officer)
    electors = list(db.session.scalars(select(Elector).where(Elector.assembly_id == past.id).order_by(Elector.id)))
    # Convened sixteen days ahead, everyone on the roll (the notice of its signed minutes).
    private = _credentials(past, electors, convened=_at(held - timedelta(days=services.notice_days() + 1), 10))
    cast_for(past, electors[: max(12, int(len(electors) * 0.7))], rng, private=private)
    del private
    tally(past, kits)
    _signed_minutes(past)
    db.session.commit()  # demo loader: the past assembly is committed before the coming one is built

    # 2. Today's: the meeting starts at the next full hour, so that the door (open from three hours before)
    # and the chair's console work right away; remote voting opened yesterday. Convened at shorter notice
    # than the fifteen days, as a second assembly may be (the audit log keeps why), with its convocations
    # in the outbox, voting open, proxies and check-ins.
    meeting = (datetime.now(BRUSSELS) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    coming_on = meeting.date()
    coming, kits = prepared_assembly(
        f"ga-{coming_on:%Y-%m}-extra", scrutineers, record_date=now - timedelta(days=5), starts=coming_on,
        at=meeting, actor=officer, opens=_at(now - timedelta(days=1), 9),
        titles=_tri(f"Assemblée générale extraordinaire {coming_on.year}",
                    f"Buitengewone algemene vergadering {coming_on.year}",
                    f"Extraordinary general assembly {coming_on.year}"))
    _add_papers(coming, "extraordinary", now - timedelta(days=5), actor=officer)
    services.convene(coming, actor=officer, short_notice="Second assembly: the first one did not reach its quorum "
                                                          "(demo)")
    services.open_vote(coming, actor=officer)
    electors = list(db.session.scalars(select(Elector).where(Elector.assembly_id == coming.id).order_by(Elector.id)))
    if len(electors) >= 6:
        services.give_proxy(coming, electors[1].member, electors[2].member, actor=officer)
        services.give_proxy(coming, electors[3].member, electors[4].member, source=ProxySource.PAPER, actor=officer)
        for e in electors[5:9]:
            services.check_in(coming, e.member, actor=officer)
    # A quarter have voted from home already, so that turnout and the roll show something. The members
    # the demo signs in as (the first ones, and those with roles) keep their convocation link unused.
    early = [e for e in electors[12:] if not e.member.account.roles][: len(electors) // 4]
    cast_for(coming, early, rng)
    from voting.demo import write_kits

    directory = files_folder() / "demo-scrutineers" / coming.slug
    write_kits(directory, kits)
    ctx.logins.append(("assemblies", f"/assemblies/{past.slug}/results (held and tallied, minutes signed), /assemblies/{coming.slug} "
                       f"(meeting today at {meeting:%H:%M}, voting open; convocations in the outbox at /dev/outbox); "
                       "from the assembly page: the chair's console and the roll (officer), the door (officer, staff), "
                       "the minutes (secretary), the projector (public)"))
    ctx.logins.append((f"assemblies: demo scrutineer files ({coming.slug})", str(directory)))
    # One who gives no proxy, holds none, is not checked in, has not voted and signs in by a mailed link.
    voter = next((e.member for e in electors[:1] + electors[9:12] if not e.member.account.roles), None)
    if voter is not None:
        ctx.logins.append((f"assemblies: a member who votes at {coming.slug} ({voter.language})",
                           f"{voter.email}: ask for a sign-in link, then open it from /dev/outbox"))
