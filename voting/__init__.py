"""Verifiable elections: the public board, ballots, scrutineers and the tally.

Nothing is imported here at the top: the verifier and the trustee tools run without Flask."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.registry import nav_item, task_provider
    from voting import audit_labels, cli, permissions  # noqa: F401  (audit_labels words the audit log)
    from voting.tasks import officer_tasks, scrutineer_tasks, voter_tasks
    from voting.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.voting_cli)
    cli.register_demo()
    nav_item(_l("Elections"), "voting.index", permissions.can_read_board, order=20)
    nav_item(_l("Manage elections"), "voting.manage_index", permissions.can_manage_election, order=40)
    task_provider(scrutineer_tasks)
    task_provider(voter_tasks)
    task_provider(officer_tasks)
