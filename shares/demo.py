"""Demo members: Belgian names in three languages, about 92% category A, legal persons among B."""
from __future__ import annotations

from datetime import date

from stdnum import iban as std_iban

from app.demo import DemoContext, make_privileged_account
from app.models import Role
from app.progress import progress
from shares.models import Category, MemberKind, fold
from shares.services import create_member

FIRST = {
    "fr": ["Marie", "Camille", "Louise", "Julien", "Thomas", "Nathalie", "Sophie", "Olivier", "Amélie", "Hugo",
           "Manon", "Antoine", "Chloé", "Nicolas", "Élodie", "Mathieu", "Céline", "Baptiste", "Inès", "Yasmine"],
    "nl": ["Jan", "Els", "Pieter", "Lotte", "Wouter", "Sofie", "Bram", "Hanne", "Koen", "Lien",
           "Joris", "Annelies", "Sander", "Katrien", "Tom", "Evi", "Maarten", "Griet", "Ruben", "Fien"],
    "en": ["Emma", "James", "Olivia", "Daniel", "Grace", "Samuel", "Hannah", "Lucas", "Aisha", "Omar"],
}
# The women's first names among those above and the fixed logins' (the others are men's): demo candidates
# say the gender their name suggests.
WOMEN = frozenset({"Marie", "Camille", "Louise", "Nathalie", "Sophie", "Amélie", "Manon", "Chloé", "Élodie", "Céline",
                   "Inès", "Yasmine", "Els", "Lotte", "Sofie", "Hanne", "Lien", "Annelies", "Katrien", "Evi", "Griet",
                   "Fien", "Emma", "Olivia", "Grace", "Hannah", "Aisha", "Amira"})
LAST = {
    "fr": ["Dubois", "Lambert", "Dupont", "Martin", "Lefèvre", "Leclercq", "Renard", "Simon", "Laurent", "Mertens",
           "Collignon", "Denis", "François", "Gilson", "Henrard", "Jacquet", "Marchal", "Noël", "Piron", "Wauters"],
    "nl": ["Peeters", "Janssens", "Maes", "Jacobs", "Willems", "Claes", "Goossens", "Wouters", "De Smet", "Vermeulen",
           "Van den Broeck", "Desmet", "Hermans", "Michiels", "Verstraete", "De Backer", "Van Damme", "Declercq", "Lemmens", "Dewulf"],
    "en": ["Smith", "O'Brien", "Taylor", "Murphy", "Walsh", "Brown", "El Amrani", "Benali", "Kowalski", "Rossi"],
}
CITIES = {
    "fr": [("1000", "Bruxelles"), ("1060", "Saint-Gilles"), ("1080", "Molenbeek-Saint-Jean"), ("4000", "Liège"),
           ("5000", "Namur"), ("6000", "Charleroi"), ("7000", "Mons"), ("1348", "Louvain-la-Neuve")],
    "nl": [("9000", "Gent"), ("2000", "Antwerpen"), ("3000", "Leuven"), ("8000", "Brugge"), ("3500", "Hasselt"),
           ("2800", "Mechelen"), ("1030", "Schaarbeek")],
    "en": [("1050", "Ixelles"), ("1040", "Etterbeek"), ("1000", "Brussels")],
}
STREETS = {"fr": ["rue de la Loi", "avenue Louise", "rue Haute", "chaussée de Waterloo", "rue des Tanneurs"],
           "nl": ["Kerkstraat", "Stationsstraat", "Veldstraat", "Molenstraat", "Nieuwstraat"],
           "en": ["rue Royale", "avenue de Tervueren", "Lakensestraat"]}
LEGAL = [("ASBL Les Ateliers du Midi", "fr"), ("VZW Kunstenhuis Gent", "nl"), ("SRL Studio Lumière", "fr"),
         ("BV Klankkast", "nl"), ("ASBL Théâtre de la Roue", "fr"), ("VZW Fietskoeriers Antwerpen", "nl"),
         ("SCRL Collectif Image", "fr"), ("CV Open Data Vlaanderen", "nl"), ("ASBL Cirque en Marche", "fr"),
         ("VZW Dans in de Stad", "nl")]

# Members whose logins the README lists.
FIXED = [("Marie", "Dubois", "fr", "marie.dubois@example.be"), ("Jan", "Peeters", "nl", "jan.peeters@example.be"),
         ("Emma", "Walsh", "en", "emma.walsh@example.be")]


