"""The benchmark venvs: which Pythons, which azure-functions, and how they are kept current.

Rules this module keeps:

* One venv per baseline generation, under ``bench/.venvs/<name>``: azure-functions 1.x on
  Python 3.11 (the primary environment) and azure-functions 2.x on Python >= 3.13 (2.x
  requires it). Each has azfunc installed editable (``editable_mode=compat``: a ``.pth``
  path entry, so start-up costs what a normal install costs) plus the baseline and
  ``pyperf``.
* A venv is rebuilt only when its fingerprint (packaging files, requirements, interpreter
  version) changes; ``refresh=True`` forces it. Building holds an exclusive lock file
  (``bench/.venvs/<name>.lock``), so two runs started together never build one venv at once.
* An interpreter is found through ``AZFUNC_BENCH_PYTHON_<major>_<minor>`` (e.g.
  ``AZFUNC_BENCH_PYTHON_3_13=/usr/bin/python3.13``), ``python3.X`` on ``PATH``, pyenv's
  ``~/.pyenv/versions/3.X.*``, or the running interpreter. A missing one is reported and its
  environment skipped, never fatal.
* Standard library only: this runs in whatever Python started ``bench/run.py``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / "bench" / ".venvs"

#: installed into every benchmark venv besides azfunc and the baseline: Starlette and FastAPI
#: are the peers ``host.rps`` serves beside the local host on the same uvicorn; Flask and
#: gunicorn serve ``bench/cases/frameworks.py``'s apps directly.
TOOLS = ("pyperf>=2.6", "httpx>=0.25", "python-multipart>=0.0.9", "starlette>=0.37",
         "fastapi>=0.110", "flask>=2.3", "gunicorn>=21")
#: azfunc extras installed (editable) into every benchmark venv: ``storage`` for the
#: Azure SDKs ``storage.azurite_e2e`` serves through (without them its host's startup fails).
EXTRAS = "host,storage"


@dataclass(frozen=True)
class BenchEnv:
    """One benchmark environment.

    Example:
        >>> ENVS[0].name, ENVS[0].primary
        ('py3.11-af1', True)
    """

    name: str
    python: str
    baseline: str
    label: str
    primary: bool = False
    #: further requirements of this environment only (the worker runtime needs 3.13).
    extra: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """The venv directory."""
        return VENVS / self.name

    @property
    def interpreter(self) -> Path:
        """The venv's python executable."""
        sub = "Scripts" if os.name == "nt" else "bin"
        exe = "python.exe" if os.name == "nt" else "python"
        return self.path / sub / exe


ENVS: tuple[BenchEnv, ...] = (
    BenchEnv("py3.11-af1", "3.11", "azure-functions>=1.20,<2",
             "azure-functions 1.x on Python 3.11", primary=True),
    BenchEnv("py3.13-af2", "3.13", "azure-functions>=2,<3",
             "azure-functions 2.x on Python 3.13",
             extra=("azure-functions-runtime==1.3.0", "azure-functions-runtime-v1==1.2.0",
                    "protobuf>=5.29")),
)


def _version_of(python: str) -> str | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` (``"3.13"``), or ``None`` if there is none here.

    Example:
        >>> find_python("2.1") is None
        True
    """
    override = os.environ.get("AZFUNC_BENCH_PYTHON_" + version.replace(".", "_"))
    candidates: list[str] = [override] if override else []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        def release(p: Path) -> tuple[int, ...]:
            return tuple(int(x) if x.isdigit() else -1 for x in p.name.split("."))

        found = sorted(pyenv.glob(f"{version}.*"), key=release, reverse=True)
        candidates.extend(str(p / "bin" / "python") for p in found)
    candidates.append(sys.executable)
    for candidate in candidates:
        if Path(candidate).exists() and _version_of(candidate) == version:
            return candidate
    return None


def _fingerprint(env: BenchEnv, python: str) -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "setup.cfg"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    digest.update(repr((env.baseline, TOOLS, EXTRAS, python, "compat", env.extra)).encode())
    digest.update((_version_of(python) or "").encode())
    return digest.hexdigest()


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock`` (no-op where ``fcntl`` is missing)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no concurrent-run protection
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(env: BenchEnv, *, refresh: bool = False, log: bool = True) -> Path | None:
    """Create or refresh ``env``'s venv; its interpreter, or ``None`` if unavailable.

    Raises:
        subprocess.CalledProcessError: if creating the venv or installing into it fails.
    """
    python = find_python(env.python)
    if python is None:
        if log:
            print(f"[{env.name}] no Python {env.python} found: skipped", flush=True)
        return None
    with _exclusive(VENVS / f"{env.name}.lock"):
        return _build(env, python, refresh=refresh, log=log)


def _build(env: BenchEnv, python: str, *, refresh: bool, log: bool) -> Path:
    stamp = env.path / ".azfunc-bench-stamp"
    wanted = _fingerprint(env, python)
    current = stamp.read_text() if stamp.exists() else ""
    if not refresh and env.interpreter.exists() and current == wanted:
        return env.interpreter
    if log:
        print(f"[{env.name}] creating venv with {python} ...", flush=True)
    # Build beside the old venv and swap at the end: a run already using the old one keeps
    # working until the swap, and an interrupted build never leaves a half-filled venv.
    fresh = env.path.with_name(env.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(fresh)], check=True)
    pip = [str(fresh / env.interpreter.relative_to(env.path)), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    # compat mode: a plain path entry in a .pth, like a real install costs at start-up,
    # instead of the import-hook finder (which pulls pathlib into every interpreter start).
    subprocess.run(
        [*pip, "--config-settings", "editable_mode=compat",
         "-e", f"{ROOT}[{EXTRAS}]", env.baseline, *TOOLS, *env.extra],
        check=True,
        cwd=ROOT,
    )
    (fresh / stamp.name).write_text(wanted)
    old = env.path.with_name(env.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if env.path.exists():
        env.path.rename(old)
    fresh.rename(env.path)
    shutil.rmtree(old, ignore_errors=True)
    return env.interpreter
