"""Every page a person needs is reachable by clicking from their home page, and no link leads to an
error.

The demo cooperative (``flask demo --members 60``) is crawled as each kind of person it has: a
visitor, a member, a board member, the secretary, staff, the election officer and a scrutineer. The
crawl starts at the home page and follows the links of every page it reaches (``href`` and htmx's
``hx-get``: what a click opens, and ``src``: what a page shows; a form's button is not followed). Every page route
tests/test_permission_matrix.py opens to that person must be reached, except the few
:data:`NOT_BY_LINK` and :data:`NOT_LINKED_FOR` list with the reason; a link that answers 4xx or 5xx
fails. Every page reached is also read as people read it: no ISO date, no Python ``None``, ``True`` or
``False``, no unfilled placeholder."""
from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.models import Account, AccountRole, Role
from tests.factories import load_smallest_demo, sign_in
from tests.test_permission_matrix import ANYONE, ROUTES, _allowed

pytestmark = pytest.mark.sqlite_only(reason="which page links to which does not depend on the database engine; "
                                            "the fuzzer opens every route on PostgreSQL")

# Routes nobody reaches by clicking, and why.
NOT_BY_LINK = {
    "core.outbox": "the demo's mail box, outside the app's pages",
    "core.outbox_message": "the demo's mail box, outside the app's pages",
    "core.favicon": "the browser asks for it",
    "static": "style sheets and scripts",
    "auth.link": "the link in a sign-in mail",
    "auth.second_factor": "the step after a staff password, not a page of its own",
    "shares.confirm_email_change": "the link in the mail that confirms a new address",
    "shares.verify_certificate": "the QR code printed on a share certificate",
    "shares.application_received": "where the membership form leads once sent",
    "voting.vote": "the link in a convocation or credential mail (members: Vote on their home page)",
    "voting.credential_use": "asked by the ballot page's script",
    "voting.election_json": "read by the ballot page's and the scrutineers' scripts",
    "voting.commitments_json": "read by the scrutineers' script",
    "voting.seal_json": "read by the scrutineers' script",
    "voting.tally_json": "read by the scrutineers' script",
    "voting.progress": "asked by the pages that follow an election (htmx polling)",
    "assemblies.projector": "put on the hall's screen by the officer (the chair's console links it)",
    "assemblies.projector_item": "put on the hall's screen by the officer (the chair's console links it)",
}
# Routes a person may open but finds no link to in the demo, per person, and why (the demo's state:
# each route's own tests check its link where it is due).
NOT_LINKED_FOR = {
    "anonymous": {"core.task_badge": "the menu's count of a signed-in person's tasks"},
    "member": {
        "shares.cancel_my_purchase": "the demo's members have no purchase of more shares waiting",
        "shares.my_certificate": "none of the demo's members is in good standing (a renewal or a share to pay)",
        "shares.apply_again": "offered on My shares to an applicant whose application ended, or a former member who "
                              "resigned, not to members",
        "shares.my_earlier_register_extract": "linked on My shares beside the membership that ended, for a former "
                                              "member who applied again; the demo has none",
    },
    "secretary": {
        "working_groups.minutes_edit": "the demo's board minutes are approved or circulating: none is a draft",
    },
    "staff": {
        "shares.queue_item": "the payment queue fills once staff import the demo's bank statement",
        "shares.register_export": "made when staff ask for the register's export",
        "shares.download_register_export": "made when staff ask for the register's export",
    },
    "officer": {
        "assemblies.open_item": "the demo holds no agenda item back",
        "assemblies.close_item": "offered once the meeting has started: the demo's starts at the next full hour",
    },
}
# Who is crawled: the matrix's name for the person, and the demo accounts that play them (a role:
# its first account). Between them, the three demo members have a renewal to pay, a draft candidacy
# and a share to pay.
PEOPLE = {"anonymous": [None],
          "member": ["marie.dubois@example.be", "jan.peeters@example.be", "emma.walsh@example.be"],
          "board": [Role.BOARD], "secretary": ["secretary@example.be"], "staff": ["staff@example.be"],
          "officer": ["officer@example.be"], "scrutineer": [Role.SCRUTINEER]}
