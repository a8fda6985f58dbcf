"""A fast smoke test of the benchmark harness (bench/): case types, report maths, docs region.

The timing itself needs pyperf and the benchmark venvs (``python bench/run.py``); this checks
the parts that decide what the published numbers say: ratios, verdicts, the generated region
of docs/performance.md, and that measurements are discoverable without building anything.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import json
import subprocess
import sys
from collections import Counter
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


def test_check_rows_follow_their_measurement_and_decide_the_verdict() -> None:
    check = harness.Check(name="h.rps.peer", description="vs peer", value=0.85,
                          unit="x peer", target=0.9, target_text=">= 0.9x peer")
    assert check.passed is False
    result = {"env": "e", "name": "h.rps", "description": "d", "value": 0.7, "unit": "x",
              "passed": True, "target_text": ">= 0.6x", "details": {"bare": 1.0},
              "checks": [{"name": check.name, "description": check.description,
                          "value": check.value, "unit": check.unit,
                          "target_text": check.target_text, "passed": check.passed}]}
    rows = report.expand_checks(result)
    assert [(r["name"], r["env"], r["passed"]) for r in rows] == [
        ("h.rps", "e", True), ("h.rps.peer", "e", False)]
    assert "checks" not in rows[0]
    table = report.measurement_table(rows).splitlines()
    assert len(table) == 4
    assert "`h.rps.peer`" in table[3]
    assert "| FAIL |" in table[3]


def test_a_failed_measurement_expands_to_its_error_row_only() -> None:
    rows = report.expand_checks({"env": "e", "name": "h.rps", "error": "Traceback\nBoom",
                                 "checks": [{"name": "x"}]})
    assert [r["name"] for r in rows] == ["h.rps"]


@given(value=st.floats(0, 1e6, allow_nan=False), target=st.floats(0, 1e6, allow_nan=False))
def test_check_passes_exactly_when_value_reaches_target(value: float, target: float) -> None:
    check = harness.Check(name="c", description="", value=value, unit="x", target=target,
                          target_text="")
    assert check.passed == (value >= target)


CHECKED_CASES = '''
import sys
sys.path.insert(0, {bench!r})
from harness import Check, Measurement, MeasureResult

def cases():
    def run():
        return MeasureResult(value=1.0, unit="x", passed=True, checks=[
            Check(name="m.one.peer", description="d", value=0.5, unit="x peer", target=1.0,
                  target_text=">= 1x")])
    return [Measurement(name="m.one", description="one", run=run, target_text="t")]
'''


def test_measure_prints_the_checks_of_a_measurement(tmp_path: Path) -> None:
    module = tmp_path / "checked.py"
    module.write_text(CHECKED_CASES.format(bench=str(BENCH)))
    proc = subprocess.run(
        [sys.executable, str(BENCH / "_measure.py"), "--module", str(module), "--name",
         "m.one"], capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["passed"] is True
    assert out["checks"] == [{"name": "m.one.peer", "description": "d", "value": 0.5,
                              "unit": "x peer", "target_text": ">= 1x", "passed": False}]


def _host_case_module() -> ModuleType:
    return harness.load_module(BENCH / "cases" / "host.py")


def test_host_rps_targets_are_judged_by_cpu_when_measured_else_by_wall_clock() -> None:
    host = _host_case_module()
    keys = [key for key, *_ in host.RPS_TARGETS]
    assert {"bare", "starlette", "fastapi_async", "fastapi_def", "host", "host_async"} == set(keys)
    wall = {"ratio": 0.7, "host_async_vs_starlette": 1.05, "host_vs_starlette": 0.8}
    assert host.judged(wall, "host_async_vs_starlette") == 1.05
    cpu = {**wall, "ratio_cpu": 0.5, "host_async_vs_starlette_cpu": 0.95}
    assert host.judged(cpu, "ratio") == 0.5
    assert host.judged(cpu, "host_async_vs_starlette") == 0.95
    assert host.judged(cpu, "host_vs_starlette") == 0.8


def test_host_rps_table_shows_every_app_and_the_three_verdicts() -> None:
    host = _host_case_module()
    rates = {"bare": 10000.0, "starlette": 9000.0, "fastapi_async": 6000.0,
             "fastapi_def": 4000.0, "host_async": 9000.0, "host": 8000.0}
    found: dict[str, float] = {**rates, "ratio": 0.8, "ratio_async": 0.9}
    for key, rate in rates.items():
        found[f"{key}_vs_starlette"] = rate / rates["starlette"]
    text = host.rps_table(found)
    assert all(label in text for *_, label in host.RPS_TARGETS)
    verdicts = [line.rsplit(" ", 1)[-1] for line in text.splitlines()[-3:]]
    assert verdicts == ["PASS", "PASS", "FAIL"]  # 0.8 >= 0.6, 1.0 >= 1.0, 0.89 < 0.9


def test_host_rps_judges_issue_10s_load_and_reports_the_pipelined_one_beside_it() -> None:
    host = _host_case_module()
    # issue #10 measured its targets with wrk over 50 connections, no pipelining
    assert host.JUDGED_SHAPE == (50, 1)
    defaults = inspect.signature(host.measure_rps).parameters
    assert (defaults["connections"].default, defaults["depth"].default) == host.JUDGED_SHAPE
    assert defaults["pipelined"].default == host.PIPELINED_SHAPE
    rates = {"bare": 10000.0, "starlette": 9000.0, "fastapi_async": 6000.0,
             "fastapi_def": 4000.0, "host_async": 9000.0, "host": 8500.0}
    found: dict[str, float] = {"ratio": 0.85, "ratio_async": 0.9}
    for prefix, scale in (("", 1.0), ("pipelined_", 0.5)):
        for key, rate in rates.items():
            found[prefix + key] = rate * (scale if key.startswith("host") else 1.0)
            found[f"{prefix}{key}_vs_starlette"] = found[prefix + key] / rates["starlette"]
            found[f"{prefix}{key}_server_busy"] = 0.97
            found[f"{prefix}{key}_client_busy"] = 0.4
    text = host.rps_table(found)
    judged_part, _, piped_part = text.partition("pipelined")
    assert all(label in judged_part and label in piped_part
               for *_, label in host.RPS_TARGETS)
    assert "0.97/0.40" in judged_part
    assert f"{found['pipelined_host_async_vs_starlette']:.2f}x" in piped_part
    # the verdicts come from the judged load only: the halved pipelined rates change none
    verdicts = [line.rsplit(" ", 1)[-1] for line in text.splitlines()[-3:]]
    assert verdicts == ["PASS", "PASS", "PASS"]


def test_profile_host_attributes_py_spy_stacks_to_stages() -> None:
    profile = harness.load_module(BENCH / "profile_host.py")
    root = ("Handle._run (asyncio/events.py:80)", "LocalHost.__call__ (azfunc/host/local.py:216)",
            "HttpFrontend.__call__ (azfunc/host/http_frontend.py:329)",
            "HttpFrontend.invoke (azfunc/host/http_frontend.py:388)")
    stacks = Counter({
        (*root, "_request_parts (azfunc/host/http_frontend.py:160)",
         "str.lower (<builtin>:0)"): 3,
        (*root, "RequestResponseCycle.send (uvicorn/protocols/http/h11_impl.py:520)"): 2,
        root: 1,
        ("H11Protocol.data_received (uvicorn/protocols/http/h11_impl.py:176)",): 4,
    })
    found = profile.spy_attribution(stacks)
    assert found["request building"] == 3
    assert found["frontend glue (HttpFrontend.invoke)"] == 1
    assert sum(v for k, v in found.items() if k.startswith("ASGI send")) == 2
    assert sum(v for k, v in found.items() if k.startswith("server")) == 4
    assert sum(found.values()) == sum(stacks.values())
