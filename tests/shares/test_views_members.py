"""Members' own register pages, the staff request queue, renewal on the home page, staff campaign pages."""
from __future__ import annotations

import re
from datetime import date

import pytest

from app.extensions import db
from app.models import AuditEntry, Role
from shares import register, renewal, standing
from app.clock import today
from shares.models import (Category, EntryKind, MemberRequest, MemberRequestKind, MemberRequestStatus,
                           PaymentPurpose, PaymentRequest, PaymentStatus, ShareEntry, Surplus, SurplusKind)
from shares.register import record_payment
from tests.factories import sign_in

THIS_YEAR = today().year


def renewed_member(member_with_shares, **kw):
    """A member who joined before this year and has this year's renewal request (unpaid)."""
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1), **kw)
    renewal.run_campaign(THIS_YEAR)
    return member


def pay_renewal(member):
    request = renewal.renewal_request_for(member.id, THIS_YEAR)
    record_payment(request, request.amount_cents, on=today())
    db.session.commit()
    return request


def test_my_shares_shows_holdings_history_and_standing(client, member_with_shares):
    member = member_with_shares(2, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, member.account)
    page = client.get("/me/shares")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Shares held</dt><dd>2</dd>" in html
    assert "Category</dt><dd>A (users of the services)</dd>" in html  # a letter alone says nothing to a newcomer
    assert f"1 March {THIS_YEAR - 2}" in html and f"{THIS_YEAR - 2}-03-01" not in html
    assert "Subscription" in html and "Payment of capital" in html
    assert f"Your membership for {THIS_YEAR} is not renewed yet." in html
    assert "/me/certificate.pdf" not in html  # not in good standing: no certificate link


def test_my_shares_says_the_category_in_the_reader_s_language(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, member.account)
    client.post("/language", data={"language": "nl"})
    assert "Categorie</dt><dd>A (gebruikers van de diensten)</dd>" in client.get("/me/shares").get_data(as_text=True)
    client.post("/language", data={"language": "fr"})
    assert re.search(r"Catégorie</dt><dd>A \(utilisateurs des services\)</dd>", client.get("/me/shares").get_data(as_text=True))


def test_my_payments_show_an_epc_qr_code_for_what_is_open(client, member_with_shares):
    member = renewed_member(member_with_shares)
    sign_in(client, member.account)
    html = client.get("/me/payments").get_data(as_text=True)
    request = renewal.renewal_request_for(member.id, THIS_YEAR)
    assert request.formatted_reference in html
    assert html.count('class="qr"') == 1  # the paid subscription has no QR code
    assert f"Yearly renewal fee {THIS_YEAR}" in html


def test_my_payments_name_the_beneficiary_a_bank_transfer_asks_for(client, app, member_with_shares):
    """Typing a transfer by hand, a banking app asks whom it goes to, not only the account."""
    member = renewed_member(member_with_shares)
    sign_in(client, member.account)
    coop, iban = app.config["COOP_NAME"], "BE71 0961 2345 6769"
    html = client.get("/me/payments").get_data(as_text=True)
    assert f"Pay by bank transfer to {coop}, account {iban}, with the structured communication" in html
    client.post("/language", data={"language": "nl"})
    html = client.get("/me/payments").get_data(as_text=True)
    assert f"Betaal met een overschrijving aan {coop}, rekening {iban}, met de gestructureerde mededeling" in html
    client.post("/language", data={"language": "fr"})
    html = client.get("/me/payments").get_data(as_text=True)
    assert f"Payez par virement à {coop}, compte {iban}, avec la communication structurée" in html


