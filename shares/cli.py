"""Share register commands."""
from __future__ import annotations

from app.demo import register_demo_loader


def register_demo() -> None:
    from shares.demo import load_members

    register_demo_loader(10, load_members)
