"""Build ``dist/une-voix-verify.pyz``: the election verifier as one file a member can run with
``python3 une-voix-verify.pyz record.json`` after ``pip install cryptography coincurve``.

It holds exactly the modules ``voting.verify`` imports (found by importing it), nothing of Flask."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = "import sys\nfrom voting.verify import main\nsys.exit(main())\n"


def verifier_modules() -> list[str]:
    code = ("import sys, voting.verify; assert 'flask' not in sys.modules; "
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if (n == 'voting' or n.startswith('voting.')) and getattr(m, '__file__', None)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return sorted(out.stdout.split())


def build(target: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        for file in verifier_modules():
            relative = Path(file).resolve().relative_to(ROOT)
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_bytes((ROOT / relative).read_bytes())
        (staging / "__main__.py").write_text(MAIN)
        (staging / "LICENSE").write_bytes((ROOT / "LICENSE").read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(staging, target, interpreter="/usr/bin/env python3")
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "une-voix-verify.pyz"))
