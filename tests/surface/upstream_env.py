"""The separate environments holding Microsoft's ``azure-functions`` and its Durable SDK.

Rules this module keeps:

* Two environments at the repository root (git-ignored): ``.venv-upstream/`` with the 1.x
  pins on this interpreter, ``.venv-upstream2/`` with the 2.x pins on Python 3.13 (2.x
  needs it; found as ``scripts/dev.py`` finds it). Each holds the pinned upstream packages
  and azfunc itself (``pip install -e``), never the other way round: azfunc's own
  environment never gets ``azure-functions``.
* Each is made on first use and reused while its fingerprint (the pins, the interpreter and
  azfunc's packaging files) is unchanged, so re-runs cost nothing.
* Tests reach them only through subprocesses (:func:`upstream_python`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]
#: environment directory -> what it holds; the comparisons run against exactly these.
PINS: Final = {
    ".venv-upstream": ("azure-functions==1.26.0", "azure-functions-durable==1.7.0"),
    ".venv-upstream2": ("azure-functions==2.3.0", "azure-functions-durable==1.7.0"),
}
_STAMP: Final = ".azfunc-upstream-stamp"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _python313() -> str | None:
    spec = importlib.util.spec_from_file_location("_azfunc_dev", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    found: str | None = dev.find_python313()
    return found


def _fingerprint(pins: tuple[str, ...], base: str) -> str:
    digest = hashlib.sha256("\n".join(pins).encode())
    digest.update(base.encode())
    for name in ("pyproject.toml", "setup.cfg"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def upstream_python(name: str = ".venv-upstream") -> Path:
    """The interpreter of the upstream environment ``name`` (a key of :data:`PINS`), made
    (or refreshed) first if needed; skips the calling test, loudly, where the 2.x one
    cannot be made for want of a Python 3.13.

    Raises:
        RuntimeError: if the environment cannot be made (pip's output attached).
    """
    pins = PINS[name]
    base = sys.executable if name == ".venv-upstream" else _python313()
    if base is None:
        pytest.skip("NO PYTHON 3.13: the comparison with azure-functions 2.x is SKIPPED")
    venv = ROOT / name
    python, stamp = _venv_python(venv), venv / _STAMP
    wanted = _fingerprint(pins, base if name != ".venv-upstream" else sys.version)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True,
                       capture_output=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         *pins, "-e", str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot make {venv}: {done.stdout}\n{done.stderr}")
    stamp.write_text(wanted)
    return python