def test_home_shows_the_renewal_and_the_status_updates_when_paid(client, member_with_shares):
    member = renewed_member(member_with_shares)
    request = renewal.renewal_request_for(member.id, THIS_YEAR)
    sign_in(client, member.account)
    home = client.get("/").get_data(as_text=True)
    assert 'id="renewal-box"' in home and 'hx-trigger="every 10s"' in home
    assert request.formatted_reference in home and 'class="qr"' in home
    partial = client.get("/me/renewal/status", headers={"HX-Request": "true"})
    assert "HX-Request" in partial.headers["Vary"] and "<html" not in partial.get_data(as_text=True)
    assert 'data-status="open"' in partial.get_data(as_text=True)
    pay_renewal(member)
    partial = client.get("/me/renewal/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="paid"' in partial and "hx-trigger" not in partial and 'class="qr"' not in partial
    # Without JavaScript: the full page, and the home page after a reload.
    full = client.get("/me/renewal/status").get_data(as_text=True)
    assert "<html" in full and "<h1>My membership</h1>" in full and full.count("Membership 2") == 1
    assert f"Your membership for {THIS_YEAR} is renewed" in client.get("/").get_data(as_text=True)


def test_home_has_no_renewal_box_without_a_request(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    assert 'id="renewal-box"' not in client.get("/").get_data(as_text=True)
    page = client.get("/me/renewal/status")
    assert page.status_code == 200 and 'data-status="none"' in page.get_data(as_text=True)


def _buy(client, shares):
    """Buy shares as the form does: opened, then sent with the version it was shown at."""
    form = client.get("/me/shares/buy").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    return client.post("/me/shares/buy", data={"shares": shares, "version": version.group(1) if version else ""})


def test_buy_more_shares_creates_a_subscription_and_a_payment_request(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    assert client.get("/me/shares/buy").status_code == 200
    response = _buy(client, "3")
    assert response.status_code == 302 and "/me/payments#request-" in response.location
    db.session.expire_all()
    assert register.holding(member).shares == 4
    request = db.session.scalar(db.select(PaymentRequest).where(
        PaymentRequest.purpose == PaymentPurpose.ADDITIONAL_SHARES))
    assert request.amount_cents == 9000 and request.shares == 3
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.register.subscription",
                                                         AuditEntry.actor_id == member.account_id))


def test_a_number_of_shares_that_is_no_whole_number_is_refused_in_one_sentence(client, member_with_shares):
    """"2.5" or "abc": the field's own sentence, once, not wtforms' "Not a valid integer value." before it."""
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    for typed in ("2.5", "abc", "²"):
        response = _buy(client, typed)
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and text.count("Enter a whole number from 1 to 100.") == 1, typed
        assert "Not a valid integer" not in text
    member.account.language = "fr"
    db.session.commit()
    text = _buy(client, "2,5").get_data(as_text=True)
    assert "Indiquez un nombre entier de 1 à 100." in text and "entier valide" not in text
    db.session.expire_all()
    assert register.holding(member).shares == 1


def test_the_same_purchase_form_sent_twice_subscribes_once(client, member_with_shares):
    """A retry or the back button sends the same form again: it claims the member's version it was
    shown at, so the second sending is refused and the register records one subscription."""
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    version = re.search(r'name="version" type="hidden" value="(\d+)"',
                        client.get("/me/shares/buy").get_data(as_text=True)).group(1)
    assert client.post("/me/shares/buy", data={"shares": "2", "version": version}).status_code == 302
    again = client.post("/me/shares/buy", data={"shares": "2", "version": version})
    assert again.status_code == 409 and "This form was already sent" in again.get_data(as_text=True)
    db.session.expire_all()
    assert register.holding(member).shares == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRequest).where(
        PaymentRequest.purpose == PaymentPurpose.ADDITIONAL_SHARES)) == 1
    assert _buy(client, "1").status_code == 302  # a new form buys again


def test_a_member_cancels_an_unpaid_purchase_of_shares_after_a_confirmation(client, app, member_with_shares,
                                                                            make_member):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    _buy(client, "3")
    request = db.session.scalar(db.select(PaymentRequest).where(
        PaymentRequest.purpose == PaymentPurpose.ADDITIONAL_SHARES))
    url = f"/me/payments/{request.id}/cancel"
    assert url in client.get("/me/payments").get_data(as_text=True)
    asked = client.get(url)
    assert asked.status_code == 200 and "3 shares you asked for are taken out" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert register.holding(member).shares == 4  # nothing before the confirmation
    # Another member can neither see nor cancel it.
    other = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    intruder = app.test_client()
    sign_in(intruder, other.account)
    assert intruder.get(url).status_code == 404 and intruder.post(url, data={"confirmed": "1"}).status_code == 404
    done = client.post(url, data={"confirmed": "1"})
    assert done.status_code == 302 and done.location.endswith("/me/shares")
    db.session.expire_all()
    assert register.holding(member).shares == 1 and register.holding(member).capital_cents == 3000
    assert db.session.get(PaymentRequest, request.id).status is PaymentStatus.CANCELLED
    (correction,) = db.session.scalars(db.select(ShareEntry).where(ShareEntry.kind == EntryKind.CORRECTION))
    assert (correction.shares, correction.capital_cents) == (-3, -9000) and correction.note
    assert "Purchase cancelled by the member before payment." in client.get("/me/shares").get_data(as_text=True)
    again = client.post(url, data={"confirmed": "1"})  # the back button
    assert again.status_code == 409 and "This request is already cancelled." in again.get_data(as_text=True)
    assert url not in client.get("/me/payments").get_data(as_text=True)


