"""What a benchmark case is: one operation timed for azfunc and for a baseline in one run.

Every module in ``bench/cases/`` exposes ``cases() -> list[BenchCase]``. The runner
(``bench/run.py``) times both callables of each case in the same process run, reports the
medians and the ratio ``baseline / azfunc`` (higher is better for azfunc), and compares the
ratio with ``target``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BenchCase:
    """One benchmark case.

    Attributes:
        name: dotted id, e.g. ``"http.decode"``.
        description: what one call does, for the report table.
        azfunc: one operation with azfunc (all setup done beforehand).
        baseline: the same operation with the baseline, or ``None`` if it has none here.
        baseline_name: what the baseline is (``"azure-functions 1.26"``, ``"json.loads"``).
        target: the least acceptable ratio ``baseline_time / azfunc_time``.
        target_text: the target as the issue words it.
    """

    name: str
    description: str
    azfunc: Callable[[], object]
    baseline: Callable[[], object] | None
    baseline_name: str
    target: float | None
    target_text: str
