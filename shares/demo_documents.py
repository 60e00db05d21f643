"""Demo versions of the cooperative's documents: statutes of 2017 amended in 2023 (French and Dutch),
a privacy notice in three languages. Short texts marked as demonstrations, made into PDFs here."""
from __future__ import annotations

from datetime import date
from html import escape

from flask_babel import force_locale

from app.demo import DemoContext
from app.web import format_day
from shares import documents
from shares.models import DocumentKind
from shares.pdf import render_pdf

DEMO = {"fr": "Document de démonstration", "nl": "Demonstratiedocument", "en": "Demonstration document"}

STATUTES = {
    "fr": ("Statuts coordonnés", [
        "Article 1. La société est une société coopérative (SC) agréée comme entreprise sociale.",
        "Article 5. Le capital est variable. Chaque part vaut 30 euros et est entièrement libérée à la souscription.",
        "Article 6. Les associés de catégorie A sont les utilisateurs des services de la coopérative ; ceux de "
        "catégorie B sont ses partenaires, son personnel et les personnes morales.",
        "Article 9. L'adhésion est renouvelée chaque année par le paiement de la cotisation annuelle.",
        "Article 21. Le conseil d'administration compte dix-huit membres : onze élus par et parmi la catégorie A, "
        "sept par et parmi la catégorie B.",
        "Article 28. L'assemblée générale se réunit chaque année en juin. Chaque associé dispose d'une voix, quel "
        "que soit le nombre de ses parts. Une modification des statuts requiert les deux tiers des voix.",
    ]),
    "nl": ("Gecoördineerde statuten", [
        "Artikel 1. De vennootschap is een coöperatieve vennootschap (CV), erkend als sociale onderneming.",
        "Artikel 5. Het kapitaal is veranderlijk. Elk aandeel is 30 euro waard en wordt bij de inschrijving "
        "volledig volgestort.",
        "Artikel 6. De vennoten van categorie A zijn de gebruikers van de diensten van de coöperatie; die van "
        "categorie B zijn haar partners, haar personeel en de rechtspersonen.",
        "Artikel 9. Het lidmaatschap wordt elk jaar hernieuwd door de jaarlijkse bijdrage te betalen.",
        "Artikel 21. De raad van bestuur telt achttien leden: elf verkozen door en uit categorie A, zeven door en "
        "uit categorie B.",
        "Artikel 28. De algemene vergadering komt elk jaar in juni bijeen. Elke vennoot heeft één stem, ongeacht "
        "het aantal aandelen. Een statutenwijziging vereist twee derde van de stemmen.",
    ]),
}
PRIVACY = {
    "fr": ("Politique de confidentialité", [
        "La coopérative traite vos nom, adresse, adresse e-mail, numéro de registre national et IBAN pour tenir le "
        "registre des parts que la loi impose, vous convoquer aux assemblées et vous permettre de voter.",
        "Ces données ne sont ni vendues ni cédées. Le registre est conservé aussi longtemps que la loi l'exige.",
        "Vous pouvez consulter et faire corriger vos données depuis votre profil, ou écrire au délégué à la "
        "protection des données de la coopérative.",
    ]),
    "nl": ("Privacyverklaring", [
        "De coöperatie verwerkt uw naam, adres, e-mailadres, rijksregisternummer en IBAN om het wettelijk verplichte "
        "aandelenregister bij te houden, u voor de vergaderingen op te roepen en u te laten stemmen.",
        "Deze gegevens worden niet verkocht of doorgegeven. Het register wordt bewaard zo lang als de wet vereist.",
        "U kunt uw gegevens inzien en laten verbeteren via uw profiel, of door te schrijven naar de functionaris "
        "voor gegevensbescherming van de coöperatie.",
    ]),
    "en": ("Privacy notice", [
        "The cooperative processes your name, address, e-mail address, national number and IBAN to keep the share "
        "register the law requires, to convene you to assemblies and to let you vote.",
        "These data are neither sold nor passed on. The register is kept as long as the law requires.",
        "You can see and correct your data from your profile, or write to the cooperative's data protection officer.",
    ]),
}


def demo_pdf(language: str, title: str, paragraphs: list[str], adopted_on: date) -> bytes:
    """A short PDF marked as a demonstration document, dated ``adopted_on`` (the statutes, an assembly's papers)."""
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    with force_locale(language):
        day = format_day(adopted_on, "long")
    return render_pdf(f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8"><style>
        @page {{ size: A4; margin: 25mm 22mm; }}
        body {{ font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.5; }}
        h1 {{ color: #7a1f5c; }} .demo {{ color: #8a4b00; }}</style></head><body>
        <p class="demo">{DEMO[language]} · {day}</p><h1>{escape(title)}</h1>{body}</body></html>""")


def load_documents(ctx: DemoContext) -> None:
    versions = [(DocumentKind.STATUTES, STATUTES, date(2017, 1, 16)),
                (DocumentKind.STATUTES, STATUTES, date(2023, 6, 20)),
                (DocumentKind.PRIVACY_NOTICE, PRIVACY, date(2024, 5, 25))]
    for kind, texts, adopted_on in versions:
        for language, (title, paragraphs) in texts.items():
            slug = f"{title.lower().replace(' ', '-')}-{adopted_on.year}.pdf"
            documents.add_version(kind, language, adopted_on, slug, demo_pdf(language, title, paragraphs, adopted_on))