PER_ROUTE = 3  # different addresses of one route followed at most (one group's page is like the next)
MORE_OF = {"shares.member_detail": 15}  # members' pages differ by the member's standing (what they link to)
_LINK = re.compile(r'\s(href|hx-get|src)="([^"#]*)')  # src: what a page shows (a candidate's photo)


_ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}\S*)?(?![\w-])")
# What a template or a catalogue left unfilled: Python's None, True and False, a placeholder.
_LEFTOVER = re.compile(r"\b(?:None|True|False)\b|%\(\w+\)[sd]|\{\{|\}\}|\{\w*\}")
_HIDDEN = re.compile(r"<(script|style|template|code|pre|textarea)\b.*?</\1>|<[^>]+>", re.S)


def _visible(html: str) -> str:
    """A page's words as read (tags, scripts, code samples and what forms hold left out)."""
    return unescape(_HIDDEN.sub(" ", html))


def _account(db, who) -> Account | None:
    if who is None:
        return None
    if isinstance(who, Role):
        return db.session.scalar(select(Account).join(AccountRole).where(AccountRole.role == who)
                                 .order_by(Account.id).limit(1))
    return db.session.scalar(select(Account).where(Account.email == who))


def crawl(app, client) -> tuple[set[str], list[str]]:
    """The routes reached from the home page, and the links that answered an error (with the page
    that held them)."""
    adapter = app.url_map.bind("localhost")
    seen_urls: set[str] = {"/"}
    per_route: dict[str, int] = {}
    reached: set[str] = set()
    broken: list[str] = []
    queue = deque([("/", "(start)", False)])
    while queue:
        url, source, htmx = queue.popleft()
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        html = response.get_data(as_text=True) if response.content_type.startswith("text/html") else None
        response.close()  # a streamed answer (the record) keeps its request open until then
        if response.status_code >= 400:
            broken.append(f"{url} ({response.status_code}), linked from {source}")
            continue
        if response.status_code in (301, 302, 303):
            continue  # a link that redirects (e.g. to the current page of a list): its target is linked elsewhere
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except HTTPException:
            continue
        reached.add(endpoint)
        if html is None:
            continue
        text = _visible(html)
        for code in _ISO_DATE.findall(text) + _LEFTOVER.findall(text):
            broken.append(f"{url} shows {code!r}")
        for attribute, raw in _LINK.findall(html):
            link = unescape(raw)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or link in seen_urls:
                continue
            if parts.path.startswith(("/static/", "/dev/")):
                continue
            try:
                target, _args = adapter.match(parts.path, method="GET")
            except HTTPException as exc:
                if getattr(exc, "code", None) == 405:
                    continue  # a POST-only route written as a link for htmx's hx-post
                broken.append(f"{link} (no route), linked from {url}")
                continue
            if per_route.get(target, 0) >= MORE_OF.get(target, PER_ROUTE):
                continue
            per_route[target] = per_route.get(target, 0) + 1
            seen_urls.add(link)
            queue.append((link, url, attribute == "hx-get"))
    return reached, broken


def test_every_page_a_person_needs_is_a_click_away_from_their_home_page(app, db, monkeypatch, tmp_path):
    load_smallest_demo(app, monkeypatch, tmp_path)
    problems = []
    for person, accounts in PEOPLE.items():
        reached: set[str] = set()
        for who in accounts:
            account = _account(db, who)
            client = app.test_client()
            if account is not None:
                sign_in(client, account)
            own, broken = crawl(app, client)
            reached |= own
            problems += [f"{person}: {b}" for b in broken]
        needed = {endpoint for endpoint, rule in ROUTES.items() if rule[0] == "GET"
                  and _allowed(rule[2], person, account) and endpoint not in NOT_BY_LINK
                  and endpoint not in NOT_LINKED_FOR.get(person, {})}
        if person in ("board", "scrutineer"):  # members too: their member's pages are the member's crawl's
            needed = {e for e in needed if isinstance(ROUTES[e][2], set)}
        elif person != "anonymous":  # the pages open to anyone are the anonymous crawl's
            needed = {e for e in needed if ROUTES[e][2] != ANYONE}
        problems += [f"{person}: no link leads to {endpoint} ({ROUTES[endpoint][1]})"
                     for endpoint in sorted(needed - reached)]
    assert not problems, "\n".join(problems)
