#!/usr/bin/env python3
"""The project's two entry points, usable on a fresh clone with only Python installed.

    python3 scripts/dev.py run    start the example function app on the local host
    python3 scripts/dev.py test   lint, type-check and run the whole test suite

Both create (or refresh) ``.venv`` first; it is rebuilt only when the packaging files change.
``test`` also creates ``.venv-worker313``: a Python 3.13 environment holding Microsoft's
Python worker packages from PyPI (``tests/msworker/requirements-worker.txt``), in which
``tests/msworker`` runs the real worker. It too is rebuilt only when its inputs change; where
no Python 3.13 exists those tests are skipped, with a message saying so.

    python3 scripts/dev.py worker-venv   create (or refresh) only .venv-worker313
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".azfunc-stamp"
EXTRAS = "host,httptools,test,docs,storage"
AZURITE_DIR = ROOT / ".azurite"
AZURITE_VERSION = "3.37.0"


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


WORKER_VENV = ROOT / ".venv-worker313"
WORKER_PY = WORKER_VENV / ("Scripts" if os.name == "nt" else "bin") / (
    "python.exe" if os.name == "nt" else "python"
)
WORKER_STAMP = WORKER_VENV / ".azfunc-stamp"
WORKER_REQUIREMENTS = ROOT / "tests" / "msworker" / "requirements-worker.txt"


def find_python313() -> str | None:
    """A Python 3.13 interpreter: ``AZFUNC_PYTHON313``, pyenv's, or ``python3.13`` on PATH."""
    candidates = [os.environ.get("AZFUNC_PYTHON313", "")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        found = sorted(pyenv.glob("3.13*"), reverse=True)
        candidates += [str(p / "bin" / "python3") for p in found]
    candidates.append(shutil.which("python3.13") or "")
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _worker_fingerprint(python: str) -> str:
    digest = hashlib.sha256(python.encode())
    for path in (WORKER_REQUIREMENTS, ROOT / "pyproject.toml", ROOT / "setup.cfg"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_worker_venv() -> Path | None:
    """Create .venv-worker313 unless current; ``None`` (and a loud message) without 3.13."""
    python = find_python313()
    if python is None:
        print("!" * 78 + "\nNO PYTHON 3.13 FOUND: the tests against Microsoft's Python worker "
              "(tests/msworker) are SKIPPED.\nInstall one (pyenv install 3.13) or set "
              "AZFUNC_PYTHON313.\n" + "!" * 78, file=sys.stderr, flush=True)
        return None
    wanted = _worker_fingerprint(python)
    if WORKER_PY.exists() and WORKER_STAMP.exists() and WORKER_STAMP.read_text() == wanted:
        return WORKER_PY
    print("creating .venv-worker313 (Python 3.13 + Microsoft's Python worker) ...", flush=True)
    subprocess.run([python, "-m", "venv", "--clear", str(WORKER_VENV)], check=True)
    subprocess.run(
        [str(WORKER_PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-r", str(WORKER_REQUIREMENTS), "-e", str(ROOT)],
        cwd=ROOT,
        check=True,
    )
    WORKER_STAMP.write_text(wanted)
    return WORKER_PY


def run(cmd: list[str]) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser CORS tests, where apt-get can (as root)."""
    if shutil.which("chromium") or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    print("installing chromium (Debian) for the browser tests ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, check=False,
                   stdout=subprocess.DEVNULL)


def azurite_bin() -> Path:
    """Where :func:`ensure_azurite` puts Azurite's command (``tests/storage`` starts it)."""
    name = "azurite.cmd" if os.name == "nt" else "azurite"
    return AZURITE_DIR / "node_modules" / ".bin" / name


def ensure_azurite() -> None:
    """Install Azurite from npm into the git-ignored ``.azurite/``, with the machine's Node.js.

    Missing node/npm is loud, not a skip: the tests under ``tests/storage`` then fail with
    the same message.
    """
    if azurite_bin().exists():
        stamp = AZURITE_DIR / ".azfunc-stamp"
        if stamp.exists() and stamp.read_text() == AZURITE_VERSION:
            return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("!" * 78 + "\nNO NODE.JS/NPM FOUND: Azurite cannot be installed and the tests "
              "in tests/storage FAIL.\nInstall Node.js (e.g. apt-get install nodejs npm).\n"
              + "!" * 78, file=sys.stderr, flush=True)
        return
    print(f"installing azurite {AZURITE_VERSION} (npm) into .azurite ...", flush=True)
    AZURITE_DIR.mkdir(exist_ok=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
         str(AZURITE_DIR), f"azurite@{AZURITE_VERSION}"],
        cwd=ROOT, check=True,
    )
    (AZURITE_DIR / ".azfunc-stamp").write_text(AZURITE_VERSION)


def test(extra: list[str]) -> int:
    ensure_venv()
    ensure_azurite()
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner is not a warning
    ensure_worker_venv()
    ensure_chromium()
    steps = [
        [str(PY), "-m", "ruff", "check", "--no-cache", "."],
        [str(PY), "-m", "mypy", "--strict", "azfunc"],
        # not --quiet: it drops the warnings that --strict counts, so nothing would fail
        [str(PY), "-m", "mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site")],
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
    if not argv or argv[0] not in {"run", "test", "worker-venv"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "worker-venv":
        return 0 if ensure_worker_venv() is not None else 1
    return test(rest) if command == "test" else start(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
