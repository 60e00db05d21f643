"""Working groups (mandate, call for volunteers, members, meetings, documents), their recommendations and
the board's answers with the follow-up of their implementation; and the board's minutes with the
syntheses published to members (``minutes.py``, ``minutes_views.py``)."""
from __future__ import annotations


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.registry import nav_item, task_provider
    from working_groups import cli, minutes_views, permissions, views  # noqa: F401  (routes on the blueprint)
    from working_groups.blueprint import bp
    from working_groups.labels import board_meeting, status_label
    from working_groups.tasks import working_group_tasks

    app.register_blueprint(bp)
    app.jinja_env.globals["wg_label"] = status_label
    app.jinja_env.globals["board_meeting"] = board_meeting
    from app.web import reader_filter

    app.jinja_env.filters["wg_text"] = reader_filter(_text)
    app.cli.add_command(cli.wg_cli)
    cli.register_demo()
    nav_item(_l("Working groups"), "working_groups.groups_index", permissions.can_view_groups, order=22)
    nav_item(_l("Recommendations"), "working_groups.recommendations_index", permissions.can_read_recommendations,
             order=23)
    nav_item(_l("Board meetings"), "working_groups.syntheses_index", permissions.can_read_syntheses, order=24)
    nav_item(_l("Board minutes"), "working_groups.minutes_index", permissions.can_view_minutes, order=41)
    nav_item(_l("Board answers"), "working_groups.board_recommendations", permissions.can_answer_recommendations,
             order=42)
    task_provider(working_group_tasks)


def _text(values: dict | None, language: str | None = None) -> str:
    """A text kept in several languages ({"fr": ..., "nl": ...}), in the reader's language."""
    from flask_babel import get_locale

    from working_groups.models import localized

    return localized(values, language or str(get_locale()))
