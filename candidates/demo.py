"""Demo candidacies: last year's call whose accepted candidates are the choices of the demo's
tallied election ``ag-2025`` (voting/demo.py: contests board-a with a01..a08 and board-b with
b01..b05, 4 and 2 seats), and this year's open call with drafts and submitted applications in
French, Dutch and English. Everything goes through the services, dated as it would have happened."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.clock import BRUSSELS, today
from app.demo import DemoContext
from app.extensions import db
from app.models import AccountRole, Role
from candidates import services
from candidates.models import BallotOrder, Mandate
from shares.demo import WOMEN
from shares.models import Category, MemberKind
from shares.standing import members_in_good_standing, register_facts

TEXTS = {
    "fr": {"bio": "Sociétaire depuis {year}, je travaille comme {job} à {city}.",
           "motivation": "Je veux que la coopérative reste un lieu où chacun·e garde sa voix, et porter celle des {who}.",
           "vision": "Une coopérative transparente, qui publie ses comptes clairement et forme ses membres à la gestion.",
           "jobs": ["formatrice", "graphiste", "comédien", "traductrice", "coursier à vélo", "développeuse"]},
    "nl": {"bio": "Lid van de coöperatie sinds {year}, ik werk als {job} in {city}.",
           "motivation": "Ik wil dat de coöperatie een plek blijft waar iedereen een stem heeft, en die van de {who} vertolken.",
           "vision": "Een transparante coöperatie die haar rekeningen helder publiceert en haar leden opleidt.",
           "jobs": ["opleider", "grafisch ontwerper", "acteur", "vertaalster", "fietskoerier", "ontwikkelaar"]},
    "en": {"bio": "A member since {year}, I work as a {job} in {city}.",
           "motivation": "I want the cooperative to stay a place where everyone keeps their voice, and to speak for the {who}.",
           "vision": "A transparent cooperative that publishes clear accounts and trains its members in governance.",
           "jobs": ["trainer", "graphic designer", "actor", "translator", "bike courier", "developer"]},
}
WHO = {"fr": ["artistes", "jeunes membres", "membres en région"], "nl": ["kunstenaars", "jonge leden", "leden in de regio"],
       "en": ["artists", "young members", "members outside Brussels"]}
COLOURS = [(122, 31, 92), (29, 107, 53), (26, 95, 180), (138, 83, 0), (90, 20, 68), (60, 60, 70)]


def demo_photo(initials: str, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 300), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 50, 170, 150), fill=(240, 230, 220))
    draw.rectangle((50, 170, 190, 300), fill=(240, 230, 220))
    draw.text((12, 12), initials, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _gender(member, rng) -> str:
    """The gender a person's first name suggests; one in five does not say it (the field is optional)."""
    if rng.random() < 0.2:
        return ""
    return "woman" if member.first_name in WOMEN else "man"


def _fields(member, rng, language: str) -> dict:
    t = TEXTS[language]
    legal = member.kind is MemberKind.LEGAL
    return {
        "language": language, "published_name": member.name,
        "representative_name": f"{rng.choice(['Anne', 'Koen', 'Samir', 'Lies'])} {rng.choice(['Leroy', 'Smet', 'Haddad'])}" if legal else "",
        "biography": t["bio"].format(year=rng.randint(2012, 2022), job=rng.choice(t["jobs"]), city=member.city or "Bruxelles"),
        "motivation": t["motivation"].format(who=rng.choice(WHO[language])),
        "vision": t["vision"], "skills": rng.sample(list(services.SKILLS), 3),
        "skills_other": "", "gender": None if legal else _gender(member, rng),
        "no_conflict": True, "consent_publication": True}


def _apply(call, member, rng, on: date, submit: bool = True, language: str | None = None):
    language = language or (member.language if member.language in ("fr", "nl", "en") else "fr")
    initials = "".join(w[0] for w in member.name.split()[:2]).upper()
    application = services.save_application(call, member, _fields(member, rng, language),
                                            photo=demo_photo(initials, rng.choice(COLOURS)),
                                            actor=member.account, on=on)
    if submit:
        services.submit_application(application, actor=member.account, on=on)
    return application


