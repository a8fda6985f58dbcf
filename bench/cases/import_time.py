"""Cold-start cost: whole-process ``import`` time of azfunc against azure-functions.

Rules this module keeps:

* Whole processes are timed (pyperf ``bench_command``), never an in-process ``import``
  after the module cache is warm: cold start is what users of serverless Python pay.
* The budget is about the import *overhead*: each command's median minus the median of
  ``python -c pass`` in the same venv and run, so interpreter start-up and ``site`` cancel
  out. ``import azfunc`` may cost at most a quarter of ``import azure.functions`` (ratio
  >= 4x).
* ``import.first_http`` adds first use of the HTTP types (what an HTTP function pays before
  its first request); it is reported, with no target.
* ``import.interleaved`` checks the same budget a second way, robust to a busy machine: the
  three commands run round-robin (``pass``, azfunc, azure-functions, ``pass``, ...) so load
  drift hits all three alike, and both wall time and the child's CPU time (user + sys,
  from ``os.wait4``) are reported. Its verdict uses wall time, like ``import.cold``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (
    Case,
    CommandCase,
    Measurement,
    MeasureResult,
    baseline_label,
    python_command,
)

#: round-robin rounds of the interleaved measurement.
ROUNDS = 40
BUDGET = 4.0


def _run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, child CPU seconds) of one run of ``command``."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{command} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def interleaved() -> MeasureResult:
    """The import budget measured round-robin; value = wall-time overhead ratio."""
    commands = {"pass": python_command("pass"), "azfunc": python_command("import azfunc"),
                "baseline": python_command("import azure.functions")}
    for command in commands.values():
        _run(command)  # warm the bytecode and file caches
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(ROUNDS):
        for name, command in commands.items():
            w, c = _run(command)
            wall[name].append(w)
            cpu[name].append(c)
    med = {name: statistics.median(v) for name, v in wall.items()}
    cmed = {name: statistics.median(v) for name, v in cpu.items()}
    ours, theirs = med["azfunc"] - med["pass"], med["baseline"] - med["pass"]
    c_ours, c_theirs = cmed["azfunc"] - cmed["pass"], cmed["baseline"] - cmed["pass"]
    ratio = theirs / ours if ours > 0 else float("inf")
    return MeasureResult(
        value=round(ratio, 2),
        unit="x",
        passed=ratio >= BUDGET,
        details={
            "runs_each": ROUNDS,
            "wall_pass_ms": round(med["pass"] * 1e3, 2),
            "wall_azfunc_overhead_ms": round(ours * 1e3, 2),
            "wall_baseline_overhead_ms": round(theirs * 1e3, 2),
            "cpu_azfunc_overhead_ms": round(c_ours * 1e3, 2),
            "cpu_baseline_overhead_ms": round(c_theirs * 1e3, 2),
            "cpu_ratio": round(c_theirs / c_ours, 2) if c_ours > 0 else None,
            "baseline": baseline_label(),
        },
    )


def cases() -> list[Case]:
    """The import-time cases, run with the current interpreter (the benchmark venv's)."""
    reference = python_command("pass")
    return [
        CommandCase(
            name="import.cold",
            description="a fresh `python -c \"import azfunc\"` (time above `python -c pass`)",
            azfunc=python_command("import azfunc"),
            baseline=python_command("import azure.functions"),
            reference=reference,
            baseline_name=baseline_label(),
            target=4.0,
            target_text="<= 1/4 of baseline (>= 4x)",
        ),
        CommandCase(
            name="import.first_http",
            description="a fresh process importing the package and first touching "
                        "HttpRequest and HttpResponse",
            azfunc=python_command(
                "import azfunc as func; func.HttpRequest; func.HttpResponse"),
            baseline=python_command(
                "import azure.functions as func; func.HttpRequest; func.HttpResponse"),
            reference=reference,
            baseline_name=baseline_label(),
            target=None,
            target_text="report",
        ),
        Measurement(
            name="import.interleaved",
            description=f"import overhead above `python -c pass`, {ROUNDS} round-robin runs "
                        "each; value = baseline overhead / azfunc overhead (wall)",
            run=interleaved,
            target_text=f">= {BUDGET:g}x",
            all_envs=True,
        ),
    ]