def national_number(rng, born: date) -> str:
    serial = rng.randint(1, 997)
    base = int(f"{born:%y%m%d}{serial:03d}")
    check = 97 - ((base + (2_000_000_000 if born.year >= 2000 else 0)) % 97)
    return f"{base:09d}{check:02d}"


def enterprise_number(rng) -> str:
    first8 = f"0{rng.randint(2_000_000, 9_999_999):07d}"
    return f"{first8}{97 - int(first8) % 97:02d}"


BANK_CODES = ("001", "063", "096", "310", "363", "734", "751", "523", "973")  # known to the IBAN registry


def belgian_iban(rng) -> str:
    first = int(rng.choice(BANK_CODES) + f"{rng.randint(0, 9_999_999):07d}")
    check = first % 97 or 97
    bban = f"{first:010d}{check:02d}"
    return "BE" + std_iban.calc_check_digits("BE00" + bban) + bban


def load_members(ctx: DemoContext) -> None:
    rng = ctx.rng
    make_privileged_account(ctx, "staff@example.be", "Nadia Benali", [Role.STAFF])
    make_privileged_account(ctx, "secretary@example.be", "Luc Dumont", [Role.SECRETARY])
    make_privileged_account(ctx, "officer@example.be", "Ilse Janssens", [Role.OFFICER])
    legal = list(LEGAL)
    members = []
    for i in progress(range(ctx.members), ctx.members, "Members"):
        if i < len(FIXED):
            first, last, lang, email = FIXED[i]
        else:
            lang = rng.choices(["fr", "nl", "en"], weights=[55, 38, 7])[0]
            first, last, email = rng.choice(FIRST[lang]), rng.choice(LAST[lang]), None
        postcode, city = rng.choice(CITIES[lang])
        address = {"street": f"{rng.choice(STREETS[lang])} {rng.randint(1, 240)}", "postcode": postcode,
                   "city": city, "country": "BE", "iban": belgian_iban(rng) if rng.random() < 0.8 else None}
        is_b = i >= len(FIXED) and rng.random() < 0.08
        if is_b and legal and rng.random() < 0.4:
            name, lang = legal.pop(0)
            slug = "".join(c for c in fold(name) if c.isascii() and c.isalnum())[:30]
            member = create_member(email=f"{slug}@example.org", kind=MemberKind.LEGAL, category=Category.B,
                                   language=lang, legal_name=name, enterprise_number=enterprise_number(rng), **address)
        else:
            born = date(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28))
            email = email or fold(f"{first}.{last}.{i}@example.be").replace(" ", "").replace("'", "")
            member = create_member(email=email, kind=MemberKind.NATURAL, category=Category.B if is_b else Category.A,
                                   language=lang, first_name=first, last_name=last,
                                   national_number=national_number(rng, born) if rng.random() < 0.7 else None,
                                   **address)
        members.append(member)
    for member in members[:len(FIXED)]:
        ctx.logins.append((f"member ({member.category.value}, {member.language}): {member.email}",
                           "ask for a sign-in link, then open it from /dev/outbox"))
    # Board members and scrutineers are members too, with roles (so a password and a code).
    people = [m for m in members[len(FIXED):] if m.kind is MemberKind.NATURAL]
    for member in people[:2]:
        make_privileged_account(ctx, member.email, member.name, [Role.BOARD], account=member.account)
    for member in people[2:7]:
        make_privileged_account(ctx, member.email, member.name, [Role.SCRUTINEER], account=member.account)
    ctx.data["members"] = members


def load_applications(ctx: DemoContext) -> None:
    """Two people who applied from the public form and have not paid yet (staff: Applications)."""
    from shares.admission import apply

    for first, last, email, lang, shares in (("Amira", "Benali", "amira.benali@example.be", "fr", 1),
                                             ("Joris", "De Smet", "joris.desmet@example.be", "nl", 3)):
        apply(email=email, kind=MemberKind.NATURAL, category=Category.A, shares=shares, language=lang,
              first_name=first, last_name=last, street="Rue Haute 10", postcode="1000", city="Bruxelles",
              country="BE")
    ctx.logins.append(("applications waiting for payment (staff)", "/staff/applications; anyone: /join"))
