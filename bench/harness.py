"""What a benchmark case is: one operation measured for azfunc and for a baseline in one run.

Rules this module keeps:

* Every module in ``bench/cases/`` exposes ``cases() -> list[Case]``; a module name starting
  with ``_`` is a helper, not a case module. ``cases()`` does all setup (bodies, payloads,
  converters) so the callables time one operation only.
* Three kinds of case, one type each, all frozen:

  - :class:`BenchCase`: two zero-argument callables timed in-process by ``pyperf``
    (``bench_func``); ratio = ``baseline / azfunc``.
  - :class:`CommandCase`: whole-process commands timed by ``pyperf`` (``bench_command``),
    e.g. ``python -c "import azfunc"``; the optional ``reference`` command (``python -c
    pass``) is subtracted from both before the ratio is taken.
  - :class:`Measurement`: a standalone measurement (memory, requests/s) run once in a
    fresh subprocess; it returns a :class:`MeasureResult` with its own pass/fail, plus any
    further :class:`Check` judged from the same numbers (``host.rps`` against each peer),
    each reported as a row of its own.

* A ratio at or above ``target`` is a PASS; ``target=None`` means "reported, no target".
* This module imports only the standard library: the runner (any Python >= 3.10) and the
  pyperf worker (inside a benchmark venv) both import it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

__all__ = [
    "CASES_DIR",
    "BenchCase",
    "Case",
    "Check",
    "CommandCase",
    "MeasureResult",
    "Measurement",
    "baseline_label",
    "case_modules",
    "installed_version",
    "load_module",
    "python_command",
    "ratio_verdict",
    "select",
]

#: where case modules live.
CASES_DIR = Path(__file__).resolve().parent / "cases"


@dataclass(frozen=True)
class BenchCase:
    """One in-process timing case: the same operation with azfunc and with a baseline.

    Attributes:
        name: dotted id, e.g. ``"http.decode"``.
        description: what one call does, for the report table.
        azfunc: one operation with azfunc (all setup done beforehand).
        baseline: the same operation with the baseline, or ``None`` if it has none here.
        baseline_name: what the baseline is (``"azure-functions"``, ``"json.loads"``).
        target: the least acceptable ratio ``baseline_time / azfunc_time``; ``None``: no
            target, the ratio is only reported.
        target_text: the target as the issue words it.
        inner_loops: how many operations one call performs (pyperf divides by it).

    Example:
        >>> case = BenchCase(name="x.upper", description="str.upper", azfunc="a".upper,
        ...                  baseline="a".lower, baseline_name="str.lower", target=0.5,
        ...                  target_text=">= 0.5x")
        >>> case.azfunc()
        'A'
    """

    name: str
    description: str
    azfunc: Callable[[], object]
    baseline: Callable[[], object] | None
    baseline_name: str
    target: float | None
    target_text: str
    inner_loops: int | None = None


@dataclass(frozen=True)
class CommandCase:
    """A whole-process timing case: commands run by ``pyperf`` ``bench_command``.

    The ratio is ``(baseline - reference) / (azfunc - reference)``: the overhead each command
    adds above ``reference`` (e.g. ``python -c pass``), so interpreter start-up cancels out.

    Attributes:
        name: dotted id, e.g. ``"import.cold"``.
        description: what one run does.
        azfunc: the command measured for azfunc.
        baseline: the same for the baseline, or ``None``.
        reference: the command whose time is subtracted, or ``None``.
        baseline_name: what the baseline is.
        target: least acceptable ratio, or ``None``.
        target_text: the target as the issue words it.

    Example:
        >>> case = CommandCase(name="import.cold", description="import",
        ...                    azfunc=["python", "-c", "import azfunc"], baseline=None,
        ...                    reference=["python", "-c", "pass"], baseline_name="-",
        ...                    target=None, target_text="report")
        >>> case.azfunc[-1]
        'import azfunc'
    """

    name: str
    description: str
    azfunc: Sequence[str]
    baseline: Sequence[str] | None
    reference: Sequence[str] | None
    baseline_name: str
    target: float | None
    target_text: str


@dataclass(frozen=True)
class Check:
    """A further target judged from a measurement's numbers, reported as its own row.

    One server run measures several things side by side (the local host, a bare app, its
    peers); each ratio with a target of its own is a check, so they share one run instead
    of each starting the servers again.

    Attributes:
        name: dotted id, e.g. ``"host.rps.async_vs_starlette"``.
        description: what the ratio compares.
        value: the measured ratio (or other quantity), in ``unit``.
        unit: e.g. ``"x Starlette"``.
        target: the least acceptable ``value``.
        target_text: the target as the issue words it.

    Example:
        >>> Check(name="h.x", description="", value=0.95, unit="x", target=0.9,
        ...       target_text=">= 0.9x").passed
        True
    """

    name: str
    description: str
    value: float
    unit: str
    target: float
    target_text: str

    @property
    def passed(self) -> bool:
        """Whether ``value`` reaches ``target``."""
        return self.value >= self.target


@dataclass(frozen=True)
class MeasureResult:
    """The outcome of a :class:`Measurement`.

    Attributes:
        value: the measured quantity, in ``unit``.
        unit: e.g. ``"MiB"`` or ``"B/event"``.
        passed: whether the target was met (``None``: no target).
        details: further numbers for the report (JSON-serialisable scalars).
        checks: further targets judged from the same numbers, one report row each.

    Example:
        >>> MeasureResult(value=3.5, unit="MiB", passed=True).passed
        True
    """

    value: float
    unit: str
    passed: bool | None = None
    details: Mapping[str, float | int | str | None] = field(default_factory=dict)
    checks: Sequence[Check] = ()


@dataclass(frozen=True)
class Measurement:
    """A standalone measurement, run once in a fresh subprocess by the runner.

    Attributes:
        name: dotted id, e.g. ``"memory.multipart_100mib"``.
        description: what is measured.
        run: performs the measurement and returns its result.
        target_text: the target as the issue words it.
        all_envs: run in every benchmark environment, not only the primary one.

    Example:
        >>> m = Measurement(name="m.one", description="one",
        ...                 run=lambda: MeasureResult(value=1.0, unit="x"),
        ...                 target_text="report")
        >>> m.run().value
        1.0
    """

    name: str
    description: str
    run: Callable[[], MeasureResult]
    target_text: str
    all_envs: bool = False


#: anything ``cases()`` may return.
Case = BenchCase | CommandCase | Measurement


def case_modules(directory: Path = CASES_DIR) -> list[Path]:
    """The case module files in ``directory``, sorted, helpers (``_*.py``) excluded.

    Example:
        >>> all(not p.name.startswith("_") for p in case_modules())
        True
    """
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))


def load_module(path: Path) -> ModuleType:
    """Import the case module at ``path`` under a private name.

    Raises:
        ImportError: if the file cannot be loaded.
    """
    name = f"bench_cases_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load benchmark module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def select(cases: Sequence[Case], filters: Sequence[str]) -> list[Case]:
    """The cases whose name contains any of ``filters`` (all cases when none given).

    Example:
        >>> m = Measurement(name="memory.x", description="", run=lambda: MeasureResult(
        ...     value=0.0, unit=""), target_text="")
        >>> [c.name for c in select([m], ["http"])], [c.name for c in select([m], [])]
        ([], ['memory.x'])
    """
    if not filters:
        return list(cases)
    return [c for c in cases if any(f in c.name for f in filters)]


def ratio_verdict(ratio: float | None, target: float | None) -> str:
    """``PASS``/``FAIL`` for a ratio against a target, ``-`` when either is missing.

    Example:
        >>> ratio_verdict(2.5, 2.0), ratio_verdict(1.5, 2.0), ratio_verdict(1.5, None)
        ('PASS', 'FAIL', '-')
    """
    if ratio is None or target is None:
        return "-"
    return "PASS" if ratio >= target else "FAIL"


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None`` if it is not installed.

    Example:
        >>> installed_version("no-such-distribution-xyz") is None
        True
    """
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def baseline_label() -> str:
    """``"azure-functions <version>"`` for the installed baseline, for report tables.

    Example:
        >>> baseline_label().startswith("azure-functions")
        True
    """
    version = installed_version("azure-functions")
    return f"azure-functions {version}" if version else "azure-functions (not installed)"


def python_command(code: str) -> list[str]:
    """A command running ``code`` with the current interpreter (``-c``), for CommandCase.

    Example:
        >>> python_command("pass")[1:]
        ['-c', 'pass']
    """
    return [sys.executable, "-c", code]
