"""A small cooperative for the security tests: members, one account per role, a finished election,
a pending member request; signed-in test clients with their CSRF tokens; helpers to fill URLs and
read forms. Built through the domains' own services, so it follows them as they change."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from app.extensions import db as _db
from app.models import Role
from tests.factories import make_account, make_member_obj, row_counts, session_csrf_token, sign_in

PEOPLE = ["anonymous", "member", *[r.value for r in Role]]
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Path values a route needs to reach its real code, where the variable's name alone does not say.
PATH_OVERRIDES = {
    "voting.manage_action": {"action": "close", "slug": "fuzz-open"},
    "voting.manage": {"slug": "fuzz-open"},
    "voting.vote": {"slug": "fuzz-open"},
    "voting.cast": {"slug": "fuzz-open"},
    "voting.scrutineer": {"slug": "fuzz-keys"},
    "voting.scrutineer_upload": {"slug": "fuzz-keys"},
    "voting.trustee_keys": {"slug": "fuzz-keys"},
    "voting.trustee_step": {"slug": "fuzz-keys"},
    "shares.member_action": {"action": "subscribe"},
    "working_groups.synthesis_edit": {"language": "fr"},
}
# Path values for a whole package (its ``slug`` is not the election's).
PACKAGE_PATH_VALUES: dict[str, dict] = {}


@dataclass
class World:
    app: object
    accounts: dict = field(default_factory=dict)       # person -> Account (None for anonymous)
    clients: dict = field(default_factory=dict)        # person -> test client, signed in
    csrf: dict = field(default_factory=dict)           # person -> CSRF token of that session
    path_values: dict = field(default_factory=dict)    # URL variable name -> value
    members: dict = field(default_factory=dict)        # "a", "b" -> Member
    package_values: dict = field(default_factory=dict)  # package -> {URL variable: value}
    client_states: dict = field(default_factory=dict)   # person -> (when made, what its requests carry)
    counted: tuple | None = None  # (statements that may write so far, the row counts then)

    def url(self, rule: Rule, **overrides) -> str:
        values = {}
        for name, converter in rule._converters.items():
            package_values = self.package_values.get(rule.endpoint.split(".")[0], {})
            if name in overrides:
                values[name] = overrides[name]
            elif name in PATH_OVERRIDES.get(rule.endpoint, {}):
                values[name] = PATH_OVERRIDES[rule.endpoint][name]
            elif name in package_values:
                values[name] = package_values[name]
            elif type(converter).__name__ == "AnyConverter":
                values[name] = re.search(r"\(\?:([^|)]+)", converter.regex).group(1)
            elif name in self.path_values:
                values[name] = self.path_values[name]
            elif type(converter).__name__ in ("IntegerConverter", "BoundedIntConverter"):
                values[name] = 1
            elif type(converter).__name__ == "PathConverter":
                values[name] = "css/app.css"
            else:
                values[name] = "x"
        with self.app.test_request_context():
            adapter = self.app.url_map.bind("localhost")
            return adapter.build(rule.endpoint, values, method=_one_method(rule), append_unknown=False)

    def counts(self) -> tuple:
        """Rows in every table (and so audit rows): what a refusal must leave unchanged. Counted again
        only after a statement that may write ran on any engine of this process (the only writer of the
        test database): until then the last counts still hold. Counting ~80 tables costs about 3 ms on
        PostgreSQL and the fuzzer asks before and after every request, most of which only read."""
        mark = _may_have_written[0]
        if self.counted is None or self.counted[0] != mark:
            self.counted = (mark, tuple(row_counts().values()))
        return self.counted[1]


# Statements other than a SELECT run so far, on any engine (the app's, the test's): an INSERT, UPDATE,
# DELETE, a savepoint, anything, counts as a possible change; only a plain SELECT does not.
_may_have_written = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _note_possible_write(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:6].upper() != "SELECT":
        _may_have_written[0] += 1


def _one_method(rule: Rule) -> str:
    methods = rule.methods - {"HEAD", "OPTIONS"}
    return "GET" if "GET" in methods else sorted(methods)[0]


def build_world(app, election: bool = True, prefix: str = "") -> World:
    from shares import member_requests
    from shares.models import Category

    world = World(app=app)
    world.members["a"] = make_member_obj(email=f"{prefix}member-a@example.be")
    world.members["b"] = make_member_obj(email=f"{prefix}member-b@example.be")
    world.accounts = {"anonymous": None, "member": world.members["a"].account}
    for role in Role:
        world.accounts[role.value] = make_account(roles=(role,), email=f"{prefix}{role.value}@example.be")
    world.path_values["member_id"] = world.members["b"].id
    try:
        pending = member_requests.request_category_change(world.members["b"], Category.B)
        _db.session.commit()
        world.path_values["request_id"] = pending.id
    except Exception:  # noqa: BLE001  the world is still useful without a pending request
        _db.session.rollback()
    try:  # a bank transfer nobody could match: the payment queue has something to resolve
        from app.clock import today
        from shares import bank
        from shares.camt_writer import Credit, write_camt053
        from shares.models import BankTransaction

        statement = write_camt053(app.config["COOP_IBAN"], "FUZZ-1", 0,
                                  [Credit(4500, today(), "Somebody Unknown", text="a gift")])
        bank.import_statement(statement, accept_any_account=True)
        _db.session.commit()
        world.path_values["tx_id"] = _db.session.scalar(_db.select(BankTransaction.id).order_by(
            BankTransaction.id.desc()).limit(1))
    except Exception:  # noqa: BLE001  the world is still useful without it
        _db.session.rollback()
    if election:
        from voting.demo import small_tallied_election

        tallied = small_tallied_election("fuzz", trustee_accounts={"t1": world.accounts["scrutineer"]})
        _db.session.commit()
        _more_elections(world)
        world.path_values["slug"] = tallied.election.slug
        world.path_values["trustee_id"] = "t1"
    _working_groups(world)
    _candidates(world)
    world.path_values["token"] = "not-a-token"
    refresh_sessions(world)
    return world


def _more_elections(world: World) -> None:
    """An election in key generation (the scrutineer acts for t1: the upload form is on the page) and an
    open one (the ballot box and the officer's close button), so that those routes reach their code."""
    from voting import services
    from voting.crypto.credential import credential_public, generate_credential
    from voting.demo import definition, demo_contests, make_kits, run_keygen

    try:
        services.create_election(definition("fuzz-keys", "Keys", demo_contests(2, 2), make_kits(2), 2),
                                 {"t1": world.accounts["scrutineer"]}, slug="fuzz-keys")
        kits = make_kits(3)
        election = services.create_election(definition("fuzz-open", "Open", demo_contests(2, 2), kits, 2),
                                            {}, slug="fuzz-open", require_login=False)
        run_keygen(election, kits)
        credentials = [generate_credential() for _ in range(2)]
        services.publish_credentials(election, [{"credential": credential_public(c), "category": "A"}
                                                for c in credentials], {})
        services.open_election(election)
        _db.session.commit()
    except Exception:  # noqa: BLE001  the world is still useful without them
        _db.session.rollback()


def _working_groups(world: World) -> None:
    """A group with a member, a meeting, a document, recommendations, draft and published minutes."""
    try:
        from tests.working_groups.conftest import make_board, make_group, make_minutes, make_recommendation
        from working_groups import services
        from working_groups.models import GroupRole

        group = make_group("fuzz-group")
        membership = services.add_to_group(group, world.members["a"], GroupRole.MEMBER)
        document = services.add_document(group, "Mandat", "mandat.txt", b"Mandat\n")
        make_recommendation(group, "draft", title="Brouillon")
        rec = make_recommendation(group, "submitted")
        board = make_board(2)
        minutes = make_minutes("draft", board=board)
        _db.session.commit()
        world.package_values["working_groups"] = {
            "slug": group.slug, "membership_id": membership.id, "meeting_id": rec.adopted_meeting_id,
            "document_id": document.id, "rec_id": rec.id, "minutes_id": minutes.id,
            "item_id": minutes.items[0].id, "decision_id": minutes.decisions[0].id}
    except Exception:  # noqa: BLE001  the world is still useful without them
        _db.session.rollback()


def _candidates(world: World) -> None:
    """An announced call for candidates, open for applications."""
    try:
        from datetime import timedelta

        from app.clock import today
        from candidates import services

        now = today()
        call = services.create_call(
            slug="fuzz-call", title_fr="Appel", title_nl="Oproep", title_en="Call", opens_on=now - timedelta(days=1),
            closes_on=now + timedelta(days=10), vote_opens_on=now + timedelta(days=20), seats_a=2, seats_b=1,
            term_years=4, staff_in_category_b=True)
        services.announce_call(call)
        _db.session.commit()
        world.package_values["candidates"] = {"slug": call.slug}
    except Exception:  # noqa: BLE001  the world is still useful without it
        _db.session.rollback()


def refresh_sessions(world: World) -> None:
    """A fresh client per person, signed in with the account's current session version, and its token.

    A client is kept as it is when nothing a request can see has changed since it was made: the same
    account session version, the same cookies and the same session contents (the session lives in its
    cookie, re-signed whenever it is written) and a token well within its lifetime. That client is then
    the same as a new one; any other (signed out, a language chosen, a flash message waiting) is remade."""
    for person, account in world.accounts.items():
        if account is not None:
            _db.session.refresh(account)
        client = world.clients.get(person)
        made_at, state = world.client_states.get(person, (0.0, None))
        if client is not None and state == _client_state(client, account) and time.monotonic() - made_at < 600:
            continue
        client = world.app.test_client()
        if account is not None:
            sign_in(client, account)
        world.clients[person] = client
        world.csrf[person] = session_csrf_token(client)
        world.client_states[person] = (time.monotonic(), _client_state(client, account))


def _client_state(client, account) -> tuple:
    """What a request from this client carries: its cookies (the session's decoded), and the account's
    session id as the server knows it."""
    app = client.application
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = []
    for cookie in (client._cookies or {}).values():
        value = cookie.value
        if cookie.key == app.config["SESSION_COOKIE_NAME"]:
            try:
                value = sorted((key, repr(item)) for key, item in serializer.loads(value).items())
            except Exception:  # noqa: BLE001  a session this app cannot read: the client is remade
                return (None, "unreadable", time.monotonic())
        cookies.append((cookie.domain, cookie.path, cookie.key, repr(value)))
    return (account.get_id() if account is not None else None, sorted(cookies))


@dataclass
class FormField:
    name: str
    kind: str               # text, hidden, select, checkbox, file, textarea, ...
    default: str = ""
    options: list = field(default_factory=list)


def forms_in(html: str, page_url: str) -> dict[str, list[FormField]]:
    """The forms of a page: action path -> fields (the CSRF token left out: the fuzzer sets it)."""
    if not html.strip():
        return {}
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return {}
    found: dict[str, list[FormField]] = {}
    for form in doc.forms:
        if (form.get("method") or "get").lower() != "post":
            action_fields = found.setdefault("GET " + (urlsplit(form.get("action") or page_url).path), [])
        else:
            action_fields = found.setdefault(urlsplit(form.get("action") or page_url).path, [])
        for element in form.inputs:
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            tag = element.tag
            kind = (element.get("type") or "text").lower() if tag == "input" else tag
            if kind in ("submit", "button", "image", "reset"):
                continue
            options = [o.get("value", o.text or "") for o in element.iter("option")] if tag == "select" else []
            default = element.get("value", "") if tag == "input" else (options[0] if options else (element.text or ""))
            if tag == "select":
                selected = [o.get("value", o.text or "") for o in element.iter("option") if o.get("selected") is not None]
                default = selected[0] if selected else default
            if kind in ("checkbox", "radio"):
                options = [element.get("value", "y")]
            action_fields.append(FormField(name, kind, default or "", options))
    return found


def parent_pages(world: World, person: str, url: str) -> str:
    """The first page above ``url`` (cutting path segments) that answers a GET: where its form lives."""
    adapter = world.app.url_map.bind("localhost")
    path = urlsplit(url).path.rstrip("/")
    while path:
        path = path.rsplit("/", 1)[0]
        for candidate in (path or "/", path + "/"):
            try:
                adapter.match(candidate, method="GET")
            except Exception:  # noqa: BLE001  not a page
                continue
            return candidate
    return "/"
