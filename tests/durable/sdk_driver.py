"""Run in the upstream environment (with ``azure-functions-durable``): exercise the Durable
test kit and ``azfunc check``/``invoke`` on ``sdk_app``, and print what happened as JSON.

The assertions live in ``test_durable_kit.py``, which runs this script in a subprocess.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import azfunc
from azfunc.testing.durable import (
    History,
    OrchestrationResult,
    orchestration_context,
    run_orchestrator,
)

APP = Path(__file__).resolve().parent / "sdk_app"
V1 = Path(__file__).resolve().parent / "v1_app"


def _result(result: OrchestrationResult) -> dict[str, Any]:
    return {"is_done": result.is_done, "output": result.output, "error": result.error,
            "actions": result.actions, "activities": result.activities}


def main() -> None:
    sys.path.insert(0, str(APP))
    out: dict[str, Any] = {}
    out["check"] = [(f.code, f.function) for f in azfunc.check_app(APP)]
    with azfunc.load_app(APP) as loaded:
        info = loaded.function("hello_orchestrator")
        orchestrator = info.func
        fan_out = loaded.function("fan_out").func
        approval = loaded.function("approval").func
        parent = loaded.function("parent").func

        started = History(input=["Tokyo", "Seattle"])
        out["first"] = _result(run_orchestrator(orchestrator, started))
        one = History(input=["Tokyo", "Seattle"]).task_scheduled("say_hello", "Tokyo") \
            .task_completed("Hello Tokyo")
        out["second"] = _result(run_orchestrator(orchestrator, one))
        done = History(input=["Tokyo", "Seattle"]).task_scheduled("say_hello", "Tokyo") \
            .task_completed("Hello Tokyo").task_scheduled("say_hello", "Seattle") \
            .task_completed("Hello Seattle")
        out["done"] = _result(run_orchestrator(orchestrator, done))
        failed = History(input=["Tokyo"]).task_scheduled("say_hello", "Tokyo") \
            .task_failed("boom", "trace")
        out["failed"] = _result(run_orchestrator(orchestrator, failed))

        fan = History(input=["A", "B", "C"])
        for city in "ABC":
            fan.task_scheduled("say_hello", city)
        out["fan_pending"] = _result(run_orchestrator(fan_out, fan))
        fan.task_completed("Hello A").task_completed("Hello B").task_completed("Hello C")
        out["fan_done"] = _result(run_orchestrator(fan_out, fan))

        start = datetime(2024, 1, 1, tzinfo=timezone.utc)
        waiting = History(start=start).timer_created(start + timedelta(hours=1))
        out["approval_waiting"] = _result(run_orchestrator(approval, History(start=start)))
        out["approval_yes"] = _result(run_orchestrator(
            approval, waiting.event_raised("Approved", True)))
        late = History(start=start).timer_created(start + timedelta(hours=1)).timer_fired()
        out["approval_late"] = _result(run_orchestrator(approval, late))

        child = History().sub_orchestration_created("hello_orchestrator", ["Oslo"]) \
            .sub_orchestration_completed(["Hello Oslo"])
        out["parent_done"] = _result(run_orchestrator(parent, child))
        child_failed = History().sub_orchestration_created("hello_orchestrator", ["Oslo"]) \
            .sub_orchestration_failed("child broke")
        out["parent_failed"] = _result(run_orchestrator(parent, child_failed))

        invoked = loaded.invoke("hello_orchestrator",
                                context=orchestration_context(History(input=["Rome"])))
        out["invoke_orchestrator"] = json.loads(invoked.return_data.value)  # type: ignore
        out["invoke_activity"] = loaded.invoke("say_hello", city="Rome").return_data.value  \
            # type: ignore[union-attr]
        entity = {"self": {"name": "counter", "key": "c1"}, "state": "3", "exists": True,
                  "batch": [{"name": "add", "signal": False, "input": json.dumps("4")}]}
        out["invoke_entity"] = json.loads(
            loaded.invoke("counter", context=json.dumps(entity)).return_data.value)  # type: ignore
        client = {"taskHubName": "hub", "creationUrls": {}, "managementUrls": {},
                  "baseUrl": "http://localhost:7071/runtime/webhooks/durabletask",
                  "requiredQueryStringParameters": "", "rpcBaseUrl": None}
        request = azfunc.HttpRequest("GET", "/api/orchestrators/x", route_params={"name": "x"})
        out["invoke_client"] = loaded.invoke("http_start", req=request,
                                             client=json.dumps(client)).return_value
        out["user_function_is_plain"] = loaded.function("say_hello").func("X")
    _v1(out)
    print(json.dumps(out))


def _v1(out: dict[str, Any]) -> None:
    """The Durable v1 templates (folder apps), written for the SDK, run by azfunc."""
    out["v1_check"] = [(f.code, f.function) for f in azfunc.check_app(V1)]
    with azfunc.load_app(V1) as loaded:
        history = History().task_scheduled("Hello", "Tokyo").task_completed("Hello Tokyo!")
        out["v1_replay"] = _result(run_orchestrator(loaded.function("HelloOrchestrator").func,
                                                    history))
        invoked = loaded.invoke("HelloOrchestrator", context=orchestration_context(history))
        out["v1_invoke_orchestrator"] = json.loads(invoked.return_data.value)  # type: ignore
        out["v1_activity"] = loaded.invoke("Hello", name="Oslo").return_data.value  # type: ignore
        entity = {"self": {"name": "counter", "key": "c"}, "state": None, "exists": False,
                  "batch": [{"name": "add", "signal": False, "input": json.dumps("5")},
                            {"name": "get", "signal": False, "input": None}]}
        result = loaded.invoke("Counter", context=json.dumps(entity)).return_data
        out["v1_entity"] = json.loads(result.value)  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
