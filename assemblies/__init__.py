"""General assemblies: agenda, electorate, convocations, proxies, the hall, results.

The votes run on voting/ (one verifiable election per assembly)."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.errors import register_messages
    from app.registry import nav_item, task_provider
    from assemblies import cli, permissions
    from assemblies.messages import MESSAGES
    from assemblies import minutes_views  # noqa: F401  (its routes, on the blueprint)
    from assemblies.tasks import door_tasks, minutes_tasks, officer_tasks, preparer_tasks, vote_tasks
    from assemblies.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.assemblies_cli)
    cli.register_demo()
    register_messages(MESSAGES)
    nav_item(_l("Assemblies"), "assemblies.index", permissions.can_see_assemblies, order=19)
    task_provider(vote_tasks)
    task_provider(preparer_tasks)
    task_provider(officer_tasks)
    task_provider(door_tasks)
    task_provider(minutes_tasks)
    from assemblies.messages import proxy_given_words, proxy_withdrawn_words
    from assemblies.services import holds_proxy_for
    from voting.permissions import register_cast_for_rule
    from voting.texts import register_held_revoked_explanation, register_revoked_explanation

    register_cast_for_rule(holds_proxy_for)
    register_revoked_explanation(proxy_given_words)
    register_held_revoked_explanation(proxy_withdrawn_words)
    from assemblies.candidates_adapter import connect

    connect()
