"""Signals the share register sends upwards (voting, invoicing and the renewal campaign listen).

``payment_matched.send(payment_request, transaction=..., entry=..., amount_cents=..., applied_cents=...,
surplus=..., notify=...)`` is sent by ``shares.register.record_payment`` after money is applied to a
payment request, inside the same transaction, before the caller commits. ``transaction`` is None for
a payment recorded without a bank transaction; ``entry`` is None when nothing was still due (all of
it became ``surplus``); ``notify`` is False when the member must not be written to (the demo's history).
Listeners: ``shares.receipts.send_receipt`` (the member's receipt)."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

payment_matched = _signals.signal("payment-matched")

# ``paid_in_full.send(payment_request, on=...)``: ``shares.register.record_payment`` is applying money that
# makes the request paid, dated ``on``, and has not written its payment entry yet: what the payment pays
# must be in the register first (the register numbers its entries as they are written). Listener: an
# application admitted on its payment gets its subscription entry (``shares.admission.on_paid_in_full``),
# then the payment entry that pays it up follows.
paid_in_full = _signals.signal("paid-in-full")

# ``request_settled.send(payment_request)``: a request became paid without new money (staff reduced a
# short subscription to the shares its payments made). Listeners: an application's admission, the
# certificate by mail (``shares.on_request_settled``).
request_settled = _signals.signal("request-settled")

# ``membership_ended.send(member, on=..., actor=...)``: ``shares.register`` recorded the member's exit
# (resignation or exclusion) in force from ``on``. Listeners: the candidacies withdraw the membership's
# open applications (``candidates.services.on_membership_ended``, connected by ``candidates.init_app``).
membership_ended = _signals.signal("membership-ended")

# ``exit_undone.send(member, ended_on=..., actor=...)``: ``shares.register.correct`` corrected the member's exit
# that was in force from ``ended_on`` (recorded by mistake), or a redemption of that day (the shares the exit
# redeemed, which staff correct too, before or after it). Listeners: the candidacies give back what that exit
# withdrew, once no exit stands (``candidates.services.on_exit_undone``).
exit_undone = _signals.signal("exit-undone")
