#!/usr/bin/env python3
"""Refresh the vendored copy of @noble/curves and @noble/hashes.

The ballot page loads ES modules straight from static/ (no bundler, no CDN,
no inline import map because of the strict CSP).  @noble/curves imports its
sibling package with bare specifiers ('@noble/hashes/sha2.js'), which a
browser cannot resolve, so this script:

1. starts from the entry modules the ballot code needs (ENTRIES),
2. follows their static imports transitively (only real import/export
   statements, not the examples in JSDoc comments),
3. copies exactly those files, plus each package's LICENSE, into
   static/vendor/noble/{curves,hashes}/,
4. rewrites the bare '@noble/hashes/X' and '@noble/curves/X' specifiers into
   relative paths, so the same files load in Chromium as modules and under
   `node --test`,
5. writes static/vendor/noble/VERSIONS.json with the pinned versions, and a
   package.json saying {"type": "module"} so node loads the .js files as ES
   modules without a warning.

How to refresh (from the repository root):

    npm install --save-exact @noble/curves@<version>   # pins package.json/-lock
    python3 scripts/vendor_noble.py                      # rewrites static/vendor/noble
    node --test tests/js/                                # JS tests
    .venv/bin/python -m pytest tests/voting/test_js_interop.py -q -p no:cacheprovider

node_modules/ is not committed; the vendored copy is.  Run with --check to
verify the committed copy is exactly what this script would produce from the
installed node_modules (exit status 1 otherwise).
"""
from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules" / "@noble"
DEST = ROOT / "static" / "vendor" / "noble"

# Modules imported by static/js/ballot/*.mjs.
ENTRIES = [
    ("curves", "secp256k1.js"),
    ("curves", "ed25519.js"),
    ("hashes", "sha2.js"),
    ("hashes", "utils.js"),
    ("hashes", "hkdf.js"),
]
PACKAGES = ("curves", "hashes")

IMPORT_RE = re.compile(
    r"""^(\s*(?:import|export)\b[^'";]*?\bfrom\s*)(['"])([^'"]+)\2""",
    re.MULTILINE | re.DOTALL,
)
BARE_IMPORT_RE = re.compile(r"""^(\s*import\s*)(['"])([^'"]+)\2""", re.MULTILINE)
SOURCEMAP_RE = re.compile(r"^//# sourceMappingURL=.*$\n?", re.MULTILINE)


def _specifiers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, specifier) of every static import/export-from specifier."""
    out = []
    for rx in (IMPORT_RE, BARE_IMPORT_RE):
        for m in rx.finditer(text):
            out.append((m.start(3), m.end(3), m.group(3)))
    out.sort()
    return out


def _resolve(pkg: str, rel: str, spec: str) -> tuple[str, str]:
    """Return (package, path inside package) for an import specifier."""
    for p in PACKAGES:
        prefix = f"@noble/{p}/"
        if spec.startswith(prefix):
            return p, spec[len(prefix):]
    if spec.startswith("."):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
        if target.startswith("../"):
            raise SystemExit(f"import {spec!r} in {pkg}/{rel} leaves the package")
        return pkg, target
    raise SystemExit(f"unsupported import {spec!r} in {pkg}/{rel}")


def build() -> dict[str, str]:
    """Return {relative destination path: file content} of the vendored tree."""
    files: dict[str, str] = {}
    todo = list(ENTRIES)
    seen: set[tuple[str, str]] = set()
    while todo:
        pkg, rel = todo.pop()
        if (pkg, rel) in seen:
            continue
        seen.add((pkg, rel))
        src = NODE_MODULES / pkg / rel
        text = src.read_text(encoding="utf-8")
        pieces = []
        last = 0
        for start, end, spec in _specifiers(text):
            tpkg, trel = _resolve(pkg, rel, spec)
            todo.append((tpkg, trel))
            here = Path(pkg) / rel
            there = Path(tpkg) / trel
            relpath = _simplify(here.parent, there)
            pieces.append(text[last:start])
            pieces.append(relpath)
            last = end
        pieces.append(text[last:])
        out = SOURCEMAP_RE.sub("", "".join(pieces))
        files[f"{pkg}/{rel}"] = out
    for pkg in PACKAGES:
        files[f"{pkg}/LICENSE"] = (NODE_MODULES / pkg / "LICENSE").read_text(encoding="utf-8")
    versions = {
        f"@noble/{pkg}": json.loads((NODE_MODULES / pkg / "package.json").read_text())["version"]
        for pkg in PACKAGES
    }
    # Lets node treat the vendored .js files as ES modules without a warning
    # (browsers ignore it: they load them with <script type="module">).
    files["package.json"] = '{\n  "type": "module",\n  "private": true\n}\n'
    files["VERSIONS.json"] = json.dumps(
        {"generated_by": "scripts/vendor_noble.py", "packages": versions,
         "files": sorted(k for k in files if k.endswith(".js"))},
        indent=2,
    ) + "\n"
    return files


def _simplify(from_dir: Path, target: Path) -> str:
    a = list(from_dir.parts)
    b = list(target.parts)
    while a and b and a[0] == b[0]:
        a.pop(0)
        b.pop(0)
    rel = "/".join([".."] * len(a) + b)
    return rel if rel.startswith("..") else "./" + rel


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = ap.parse_args()
    if not NODE_MODULES.is_dir():
        print("node_modules/@noble missing: run `npm ci` first", file=sys.stderr)
        return 2
    files = build()
    if args.check:
        existing = {p.relative_to(DEST).as_posix(): p.read_text(encoding="utf-8")
                    for p in DEST.rglob("*") if p.is_file()}
        if existing != files:
            diff = sorted(set(existing) ^ set(files)) or sorted(
                k for k in files if existing.get(k) != files[k])
            print("vendored copy differs:", ", ".join(diff[:20]), file=sys.stderr)
            return 1
        print(f"vendored copy up to date ({len(files)} files)")
        return 0
    if DEST.exists():
        shutil.rmtree(DEST)
    for rel, content in files.items():
        path = DEST / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    print(f"wrote {len(files)} files to {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
