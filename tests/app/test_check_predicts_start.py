"""`azfunc check` predicts `azfunc start`: every app the local host refuses, `check` refuses
first, naming the function, with a message and no traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from azfunc.app.cli import check_main

TIMER = '''import azfunc as func
app = func.FunctionApp()
@app.timer_trigger(schedule={schedule!r}, arg_name="t")
def tick(t: func.TimerRequest) -> None: ...
'''
QUEUE = '''import azfunc as func
app = func.FunctionApp()
@app.queue_trigger(arg_name="m", queue_name={queue!r}, connection="AzureWebJobsStorage")
def q(m: func.QueueMessage) -> None: ...
'''
ROUTE = '''import azfunc as func
app = func.FunctionApp()
@app.route(route={route!r})
def items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("x")
'''
GOOD_TIMER = TIMER.format(schedule="0 */5 * * * *")
V2 = {"version": "2.0"}

CASES = {
    "ncrontab-words": (TIMER.format(schedule="every 5 minutes"), V2, {}, "tick", "6 fields"),
    "ncrontab-superscript": (TIMER.format(schedule="² * * * * *"), V2, {}, "tick", "²"),
    "timespan-overflow": (TIMER.format(schedule="99999999999.00:00"), V2, {}, "tick",
                          "not a duration"),
    "schedule-setting": (TIMER.format(schedule="%SCHED%"), V2, {"SCHED": "nope"}, "tick",
                         "NCRONTAB"),
    "route": (ROUTE.format(route="items/{id"), V2, {}, "items", "unclosed"),
    "queue-name-hyphens": (QUEUE.format(queue="bad--name"), V2, {}, "q", "queue name"),
    "queue-name-short": (QUEUE.format(queue="ab"), V2, {}, "q", "queue name"),
    "queue-name-trailing-hyphen": (QUEUE.format(queue="orders-"), V2, {}, "q", "queue name"),
    "queue-name-setting": (QUEUE.format(queue="%QNAME%"), V2, {"QNAME": "Bad_Name"}, "q",
                           "queue name"),
    "queue-setting-undefined": (QUEUE.format(queue="%MISSING%"), V2, {}, "q", "%MISSING%"),
    "host-json-version": (GOOD_TIMER, {"version": "1.0"}, {}, "<app>", "version"),
    "host-json-polling": (GOOD_TIMER, {**V2, "extensions": {"queues": {
        "maxPollingInterval": 1e80}}}, {}, "<app>", "maxPollingInterval"),
    "host-json-batch": (GOOD_TIMER,
                        {"version": "2.0", "extensions": {"queues": {"batchSize": "16"}}},
                        {}, "<app>", "batchSize"),
}


def _app(root: Path, script: str, host_json: dict[str, object] | None,
         settings: dict[str, str]) -> Path:
    root.mkdir()
    (root / "function_app.py").write_text(script, encoding="utf-8")
    if host_json is not None:
        (root / "host.json").write_text(json.dumps(host_json), encoding="utf-8")
    (root / "local.settings.json").write_text(
        json.dumps({"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python",
                                                     **settings}}), encoding="utf-8")
    return root


def _check(root: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check_main([str(root)], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_refuses_what_start_refuses_naming_the_function(tmp_path: Path,
                                                              case: str) -> None:
    script, host_json, settings, function, needle = CASES[case]
    root = _app(tmp_path / "app", script, host_json, settings)
    code, text = _check(root)
    assert code != 0, text
    assert "Traceback" not in text
    line = next(x for x in text.splitlines() if needle in x)
    assert line.startswith(f"{function}: "), line
    assert f"the {function} function" not in line  # the name is said once
    started = subprocess.run(
        [sys.executable, "-m", "azfunc", "start", str(root), "--port", "0"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert started.returncode != 0
    assert needle in started.stderr
    assert "Traceback" not in started.stderr


def test_queue_trigger_without_queue_name_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")
    fn = root / "q"
    fn.mkdir()
    (fn / "__init__.py").write_text("def main(m: str) -> None: ...\n", encoding="utf-8")
    (fn / "function.json").write_text(json.dumps({"bindings": [
        {"name": "m", "type": "queueTrigger", "direction": "in",
         "connection": "AzureWebJobsStorage"}]}), encoding="utf-8")
    code, text = _check(root)
    assert code != 0
    assert "q: the queue binding 'm' has no queueName" in text


def test_an_app_without_host_json_is_a_finding(tmp_path: Path) -> None:
    root = _app(tmp_path / "app", GOOD_TIMER, None, {})
    code, text = _check(root)
    assert code != 0
    assert "<app>: " in text
    assert "has no host.json" in text


def test_a_sound_app_has_no_startup_findings(tmp_path: Path) -> None:
    root = _app(tmp_path / "app", QUEUE.format(queue="%QNAME%"), V2, {"QNAME": "Orders-2"})
    code, text = _check(root)
    assert code == 0, text
