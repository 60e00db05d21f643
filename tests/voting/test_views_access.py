"""Who may see what on the board: every person on every public page, the scrutineer's page, and the
trustee posts refused to everyone but that trustee. These tests only read (a refusal must change
nothing), so they share one open election, built once for the module, and each checks it wrote no row."""
from __future__ import annotations

import pytest

from tests.factories import database_shared_by_module, row_counts
from tests.voting.test_views import PEOPLE, client_for, open_election_world


@pytest.fixture(scope="module")
def db(data_app):
    with database_shared_by_module(data_app) as database:
        yield database


@pytest.fixture(scope="module")
def world(db):
    return open_election_world()


@pytest.fixture(autouse=True)
def nothing_written(world):
    """The shared election stays as built: a test here that wrote a row fails."""
    before = row_counts()
    yield
    changed = {table: (n, after) for (table, n), after in zip(before.items(), row_counts().values()) if n != after}
    assert not changed, f"rows changed (before, after): {changed}"


PUBLIC = ["/voting/", "/voting/ag-web/board", "/voting/ag-web/board?q=00000000", "/voting/ag-web/record.json",
          "/voting/ag-web/election.json", "/voting/ag-web/commitments.json", "/voting/ag-web/vote"]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_for_everyone(app, world, person, url):
    response = client_for(app, world, person).get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("person, expected", [
    ("anonymous", 302), ("member", 403), ("staff", 403), ("officer", 403), ("scrutineer", 200),
    ("other-scrutineer", 403)])
def test_scrutineer_page(app, world, person, expected):
    response = client_for(app, world, person).get("/voting/ag-web/scrutineer")
    assert response.status_code == expected
    if expected == 302:
        assert "/auth/login" in response.location
    if expected == 200:
        html = response.get_data(as_text=True)
        assert 'id="scrutineer-browser"' in html and 'data-step-post-url="/voting/ag-web/trustees/t1/steps"' in html


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("method, url", [
    ("POST", "/voting/ag-web/trustees/t1/steps"), ("POST", "/voting/ag-web/trustees/t1/keys"),
    ("POST", "/voting/ag-web/scrutineer/t1/upload")])
def test_trustee_posts_only_by_that_trustee(app, world, person, method, url):
    response = client_for(app, world, person).open(url, method=method, json={"nothing": True})
    if person == "anonymous":
        assert response.status_code == 302
    elif person == "scrutineer":
        assert response.status_code in (400, 409)  # allowed in, refused for the content
    else:
        assert response.status_code == 403
