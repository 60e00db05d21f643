"""What each domain module contributes to the shared pages: navigation links and the tasks of the
home page ("What needs you now"). A module registers its own from its ``init_app``; the core
templates only loop over what is registered, filtered by what the person may do."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from flask import g, has_request_context, url_for


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy string
    endpoint: str
    predicate: Callable[[Any], bool]
    order: int = 50


@dataclass
class Task:
    """Something the signed-in person should do: a line with a link, or a box drawn by ``template``.
    Lower urgency comes first; ``count`` feeds the badge in the navigation. ``late``: what it means
    once ``due`` has passed (the home page then says "was due on ...")."""

    title: str
    url: str
    count: int | None = None
    due: date | None = None
    late: str | None = None
    urgency: int = 50
    template: str | None = None
    context: dict = field(default_factory=dict)


_NAV: dict[str, NavItem] = {}
_TASK_PROVIDERS: list[Callable[[Any], Iterable[Task]]] = []
# Providers too costly for the badge every page asks for (a count that reads the whole register): their
# tasks are listed on the home page only, and not counted in the badge.
_HOME_TASK_PROVIDERS: list[Callable[[Any], Iterable[Task]]] = []


def nav_item(label, endpoint: str, predicate: Callable[[Any], bool], order: int = 50) -> None:
    _NAV[endpoint] = NavItem(label, endpoint, predicate, order)


def task_provider(provider: Callable[[Any], Iterable[Task]], *, home_only: bool = False
                  ) -> Callable[[Any], Iterable[Task]]:
    providers = _HOME_TASK_PROVIDERS if home_only else _TASK_PROVIDERS
    if provider not in providers:
        providers.append(provider)
    return provider


def nav_links(user) -> list[tuple[str, str]]:
    """(label, url) of the links this person may follow, in their registered order."""
    items = sorted(_NAV.values(), key=lambda item: (item.order, item.endpoint))
    return [(str(item.label), url_for(item.endpoint)) for item in items if item.predicate(user)]


def tasks_for(user, *, home: bool = False) -> list[Task]:
    """The person's tasks, most urgent first; asked once per request (the home page and the badge).
    ``home``: with the tasks of the providers registered ``home_only`` (the home page's list)."""
    if user is None or not user.is_authenticated:
        return []
    cached = g.setdefault("tasks", {}) if has_request_context() else {}
    key = (user.id, home)
    if key not in cached:
        providers = _HOME_TASK_PROVIDERS if home else _TASK_PROVIDERS
        tasks = [task for provider in providers for task in provider(user)]
        if home:
            tasks += tasks_for(user)
        # Stable: tasks of the same urgency and due day keep their provider's order (newest synthesis first).
        tasks.sort(key=lambda t: (t.urgency, t.due or date.max))
        cached[key] = tasks
    return cached[key]


def task_count(tasks: list[Task]) -> int:
    return sum(task.count if task.count is not None else 1 for task in tasks)