def test_a_member_cannot_cancel_a_renewal_or_a_purchase_partly_paid(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    _buy(client, "2")
    purchase = db.session.scalar(db.select(PaymentRequest).where(
        PaymentRequest.purpose == PaymentPurpose.ADDITIONAL_SHARES))
    record_payment(purchase, 1000, on=today())
    first = db.session.scalar(db.select(PaymentRequest).where(PaymentRequest.member_id == member.id)
                              .order_by(PaymentRequest.id))
    db.session.commit()
    for request in (purchase, first):
        response = client.post(f"/me/payments/{request.id}/cancel", data={"confirmed": "1"})
        assert response.status_code == 409
    db.session.expire_all()
    assert register.holding(member).shares == 3
    assert client.get("/me/payments/99999999999999/cancel").status_code == 404


@pytest.mark.parametrize("value", ["0", "-1", "101", "abc", "", "1.5"])
def test_buy_shares_refuses_bad_numbers_and_keeps_the_input(client, member_with_shares, value):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    response = _buy(client, value)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'class="error"' in html
    if value:
        assert f'value="{value}"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRequest)) == 1


def test_category_change_is_requested_then_approved_by_staff(client, app, member_with_shares, make_staff, outbox):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1), category=Category.A)
    sign_in(client, member.account)
    already = client.post("/me/category", data={"category": "A"})
    assert already.status_code == 422 and "You are already in this category." in already.get_data(as_text=True)
    assert client.post("/me/category", data={"category": "B"}).status_code == 302
    again = client.post("/me/category", data={"category": "B"})
    assert again.status_code == 409 and "already have a request" in again.get_data(as_text=True)
    waiting = client.get("/me/shares").get_data(as_text=True)
    assert "Waiting for staff" in waiting and "Change of category, to category B (partners, staff, legal persons)" in waiting
    staff = make_staff()
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    queue = staff_client.get("/staff/requests").get_data(as_text=True)
    assert member.name in queue and "From category A (users of the services) to category B (partners, staff, legal persons)." in queue
    [req] = db.session.scalars(db.select(MemberRequest)).all()
    response = staff_client.post(f"/staff/requests/{req.id}/approve", data={"note": "statutes art. 7"})
    assert response.status_code == 302
    db.session.expire_all()
    assert req.status is MemberRequestStatus.APPROVED and req.decided_by_id == staff.id
    assert register.holding(member).category is Category.B and member.category is Category.B
    entry = db.session.scalar(db.select(ShareEntry).where(ShareEntry.kind == EntryKind.CATEGORY_CHANGE))
    assert entry.recorded_by_id == staff.id and entry.note == "statutes art. 7"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "shares.member_request.approved"))
    [told] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.member_request:{req.id}"]
    assert told.subject == "Your request is approved: Change of category"
    assert "You are now in category B" in told.body_text and "statutes art. 7" not in told.body_text
    # Deciding twice: the second gets a conflict and nothing changes.
    assert staff_client.post(f"/staff/requests/{req.id}/refuse", data={"note": "no"}).status_code == 409
    assert "No request is waiting" in staff_client.get("/staff/requests").get_data(as_text=True)


