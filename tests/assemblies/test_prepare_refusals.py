"""A refusal on the long preparation page is seen at once: an error summary at the top of the page,
linking to the field it is about, the typed fields kept. A file over the limit is refused by the
browser before it is sent (the input carries the limit), else beside its field with the titles kept,
and a body above the route's ceiling gets a 413 page in the reader's language that says the limit in
megabytes and how to go back to the form without losing the typing."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import uploads
from app.clock import utcnow
from app.extensions import db
from assemblies import services
from assemblies.models import Assembly, Document
from tests.factories import sign_in

PREPARE = "/assemblies/ga-test/prepare"
TITLES = {"title_fr": "Comptes annuels 2026", "title_nl": "Jaarrekening 2026", "title_en": "Annual accounts 2026"}


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).replace("\u202f", " ").replace("\u00a0", " ")


def _summary(html: str) -> str:
    """The error summary, which must come before the page's first section (the agenda)."""
    start = html.index('<div class="error-summary" role="alert" tabindex="-1" autofocus>')
    assert start < html.index('<h2 id="agenda">'), "the refusal is said at the top of the page"
    return html[start:html.index("</div>", start)]


def _open_assembly(world) -> str:
    """An assembly whose agenda may still change: its page has every form (the world's has its ballot)."""
    assembly = services.create_assembly(
        slug="ag-open", titles={"fr": "AG", "nl": "AV", "en": "GA"}, starts_at=utcnow() + timedelta(days=30),
        place="Bruxelles", voting_opens_at=utcnow() + timedelta(days=29), voting_closes_at=utcnow() + timedelta(days=30),
        record_date=world.record)
    db.session.commit()
    assert db.session.get(Assembly, assembly.id).election_id is None
    return assembly.slug


