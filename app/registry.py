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
    Lower urgency comes first; ``count`` feeds the badge in the navigation."""

    title: str
    url: str
    count: int | None = None
    due: date | None = None
    urgency: int = 50
    template: str | None = None
    context: dict = field(default_factory=dict)


_NAV: dict[str, NavItem] = {}
_TASK_PROVIDERS: list[Callable[[Any], Iterable[Task]]] = []


def nav_item(label, endpoint: str, predicate: Callable[[Any], bool], order: int = 50) -> None:
    _NAV[endpoint] = NavItem(label, endpoint, predicate, order)


def task_provider(provider: Callable[[Any], Iterable[Task]]) -> Callable[[Any], Iterable[Task]]:
    if provider not in _TASK_PROVIDERS:
        _TASK_PROVIDERS.append(provider)
    return provider


def nav_links(user) -> list[tuple[str, str]]:
    """(label, url) of the links this person may follow, in their registered order."""
    items = sorted(_NAV.values(), key=lambda item: (item.order, item.endpoint))
    return [(str(item.label), url_for(item.endpoint)) for item in items if item.predicate(user)]


def tasks_for(user) -> list[Task]:
    """The person's tasks, most urgent first; asked once per request (the home page and the badge)."""
    if user is None or not user.is_authenticated:
        return []
    cached = g.get("tasks") if has_request_context() else None
    if cached is not None and cached[0] == user.id:
        return cached[1]
    tasks = [task for provider in _TASK_PROVIDERS for task in provider(user)]
    # Stable: tasks of the same urgency and due day keep their provider's order (newest synthesis first).
    tasks.sort(key=lambda t: (t.urgency, t.due or date.max))
    if has_request_context():
        g.tasks = (user.id, tasks)
    return tasks


def task_count(tasks: list[Task]) -> int:
    return sum(task.count if task.count is not None else 1 for task in tasks)
