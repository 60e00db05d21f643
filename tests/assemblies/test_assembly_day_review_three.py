"""A third review of the assembly day: proxies without a deadline in the convocations, neutral wording
about members, due dates already past on the officer's home page, and a believable demo history."""
from __future__ import annotations


from app.extensions import db
from assemblies import services
from tests.assemblies.test_assembly_views import electors, post
from tests.factories import pdf_text, sign_in

OFFER = {"en": "If you cannot vote yourself, you can give your proxy to another member until the vote closes, "
               "on the assembly's page:",
         "fr": "Si vous ne pouvez pas voter vous-même, vous pouvez donner votre procuration à un autre sociétaire "
               "jusqu'à la clôture du vote, sur la page de l'assemblée\u00a0:",
         "nl": "Als u niet zelf kunt stemmen, kunt u tot de sluiting van de stemming uw volmacht aan een ander "
               "lid geven, op de pagina van de vergadering:"}


def test_without_a_deadline_the_convocation_says_proxies_run_until_the_vote_closes(client, world, outbox):
    world.assembly.proxy_deadline = None
    for member, lang in zip(world.members, ("en", "fr", "nl")):
        member.account.language = lang
    services.convene(world.assembly)
    db.session.commit()
    for member, lang in zip(world.members, ("en", "fr", "nl")):
        (mail,) = outbox(member.email)
        assert OFFER[lang] in mail.body_text, (lang, mail.body_text)
        assert "/assemblies/ga-test" in mail.body_text.split(OFFER[lang])[1].split("\n")[0]
    sign_in(client, world.members[0].account)
    page = client.get("/assemblies/ga-test").get_data(as_text=True)
    assert "you can give your proxy to another member until the vote closes." in page.replace("&#39;", "'")


def test_without_a_deadline_the_printed_letter_says_proxies_run_until_the_vote_closes(client, world, tmp_path):
    world.assembly.proxy_deadline = None
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    db.session.commit()
    sign_in(client, world.officer)
    e = electors(world)[1]
    pdf = post(client, f"/assemblies/ga-test/roll/{e.id}/letter", "/assemblies/ga-test/roll")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    words = " ".join(pdf_text(pdf.data, tmp_path, layout=False).split())
    assert "you can give your proxy to another member until the vote closes, on the assembly's page:" \
        in words.replace("\u2019", "'")


def test_the_ballot_page_elides_before_the_name_of_the_member_it_votes_for(client, world, outbox):
    """The words said after a proxy's cast are filled in on the server, where the name is known:
    "au nom d'Olivier Dupont", not "au nom de Olivier Dupont"."""
    from voting.crypto.credential import credential_public
    from tests.assemblies.test_assembly_services import credential_in

    giver, holder = world.members[0], world.members[1]
    giver.first_name, giver.last_name = "Olivier", "Dupont"
    services.convene(world.assembly)
    services.open_vote(world.assembly)
    services.give_proxy(world.assembly, giver, holder)
    holder.account.language = "fr"
    db.session.commit()
    sign_in(client, holder.account)
    proxied = credential_public(credential_in(outbox(holder.email)[-1]))
    answer = client.get(f"/voting/ga-test/credentials/{proxied}").get_json()
    assert answer["cast_for"] == "Ce bulletin a été déposé au nom d'Olivier Dupont, qui vous a donné sa procuration."
    giver.first_name, giver.last_name = "Jan", "Peeters"
    db.session.commit()
    answer = client.get(f"/voting/ga-test/credentials/{proxied}").get_json()
    assert answer["cast_for"] == "Ce bulletin a été déposé au nom de Jan Peeters, qui vous a donné sa procuration."
    assert "data-msg-cast-for" not in client.get("/voting/ga-test/vote").get_data(as_text=True)