def test_resignation_is_requested_with_the_member_number_then_refused(client, app, member_with_shares, make_staff,
                                                                     outbox):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    iban = "BE62 5100 0754 7061"
    wrong = client.post("/me/resign", data={"reason": "moving abroad", "confirm": "999999", "iban": iban})
    assert wrong.status_code == 400 and "moving abroad" in wrong.get_data(as_text=True)
    both = client.post("/me/resign", data={"confirm": "2" if member.number != 2 else "3", "iban": "BE00 1234"})
    text = both.get_data(as_text=True)  # every mistake said at once, not one per try
    assert both.status_code == 400 and "not valid" in text
    assert f"This is not your member number ({member.number})." in text
    for bad, words in (("", "Enter the IBAN your shares are to be repaid to."), ("BE71 0961 2345 6760", "not valid"),
                       ("<script>", "not valid"), ("be71 0961 2345 6769", "the cooperative&#39;s own account")):
        refused = client.post("/me/resign", data={"confirm": str(member.number), "iban": bad})
        assert refused.status_code == 400 and words in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(MemberRequest)) is None
    assert client.post("/me/resign", data={"reason": "moving abroad", "confirm": str(member.number),
                                           "iban": iban}).status_code == 302
    req = db.session.scalar(db.select(MemberRequest))
    assert req.kind is MemberRequestKind.RESIGN
    assert req.details == {"reason": "moving abroad", "iban": "BE62510007547061"}
    staff_client = app.test_client()
    sign_in(staff_client, make_staff())
    assert "Repay the shares to BE62 5100 0754 7061." in staff_client.get("/staff/requests").get_data(as_text=True)
    # A refusal says why: without a reason nothing is decided.
    silent = staff_client.post(f"/staff/requests/{req.id}/refuse", data={"note": "  "})
    assert silent.status_code == 422 and "Say why." in silent.get_data(as_text=True)
    db.session.expire_all()
    assert req.status is MemberRequestStatus.PENDING
    assert staff_client.post(f"/staff/requests/{req.id}/refuse", data={"note": "call first"}).status_code == 302
    db.session.expire_all()
    assert req.status is MemberRequestStatus.REFUSED and register.holding(member).left is None
    [told] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.member_request:{req.id}"]
    assert told.subject == "Your request is refused: Resignation" and "Why: call first" in told.body_text
    mine = client.get("/me/shares").get_data(as_text=True)  # what came of it stays on My shares, with why
    assert "Decided recently" in mine and re.search(r"refused on [^<]*: call first", mine)


def test_a_member_withdraws_a_request_before_staff_decide_and_only_their_own(client, app, member_with_shares,
                                                                           make_staff):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    client.post("/me/resign", data={"confirm": str(member.number), "iban": "BE62510007547061"})
    req = db.session.scalar(db.select(MemberRequest))
    url = f"/me/requests/{req.id}/withdraw"
    assert url in client.get("/me/shares").get_data(as_text=True)
    intruder = app.test_client()
    sign_in(intruder, member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1)).account)
    assert intruder.post(url).status_code == 404
    assert "/me/resign" not in client.get("/me/shares").get_data(as_text=True)  # waiting: not offered again
    assert "is waiting for staff" in client.get("/me/resign").get_data(as_text=True)
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert req.status is MemberRequestStatus.WITHDRAWN and register.holding(member).left is None
    page = client.get("/me/shares").get_data(as_text=True)
    assert "Your request is withdrawn." in page and url not in page and "/me/resign" in page
    again = client.post(url)
    assert again.status_code == 409 and "Someone decided this request first." in again.get_data(as_text=True)
    staff_client = app.test_client()
    sign_in(staff_client, make_staff())
    assert staff_client.post(f"/staff/requests/{req.id}/approve", data={}).status_code == 409
    db.session.expire_all()
    assert register.holding(member).left is None
    # Asking again is possible once the first is withdrawn.
    resign = {"confirm": str(member.number), "iban": "BE62510007547061"}
    assert client.post("/me/resign", data=resign).status_code == 302
    assert client.post("/me/requests/99999999999999/withdraw").status_code == 404


