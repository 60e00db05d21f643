"""Demo (loader order 60): the four working groups the 2017 general assembly created, their volunteers,
monthly meetings and a part of their 34 recommendations at every step of their life; two years of board
meetings with approved minutes and syntheses in French, Dutch and English, and one draft waiting for approval.

Everything goes through the services, as a secretary, facilitators and board members would do it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from app.clock import today
from app.demo import DemoContext, make_privileged_account
from app.extensions import db
from app.models import Account, AccountRole, Role
from shares import register
from shares.models import Member, MemberKind
from working_groups import minutes as minutes_service
from working_groups import services
from working_groups.models import (AnswerDecision, AttendanceStatus, CallStatus, GroupRole, Implementation,
                                   Recommendation)

AG_2017 = date(2017, 6, 20)
AG_2018 = date(2018, 6, 19)
SUBMITTED_ON = date(2018, 3, 22)
ANSWERED_ON = date(2018, 5, 16)

GROUPS = [
    {
        "slug": "ethique",
        "name": {"fr": "Comité d'éthique", "nl": "Ethisch comité", "en": "Ethics committee"},
        "mandate": {
            "fr": "Mettre en place un comité éthique de la coopérative : sa composition, ses missions, la manière "
                  "dont les sociétaires peuvent le saisir.",
            "nl": "Een ethisch comité van de coöperatie oprichten: samenstelling, opdrachten en de manier waarop "
                  "leden het kunnen aanspreken.",
            "en": "Set up the cooperative's ethics committee: who sits on it, what it does, and how members can "
                  "bring a question to it."},
        "call": {"fr": "Vous vous interrogez sur ce que la coopérative accepte ou refuse ? Rejoignez le groupe : une "
                       "séance par mois à Bruxelles, de septembre à mars.",
                 "nl": "Vraagt u zich af wat de coöperatie aanvaardt of weigert? Sluit aan: één bijeenkomst per "
                       "maand in Brussel, van september tot maart.",
                 "en": "Wondering what the cooperative should accept or refuse? Join us: one meeting a month in "
                       "Brussels, from September to March."},
    },
    {
        "slug": "representation",
        "name": {"fr": "Représentation de la coopérative", "nl": "Vertegenwoordiging van de coöperatie",
                 "en": "Representing the cooperative"},
        "mandate": {
            "fr": "Définir les missions de représentation de la coopérative et la manière dont ses propres "
                  "sociétaires peuvent la représenter auprès des pouvoirs publics, des syndicats et des réseaux.",
            "nl": "De vertegenwoordigingsopdrachten van de coöperatie bepalen en hoe haar eigen leden haar kunnen "
                  "vertegenwoordigen bij overheden, vakbonden en netwerken.",
            "en": "Define how the cooperative is represented, and how its own members can speak for it to public "
                  "authorities, trade unions and networks."},
        "call": {"fr": "Porte-parole, délégué, témoin : comment les sociétaires portent-ils la voix de la coopérative ?",
                 "nl": "Woordvoerder, afgevaardigde, getuige: hoe dragen leden de stem van de coöperatie uit?",
                 "en": "Spokesperson, delegate, witness: how do members carry the cooperative's voice?"},
    },
    {
        "slug": "information",
        "name": {"fr": "Accès à l'information économique et financière",
                 "nl": "Toegang tot economische en financiële informatie",
                 "en": "Access to economic and financial information"},
        "mandate": {
            "fr": "Faciliter l'accès des sociétaires aux informations financières et économiques de la coopérative.",
            "nl": "De toegang van de leden tot de financiële en economische informatie van de coöperatie "
                  "vergemakkelijken.",
            "en": "Make the cooperative's financial and economic information easier for members to reach."},
        "call": {"fr": "Pas besoin d'être comptable : nous cherchons des sociétaires curieux des chiffres.",
                 "nl": "U hoeft geen boekhouder te zijn: we zoeken leden die nieuwsgierig zijn naar de cijfers.",
                 "en": "No need to be an accountant: we are looking for members curious about the figures."},
    },
    {
        "slug": "outils",
        "name": {"fr": "Outils informatiques", "nl": "Digitale tools", "en": "IT tools"},
        "mandate": {
            "fr": "Proposer des lieux de consultation et de réflexion sur les outils informatiques que les "
                  "sociétaires utilisent chaque jour.",
            "nl": "Plaatsen voor overleg en reflectie voorstellen over de digitale tools die leden dagelijks "
                  "gebruiken.",
            "en": "Offer places where members are consulted on, and think about, the IT tools they use every day."},
        "call": {"fr": "Factures, contrats, notes de frais : vous utilisez nos outils ? Aidez-nous à les améliorer.",
                 "nl": "Facturen, contracten, onkostennota's: gebruikt u onze tools? Help ons ze te verbeteren.",
                 "en": "Invoices, contracts, expense notes: you use our tools? Help us improve them."},
    },
]

# (group, language, title, text, rationale, decision, amended text, reasoning, progress [(date, status, note)])
D, A, P, R = AnswerDecision.ACCEPTED, AnswerDecision.AMENDED, AnswerDecision.POSTPONED, AnswerDecision.REJECTED
IM = Implementation
RECOMMENDATIONS = [
    ("ethique", "fr", "Créer un comité d'éthique indépendant",
     "Le Conseil d'administration institue un comité d'éthique de sept sociétaires, dont au moins deux de "
     "catégorie B, élus pour deux ans par l'Assemblée générale.",
     "Les sociétaires doivent pouvoir s'adresser à une instance qui n'est ni la direction ni le Conseil "
     "d'administration lorsque des pratiques de la coopérative posent question.",
     D, None, "Le Conseil partage l'analyse du groupe ; l'élection aura lieu à l'Assemblée générale 2019.",
     [(date(2018, 10, 3), IM.IN_PROGRESS, "Appel à candidatures pour le comité lancé auprès des sociétaires."),
      (date(2019, 6, 18), IM.DONE, "Sept membres du comité élus par l'Assemblée générale.")]),
    ("ethique", "fr", "Adopter une charte éthique des activités",
     "Une charte précise les activités que la coopérative refuse d'accueillir : atteinte à la dignité, travail "
     "déguisé, activités contraires aux droits humains.",
     "Les permanents décident aujourd'hui au cas par cas, sans texte de référence connu des sociétaires.",
     A, "Une charte élaborée par le comité d'éthique avec les permanents, puis soumise à l'Assemblée générale 2020.",
     "Le Conseil souhaite que la charte soit écrite par le futur comité, pas avant son installation.",
     [(date(2019, 11, 12), IM.IN_PROGRESS, "Le comité d'éthique a rédigé une première version."),
      (date(2020, 6, 16), IM.DONE, "Charte adoptée par l'Assemblée générale.")]),
    ("ethique", "fr", "Une saisine ouverte à tout sociétaire",
     "Tout sociétaire peut saisir le comité d'éthique par écrit ; le comité répond dans les deux mois.",
     "La confiance dans le comité dépend de son accessibilité.",
     D, None, "Accepté ; la procédure sera publiée sur le site avec le formulaire.",
     [(date(2019, 9, 2), IM.IN_PROGRESS, "Formulaire en ligne en cours de réalisation.")]),
    ("ethique", "fr", "Publier un rapport éthique annuel",
     "Le comité d'éthique publie chaque année un rapport des saisines reçues et des avis rendus, anonymisés.",
     "Rendre compte aux sociétaires de l'activité du comité.",
     P, None, "Le Conseil reverra la question après la première année de fonctionnement du comité.", []),
    ("ethique", "fr", "Rémunérer les membres du comité d'éthique",
     "Les membres du comité reçoivent un jeton de présence pour chaque séance.",
     "Le temps consacré au comité est pris sur l'activité professionnelle des membres.",
     R, None, "Le Conseil tient au caractère bénévole des mandats ; les frais de déplacement restent remboursés.",
     []),
    ("representation", "fr", "Mandater des sociétaires pour représenter la coopérative",
     "Le Conseil peut confier à des sociétaires volontaires des mandats de représentation précis, limités dans le "
     "temps, dont ils rendent compte.",
     "La coopérative est trop souvent représentée par ses seuls permanents.",
     D, None, "Accepté ; un registre des mandats sera tenu par le secrétariat du Conseil.",
     [(date(2018, 9, 12), IM.IN_PROGRESS, "Premiers mandats confiés pour deux réseaux d'économie sociale."),
      (date(2019, 3, 20), IM.DONE, "Registre des mandats publié ; onze sociétaires mandatés.")]),
    ("representation", "fr", "Former les sociétaires porte-parole",
     "Une formation d'une journée prépare les sociétaires mandatés à la prise de parole publique.",
     "Représenter suppose de connaître l'histoire et les positions de la coopérative.",
     A, "Une demi-journée de formation, en français et en néerlandais, ouverte aussi aux administrateurs.",
     "Le format est adapté au temps disponible des sociétaires.",
     []),
    ("representation", "fr", "Porter la voix des travailleurs autonomes auprès des syndicats",
     "La coopérative organise une rencontre annuelle entre sociétaires et organisations syndicales.",
     "Les coursiers ont montré que les travailleurs autonomes sont isolés dans leur représentation.",
     D, None, "Accepté dans le prolongement des contacts pris en 2017 avec les centrales syndicales.",
     [(date(2019, 1, 15), IM.IN_PROGRESS, "Première rencontre préparée avec deux centrales."),
      (date(2019, 10, 8), IM.ABANDONED, "Les centrales ont préféré une concertation bilatérale ; "
                                        "la rencontre annuelle est abandonnée.")]),
    ("representation", "fr", "Un siège pour les coursiers dans les concertations sectorielles",
     "La coopérative demande un siège pour ses coursiers dans les commissions paritaires du transport.",
     "Ce sont les premiers concernés.",
     P, None, "La question dépend de l'évolution du cadre légal ; elle sera revue l'an prochain.", []),
    ("representation", "nl", "Jaarlijkse ontmoeting van leden per regio",
     "In elke regio organiseert de coöperatie jaarlijks een ontmoeting tussen leden en bestuurders.",
     "Vertegenwoordiging begint bij elkaar kennen.",
     D, None, "Aanvaard; de eerste ontmoetingen vinden plaats in Gent en Luik.",
     [(date(2019, 5, 4), IM.IN_PROGRESS, "Ontmoeting in Gent gehouden; Luik volgt in het najaar.")]),
    ("information", "fr", "Publier des comptes annuels lisibles par tous",
     "Les comptes annuels sont accompagnés d'une présentation de huit pages, illustrée, sans jargon.",
     "Les comptes légaux ne sont pas lisibles pour la plupart des sociétaires.",
     D, None, "Accepté pour les comptes 2018.",
     [(date(2019, 5, 28), IM.DONE, "Présentation illustrée jointe au rapport d'activité 2018.")]),
    ("information", "fr", "Un tableau de bord trimestriel pour les sociétaires",
     "Chaque trimestre, un tableau de bord présente le chiffre d'affaires, les salaires versés, le fonds de "
     "garantie et les délais de paiement.",
     "Suivre la santé de la coopérative en cours d'année, pas seulement à l'Assemblée générale.",
     A, "Un tableau de bord semestriel, le trimestre étant trop court pour des chiffres consolidés.",
     "La direction financière ne peut garantir des chiffres fiables chaque trimestre.",
     [(date(2019, 2, 14), IM.IN_PROGRESS, "Premier tableau de bord en préparation.")]),
    ("information", "fr", "Expliquer la contribution de 6,5 %",
     "Une page explique à quoi sert la contribution de 6,5 % sur le chiffre d'affaires, poste par poste.",
     "C'est la question la plus posée par les nouveaux sociétaires.",
     D, None, "Accepté.",
     [(date(2018, 11, 6), IM.DONE, "Page publiée sur le site, en trois langues.")]),
    ("information", "fr", "Donner accès aux procès-verbaux complets du Conseil",
     "Les procès-verbaux complets du Conseil d'administration sont consultables par tous les sociétaires.",
     "La transparence est une valeur de la coopérative.",
     R, None, "Les procès-verbaux contiennent des informations sur des personnes et des partenaires ; le Conseil "
              "publie une synthèse de chaque réunion à la place.",
     []),
    ("information", "nl", "Opleiding over de financiën van de coöperatie",
     "Twee keer per jaar een opleiding van een halve dag over de financiën van de coöperatie.",
     "Leden die de cijfers begrijpen, nemen betere beslissingen op de algemene vergadering.",
     D, None, "Aanvaard; de eerste opleiding volgt na de jaarrekening.", []),
    ("outils", "fr", "Un comité d'utilisateurs pour les outils en ligne",
     "Un comité de douze sociétaires utilisateurs se réunit quatre fois par an avec l'équipe informatique.",
     "Les outils sont conçus sans consulter ceux qui les utilisent chaque jour.",
     D, None, "Accepté.",
     [(date(2018, 9, 20), IM.DONE, "Comité d'utilisateurs installé ; première réunion tenue.")]),
    ("outils", "fr", "Tester les nouvelles fonctions avec des sociétaires",
     "Toute nouvelle fonction est testée par des sociétaires volontaires avant sa mise en ligne.",
     "Les erreurs découvertes après la mise en ligne coûtent cher à tout le monde.",
     A, "Les fonctions importantes sont testées par le comité d'utilisateurs avant leur mise en ligne.",
     "Tester chaque fonction retarderait trop les corrections urgentes.",
     [(date(2019, 4, 2), IM.IN_PROGRESS, "Premier test avec le comité sur les notes de frais."),
      (date(2020, 1, 21), IM.DONE, "Procédure de test en place pour chaque version importante.")]),
    ("outils", "fr", "Rendre la plateforme utilisable sur téléphone",
     "Les factures, contrats et notes de frais peuvent être établis depuis un téléphone.",
     "Beaucoup de sociétaires travaillent en déplacement.",
     D, None, "Accepté ; priorité aux contrats.",
     [(date(2019, 6, 3), IM.IN_PROGRESS, "Les contrats s'établissent sur téléphone ; les factures suivent.")]),
    ("outils", "fr", "Publier le code des outils sous licence libre",
     "Le code des outils développés par la coopérative est publié sous une licence libre.",
     "Les coopératives sœurs pourraient en profiter et y contribuer.",
     P, None, "Le Conseil veut d'abord évaluer les questions de sécurité et de maintenance.", []),
]

# The IT group's current season: two submitted and waiting, one adopted, one draft.
CURRENT = [
    ("Voter à l'Assemblée générale depuis son téléphone",
     "Sur place, un code QR mène chaque sociétaire à son bulletin de vote électronique.",
     "Neuf cents personnes sur place : le vote à main levée ne permet pas un décompte vérifiable.", "submit"),
    ("Traduire toute la plateforme en anglais",
     "Tous les écrans et les messages existent en français, en néerlandais et en anglais.",
     "De plus en plus de sociétaires ne parlent ni français ni néerlandais.", "submit"),
    ("Un mode hors ligne pour les notes de frais",
     "Une note de frais peut être préparée sans connexion et envoyée plus tard.",
     "En tournée, la connexion manque souvent.", "adopt"),
    ("Prévenir par SMS quand un client a payé",
     "Le sociétaire reçoit un SMS quand le paiement d'une de ses factures est reçu.",
     "", "draft"),
]

MINUTES = [
    {"fr": ("Installation des groupes de travail et budget",
            "Le Conseil a suivi la mise en route des quatre groupes de travail et examiné le budget de l'année. "
            "Il a approuvé le calendrier de ses réunions."),
     "nl": ("Opstart van de werkgroepen en begroting",
            "De raad volgde de opstart van de vier werkgroepen en besprak de begroting van het jaar. "
            "Hij keurde de vergaderkalender goed."),
     "en": ("Working groups under way, and the budget",
            "The board followed the start of the four working groups and examined the year's budget. "
            "It approved its calendar of meetings."),
     "items": [("Groupes de travail", "Les animateurs ont présenté les premières séances."),
               ("Budget", "La direction financière a présenté le budget.")],
     "decisions": [("Le calendrier des réunions du Conseil est approuvé.", 1.0, 0.0)]},
    {"fr": ("Séminaire et finances de la coopérative",
            "Retour sur le séminaire de deux jours : organisation, enjeux financiers, développement international. "
            "Le Conseil a demandé un tableau de bord financier régulier."),
     "nl": ("Seminarie en financiën van de coöperatie",
            "Terugblik op het tweedaagse seminarie: organisatie, financiële uitdagingen, internationale "
            "ontwikkeling. De raad vroeg een regelmatig financieel dashboard."),
     "en": ("Seminar and the cooperative's finances",
            "Looking back on the two-day seminar: organisation, financial stakes, international growth. "
            "The board asked for a regular financial dashboard."),
     "items": [("Séminaire", "Synthèse des ateliers."), ("Finances", "Questions sur le fonds de garantie.")],
     "decisions": [("Un tableau de bord financier est présenté à chaque réunion.", 0.8, 0.0)]},
    {"fr": ("Les recommandations des groupes de travail",
            "Le Conseil a reçu les recommandations des quatre groupes et a réparti leur analyse entre ses membres. "
            "Les réponses seront présentées à l'Assemblée générale."),
     "nl": ("De aanbevelingen van de werkgroepen",
            "De raad ontving de aanbevelingen van de vier werkgroepen en verdeelde de analyse onder zijn leden. "
            "De antwoorden worden op de algemene vergadering voorgesteld."),
     "en": ("The working groups' recommendations",
            "The board received the four groups' recommendations and shared out their analysis among its members. "
            "The answers will be presented at the general assembly."),
     "items": [("Recommandations", "Présentation par les animateurs des groupes.")],
     "decisions": [("Chaque recommandation reçoit une réponse motivée avant l'Assemblée générale.", 1.0, 0.0)]},
    {"fr": ("Réponses aux recommandations et préparation de l'Assemblée",
            "Le Conseil a arrêté ses réponses : la plupart des recommandations sont acceptées, certaines avec des "
            "amendements, quelques-unes reportées ou refusées avec leurs raisons."),
     "nl": ("Antwoorden op de aanbevelingen en voorbereiding van de algemene vergadering",
            "De raad legde zijn antwoorden vast: de meeste aanbevelingen zijn aanvaard, sommige met wijzigingen, "
            "enkele uitgesteld of geweigerd met hun redenen."),
     "en": ("Answers to the recommendations, and preparing the assembly",
            "The board settled its answers: most recommendations are accepted, some with amendments, a few "
            "postponed or rejected with the reasons why."),
     "items": [("Réponses", "Examen recommandation par recommandation."), ("Assemblée générale", "Ordre du jour.")],
     "decisions": [("Les réponses aux recommandations sont arrêtées.", 0.8, 0.2),
                   ("L'ordre du jour de l'Assemblée générale est approuvé.", 1.0, 0.0)]},
    {"fr": ("Suivi de la mise en œuvre",
            "Le Conseil a fait le point sur la mise en œuvre des recommandations acceptées et sur le comité "
            "d'éthique en préparation."),
     "nl": ("Opvolging van de uitvoering",
            "De raad maakte de balans op van de uitvoering van de aanvaarde aanbevelingen en van het ethisch "
            "comité in voorbereiding."),
     "en": ("Following up the implementation",
            "The board reviewed how the accepted recommendations are being implemented, and the ethics committee "
            "being prepared."),
     "items": [("Mise en œuvre", "Tableau de suivi présenté par le secrétariat.")],
     "decisions": [("Le tableau de suivi est publié pour les sociétaires.", 1.0, 0.0)]},
    {"fr": ("Comptes annuels et nouvelle saison des groupes",
            "Le Conseil a approuvé les comptes présentés à l'Assemblée et rouvert l'appel à volontaires du "
            "groupe Outils informatiques."),
     "nl": ("Jaarrekening en nieuw seizoen van de werkgroepen",
            "De raad keurde de jaarrekening voor de algemene vergadering goed en heropende de oproep tot "
            "vrijwilligers van de groep Digitale tools."),
     "en": ("Annual accounts, and a new season for the groups",
            "The board approved the accounts put to the assembly and reopened the IT tools group's call for "
            "volunteers."),
     "items": [("Comptes annuels", "Présentation par la direction financière."),
               ("Groupes de travail", "Bilan et nouvel appel.")],
     "decisions": [("Les comptes annuels sont présentés à l'Assemblée générale.", 0.8, 0.2),
                   ("L'appel à volontaires du groupe Outils informatiques est rouvert.", 1.0, 0.0)]},
]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


def _board(ctx: DemoContext, members: list[Member]) -> list[Account]:
    board = list(db.session.scalars(select(Account).join(AccountRole).where(AccountRole.role == Role.BOARD)
                                    .order_by(Account.id)))
    on = today()
    candidates = [m for m in members if m.kind is MemberKind.NATURAL and not m.account.roles  # members still
                  and register.holding(m, on).left is None][10:]
    for member in candidates[:max(0, 5 - len(board))]:
        board.append(make_privileged_account(ctx, member.email, member.name, [Role.BOARD], account=member.account))
    return board


def load_working_groups(ctx: DemoContext) -> None:
    rng = ctx.rng
    secretary = db.session.scalar(select(Account).join(AccountRole).where(AccountRole.role == Role.SECRETARY)
                                  .order_by(Account.id).limit(1))
    members = list(ctx.data.get("members") or db.session.scalars(select(Member).order_by(Member.id)))
    board = _board(ctx, members)
    from shares.standing import is_current_member, register_facts

    facts = register_facts(today())
    # Volunteers among the members of the cooperative (the register demo has some who left, and applicants).
    people = [m for m in members if m.kind is MemberKind.NATURAL and m.id in facts and is_current_member(facts[m.id])]
    fixed, others = people[:3], people[3:]
    rng.shuffle(others)

    groups = {}
    # Fifteen volunteers a group, fewer in a small demo (``flask demo --members 60``): the members
    # who paid their share are shared out so that each group has its facilitator and a few more.
    size = min(15, len(others) // len(GROUPS))
    for i, spec in enumerate(GROUPS):
        group = services.create_group(slug=spec["slug"], name=spec["name"], mandate_text=spec["mandate"],
                                      mandate_decided_on=AG_2017, mandate_reference=f"6.{i + 1}",
                                      call_text=spec["call"], actor=secretary)
        volunteers = others[i * size:(i + 1) * size]
        if spec["slug"] in ("ethique", "outils") and fixed:
            volunteers = [fixed[0], *volunteers]  # Marie Dubois
        if spec["slug"] == "representation" and len(fixed) > 1:
            volunteers = [fixed[1], *volunteers]  # Jan Peeters
        for n, member in enumerate(volunteers):
            if n == 1:
                services.add_to_group(group, member, GroupRole.FACILITATOR, actor=secretary)
            elif n == len(volunteers) - 1 and n > 2:
                services.add_to_group(group, member, GroupRole.EXPERT, actor=secretary)
            else:
                services.join_group(group, member, rng.choice(["", "Je veux m'impliquer.", "Ik wil meedenken.",
                                                               "I use the tools every day."]), actor=member.account)
        for membership in group.memberships:  # they answered the call of 2017, before the first meeting
            membership.joined_at = _at(AG_2017 + timedelta(days=30))
        groups[spec["slug"]] = (group, volunteers)
        services.add_document(group, "Mandat voté par l'Assemblée générale", "mandat-ag-2017.txt",
                              (spec["mandate"]["fr"] + "\n").encode(), actor=secretary)

    # Monthly meetings, September 2017 to March 2018; the last one adopts the recommendations.
    meetings = {}
    for slug, (group, volunteers) in groups.items():
        for month in range(7):
            held_on = date(2017 + (8 + month) // 12, (8 + month) % 12 + 1, 7 + rng.randint(0, 14))
            meeting = services.schedule_meeting(group, held_on, "Bruxelles, rue Coenraets 72",
                                                "1. Tour de table\n2. Travail sur les recommandations\n3. Divers",
                                                actor=secretary)
            attendance = {m.id: rng.choices(list(AttendanceStatus), weights=[75, 15, 10])[0] for m in volunteers}
            services.record_meeting(meeting, attendance, "Séance de travail ; un expert invité a présenté son "
                                    "expérience." if month == 3 else "Séance de travail.", actor=secretary)
            meetings[slug] = meeting

    for slug, language, title, text, rationale, decision, amended, reasoning, progress in RECOMMENDATIONS:
        group, volunteers = groups[slug]
        author = volunteers[2 % len(volunteers)].account if volunteers else secretary
        rec = services.draft_recommendation(group, title, text, rationale, language=language, author=author)
        services.adopt_recommendations(meetings[slug], [rec], actor=secretary)
    for slug, (group, _volunteers) in groups.items():
        services.submit_recommendations(group, SUBMITTED_ON, actor=secretary)
    recs = {r.title: r for r in db.session.scalars(select(Recommendation))}
    for slug, language, title, text, rationale, decision, amended, reasoning, progress in RECOMMENDATIONS:
        rec = recs[title]
        answer = services.answer_recommendation(rec, decision, reasoning, amended, ANSWERED_ON, actor=secretary)
        services.mark_reported([answer], AG_2018, actor=secretary)
        for noted_on, status, note in progress:
            services.add_progress(rec, status, note, noted_on, actor=secretary)
            rec.updated_at = _at(noted_on)
        if not progress:
            rec.updated_at = _at(ANSWERED_ON)
    for slug, (group, _volunteers) in groups.items():
        if slug != "outils":
            services.set_call_status(group, CallStatus.CLOSED, actor=secretary)

    # The IT group's current season.
    group, volunteers = groups["outils"]
    day = today()
    first = services.schedule_meeting(group, day - timedelta(days=60), "Gent, Kortrijksesteenweg", "Nouvelle saison",
                                      actor=secretary)
    second = services.schedule_meeting(group, day - timedelta(days=30), "Bruxelles", "Adoption", actor=secretary)
    third = services.schedule_meeting(group, day - timedelta(days=10), "En ligne", "Suite", actor=secretary)
    services.schedule_meeting(group, day + timedelta(days=20), "Liège", "1. Mode hors ligne\n2. SMS", actor=secretary,
                              starts_at=time(18, 30))
    for meeting in (first, second, third):
        services.record_meeting(meeting, {m.id: AttendanceStatus.PRESENT for m in volunteers[:8]}, "Séance de travail.",
                                actor=secretary)
    author = volunteers[0].account
    for title, text, rationale, step in CURRENT:
        rec = services.draft_recommendation(group, title, text, rationale, author=author)
        if step == "submit":
            services.revise_recommendation(rec, title, text, rationale + " (version relue par le groupe)",
                                           author=volunteers[1].account)
            services.adopt_recommendations(second, [rec], actor=secretary)
    services.submit_recommendations(group, day - timedelta(days=20), actor=secretary)
    adopted = [r for r in db.session.scalars(select(Recommendation).where(
        Recommendation.group_id == group.id)) if r.title == CURRENT[2][0]]
    services.adopt_recommendations(third, adopted, actor=secretary)
    if fixed:
        services.follow(fixed[0].account, recs["Rendre la plateforme utilisable sur téléphone"])

    _load_minutes(ctx, board, secretary)
    ctx.logins.append(("working groups", "/groups/ (members), /recommendations/ (public), "
                                         "/board/minutes/ (board and secretary), /minutes/ (members)"))


def _load_minutes(ctx: DemoContext, board: list[Account], secretary: Account | None) -> None:
    rng = ctx.rng
    day = today()
    dates = [day - timedelta(days=45 + 137 * (5 - k)) for k in range(6)]
    for k, (meeting_on, spec) in enumerate(zip(dates, MINUTES)):
        minutes = minutes_service.draft_minutes(meeting_on, "Bruxelles, siège de la coopérative", actor=secretary)
        absent = rng.choice(board) if k % 2 else None
        attendance = {a.id: (AttendanceStatus.EXCUSED if a is absent else AttendanceStatus.PRESENT) for a in board}
        minutes_service.update_minutes(minutes, meeting_on=meeting_on, place=minutes.place,
                                       summary=spec["fr"][1], attendance=attendance, actor=secretary)
        present = len(minutes.present)
        for title, discussion in spec["items"]:
            minutes_service.add_item(minutes, title, discussion, actor=secretary)
        for text, yes, no in spec["decisions"]:
            votes_for = round(present * yes)
            votes_against = round(present * no)
            minutes_service.add_decision(minutes, text, votes_for, votes_against, present - votes_for - votes_against,
                                         actor=secretary)
        for language in ("fr", "nl", "en"):
            minutes_service.save_synthesis(minutes, language, *spec[language], actor=secretary)
        minutes_service.circulate(minutes, actor=secretary)
        if k % 3 == 2:  # approved at the next meeting
            minutes_service.approve_at_meeting(minutes, dates[k + 1] if k + 1 < len(dates) else day, actor=secretary)
        else:
            for attendee in minutes.present:
                minutes_service.approve(minutes, attendee.account)
        last = k == len(dates) - 1
        minutes_service.publish(minutes, actor=secretary, notify=last)
        minutes.published_at = _at(day - timedelta(days=5)) if last else _at(meeting_on + timedelta(days=30))
        if k == 1:  # a correction, approved in its turn: the first version is kept, replaced
            new = minutes_service.correct(minutes, "Erreur dans le décompte des votes de la décision.",
                                          actor=secretary)
            decision = new.decisions[0]
            decision.votes_for, decision.votes_abstain = decision.votes_for - 1, decision.votes_abstain + 1
            minutes_service.circulate(new, actor=secretary)
            minutes_service.approve_at_meeting(new, dates[k + 1], actor=secretary)
            new.published_at = minutes.published_at

    # The latest meeting: circulated, approved by some, waiting for the others.
    meeting_on = day - timedelta(days=8)
    minutes = minutes_service.draft_minutes(meeting_on, "Bruxelles, siège de la coopérative", actor=secretary)
    minutes_service.update_minutes(minutes, meeting_on=meeting_on, place=minutes.place,
                                   summary="Le Conseil a examiné les deux recommandations du groupe Outils "
                                           "informatiques et le calendrier de l'Assemblée générale.",
                                   attendance={a.id: AttendanceStatus.PRESENT for a in board}, actor=secretary)
    minutes_service.add_item(minutes, "Recommandations du groupe Outils informatiques",
                             "Premier examen ; réponse à la prochaine réunion.", actor=secretary)
    minutes_service.add_decision(minutes, "Le calendrier de l'Assemblée générale est approuvé.", len(board), 0, 0,
                                 actor=secretary)
    minutes_service.save_synthesis(minutes, "fr", "Recommandations sur les outils et calendrier de l'Assemblée",
                                   "Le Conseil a commencé l'examen des recommandations du groupe Outils "
                                   "informatiques et fixé le calendrier de l'Assemblée générale.", actor=secretary)
    minutes_service.circulate(minutes, actor=secretary)
    for account in board[:2]:
        minutes_service.approve(minutes, account)