def test_a_candidate_s_gender_is_agreed_with_and_a_legal_person_gets_neutral_words(client, db):
    from html import unescape

    from app.models import Role
    from assemblies.models import Gender
    from shares.models import Category
    from tests.assemblies.test_assembly_day_review_two import _draft
    from tests.factories import make_account

    assembly, board = _draft()
    for name, gender in (("Anna Claes", Gender.WOMAN), ("Jan Peeters", Gender.MAN), ("Cobeco SA", Gender.LEGAL)):
        services.add_candidate(board, category=Category.A, name=name, gender=gender)
    secretary = make_account(roles=(Role.SECRETARY,), email="secretary@example.be")
    secretary.language = "fr"
    db.session.commit()
    sign_in(client, secretary)
    said = {}
    for name in ("Anna Claes", "Jan Peeters", "Cobeco SA"):
        refused = client.post(f"/assemblies/ga-draft/items/{board.id}/candidates",
                              data={"name": name.upper(), "category": "A", "gender": "man"})
        assert refused.status_code == 409
        said[name] = unescape(refused.get_data(as_text=True))
    assert "Anna Claes est déjà candidate à ce point" in said["Anna Claes"]
    assert "Jan Peeters est déjà candidat à ce point" in said["Jan Peeters"]
    assert "Cobeco SA figure déjà parmi les candidats de ce point" in said["Cobeco SA"]
    anna = next(c for c in board.candidates if c.name == "Anna Claes")
    removed = client.post(f"/assemblies/ga-draft/items/{board.id}/candidates/{anna.id}/delete", follow_redirects=True)
    assert "Anna Claes n'est plus candidate." in unescape(removed.get_data(as_text=True))


def test_a_member_s_proxy_refusals_use_words_that_fit_a_woman_and_a_man(app, world):
    """The member's gender is not known: the Dutch words are neutral ("de eigen volmacht"), not "zijn
    eigen volmacht" said of Emma; the French say "en personne", not "ce sociétaire vote lui-même"."""
    from flask_babel import force_locale, gettext

    from app.errors import error_message
    from assemblies import errors

    emma = world.members[1]
    with app.test_request_context(), force_locale("nl"):
        said = [error_message(errors.at_the_door(errors.GiverHoldsProxies(), emma)),
                error_message(errors.at_the_door(errors.HolderRepresented(), emma)),
                error_message(errors.GiverHoldsProxies()), error_message(errors.HolderRepresented()),
                error_message(errors.ProxyToSelf())]
    assert f"{emma.name} (nr. {emma.number}) houdt de volmachten van andere leden en kan dus de eigen volmacht " \
           "niet geven" in said[0]
    assert not [s for s in said if "zijn eigen" in s], said
    with app.test_request_context(), force_locale("fr"):
        declined = gettext("You declined the proxy of %(name)s on %(when)s: this link no longer votes in their "
                           "name, and they vote themselves. To vote for yourself, use the link of your own "
                           "convocation.", name=emma.name, when="1er décembre")
    assert "lui-même" not in declined and "son vote lui revient" in declined


def test_a_step_due_by_the_last_day_of_the_notice_says_it_was_due_once_that_day_has_passed(app, client, world):
    """Shown on 30 November, "Freeze the electorate ... by 15 November" read as a deadline still to meet:
    the home page says it was due, and that convening now shortens the statutes' notice."""
    from datetime import datetime, time, timedelta

    from app.clock import BRUSSELS, today
    from app.web import format_day

    starts = datetime.combine(today() + timedelta(days=5), time(14), tzinfo=BRUSSELS)
    late = services.create_assembly(slug="ga-late", titles={"fr": "AG", "nl": "AV", "en": "GA late"},
                                    starts_at=starts, place="Namur", voting_opens_at=starts,
                                    voting_closes_at=starts + timedelta(hours=4), record_date=world.record)
    db.session.commit()
    last, ahead = today() - timedelta(days=10), world.assembly.starts_at
    with app.test_request_context():
        assert services.last_convocation_day(late) == last
        ahead = services.last_convocation_day(world.assembly)
        last_said, ahead_said = format_day(last, "long"), format_day(ahead, "long")
    sign_in(client, world.officer)
    home = client.get("/").get_data(as_text=True).replace("&#39;", "'")
    line = home[home.index("Freeze the electorate: GA late"):].split("</li>")[0]
    assert f"was due on {last_said}: convened now, members get less than the statutes' notice " \
           "of 15 days; sending the convocations then asks why a shorter notice applies" in line
    assert f"by {last_said}" not in line
    assert f"by {ahead_said}" in home  # a step still ahead keeps its "by"
