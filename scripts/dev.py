#!/usr/bin/env python3
"""The project's two entry points, usable on a fresh clone with only Python installed.

    python3 scripts/dev.py run    start the example function app on the local host
    python3 scripts/dev.py test   lint, type-check and run the whole test suite

Both create (or refresh) ``.venv`` first; it is rebuilt only when the packaging files change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".azfunc-stamp"
EXTRAS = "host,test"


def _fingerprint() -> str:
    digest = hashlib.sha256(EXTRAS.encode())
    for name in ("pyproject.toml", "setup.cfg"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project with its extras, unless already current."""
    wanted = _fingerprint()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("installing azfunc and its test tools into .venv ...", flush=True)
    subprocess.run(
        [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-e", f".[{EXTRAS}]"],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(wanted)


def run(cmd: list[str]) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def test(extra: list[str]) -> int:
    ensure_venv()
    steps = [
        [str(PY), "-m", "ruff", "check", "."],
        [str(PY), "-m", "mypy", "--strict", "azfunc"],
        [str(PY), "-m", "pytest", "-q", *extra],
    ]
    for step in steps:
        code = run(step)
        if code != 0:
            return code
    return 0


def start(extra: list[str]) -> int:
    ensure_venv()
    app = ROOT / "examples" / "folder_app"
    return run([str(PY), "-m", "azfunc", "start", str(app), *extra])


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    return test(rest) if command == "test" else start(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
