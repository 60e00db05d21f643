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


def test_every_file_the_page_saves_is_named_after_the_election_and_stays_private():
    """The bundle at each stage (key, then with the step-1 state, then with the share), as the page's
    "Save my private file" writes it: named after the election and the scrutineer, and refused as
    private by both the page and the server whatever its name."""
    private, _ = new_trustee_identity("t1", "Joris")
    key = {"format": BROWSER_PRIVATE_FORMAT, "id": "t1", "election": None, "key": private}
    state = dict(key, election="ab" * 32, state={"id": "t1", "election": "ab" * 32, "coefficients": ["01"]})
    share = dict(state, share={"id": "t1", "election": "ab" * 32, "share": "01"})
    bundles = [key, state, share]
    script = ("import('./static/js/scrutineer/page.mjs').then((m) => console.log(JSON.stringify("
              f"{json.dumps(bundles)}.map((b) => [m.privateFileName(b, 'ag-2026'), m.isPrivateFile(b)]))))")
    out = subprocess.run([NODE, "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    named = json.loads(out.strip().splitlines()[-1])
    assert named == [["ag-2026-scrutineer-t1-key.private.json", True],
                     ["ag-2026-scrutineer-t1-state.private.json", True],
                     ["ag-2026-scrutineer-t1-share.private.json", True]]
    assert all(is_private_file(b) for b in bundles)