def test_approving_a_resignation_writes_the_register(client, app, member_with_shares, make_staff):
    member = member_with_shares(2, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    client.post("/me/resign", data={"confirm": str(member.number), "iban": "BE62510007547061"})
    req = db.session.scalar(db.select(MemberRequest))
    staff_client = app.test_client()
    sign_in(staff_client, make_staff())
    assert staff_client.post(f"/staff/requests/{req.id}/approve", data={}).status_code == 302
    db.session.expire_all()
    position = register.holding(member)
    assert position.left is EntryKind.RESIGNATION and position.shares == 0
    assert standing.standing_reasons(member, today())[-1] == standing.RESIGNED
    # A member who has left cannot ask again.
    resign = {"confirm": str(member.number), "iban": "BE62510007547061"}
    assert client.post("/me/resign", data=resign).status_code == 422
    # Nor is offered the forms: each page says the membership ended, and when.
    for url in ("/me/resign", "/me/category", "/me/shares/buy"):
        page = client.get(url).get_data(as_text=True)
        assert "Your membership has ended" in page and "You resigned on" in page and "<form" not in page.split(
            "<main", 1)[1], url


def test_a_resignation_approved_pays_the_shares_back_to_the_account_given_and_asks_nothing_more(
        client, app, member_with_shares, make_staff, outbox):
    """The resigning member's account is where their shares' paid-up value goes, on the refund list;
    their reason stays on the request, out of the legal register; this year's renewal is not asked of
    them any more; their pages say they resigned, nothing else."""
    member = member_with_shares(2, on=date(THIS_YEAR - 2, 3, 1))
    renewal.run_campaign(THIS_YEAR)
    assert renewal.renewal_request_for(member.id, THIS_YEAR).status is PaymentStatus.OPEN
    sign_in(client, member.account)
    assert "/me/renewal/status" in client.get("/").get_data(as_text=True)  # the renewal box, until they leave
    client.post("/me/resign", data={"confirm": str(member.number), "iban": "FR76 3000 6000 0112 3456 7890 189",
                                    "reason": "Je déménage à l'étranger"})
    req = db.session.scalar(db.select(MemberRequest))
    staff_client = app.test_client()
    sign_in(staff_client, make_staff())
    assert staff_client.post(f"/staff/requests/{req.id}/approve", data={}).status_code == 302
    db.session.expire_all()
    [refund] = db.session.scalars(db.select(Surplus)).all()
    assert (refund.kind, refund.amount_cents, refund.refund_iban) == (SurplusKind.LEAVING, 6000,
                                                                      "FR7630006000011234567890189")
    listed = staff_client.get("/staff/payments/refunds").get_data(as_text=True)
    assert "60.00 €" in listed and "FR76 3000 6000 0112 3456 7890 189" in listed
    assert "Shares paid back to a member who left" in listed
    notes = [e.note for e in db.session.scalars(db.select(ShareEntry).where(ShareEntry.member_id == member.id))]
    assert not any("déménage" in n for n in notes)
    assert renewal.renewal_request_for(member.id, THIS_YEAR).status is PaymentStatus.CANCELLED
    assert standing.standing_reasons(member, today()) == [standing.RESIGNED]
    # One mail for the exit, in the member's words (not a second one for the request it approved).
    exit_entry = db.session.scalar(db.select(ShareEntry).where(ShareEntry.member_id == member.id,
                                                               ShareEntry.kind == EntryKind.RESIGNATION))
    assert f"shares.member_request:{req.id}" not in [m.dedupe_key for m in outbox(member.email)]
    [told] = [m for m in outbox(member.email) if m.dedupe_key == f"shares.exit:{exit_entry.id}"]
    assert told.subject == "Your resignation from Une Voix is recorded"
    assert "We are paying 60.00 € back to the account FR76 3000 6000 0112 3456 7890 189." in told.body_text
    home = client.get("/").get_data(as_text=True)
    assert "/me/renewal/status" not in home and f"Membership {THIS_YEAR}" not in home  # no renewal box


def test_staff_renewal_status_page(client, app, member_with_shares, make_staff):
    members = [renewed_member(member_with_shares) for _ in range(3)]
    pay_renewal(members[0])
    sign_in(client, make_staff())
    html = client.get(f"/staff/renewal?year={THIS_YEAR}").get_data(as_text=True)
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)', html))
    assert counts == {"sent": "3", "paid": "1", "partially_paid": "0", "reminded": "0", "reminded_twice": "0",
                      "lapsed": "0", "lapsed_recorded": "0"}
    assert '<svg' in html and 'role="img"' in html
    assert client.get("/staff/renewal?year=1800").status_code == 404
    assert "No renewal request" in client.get(f"/staff/renewal?year={THIS_YEAR - 1}").get_data(as_text=True)


