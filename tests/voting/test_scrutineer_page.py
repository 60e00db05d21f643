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


def test_the_page_follows_a_step_published_here_or_by_another_scrutineer(app, keygen):
    from voting import queries

    election, client = keygen["election"], client_for(app, keygen["world"], "scrutineer")
    page = client.get("/voting/ag-keys/scrutineer").get_data(as_text=True)
    stamp = queries.progress_stamp(election)
    watch = re.search(r'<div id="scrutineer-watch"[^>]*>', page).group(0)
    assert f'data-stamp="{stamp}"' in watch and "scrutineer-published from:body" in watch
    assert 'hx-select-oob="#scrutineer-state,#steps-1,#upload-1"' in watch
    assert f'data-stamp="{stamp}"' in re.search(r'<div id="scrutineer-browser"[^>]*>', page, re.S).group(0)
    live = f"/voting/ag-keys/scrutineer?shown={stamp}"
    assert client.get(live, headers={"HX-Request": "true"}).status_code == 204  # nothing moved
    # t1 publishes from the browser tool: the answer carries where the election now stands
    answer = client.post("/voting/ag-keys/trustees/t1/steps", json=keygen["step1"])
    assert answer.status_code == 201 and answer.json["stamp"] == queries.progress_stamp(election) != stamp
    moved = client.get(live, headers={"HX-Request": "true"})
    assert moved.status_code == 200
    assert json.loads(moved.headers["HX-Trigger"]) == {"scrutineer-moved": {"state": "keygen",
                                                                            "stamp": answer.json["stamp"]}}
    steps = re.search(r'<div id="steps-1".*?</div>', moved.get_data(as_text=True), re.S).group(0)
    assert "Étape 1 publiée. En attente de l'étape 1 des autres scrutateurs" in steps.replace("&#39;", "'")
    # then t2 (with the command-line tool, elsewhere): t1's page moves on to step 2
    services.record_trustee_step(election, keygen_step1(keygen["el"], keygen["kits"]["t2"].private)[0])
    db.session.commit()
    again = client.get(f"/voting/ag-keys/scrutineer?shown={answer.json['stamp']}", headers={"HX-Request": "true"})
    assert again.status_code == 200 and "génération des clés, étape 2" in again.get_data(as_text=True)


def test_every_file_the_page_names_carries_the_election(app, keygen):
    page = client_for(app, keygen["world"], "scrutineer").get("/voting/ag-keys/scrutineer").get_data(as_text=True)
    assert 'data-election-slug="ag-keys"' in page
    commands = re.findall(r'<pre class="cmd">(.*?)</pre>', page, re.S)
    assert commands and all(re.search(r"(?<![\w-])t1\.", c) is None for c in commands)
    assert "--key ag-keys-t1.key.json --state ag-keys-t1.state.json --out ag-keys-t1.step1.json" in commands[0]


def test_while_the_box_is_open_the_page_waits_for_the_close_not_for_each_ballot(app):
    """An open box moves with every ballot: the scrutineer's page asks less often, and only its close
    (the next step for them: the seal and the decryption) brings the page again."""
    from tests.voting.test_views import make_ballot
    from voting import queries

    world = open_election_world()
    election = world["election"]
    client = client_for(app, world, "scrutineer")
    page = client.get("/voting/ag-web/scrutineer").get_data(as_text=True)
    watch = re.search(r'<div id="scrutineer-watch"[^>]*>', page).group(0)
    stamp = queries.progress_stamp(election)
    assert f"shown={stamp}" in watch.replace("&amp;", "&") and 'hx-trigger="every 30s, scrutineer-published from:body"' in watch
    services.cast_ballot(election, make_ballot(world), world["member"])  # a ballot: not a move for this page
    db.session.commit()
    live = f"/voting/ag-web/scrutineer?shown={stamp}"
    assert client.get(live, headers={"HX-Request": "true"}).status_code == 204
    services.close_election(election)
    db.session.commit()
    moved = client.get(live, headers={"HX-Request": "true"})
    assert moved.status_code == 200
    assert json.loads(moved.headers["HX-Trigger"])["scrutineer-moved"]["state"] == "closed"
    assert 'hx-trigger="every 10s' in moved.get_data(as_text=True)  # closed: the scrutineers' steps, sooner


def test_the_audit_log_names_a_scrutineer_s_election_by_its_title(app):
    """A scrutineer's registered keys are audited with the election's short name: the log says its title."""
    from app import audit
    from app.models import AuditEntry

    open_election_world()
    entry = AuditEntry(action="voting.trustee.register_keys", object_type="voting_trustee",
                       after={"election": "ag-web", "trustee": "t1"})
    with app.test_request_context():
        lines = [(line.field, line.after) for line in audit.change_lines(entry)]
    assert ("Election", "Web assembly") in lines and not any(after == "ag-web" for _f, after in lines)
