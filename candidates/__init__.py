"""Board candidacies: calls for candidates, applications, review, publication and the ballot."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.registry import nav_item, task_provider
    from candidates import cli, messages, permissions  # noqa: F401  (messages registers the error texts)
    from candidates.labels import candidacy_word
    from candidates.services import on_exit_undone, on_membership_ended
    from shares.signals import exit_undone, membership_ended
    from candidates.tasks import candidate_tasks
    from candidates.views import bp

    app.config.setdefault("CANDIDATES_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    app.register_blueprint(bp)
    app.jinja_env.globals["candidacy_word"] = candidacy_word
    app.cli.add_command(cli.candidates_cli)
    cli.register_demo()
    nav_item(_l("Candidates"), "candidates.index", permissions.can_read_candidates, order=21)
    nav_item(_l("My candidacy"), "candidates.my_applications", permissions.can_apply, order=12)
    nav_item(_l("Manage candidacies"), "candidates.manage_index", permissions.can_manage_calls, order=41)
    task_provider(candidate_tasks)
    membership_ended.connect(on_membership_ended, weak=False)  # an exit withdraws the open applications
    exit_undone.connect(on_exit_undone, weak=False)  # and its correction gives them back
