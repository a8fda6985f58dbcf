"""The Durable test kit, run with Microsoft's real SDK (in the upstream environment).

``sdk_driver.py`` replays ``sdk_app``'s orchestrators through ``azfunc.testing.durable``,
checks the app and invokes its functions, in a subprocess of the environment holding
``azure-functions-durable``; the assertions are here.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azfunc import ArgumentValueError, ConfigurationError
from azfunc.testing.durable import EventType, History, OrchestrationResult, run_orchestrator

DRIVER = Path(__file__).resolve().parent / "sdk_driver.py"


@pytest.fixture(scope="module")
def driven(upstream: Path) -> dict[str, Any]:
    done = subprocess.run([str(upstream), str(DRIVER)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _call(name: str, value: Any) -> dict[str, Any]:
    return {"actionType": 0, "functionName": name, "input": json.dumps(value)}


def test_an_sdk_app_passes_azfunc_check(driven: dict[str, Any]) -> None:
    assert driven["check"] == []


def test_a_new_orchestration_schedules_its_first_activity(driven: dict[str, Any]) -> None:
    assert driven["first"]["is_done"] is False
    assert driven["first"]["actions"] == [[_call("say_hello", "Tokyo")]]


def test_a_replay_continues_where_the_history_ends(driven: dict[str, Any]) -> None:
    assert driven["second"]["actions"] == [[_call("say_hello", "Tokyo")],
                                           [_call("say_hello", "Seattle")]]
    assert driven["done"]["is_done"] is True
    assert driven["done"]["output"] == ["Hello Tokyo", "Hello Seattle"]


def test_a_failed_activity_fails_the_orchestration(driven: dict[str, Any]) -> None:
    assert driven["failed"]["is_done"] is False
    assert driven["failed"]["error"].startswith("boom")


def test_fan_out_and_fan_in(driven: dict[str, Any]) -> None:
    assert driven["fan_pending"]["actions"] == [[_call("say_hello", c) for c in "ABC"]]
    assert driven["fan_done"]["output"] == ["Hello A", "Hello B", "Hello C"]


def test_timers_and_external_events(driven: dict[str, Any]) -> None:
    timer, event = driven["approval_waiting"]["actions"][0]
    assert (timer["actionType"], event["actionType"]) == (5, 6)
    assert timer["fireAt"].startswith("2024-01-01T01:00:00")
    assert event["externalEventName"] == "Approved"
    assert driven["approval_yes"]["output"] == "approved"
    assert driven["approval_yes"]["actions"][0][0]["isCanceled"] is True
    assert driven["approval_late"]["output"] == "timed out"


def test_sub_orchestrations(driven: dict[str, Any]) -> None:
    action = driven["parent_done"]["actions"][0][0]
    assert (action["actionType"], action["functionName"]) == (2, "hello_orchestrator")
    assert driven["parent_done"]["output"] == {"child": ["Hello Oslo"]}
    assert driven["parent_failed"]["output"] == {"failed": "child broke"}


def test_sdk_functions_run_through_invoke(driven: dict[str, Any]) -> None:
    assert driven["invoke_orchestrator"]["actions"] == [[_call("say_hello", "Rome")]]
    assert json.loads(driven["invoke_activity"]) == "Hello Rome"
    assert json.loads(driven["invoke_entity"]["results"][0]["result"]) == 7
    assert driven["invoke_client"] == "DurableOrchestrationClient:x"
    assert driven["user_function_is_plain"] == "Hello X"


def test_the_durable_v1_templates_run(driven: dict[str, Any]) -> None:
    """Microsoft's v1 Durable templates (orchestrator, activity, entity, HTTP starter) as a
    folder app: checked clean, replayed, invoked."""
    assert driven["v1_check"] == []
    assert driven["v1_replay"]["actions"] == [[_call("Hello", "Tokyo")],
                                              [_call("Hello", "Seattle")]]
    assert driven["v1_invoke_orchestrator"]["actions"] == driven["v1_replay"]["actions"]
    assert json.loads(driven["v1_activity"]) == "Hello Oslo!"
    results = [json.loads(r["result"]) for r in driven["v1_entity"]["results"]]
    assert results == [5, 5]


# --- the history builder alone (no SDK needed) ------------------------------------------


def test_episodes_and_played_events() -> None:
    history = History(input=1).task_scheduled("a").task_scheduled("b") \
        .task_completed(1).task_completed(2, name="b")
    events = history.to_dict()["history"]
    kinds = [e["EventType"] for e in events]
    assert kinds == [EventType.ORCHESTRATOR_STARTED, EventType.EXECUTION_STARTED,
                     EventType.TASK_SCHEDULED, EventType.TASK_SCHEDULED,
                     EventType.ORCHESTRATOR_COMPLETED, EventType.ORCHESTRATOR_STARTED,
                     EventType.TASK_COMPLETED, EventType.TASK_COMPLETED]
    assert [e["IsPlayed"] for e in events] == [True] * 5 + [False] * 3
    assert [e.get("TaskScheduledId") for e in events[-2:]] == [0, 1]
    assert history.to_dict()["isReplaying"] is True


def test_a_timer_fires_when_it_is_due() -> None:
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    history = History(start=start).timer_created(start + timedelta(days=1)).timer_fired()
    events = history.to_dict()["history"]
    assert events[-1]["EventType"] == EventType.TIMER_FIRED
    assert events[-2]["Timestamp"] == "2024-05-02T00:00:00Z"


def test_completing_what_was_not_scheduled_is_an_argument_error() -> None:
    with pytest.raises(ArgumentValueError, match="no outstanding task"):
        History().task_completed(1)
    with pytest.raises(ArgumentValueError, match="naive"):
        History(start=datetime(2024, 1, 1))
    with pytest.raises(ArgumentValueError, match="JSON"):
        History(input=object())


@given(st.lists(st.recursive(st.none() | st.integers() | st.text(),
                             lambda kids: st.lists(kids, max_size=3), max_leaves=5),
                min_size=1, max_size=5))
def test_results_round_trip_through_the_history_json(results: list[Any]) -> None:
    history = History()
    for _ in results:
        history.task_scheduled("work")
    for result in results:
        history.task_completed(result)
    parsed = json.loads(history.to_json())
    completed = [e for e in parsed["history"] if e["EventType"] == EventType.TASK_COMPLETED]
    assert [json.loads(e["Result"]) for e in completed] == results


def test_a_state_that_is_not_an_orchestrator_state_is_an_argument_error() -> None:
    with pytest.raises(ArgumentValueError):
        OrchestrationResult.from_state("not json")
    with pytest.raises(ArgumentValueError):
        OrchestrationResult.from_state({"isDone": True})


def test_running_without_the_sdk_says_what_to_install() -> None:
    """azfunc's own environment never has the SDK (it is no dependency of azfunc)."""
    def orchestrator(context: Any) -> Any:
        yield None

    with pytest.raises(ConfigurationError, match="azure-functions-durable"):
        run_orchestrator(orchestrator, History())
