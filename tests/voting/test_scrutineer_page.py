"""The scrutineer page as its scrutineers find it: refusals in their language (the technical detail
folded away), the page following the election when a step is published, and files named after the
election."""
from __future__ import annotations

import inspect
import io
import json
import re

import pytest
from flask_babel import force_locale

from app.errors import ERROR_TEXTS, error_message
from app.extensions import db
from voting import errors, services
from voting.crypto.dkg import keygen_step1
from voting.demo import definition, demo_contests, make_kits
from tests.voting.test_views import client_for, open_election_world

VOTING_ERRORS = [c for c in vars(errors).values()
                 if inspect.isclass(c) and issubclass(c, errors.VotingError) and c is not errors.VotingError]


def sample(cls):
    return cls(["t2"], 1, 2) if cls is errors.NotEnoughTrustees else cls("technical detail in English")


@pytest.mark.parametrize("cls", VOTING_ERRORS, ids=lambda c: c.__name__)
def test_every_refusal_has_its_own_sentence_in_french_and_dutch(app, cls):
    with app.test_request_context():
        words = {lang: _said(lang, cls) for lang in ("en", "fr", "nl")}
    defaults = {str(text) for _, text in ERROR_TEXTS.values()}
    assert words["en"] not in defaults  # a sentence of its own, not the status's
    assert words["fr"] != words["en"] and words["nl"] != words["en"]
    assert all("technical detail" not in w for w in words.values())


def _said(lang, cls):
    with force_locale(lang):
        return error_message(sample(cls))


@pytest.fixture
def keygen(app):
    world = open_election_world()
    kits = make_kits(2)
    election = services.create_election(definition("ag-keys", "Keys", demo_contests(2, 2), kits, 2),
                                        {"t1": world["people"]["scrutineer"]}, slug="ag-keys")
    world["people"]["scrutineer"].language = "fr"
    db.session.commit()
    el = services.crypto_election(election)
    step1, _ = keygen_step1(el, kits["t1"].private)
    return {"world": world, "election": election, "kits": kits, "el": el, "step1": step1}


def test_a_refused_step_is_said_in_the_scrutineer_s_language_with_the_detail_apart(app, keygen):
    client = client_for(app, keygen["world"], "scrutineer")
    forged = dict(keygen["step1"], commitments=list(reversed(keygen["step1"]["commitments"])))
    answer = client.post("/voting/ag-keys/trustees/t1/steps", json=forged)
    assert answer.status_code == 400 and answer.json["error"] == "trustee_signature"
    assert answer.json["message"].startswith("La signature du fichier")
    assert "(" not in answer.json["message"] and answer.json.get("detail")
    page = client.post("/voting/ag-keys/scrutineer/t1/upload",
                       data={"file": (io.BytesIO(json.dumps(forged).encode()), "t1.step1.json")})
    html = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 400
    error = re.search(r'<p class="error"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert error.strip().startswith("La signature du fichier") and answer.json["detail"] not in error
    details = re.search(r'<details class="scrutineer-detail"><summary>(.*?)</summary><code>(.*?)</code>', html, re.S)
    assert details.group(1) == "Détail technique (pour le responsable du scrutin)"
    assert details.group(2).startswith("trustee_signature: ")
