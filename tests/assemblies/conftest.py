from __future__ import annotations

import pytest

from tests.assemblies.world import build_world


@pytest.fixture
def world():
    return build_world()
