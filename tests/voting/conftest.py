"""The voting command-line tools speak the language of the environment (voting.cli_i18n): the tests
that read their English words run them with an English environment, whatever the developer's LANG."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
