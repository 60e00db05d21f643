"""Members, the share register, payments, renewal and certificates."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.authz import can_search_members
    from app.registry import nav_item, task_provider
    from shares import cli, permissions
    from shares.views.members import renewal_tasks
    from shares.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.shares_cli)
    cli.register_demo()
    nav_item(_l("My shares"), "shares.my_shares", permissions.is_member, order=10)
    nav_item(_l("My profile"), "shares.profile", permissions.is_member, order=11)
    nav_item(_l("Members"), "shares.member_search", can_search_members, order=30)
    nav_item(_l("Register"), "shares.register_page", permissions.can_view_register, order=31)
    nav_item(_l("Payments"), "shares.payment_queue", permissions.can_resolve_payments, order=32)
    nav_item(_l("Dashboard"), "shares.staff_dashboard", permissions.can_view_dashboard, order=33)
    nav_item(_l("Requests"), "shares.staff_requests", permissions.can_decide_member_requests, order=34)
    nav_item(_l("Renewal"), "shares.staff_renewal", permissions.can_view_renewal_campaign, order=35)
    task_provider(renewal_tasks)
