"""Signals the share register sends upwards (voting, invoicing and the renewal campaign listen).

``payment_matched.send(payment_request, transaction=..., entry=..., amount_cents=...)`` is sent
after a bank transaction (or a payment staff record by hand) is applied to a payment request,
inside the same transaction, before the caller commits. ``transaction`` is None for a payment
recorded without a bank transaction."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

payment_matched = _signals.signal("payment-matched")