def test_staff_send_the_day_s_renewal_letters_from_the_page_once(client, app, member_with_shares, make_staff, outbox):
    """The campaign page says which letters are due today and sends them after a confirmation, in the
    background (inline in tests); sending again sends nothing twice; the run is in the audit log."""
    due = [member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1)) for _ in range(3)]
    member_with_shares(1, on=date(THIS_YEAR, 1, 2))  # joined this year: nothing to renew
    staff = make_staff()
    sign_in(client, staff)
    page = client.get(f"/staff/renewal?year={THIS_YEAR}").get_data(as_text=True)
    assert "3 renewal requests (30.00 € each to pay)" in page and "Send 3 letters" in page
    assert f'action="/staff/renewal/{THIS_YEAR}/letters"' in page and "flask " not in page
    sent = client.post(f"/staff/renewal/{THIS_YEAR}/letters")
    assert sent.status_code == 302 and sent.location.endswith(f"?year={THIS_YEAR}&sending=1#letters")
    assert {m.to_address for m in outbox() if m.dedupe_key.startswith("renewal:")} == {m.email for m in due}
    requests = [renewal.renewal_request_for(m.id, THIS_YEAR) for m in due]
    assert [r.amount_cents for r in requests] == [3000] * 3
    after = client.get(sent.location).get_data(as_text=True)
    assert "3 letters are being sent." in after and "No letter is due today." in after
    assert dict(re.findall(r'data-count="(\w+)">(\d+)', after))["sent"] == "3"
    assert "hx-trigger" not in after.split('id="campaign"')[1].split(">")[0]  # nothing left to follow
    again = client.post(f"/staff/renewal/{THIS_YEAR}/letters", follow_redirects=True)
    assert "No letter is due today: nothing was sent." in again.get_data(as_text=True)
    assert len([m for m in outbox() if m.dedupe_key.startswith("renewal:")]) == 3
    runs = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "shares.renewal.send")
                              .order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.after["requests"]) for r in runs] == [(staff.id, 3), (staff.id, 0)]
    log = client.get("/staff/audit").get_data(as_text=True)
    assert f"Renewal campaign: {THIS_YEAR}" in log and "since deleted" not in log  # the campaign is its year


def test_renewal_letters_only_for_the_year_that_runs(client, member_with_shares, make_staff, outbox):
    member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, make_staff())
    before = len(outbox())
    assert client.post(f"/staff/renewal/{THIS_YEAR + 1}/letters").status_code == 404
    assert client.post(f"/staff/renewal/{THIS_YEAR - 1}/letters").status_code == 404
    assert "Send 1 letter" not in client.get(f"/staff/renewal?year={THIS_YEAR - 1}").get_data(as_text=True)
    assert len(outbox()) == before


def test_while_letters_go_out_the_figures_follow_them(client, member_with_shares, make_staff):
    member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    sign_in(client, make_staff())
    page = client.get(f"/staff/renewal?year={THIS_YEAR}&sending=1").get_data(as_text=True)
    opening = page.split('id="campaign"')[1].split(">")[0]
    assert 'hx-select="#campaign"' in opening and "every 5s" in opening and "sending=1" in opening
    assert "send again: nobody gets a letter twice" in page and "Send 1 letter" in page


def test_dashboard_totals_and_charts(client, member_with_shares, make_staff, make_member):
    member_with_shares(2, on=date(THIS_YEAR - 1, 3, 1), category=Category.A)
    member_with_shares(1, on=date(THIS_YEAR, 1, 1) if today() >= date(THIS_YEAR, 1, 1) else today(),
                       category=Category.B)
    sign_in(client, make_staff())
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<th scope="row">Category A \(users of the services\)</th><td data-label="Members">1</td><td data-label="Shares">2</td>\s*'
                     r'<td data-label="Capital subscribed">60[.,]00 €</td><td data-label="Capital paid">60[.,]00 €</td>',
                     html)
    assert re.search(r'<th scope="row">Category B \(partners, staff, legal persons\)</th><td data-label="Members">1</td><td data-label="Shares">1</td>', html)
    assert html.count('role="img"') >= 2 and "<script" not in html.split("</head>")[1]


@pytest.mark.parametrize("language, capital, figure", [
    ("nl", "1.620,00 €", "1.620"), ("fr", "1\u202f620,00 €", "1\u202f620"), ("en", "1,620.00 €", "1,620")])
def test_dashboard_charts_write_figures_as_its_tables_do(client, member_with_shares, make_staff, language, capital,
                                                           figure):
    """The capital chart (bars, axis, its table of figures) writes 1 620 euros as the totals table beside it,
    in the reader's language: "1.620" in Dutch, never the French "1 620" (a space) there."""
    member_with_shares(54, on=date(THIS_YEAR - 1, 3, 1), category=Category.A)  # 54 shares of 30 €
    sign_in(client, make_staff(language=language))
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert f">{capital}</td>" in html
    chart = html[html.index("<svg", html.index(">54<")):]  # the members' chart, then the capital chart
    assert f": {figure}</title>" in chart and f"<td>{figure}</td>" in chart
    assert ("1\u202f620" in chart) == (language == "fr")


