"""The repository stands on its own: no tracked file reaches outside it."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The sibling folders of a checkout on the developers' machines, and absolute paths into them.
# (Written so that this file does not match itself.)
OUTSIDE = re.compile(r"\.\./share[d]\b|/wor[k]/|(?<![\w.-])/share[d]/|\.\./\.librar[y]")

pytestmark = pytest.mark.no_db


def test_no_tracked_file_names_a_path_outside_the_repository():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    offenders = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".jpg", ".pdf", ".ico"}:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        offenders += [f"{name}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []
