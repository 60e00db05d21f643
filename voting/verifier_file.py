"""The election verifier as one file a member can run with ``python3 une-voix-verify.pyz record.json``
after ``pip install cryptography coincurve``: built by ``make verifier`` (``python -m
voting.verifier_file dist/une-voix-verify.pyz``), and offered for download on every election's
public board (:func:`served_copy`).

It holds exactly the modules ``voting.verify`` imports (found by importing it), nothing of Flask, and
the French and Dutch words they use: each catalogue (translations/<lang>/LC_MESSAGES/messages.po)
compiled here, keeping only the messages of those modules, to voting/locale/<lang>/LC_MESSAGES/messages.mo
inside the zip, where voting.cli_i18n reads it (``python3 une-voix-verify.pyz --lang fr record.json``)."""
from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("fr", "nl")  # English is the messages' own language (voting.cli_i18n needs no catalogue for it)
MAIN = "import sys\nfrom voting.verify import main\nsys.exit(main())\n"


def verifier_modules() -> list[str]:
    """The verifier's modules, as paths relative to the project."""
    code = ("import sys, voting.verify; assert 'flask' not in sys.modules; "
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if (n == 'voting' or n.startswith('voting.')) and getattr(m, '__file__', None)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return sorted(str(Path(file).resolve().relative_to(ROOT)) for file in out.stdout.split())


def write_catalogues(staging: Path, modules: list[str]) -> None:
    """The verifier's messages (those found in ``modules``), per language, as .mo files in ``staging``."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    mine = {Path(m).as_posix() for m in modules}
    for language in LANGUAGES:
        with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
            full = read_po(fh, locale=language)
        catalogue = Catalog(locale=language, charset="utf-8")
        for message in full:
            if message.id and not message.fuzzy and message.string and any(path in mine for path, _ in message.locations):
                catalogue.add(message.id, message.string)
        if len(catalogue) == 0:
            raise SystemExit(f"no {language} message of the verifier in the catalogue: run make translations-update")
        out = staging / "voting" / "locale" / language / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as fh:
            write_mo(fh, catalogue)


def build(target: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        relatives = verifier_modules()
        for relative in relatives:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_bytes((ROOT / relative).read_bytes())
        write_catalogues(staging, relatives)
        (staging / "__main__.py").write_text(MAIN)
        (staging / "LICENSE").write_bytes((ROOT / "LICENSE").read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(staging, target, interpreter="/usr/bin/env python3")
    return target


@functools.cache
def _served_name() -> str:
    """The served file's name: the digest of its sources (read once per process)."""
    digest = hashlib.sha256()
    for relative in verifier_modules() + [f"translations/{lang}/LC_MESSAGES/messages.po" for lang in LANGUAGES]:
        digest.update(relative.encode() + b"\0" + (ROOT / relative).read_bytes())
    return f"une-voix-verify-{digest.hexdigest()[:16]}.pyz"


_building = threading.Lock()


def served_copy(directory: Path) -> Path:
    """The file the public board offers, built in ``directory`` (the instance folder) when missing.
    Its name carries the digest of its sources, so a deployment of new code builds anew instead of
    serving the old verifier. Written under another name and renamed, so that no worker ever sends
    a half-written file."""
    with _building:
        target = directory / _served_name()
        if not target.exists():
            directory.mkdir(parents=True, exist_ok=True)
            partial = directory / f".{target.name}.{os.getpid()}"
            build(partial)
            partial.replace(target)
        return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "une-voix-verify.pyz"))
