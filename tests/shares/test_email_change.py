"""A member changes their own e-mail address: a link to the new address, opened signed in, once."""
from __future__ import annotations

import re
from datetime import date

from app.extensions import db
from app.models import Account, AuditEntry
from tests.factories import sign_in


def _link(outbox, to: str) -> str:
    (mail,) = outbox(to)
    return re.search(r"http\S+/me/email/confirm/\S+", mail.body_text).group(0).split("127.0.0.1:5000", 1)[-1]


def _path(link: str) -> str:
    return link[link.index("/me/email/confirm/"):]


def test_a_member_changes_their_address_by_a_link_to_the_new_one(client, member_with_shares, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), language="en")
    old = member.email
    sign_in(client, member.account)
    assert "/me/email" in client.get("/me").get_data(as_text=True)
    sent = client.post("/me/email", data={"email": "  New.Address@Example.be "})
    assert sent.status_code == 302
    db.session.expire_all()
    assert member.account.email == old  # nothing changes before the link is opened
    path = _path(_link(outbox, "new.address@example.be"))
    assert outbox("new.address@example.be")[0].secret
    page = client.get(path)
    assert page.status_code == 200 and "new.address@example.be" in page.get_data(as_text=True)
    db.session.expire_all()
    assert member.account.email == old  # a page first: a mail scanner opening the link changes nothing
    done = client.post(path)
    assert done.status_code == 302
    db.session.expire_all()
    assert member.account.email == "new.address@example.be"
    assert "new.address@example.be" in member.search_text
    notice = outbox(old)[-1]
    assert notice.subject == "Your e-mail address for Une Voix was changed"
    assert "new.address@example.be" in notice.body_text and "contact@unevoix.example" in notice.body_text
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.member.email_change"))
    # The link works once.
    again = client.post(path)
    assert again.status_code == 409 and "was used already" in again.get_data(as_text=True)


def test_the_link_needs_the_member_signed_in_and_is_theirs_only(client, app, member_with_shares, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), language="en")
    sign_in(client, member.account)
    client.post("/me/email", data={"email": "typo@example.be"})
    path = _path(_link(outbox, "typo@example.be"))
    # Whoever reads the typed address (a typo's owner) cannot take the account: the link asks for its sign-in.
    stranger = app.test_client()
    signed_out = stranger.get(path).get_data(as_text=True)
    assert "sign in first with the address you use today" in signed_out and "/auth/login?next=" in signed_out
    assert "sign in first" in stranger.post(path).get_data(as_text=True)  # nothing changes without the sign-in
    other = member_with_shares(1, on=date(2024, 3, 1), language="en")
    sign_in(stranger, other.account)
    refused = stranger.post(path)
    assert refused.status_code == 400 and "not valid for your account" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert other.account.email != "typo@example.be" and member.account.email != "typo@example.be"
    altered = client.get(path[:-3] + ("abc" if not path.endswith("abc") else "xyz"))
    assert altered.status_code == 400
    assert client.get("/me/email/confirm/" + "x" * 3000).status_code == 400


def test_the_same_address_or_a_bad_one_is_refused_with_words(client, member_with_shares, outbox):
    member = member_with_shares(1, on=date(2024, 3, 1), language="en")
    other = member_with_shares(1, on=date(2024, 3, 1), language="en")
    sign_in(client, member.account)
    for typed, status, words in ((member.email, 422, "already your e-mail address"),
                                 ("not-an-email", 400, "Enter a valid e-mail address"),
                                 ("", 400, "Enter your new e-mail address."),
                                 ("a" * 250 + "@example.be", 400, "at most 254 characters")):
        response = client.post("/me/email", data={"email": typed})
        assert response.status_code == status and words in response.get_data(as_text=True), typed
        assert "If it is yours, sign in" not in response.get_data(as_text=True), typed  # not the join form's advice
    assert [m for m in outbox() if "/me/email/confirm/" in m.body_text] == []
    # Taken between the request and the click: refused then too, and nothing changes.
    client.post("/me/email", data={"email": "free@example.be"})
    path = _path(_link(outbox, "free@example.be"))
    db.session.add(Account(email="free@example.be", display_name="Quick", language="en"))
    db.session.commit()
    late = client.post(path)
    assert late.status_code == 409
    db.session.expire_all()
    assert member.account.email != "free@example.be"


def test_an_address_another_account_has_is_answered_as_any_other_and_its_mailbox_is_told(client, member_with_shares,
                                                                                          outbox):
    """The page tells a member nothing about which addresses have an account (docs/security.md): the
    answer is the one a free address gets; the owner of the address is told, in their language, once a
    day however often it is asked; no link is sent and nothing changes."""
    member = member_with_shares(1, on=date(2024, 3, 1), language="en")
    other = member_with_shares(1, on=date(2024, 3, 1), language="nl")
    sign_in(client, member.account)
    free = client.post("/me/email", data={"email": "free@example.be"}, follow_redirects=True)
    for typed in (other.email.upper(), other.email):
        taken = client.post("/me/email", data={"email": typed}, follow_redirects=True)
        assert taken.status_code == free.status_code == 200
        said = taken.get_data(as_text=True).replace(other.email, "free@example.be")
        assert "We sent a link to free@example.be." in said and said.count("We sent a link") == 1
    (told,) = [m for m in outbox(other.email) if m.subject.startswith("Iemand")]
    assert told.subject == "Iemand vroeg uw e-mailadres te gebruiken voor een ander account"
    assert "/me/email/confirm/" not in told.body_text and member.email not in told.body_text
    db.session.expire_all()
    assert member.account.email != other.email
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "shares.member.email_change_asked")) == 3  # staff see every request