def load_candidates(ctx: DemoContext) -> None:
    """Loader (order 45, after the register and renewals, before the elections)."""
    rng = ctx.rng
    members = list(ctx.data.get("members") or [])
    if not members:
        return
    secretary = db.session.scalar(select(AccountRole.account_id).where(AccountRole.role == Role.SECRETARY).limit(1))
    from app.models import Account

    secretary = db.session.get(Account, secretary) if secretary else None
    now = today()

    # 1. Last year's call, its accepted candidates = the choices of the demo election ag-2025.
    year = now.year - 1
    past = services.create_call(
        slug=f"board-{year}", title_fr=f"Appel à candidatures au conseil d'administration {year}",
        title_nl=f"Oproep tot kandidaten voor de raad van bestuur {year}",
        title_en=f"Call for candidates to the board {year}",
        text_fr="Le conseil d'administration renouvelle une partie de ses membres lors de l'assemblée générale.",
        text_nl="De raad van bestuur vernieuwt een deel van zijn leden op de algemene vergadering.",
        text_en="The board renews part of its members at the general assembly.",
        opens_on=date(year, 4, 20), closes_on=date(year, 6, 15), vote_opens_on=date(year, 6, 21),
        seats_a=4, seats_b=2, term_years=4, staff_in_category_b=True, election_slug=f"ag-{year}", actor=secretary)
    # A past call: its announcement mails are not replayed into the demo outbox.
    past.announced_at = datetime(year, 4, 20, 9, tzinfo=BRUSSELS)
    facts = register_facts(date(year, 5, 2))
    eligible = [m for m in members[3:] if m.id in facts and not facts[m.id].reasons(date(year, 5, 2))]
    picks = ([m for m in eligible if facts[m.id].category is Category.A][:8]
             + [m for m in eligible if facts[m.id].category is Category.B][:5])
    for i, member in enumerate(picks):
        application = _apply(past, member, rng, date(year, 5, 2) + timedelta(days=i))
        services.accept_application(application, actor=secretary, on=date(year, 6, 16))
    services.publish_list(past, actor=secretary)
    past.published_at = datetime(year, 6, 16, 10, tzinfo=BRUSSELS)
    services.fix_ballot_order(past, BallotOrder.LOT, seed=f"demo-{year}", actor=secretary, on=date(year, 6, 16))
    db.session.commit()  # demo loader: the past call is committed before this year's call is built

    # Sitting board members (the two demo accounts with the board role): one term runs on, one ends.
    board = [m for m in members if m.account.has_role(Role.BOARD)]
    for member, ends in zip(board, (date(now.year + 3, 6, 20), date(now.year, 6, 20))):
        db.session.add(Mandate(member_id=member.id, category=member.category, starts_on=date(ends.year - 4, 6, 20),
                               ends_on=ends))

    # 2. This year's call, open: drafts, submitted, accepted and one asked for a correction.
    current = services.create_call(
        slug=f"board-{now.year + 1}", title_fr=f"Appel à candidatures au conseil d'administration {now.year + 1}",
        title_nl=f"Oproep tot kandidaten voor de raad van bestuur {now.year + 1}",
        title_en=f"Call for candidates to the board {now.year + 1}",
        text_fr="Onze sièges sont à pourvoir en catégorie A et sept en catégorie B, pour quatre ans. "
                "Présentez-vous : votre profil, votre motivation, vos compétences et votre vision.",
        text_nl="Elf zetels in categorie A en zeven in categorie B, voor vier jaar. "
                "Stel je kandidaat: je profiel, je motivatie, je vaardigheden en je visie.",
        text_en="Eleven seats in category A and seven in category B, for four years. "
                "Stand for the board: your profile, your motivation, your skills and your vision.",
        opens_on=now - timedelta(days=14), closes_on=now + timedelta(days=45), vote_opens_on=now + timedelta(days=60),
        seats_a=11, seats_b=7, term_years=4, staff_in_category_b=True, actor=secretary)
    services.announce_call(current, on=now, actor=secretary)
    standing_now = members_in_good_standing(now)
    taken = {m.id for m in picks} | {m.id for m in board}
    pool = [m for m in members[3:] if m.id in standing_now and m.id not in taken]
    languages = ["fr", "nl", "en", "fr", "nl", "fr", "en", "nl", "fr"]
    made = []
    for i, member in enumerate(pool[:9]):
        made.append(_apply(current, member, rng, now, submit=i >= 2, language=languages[i]))
    for application in made[2:4]:
        services.accept_application(application, actor=secretary, on=now)
    if len(made) > 4:
        services.request_correction(made[4], "Merci d'ajouter une photo où l'on voit votre visage.", actor=secretary)
    # The second fixed demo login (Jan Peeters) has started a draft.
    jan = members[1] if len(members) > 1 else None
    if jan is not None:
        services.save_application(current, jan, {"language": "nl", "published_name": jan.name,
                                                  "biography": "Ik werk als vertaler in Gent."}, actor=jan.account, on=now)
    ctx.logins.append(("candidates", f"/candidates/{past.slug} (published, on the ag-{year} ballot), "
                       f"/candidates/manage/{current.slug} (secretary), /candidates/me/ (members)"))