def test_dashboard_queries_do_not_grow_with_members(client, member_with_shares, make_staff, query_counter):
    staff = make_staff()
    sign_in(client, staff)
    member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    client.get("/staff/dashboard")
    register.forget_figures()  # the register's totals are remembered per version: count a cold page
    with query_counter() as few:
        client.get("/staff/dashboard")
    for _ in range(8):
        member_with_shares(1, on=date(THIS_YEAR - 2, 3, 1))
    register.forget_figures()
    with query_counter() as many:
        client.get("/staff/dashboard")
    assert few.n == many.n
    with query_counter() as warm:  # the same register again: totals come from memory
        client.get("/staff/dashboard")
    assert warm.n < many.n


ROUTES = [("get", "/me/shares"), ("get", "/me/payments"), ("get", "/me/certificate.pdf"),
          ("get", "/me/shares/buy"), ("get", "/me/category"), ("get", "/me/resign"), ("get", "/me/renewal/status"),
          ("get", "/staff/requests"), ("post", "/staff/requests/1/approve"), ("get", "/staff/renewal"),
          ("get", "/staff/dashboard")]
MEMBER_ONLY = {"/me/shares", "/me/payments", "/me/certificate.pdf", "/me/shares/buy", "/me/category", "/me/resign",
               "/me/renewal/status"}


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "member", "staff", "board"])
def test_permission_matrix(app, member_with_shares, make_staff, method, path, who):
    from tests.factories import make_account

    client = app.test_client()
    if who == "member":
        sign_in(client, member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1)).account)
    elif who == "staff":
        sign_in(client, make_staff())
    elif who == "board":
        sign_in(client, make_account(roles=(Role.BOARD,)))
    response = getattr(client, method)(path)
    if who == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.location
    elif (who == "member") if path in MEMBER_ONLY else (who == "staff"):
        assert response.status_code in (200, 302, 400, 404, 409), response.status_code
        assert response.status_code != 403
    else:
        assert response.status_code == 403


def test_the_renewal_chart_has_a_point_a_day_days_without_payments_included(app, monkeypatch):
    from datetime import timedelta
    from types import SimpleNamespace

    from shares.views.members import renewal_progress_chart

    start = today() - timedelta(days=10)
    monkeypatch.setattr(renewal, "paid_per_day", lambda year: [(start, 2), (start + timedelta(days=6), 1)])
    with app.test_request_context("/"):
        chart = renewal_progress_chart(THIS_YEAR, SimpleNamespace(sent=5))
        assert [row[1] for row in chart.rows] == ["2"] * 6 + ["3"] * 5  # 11 days, evenly spaced in time
        monkeypatch.setattr(renewal, "paid_per_day", lambda year: [])
        assert [row[1] for row in renewal_progress_chart(THIS_YEAR, SimpleNamespace(sent=5)).rows] == ["0"]


def test_no_more_shares_while_a_resignation_waits(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    assert client.post("/me/resign", data={"confirm": str(member.number), "iban": "BE62510007547061"}).status_code == 302
    refused = _buy(client, "2")
    assert refused.status_code == 409 and "Your resignation is waiting for staff" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRequest)
                             .where(PaymentRequest.purpose == PaymentPurpose.ADDITIONAL_SHARES)) == 0


def test_my_shares_offers_no_purchase_while_a_resignation_waits(client, member_with_shares):
    from shares import member_requests

    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    assert "Buy more shares" in client.get("/me/shares").get_data(as_text=True)
    member_requests.request_resignation(member, repay_to="BE62510007547061")
    db.session.commit()
    page = client.get("/me/shares").get_data(as_text=True)
    assert "Withdraw this request" in page and "Buy more shares" not in page


def test_an_applicant_reads_how_many_shares_they_asked_for(client):
    from shares import admission
    from shares.models import MemberKind

    application = admission.apply(email="zoe@example.be", kind=MemberKind.NATURAL, category=Category.A, shares=3,
                                  language="en", first_name="Zoé", last_name="Lambert", street="Rue Haute 10",
                                  postcode="1000", city="Bruxelles", country="BE")
    db.session.commit()
    sign_in(client, application.member.account)
    page = client.get("/me/shares").get_data(as_text=True)
    assert "3 shares asked for (90.00 €)." in page and "You become a member once your shares are paid." in page


def test_an_applicant_withdraws_their_application_before_paying(client, app, make_staff):
    """Confirmed, the application ends and its request is cancelled; their number may apply again.
    With money received, withdrawing is the cooperative's decision: refused in words, nothing changes."""
    from shares import admission
    from shares.models import ApplicationStatus, MemberKind, PaymentStatus

    def applicant(email, national):
        application = admission.apply(email=email, kind=MemberKind.NATURAL, category=Category.A, shares=2,
                                      language="en", first_name="Zoé", last_name="Lambert", street="Rue Haute 10",
                                      postcode="1000", city="Bruxelles", country="BE", national_number=national)
        db.session.commit()
        return application

    application = applicant("zoe@example.be", "85073003328")
    sign_in(client, application.member.account)
    page = client.get("/me/shares").get_data(as_text=True)
    assert "Withdraw my membership application" in page and "Yes, withdraw my membership application" in page
    assert "Buy more shares" not in page
    assert client.post("/me/application/withdraw").status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert application.payment_request.status is PaymentStatus.CANCELLED
    page = client.get("/me/shares").get_data(as_text=True)
    assert "Your application is withdrawn: nothing is to be paid." in page and "Withdrawn (" in page
    assert "Withdraw my membership application" not in page and "Buy more shares" not in page
    again = client.post("/me/application/withdraw")  # a second tab, a double click
    assert again.status_code == 409 and "Your application is already withdrawn" in again.get_data(as_text=True)
    for url in ("/me/shares/buy", "/me/category", "/me/resign"):  # never a member: acts as none
        page = client.get(url)
        assert page.status_code == 200 and "Your membership application has ended" in page.get_data(as_text=True)
        sent = client.post(url, data={"shares": "1", "category": "B"})
        assert sent.status_code == 422 and "Not possible before you are a member" in sent.get_data(as_text=True)
    staff = app.test_client()
    sign_in(staff, make_staff())
    detail = staff.get(f"/staff/members/{application.member.id}").get_data(as_text=True)
    assert "application withdrawn" in detail
    assert applicant("zoe.other@example.be", "85073003328").member.national_number == "85073003328"  # applies again

    paid = applicant("paid@example.be", "90020199703")
    record_payment(paid.payment_request, 3000, on=today())  # part of the 60.00 €
    db.session.commit()
    other = app.test_client()
    sign_in(other, paid.member.account)
    assert "Withdraw my membership application" not in other.get("/me/shares").get_data(as_text=True)
    refused = other.post("/me/application/withdraw")
    assert refused.status_code == 409 and "We have received money for your application" in \
        refused.get_data(as_text=True)
    db.session.refresh(paid)
    assert paid.status is ApplicationStatus.AWAITING_PAYMENT and paid.payment_request.status is not \
        PaymentStatus.CANCELLED
    anonymous = app.test_client().post("/me/application/withdraw")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location  # not signed in
    # Paid in full before the click (the page still offered it): the money is said, not "decided first".
    full = applicant("full@example.be", "91010100152")
    record_payment(full.payment_request, full.payment_request.amount_cents, on=today())
    db.session.commit()
    late = app.test_client()
    sign_in(late, full.member.account)
    answer = late.post("/me/application/withdraw")  # admitted by the payment
    assert answer.status_code == 409 and "you are a member now" in answer.get_data(as_text=True)


def test_a_member_has_no_application_to_withdraw(client, member_with_shares):
    member = member_with_shares(1, on=date(THIS_YEAR - 1, 3, 1))
    sign_in(client, member.account)
    assert client.post("/me/application/withdraw").status_code == 404


def test_a_member_who_left_is_no_longer_told_their_membership_is_renewed(client, member_with_shares, make_staff):
    member = renewed_member(member_with_shares)
    pay_renewal(member)
    sign_in(client, member.account)
    assert f"Your membership for {THIS_YEAR} is renewed" in client.get("/").get_data(as_text=True)
    register.resign(member, actor=make_staff())
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'id="renewal-box"' not in home and "is renewed" not in home
