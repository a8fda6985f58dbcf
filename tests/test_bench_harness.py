"""A fast smoke test of the benchmark harness (bench/): case types, report maths, docs region.

The timing itself needs pyperf and the benchmark venvs (``python bench/run.py``); this checks
the parts that decide what the published numbers say: ratios, verdicts, the generated region
of docs/performance.md, and that measurements are discoverable without building anything.
"""

from __future__ import annotations

import doctest
import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

harness = importlib.import_module("harness")
report = importlib.import_module("_report")
envs = importlib.import_module("_envs")


@pytest.mark.parametrize("module", [harness, report, envs], ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0


def _summary(kind: str, results: dict[str, float], target: float | None) -> dict[str, Any]:
    return {
        "baseline_label": "azure-functions 9.9.9",
        "errors": {},
        "cases": [{"name": "c.x", "kind": kind, "description": "d",
                   "baseline_name": "azure-functions", "target": target,
                   "target_text": "t"}],
        "results": {f"c.x:{role}": {"median": value} for role, value in results.items()},
    }


def test_command_case_ratio_uses_time_above_the_reference() -> None:
    summary = _summary("command", {"azfunc": 0.030, "baseline": 0.145, "reference": 0.025},
                       target=4.0)
    (row,) = report.rows_from_summary("env", summary)
    assert row.azfunc == pytest.approx(0.005)
    assert row.baseline == pytest.approx(0.120)
    assert row.ratio == pytest.approx(24.0)
    assert row.verdict == "PASS"
    assert row.baseline_name == "azure-functions 9.9.9"


def test_func_case_below_target_fails_and_missing_baseline_has_no_verdict() -> None:
    (slow,) = report.rows_from_summary("env", _summary("func", {"azfunc": 2.0, "baseline": 3.0},
                                                       target=2.0))
    assert (slow.ratio, slow.verdict) == (1.5, "FAIL")
    (alone,) = report.rows_from_summary("env", _summary("func", {"azfunc": 2.0}, target=2.0))
    assert (alone.ratio, alone.verdict) == (None, "-")


def test_errors_become_error_rows_with_the_last_traceback_line() -> None:
    summary = {"cases": [], "results": {},
               "errors": {"http": "Traceback...\nImportError: no module named x"}}
    (row,) = report.rows_from_summary("env", summary)
    assert (row.verdict, row.note) == ("ERROR", "ImportError: no module named x")


@given(ratio=st.floats(0, 1e6, allow_nan=False), target=st.floats(0, 1e6, allow_nan=False))
def test_verdict_is_pass_exactly_when_ratio_reaches_target(ratio: float, target: float) -> None:
    assert (harness.ratio_verdict(ratio, target) == "PASS") == (ratio >= target)


@given(st.floats(0, 1e4, allow_nan=False))
def test_fmt_time_always_has_a_unit(seconds: float) -> None:
    text = report.fmt_time(seconds)
    assert text.split()[-1] in {"s", "ms", "us", "ns"}


@given(before=st.text(), generated=st.text(), after=st.text())
def test_replace_region_keeps_the_hand_written_text(before: str, generated: str,
                                                    after: str) -> None:
    begin, end = report.BEGIN, report.END
    if begin in before + after + generated or end in before + after + generated:
        return
    document = f"{before}\n{begin}\nold numbers\n{end}\n{after}"
    once = report.replace_region(document, generated)
    assert once.startswith(before + "\n")
    assert once.endswith("\n" + after)
    if "old numbers" not in before + after + generated:
        assert "old numbers" not in once
    assert report.replace_region(once, generated) == once


def test_measurements_are_listed_without_running_them() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "_measure.py"), "--module",
         str(BENCH / "cases" / "memory.py"), "--list"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    names = {m["name"] for m in json.loads(proc.stdout)}
    assert {"memory.multipart_100mib", "memory.eventhub_batch_1000"} <= names


def test_every_case_module_is_found_and_helpers_are_not() -> None:
    found = [p.name for p in harness.case_modules()]
    assert "import_time.py" in found
    assert "memory.py" in found
    assert not [name for name in found if name.startswith("_")]


FLAKY_CASES = '''
import sys
sys.path.insert(0, {bench!r})
from harness import BenchCase

def cases():
    calls = {{"n": 0}}

    def flaky():
        if "--worker" in sys.argv:
            calls["n"] += 1
            if calls["n"] > 3:
                raise RuntimeError("flaky case")
        return 1

    def case(name, azfunc):
        return BenchCase(name=name, description="", azfunc=azfunc, baseline=lambda: 2,
                         baseline_name="x", target=1.0, target_text="")

    return [case("a.first", lambda: 1), case("b.flaky", flaky), case("c.after", lambda: 3)]
'''


def _bench_python() -> Path | None:
    for env in envs.ENVS:
        if env.interpreter.exists():
            check = subprocess.run([str(env.interpreter), "-c", "import pyperf"],
                                   capture_output=True, timeout=60)
            if check.returncode == 0:
                return Path(env.interpreter)
    return None


def test_worker_survives_a_case_that_fails_inside_pyperf(tmp_path: Path) -> None:
    python = _bench_python()
    if python is None:
        pytest.skip("no benchmark venv with pyperf (run python bench/run.py once)")
    module = tmp_path / "flaky.py"
    module.write_text(FLAKY_CASES.format(bench=str(BENCH)))
    summary = tmp_path / "summary.json"
    proc = subprocess.run(
        [str(python), str(BENCH / "_worker.py"), "--module", str(module), "--summary",
         str(summary), "--fast", "--quiet", "--min-time", "0.005"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(summary.read_text())
    assert sorted(found["results"]) == ["a.first:azfunc", "a.first:baseline",
                                        "c.after:azfunc", "c.after:baseline"]
    assert list(found["errors"]) == ["b.flaky"]
    rows = {row.name: row for row in report.rows_from_summary("env", found)}
    assert rows["b.flaky"].verdict == "ERROR"
    assert rows["c.after"].ratio is not None
