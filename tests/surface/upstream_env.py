"""The separate environment holding Microsoft's ``azure-functions`` and its Durable SDK.

Rules this module keeps:

* The environment is ``.venv-upstream/`` at the repository root (git-ignored). It holds the
  pinned upstream packages and azfunc itself (``pip install -e``), never the other way
  round: azfunc's own environment never gets ``azure-functions``.
* It is made on first use and reused while its fingerprint (the pins, the Python version and
  azfunc's packaging files) is unchanged, so re-runs cost nothing.
* Tests reach it only through subprocesses (:func:`upstream_python`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
VENV: Final = ROOT / ".venv-upstream"
#: what the environment holds; the comparison runs against exactly these.
PINS: Final = ("azure-functions==1.26.0", "azure-functions-durable==1.7.0")
_STAMP: Final = VENV / ".azfunc-upstream-stamp"


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _fingerprint() -> str:
    digest = hashlib.sha256("\n".join(PINS).encode())
    digest.update(sys.version.encode())
    for name in ("pyproject.toml", "setup.cfg"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def upstream_python() -> Path:
    """The interpreter of the upstream environment, made (or refreshed) first if needed.

    Raises:
        RuntimeError: if the environment cannot be made (pip's output attached).
    """
    wanted = _fingerprint()
    python = _python()
    if python.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
        return python
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         *PINS, "-e", str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot make {VENV}: {done.stdout}\n{done.stderr}")
    _STAMP.write_text(wanted)
    return python
