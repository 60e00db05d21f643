"""The scrutineer page refuses a private file before it leaves the computer: its rule is the server's
(voting.trustee.is_private_file), checked here on the files the tool writes."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from voting.crypto.dkg import new_trustee_identity
from voting.trustee import BROWSER_PRIVATE_FORMAT, is_private_file

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = [pytest.mark.no_db, pytest.mark.skipif(NODE is None, reason="node is not installed")]


def test_the_page_and_the_server_tell_private_files_alike():
    private, public = new_trustee_identity("t1", "Joris")
    docs = [private, public, {"id": "t1", "election": "ab", "coefficients": ["01"]},
            {"id": "t1", "election": "ab", "share": "01"}, {"format": BROWSER_PRIVATE_FORMAT, "key": private},
            {"id": "t1", "election": "ab", "share": "01", "signature": "00"}, [private], "text", None, 3]
    script = ("import('./static/js/scrutineer/page.mjs').then((m) => "
              f"console.log(JSON.stringify({json.dumps(docs)}.map(m.isPrivateFile))))")
    out = subprocess.run([NODE, "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    expected = [is_private_file(doc) for doc in docs]
    assert json.loads(out.strip().splitlines()[-1]) == expected
    assert expected == [True, False, True, True, True, False, False, False, False, False]
