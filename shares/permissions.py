"""Who may do what with members."""
from __future__ import annotations

from app.authz import is_staff, predicate
from shares.models import PaymentPurpose, PaymentStatus


@predicate
def can_edit_profile(user, member) -> bool:
    return bool(user.is_authenticated and member is not None and (member.account_id == user.id or is_staff(user)))


@predicate
def can_view_member(user, member) -> bool:
    return can_edit_profile(user, member)


@predicate
def can_keep_register(user) -> bool:
    """Record subscriptions, transfers, redemptions, resignations, exclusions and corrections."""
    return is_staff(user)


@predicate
def can_view_register(user) -> bool:
    return is_staff(user)


@predicate
def can_import_statements(user) -> bool:
    return is_staff(user)


@predicate
def can_resolve_payments(user) -> bool:
    return is_staff(user)


@predicate
def is_member(user) -> bool:
    """A signed-in account with a member record (the members' own pages)."""
    from shares.queries import member_for_account

    return bool(user is not None and user.is_authenticated and member_for_account(user.id) is not None)


@predicate
def is_current_member(user) -> bool:
    """A signed-in account whose membership holds paid shares and has not ended (not an applicant whose
    shares are unpaid, nor a former member): what the cooperative tells its members."""
    from shares.queries import member_for_account
    from shares.standing import is_member_now

    return bool(user is not None and user.is_authenticated and is_member_now(member_for_account(user.id)))


@predicate
def can_decide_member_requests(user) -> bool:
    return is_staff(user)


@predicate
def can_view_renewal_campaign(user) -> bool:
    return is_staff(user)


@predicate
def can_view_dashboard(user) -> bool:
    return is_staff(user)


@predicate
def can_decide_admissions(user) -> bool:
    """Admit or refuse applicants (for the board, as its delegate)."""
    return is_staff(user)


@predicate
def can_manage_members(user) -> bool:
    """Create a member, edit their e-mail and postal address, correct their national or enterprise number,
    send them a sign-in link."""
    return is_staff(user)


@predicate
def can_export_register(user) -> bool:
    return is_staff(user)


@predicate
def can_record_lapses(user) -> bool:
    return is_staff(user)


@predicate
def can_send_renewal_letters(user) -> bool:
    return is_staff(user)


@predicate
def can_cancel_payment_request(user) -> bool:
    return is_staff(user)


@predicate
def can_cancel_own_purchase(user, request) -> bool:
    """A member may take back a purchase of more shares they have not paid anything of yet (staff cancel
    any unpaid request); a renewal or an applicant's subscription is not theirs to cancel."""
    return bool(user.is_authenticated and request is not None and request.member.account_id == user.id
                and request.purpose is PaymentPurpose.ADDITIONAL_SHARES and request.status is PaymentStatus.OPEN
                and not request.paid_cents)


@predicate
def can_manage_documents(user) -> bool:
    """Upload the statutes, the privacy notice and the internal rules (anyone may read them)."""
    return is_staff(user)