def _send(client, size: int, name: str = "accounts.pdf", **fields):
    """A PDF of ``size`` bytes with the titles, encoded in memory (the test client would spool a large
    body to a file it does not close)."""
    data = b"%PDF-1.4 " + b"0" * max(0, size - 15) + b"\n%%EOF"
    boundary, body = encode_multipart({**TITLES, **fields, "file": FileStorage(io.BytesIO(data), name)})
    return client.post("/assemblies/ga-test/documents", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _nothing_attached():
    assert db.session.scalar(select(Document)) is None


def test_a_refused_file_is_said_at_the_top_with_a_link_to_its_field_and_the_titles_kept(client, world):
    slug = _open_assembly(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/documents", data={**TITLES, "file": (io.BytesIO(b"hello"), "x.txt")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    summary = _summary(html)
    assert '<a href="#document-file">File (PDF): This file is not a PDF: it is a text file (.txt). Save or export it as PDF, then attach it.</a>' in summary
    # The field itself: its id is the link's target, the refusal beside it, its form's <details> open.
    assert re.search(r'<input[^>]*id="document-file"', html) and 'id="document-file-error"' in html
    assert re.search(r'<details open><summary>Attach a document</summary>', html)
    for name, value in TITLES.items():
        assert re.search(rf'<input[^>]*id="document-{name}"[^>]*value="{value}"', html), name
    assert "Choose the file again: the browser does not keep it when the page comes back." in _text(html)
    # The agenda item's form, also on the page, stays empty (its fields have the same names).
    assert re.search(r'<input[^>]*id="title_fr"', html) and not re.search(r'<input[^>]*id="title_fr"[^>]*value="[^"]', html)
    _nothing_attached()


def test_an_empty_file_is_said_to_be_empty(client, world):
    slug = _open_assembly(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/documents", data={**TITLES, "file": (io.BytesIO(b""), "accounts.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    said = "This file is empty: open it on your device to check it, then attach it again."
    assert f'<a href="#document-file">File (PDF): {said}</a>' in _summary(html)
    assert re.search(rf'<p class="error" id="document-file-error">{re.escape(said)}</p>', html)
    _nothing_attached()


def test_a_missing_title_is_linked_from_the_summary(client, world):
    sign_in(client, world.secretary)
    refused = client.post("/assemblies/ga-test/documents",
                          data={**TITLES, "title_nl": " ", "file": (io.BytesIO(b"%PDF-1.4 x\n%%EOF"), "a.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    summary = _summary(refused.get_data(as_text=True))
    assert '<a href="#document-title_nl">Title in Dutch: ' in summary
    assert 'value="Comptes annuels 2026"' in refused.get_data(as_text=True)
    _nothing_attached()


def test_a_refused_agenda_item_is_said_at_the_top_too(client, world):
    """The other forms of the page share the summary (no second one further down)."""
    _open_assembly(world)
    sign_in(client, world.secretary)
    refused = client.post("/assemblies/ag-open/items", data={"kind": "resolution", "title_fr": "Comptes",
                                                             "title_nl": "", "title_en": "Accounts",
                                                             "majority": "simple"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    start = html.index('<div class="error-summary"')
    assert start < html.index('<h2 id="agenda">') and html.count('class="error-summary"') == 1
    assert '<a href="#title_nl">Title in Dutch: ' in html
    assert 'value="Comptes"' in html


def test_a_file_just_over_the_limit_is_refused_beside_its_field_the_titles_kept(client, world):
    sign_in(client, world.secretary)
    refused = _send(client, uploads.MAX_BYTES + 100)
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert '<a href="#document-file">File (PDF): This file is too large: at most 10 MB.</a>' in _summary(html)
    assert 'value="Annual accounts 2026"' in html
    _nothing_attached()


@pytest.mark.parametrize("language, said, advice", [
    ("en", "This file is too large: at most 10 MB can be sent here.",
     "What you typed is still in the form: go back to it with your browser's Back button, choose a smaller file "
     "and send it again."),
    ("fr", "Ce fichier est trop volumineux : on peut envoyer ici au plus 10 Mo.",
     "Ce que vous avez tapé est toujours dans le formulaire : revenez-y avec le bouton Précédent de votre "
     "navigateur, choisissez un fichier plus petit et envoyez-le à nouveau."),
    ("nl", "Dit bestand is te groot: u kunt hier hoogstens 10 MB versturen.",
     "Wat u hebt getypt, staat nog in het formulier: ga ernaar terug met de knop Vorige van uw browser, kies een "
     "kleiner bestand en verstuur het opnieuw."),
])
def test_a_body_above_the_ceiling_gets_a_413_page_in_words(client, world, language, said, advice):
    world.secretary.language = language
    db.session.commit()
    sign_in(client, world.secretary)
    refused = _send(client, uploads.MAX_REQUEST_BYTES + 1)
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert f'<html lang="{language}"' in html
    text = _text(html)
    assert said in text and advice in text  # the file's limit (10 MB), not the request's ceiling (11)
    assert "data-history-back hidden" in html  # the script shows the button that goes one step back
    _nothing_attached()


def test_a_413_elsewhere_gives_no_advice_about_a_form(client):
    """A body too large for an ordinary route (not a form with a file): the limit only."""
    refused = client.post("/auth/login", data=b"x" * (1024 * 1024 + 1), content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 413
    assert "Back button" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("language, sentence", [("en", "This file is too large: at most 10 MB."),
                                                ("fr", "Ce fichier est trop volumineux : 10 Mo au plus."),
                                                ("nl", "Dit bestand is te groot: hoogstens 10 MB.")])
def test_the_file_input_carries_its_limit_for_the_browser(client, world, language, sentence):
    world.secretary.language = language
    db.session.commit()
    sign_in(client, world.secretary)
    html = client.get(PREPARE).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="document-file"[^>]*>', html).group(0)
    assert f'data-max-bytes="{uploads.MAX_BYTES}"' in field
    assert unescape(re.search(r'data-too-large="([^"]*)"', field).group(1)).replace("\u202f", " ").replace(
        "\u00a0", " ") == sentence
    assert 'accept=".pdf,application/pdf"' in field
    assert '<script src="/static/js/uploads.js" defer></script>' in html


def test_the_document_hint_and_check_follow_the_upload_limit(client, world, monkeypatch):
    """``app.uploads.MAX_BYTES`` is the one limit: lowered, the hint and the browser's check say the new figure."""
    monkeypatch.setattr(uploads, "MAX_BYTES", 4 * uploads.MEGABYTE)
    world.secretary.language = "fr"
    db.session.commit()
    sign_in(client, world.secretary)
    html = _text(client.get(PREPARE).get_data(as_text=True))
    assert "Un PDF de 4 Mo au plus." in html and "10 Mo" not in html
    assert f'data-max-bytes="{4 * uploads.MEGABYTE}"' in client.get(PREPARE).get_data(as_text=True)


# -- a candidate typed by hand --------------------------------------------------------------------

def _board_items(world):
    """The open assembly's two board elections (the second has no seat in category B), one candidate on the first."""
    from assemblies.models import ItemKind
    from shares.models import Category
    from assemblies.models import Gender

    slug = _open_assembly(world)
    assembly = db.session.scalar(select(Assembly).where(Assembly.slug == slug))
    first = services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "Conseil", "nl": "Raad", "en": "Board"})
    second = services.add_item(assembly, kind=ItemKind.BOARD, titles={"fr": "Comité", "nl": "Comité", "en": "Committee"},
                               seats_a=2, seats_b=0)
    services.add_candidate(first, category=Category.B, name="Élodie Dubois", gender=Gender.WOMAN)
    db.session.commit()
    return slug, first.id, second.id


def _candidates():
    """The open assembly's candidates (the world's own assembly has its ballot)."""
    from assemblies.models import AgendaItem, Candidate

    return sorted(db.session.scalars(select(Candidate.name).join(AgendaItem).join(Assembly)
                                     .where(Assembly.slug == "ag-open")))


def _field(html: str, item_id: int, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*id="candidate-{item_id}-{name}"[^>]*>', html).group(0)


def _selected(html: str, item_id: int, name: str) -> str:
    select_html = html[html.index(f'id="candidate-{item_id}-{name}"'):]
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html[:select_html.index("</select>")]).group(0)


def test_a_refused_candidate_keeps_what_was_typed_said_at_the_top_and_beside_the_name(client, world):
    slug, first, second = _board_items(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/items/{first}/candidates",
                          data={"name": "elodie DUBOIS", "category": "B", "gender": "legal"})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    said = "Élodie Dubois is already a candidate on this item: a ballot lists each person once."
    assert f'<a href="#candidate-{first}-name">Name: {said}</a>' in unescape(_summary(html))
    assert f'id="candidate-{first}-name-error"' in html
    assert 'value="elodie DUBOIS"' in _field(html, first, "name")
    assert 'value="legal"' in _selected(html, first, "gender") and 'value="B"' in _selected(html, first, "category")
    assert 'value=""' in _field(html, second, "name")  # the other election's form stays empty
    assert _candidates() == ["Élodie Dubois"]


def test_a_candidate_in_a_category_without_seats_is_refused_beside_the_category(client, world):
    slug, first, second = _board_items(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/items/{second}/candidates",
                          data={"name": "Bea Bee", "category": "B", "gender": "woman"})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert f'<a href="#candidate-{second}-category">Category: This election has no seat in category B' in _summary(html)
    assert 'value="Bea Bee"' in _field(html, second, "name")
    assert _candidates() == ["Élodie Dubois"]


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "\u200e\u2060\ufeff"])
def test_a_candidate_without_a_name_to_read_is_refused_beside_the_field(client, world, name):
    """Nothing, spaces, zero-width spaces or direction marks: no name, said as such, the choices kept."""
    slug, first, _ = _board_items(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/items/{first}/candidates",
                          data={"name": name, "category": "A", "gender": "man"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'<a href="#candidate-{first}-name">Name: Enter the candidate&#39;s name.</a>' in _summary(html)
    assert 'value="man"' in _selected(html, first, "gender")
    assert _candidates() == ["Élodie Dubois"]


@pytest.mark.parametrize("data, field", [
    ({"name": "A" * 100_000, "category": "A", "gender": "woman"}, "name"),
    ({"name": "<script>alert(1)</script>", "category": "A", "gender": "woman"}, "name"),
    ({"name": "Ann\x07Aa", "category": "A", "gender": "woman"}, "name"),
    ({"name": "Ann 🎉", "category": "A", "gender": "woman"}, "name"),
    ({"name": "Ann Aa", "category": "Z", "gender": "woman"}, "category"),
    ({"name": "Ann Aa", "category": "A", "gender": "robot"}, "gender"),
    ({"name": "Ann Aa", "category": ["A", "B"], "gender": ""}, "gender"),
])
def test_garbage_for_a_candidate_gets_a_refusal_beside_its_field(client, world, data, field):
    slug, first, _ = _board_items(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/items/{first}/candidates", data=data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'<a href="#candidate-{first}-{field}">' in _summary(html) and f'id="candidate-{first}-{field}-error"' in html
    assert "<script>alert" not in html
    assert _candidates() == ["Élodie Dubois"]


def test_a_nul_in_a_candidate_s_name_is_refused_beside_the_field(client, world):
    """No database keeps a NUL: taken out of the post (app.web), the form refuses the field, nothing saved."""
    slug, first, _ = _board_items(world)
    sign_in(client, world.secretary)
    refused = client.post(f"/assemblies/{slug}/items/{first}/candidates",
                          data={"name": "Ann\x00Aa", "category": "A", "gender": "woman"})
    assert refused.status_code == 400 and "This text held an invisible character" in refused.get_data(as_text=True)
    assert _candidates() == ["Élodie Dubois"]


def test_a_candidate_sent_to_another_assembly_s_item_or_to_no_election_is_not_found(client, world):
    from assemblies.models import ItemKind

    slug, first, _ = _board_items(world)
    theirs = next(i for i in world.assembly.items if i.kind is ItemKind.BOARD)  # ga-test's, not ag-open's
    resolution = services.add_item(db.session.scalar(select(Assembly).where(Assembly.slug == slug)),
                                   kind=ItemKind.RESOLUTION, titles={"fr": "Comptes", "nl": "Rekening", "en": "Accounts"})
    db.session.commit()
    sign_in(client, world.secretary)
    ann = {"name": "Ann Aa", "category": "A", "gender": "woman"}
    for url in (f"/assemblies/{slug}/items/{theirs.id}/candidates", f"/assemblies/{slug}/items/{resolution.id}/candidates",
                f"/assemblies/{slug}/items/99999999999/candidates", f"/assemblies/{slug}/items/-1/candidates",
                f"/assemblies/{slug}/items/abc/candidates", f"/assemblies/nope/items/{first}/candidates"):
        assert client.post(url, data=ann).status_code == 404, url
    assert _candidates() == ["Élodie Dubois"]


def test_a_call_that_cannot_be_imported_is_said_on_the_page(client, world):
    slug, first, _ = _board_items(world)
    sign_in(client, world.secretary)
    for call in ("", "x" * 50_000, "\u200b", "../../etc"):
        refused = client.post(f"/assemblies/{slug}/items/{first}/import-candidates", data={"call": call})
        assert refused.status_code == 404
        assert "There is no call for candidates with a fixed ballot by that name." in _summary(
            refused.get_data(as_text=True)).replace("&#39;", "'")
    assert _candidates() == ["Élodie Dubois"]
