"""The home page tells a scrutineer when an election waits for their step, and links to it."""
from __future__ import annotations

from app.extensions import db
from voting import services
from voting.demo import definition, demo_contests, make_kits, partial_decryption
from tests.voting.test_views import account, client_for, world  # noqa: F401  (the fixture)


def test_a_scrutineer_is_told_of_the_step_they_owe_and_clicks_to_it(app, world):  # noqa: F811
    kits = make_kits(2)
    services.create_election(definition("ag-keys", "Keys assembly", demo_contests(2, 2), kits, 2),
                             {"t1": world["people"]["scrutineer"]}, slug="ag-keys")
    db.session.commit()
    home = client_for(app, world, "scrutineer").get("/").get_data(as_text=True)
    assert "Your step as scrutineer of “Keys assembly”" in home
    assert 'href="/voting/ag-keys/scrutineer"' in home
    assert '<span class="badge">1' in home
    # the other scrutineer, and a member, are told nothing of it
    assert "Keys assembly" not in client_for(app, world, "other-scrutineer").get("/").get_data(as_text=True)
    assert "scrutineer of" not in client_for(app, world, "member").get("/").get_data(as_text=True)


def test_once_the_scrutineer_has_decrypted_the_task_is_gone(app, world):  # noqa: F811
    election = world["election"]
    services.close_election(election)
    services.compute_tally(election)
    db.session.commit()
    scrutineer = client_for(app, world, "scrutineer")
    assert "Your step as scrutineer of “Web assembly”" in scrutineer.get("/").get_data(as_text=True)
    db.session.refresh(election)
    services.record_trustee_step(election, partial_decryption(election, world["kits"]["t1"]))
    db.session.commit()
    assert "Your step as scrutineer" not in scrutineer.get("/").get_data(as_text=True)
