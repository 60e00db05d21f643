"""Members, the share register, payments, renewal and certificates."""
from __future__ import annotations


def on_payment_matched(request, **extra) -> None:
    """What follows a payment inside the register, in this order: an application's admission (or
    its wait for a decision), a lapsed member's reinstatement, the certificate by mail."""
    from shares import admission, mailing, renewal

    admission.on_payment_matched(request, **extra)
    renewal.on_payment_matched(request, **extra)
    mailing.on_payment_matched(request, **extra)


def on_request_settled(request, **extra) -> None:
    """A short subscription reduced to what was paid is paid: admission (or the wait for a decision)
    for an application, the certificate by mail otherwise."""
    from shares import admission, mailing

    admission.on_payment_matched(request, entry=None)
    mailing.on_payment_matched(request, notify=True)


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.authz import can_search_members
    from app.registry import nav_item, task_provider
    from shares import cli, labels, mailing, permissions, tasks
    from shares import messages  # noqa: F401  (registers the error sentences)
    from shares.receipts import send_receipt
    from shares.admission import on_paid_in_full
    from shares.signals import exit_undone, paid_in_full, payment_matched, request_settled
    from shares.views.staff import payment_tasks
    from shares.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.shares_cli)
    cli.register_demo()
    app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)
    from shares.surplus import fewer_shares_possible
    app.jinja_env.globals["fewer_shares_possible"] = fewer_shares_possible
    paid_in_full.connect(on_paid_in_full, weak=False)  # an admission on payment, before the payment's entry
    payment_matched.connect(on_payment_matched, weak=False)
    request_settled.connect(on_request_settled, weak=False)
    exit_undone.connect(mailing.exit_cancelled, weak=False)  # the member told of an exit hears it is cancelled
    nav_item(_l("My shares"), "shares.my_shares", permissions.is_member, order=10)
    nav_item(_l("My profile"), "shares.profile", permissions.is_member, order=11)
    nav_item(_l("Members"), "shares.member_search", can_search_members, order=30)
    nav_item(_l("Register"), "shares.register_page", permissions.can_view_register, order=31)
    nav_item(_l("Payments"), "shares.payment_queue", permissions.can_resolve_payments, order=32)
    nav_item(_l("Dashboard"), "shares.staff_dashboard", permissions.can_view_dashboard, order=33)
    nav_item(_l("Requests"), "shares.staff_requests", permissions.can_decide_member_requests, order=34)
    nav_item(_l("Renewal"), "shares.staff_renewal", permissions.can_view_renewal_campaign, order=35)
    nav_item(_l("Membership applications"), "shares.staff_applications", permissions.can_decide_admissions, order=36)
    nav_item(_l("Documents"), "shares.documents_manage", permissions.can_manage_documents, order=37)
    for provider in tasks.PROVIDERS:
        task_provider(provider)
    for provider in tasks.HOME_ONLY_PROVIDERS:
        task_provider(provider, home_only=True)
    task_provider(payment_tasks)  # staff: payments to resolve, overpayments to decide, refunds to make
    payment_matched.connect(send_receipt)  # a receipt to the member for each payment recorded
