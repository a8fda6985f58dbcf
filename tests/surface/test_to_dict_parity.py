"""``to_dict()``/``to_json()`` of the binding types give what azure-functions 2.x gives.

Every case of ``value_cases.py`` is built by azfunc here and by ``azure-functions`` 2.3 in
its environment (``serialise_upstream.py``, in a subprocess), and so is every trigger payload of
``trigger_cases()`` (decoded by each SDK's own converter); the dicts, their key order
and the JSON text must be the same, except for the deliberate differences in
:data:`DELIBERATE` (each also in ``docs/migration.md``). Azure-functions 1.26 has none of
these methods, so there is nothing to compare with it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.surface.serialise_upstream import serialise
from tests.surface.value_cases import cases, trigger_cases

HERE = Path(__file__).resolve().parent

#: case -> (why, {key path: azfunc's value}) where azfunc gives something better.
DELIBERATE: dict[str, tuple[str, dict[tuple[Any, ...], Any]]] = {
    "queue_naive": ("naive times are UTC", {("insertion_time",): "2019-10-09T17:58:31+00:00"}),
    "queue_offset": ("queue times are normalised to UTC",
                     {("insertion_time",): "2019-10-09T17:58:31+00:00"}),
    "eventhub_naive": ("naive times are UTC", {("enqueued_time",): "2019-10-09T17:58:31+00:00"}),
    "servicebus_naive": ("naive times are UTC",
                         {("enqueued_time_utc",): "2019-10-09T17:58:31+00:00"}),
    "blob_bare": ("azfunc knows the length of the data it holds", {("length",): 3}),
    "sql_bytearray": ("bytearray is bytes: base64, not left to break to_json()",
                      {(): [{"blob": {"__encoding": "base64", "value": "/w=="}}]}),
    "documents_bytes": ("to_json() raises azfunc's ConversionError (a ValueError), not a bare "
                        "TypeError", {}),
}


@pytest.fixture(scope="module")
def upstream_answers(upstream2: Path) -> dict[str, Any]:
    done = subprocess.run([str(upstream2), str(HERE / "serialise_upstream.py"), "azure.functions"],
                          capture_output=True, text=True, check=False, cwd=HERE)
    assert done.returncode == 0, done.stderr
    answers: dict[str, Any] = json.loads(done.stdout)
    return answers


@pytest.fixture(scope="module")
def azfunc_answers() -> dict[str, Any]:
    return serialise("azfunc")


def _patched(value: Any, patches: dict[tuple[Any, ...], Any]) -> Any:
    for path, replacement in patches.items():
        if not path:
            value = replacement
            continue
        target = value
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = replacement
    return value


def _keys(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return [_keys(item) for item in value]
    return None


CASE_IDS = [case[0] for case in cases()] + [case[0] for case in trigger_cases()]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_to_dict_and_to_json_match_azure_functions_2(
    case_id: str, upstream_answers: dict[str, Any], azfunc_answers: dict[str, Any]
) -> None:
    theirs, ours = upstream_answers[case_id], azfunc_answers[case_id]
    if case_id not in DELIBERATE:
        assert ours == theirs
        return
    _, patches = DELIBERATE[case_id]
    assert ours != theirs, f"{case_id} is listed as a difference but matches upstream"
    expected = _patched(theirs["dict"], patches)
    assert ours["dict"] == expected
    assert ours["keys"] == _keys(expected)
    if isinstance(ours["json"], str):
        assert json.loads(ours["json"]) == expected
    else:
        assert ours["json"] == {"__error__": "ValueError"}
        assert theirs["json"] == {"__error__": "TypeError"}


def test_every_deliberate_difference_is_a_case() -> None:
    assert set(DELIBERATE) <= set(CASE_IDS)


def test_trigger_values_carry_what_the_host_sent(azfunc_answers: dict[str, Any]) -> None:
    """The trigger cases compare real values, not two sets of ``None``."""
    queue = azfunc_answers["queue_trigger"]["dict"]
    assert queue["insertion_time"] == "2019-10-09T17:58:31.046100+00:00"
    assert queue["dequeue_count"] == 1
    assert azfunc_answers["servicebus_trigger"]["dict"]["user_properties"] == {"u": 1}
    assert azfunc_answers["eventhub_trigger"]["dict"]["iothub_metadata"] == {
        "connection-device-id": "d1"}
    assert azfunc_answers["timer_trigger"]["dict"]["schedule"] == {"AdjustForDST": True}


def test_azure_functions_1_26_has_none_of_these_methods(upstream: Path) -> None:
    probe = (
        "import azure.functions as f, azure.functions.queue as q, azure.functions.blob as b,"
        " azure.functions.timer as t, azure.functions.servicebus as s\n"
        "types = [q.QueueMessage, f.EventHubEvent, b.InputStream, t.TimerRequest,"
        " s.ServiceBusMessage, f.DocumentList, f.SqlRowList, f.MySqlRowList]\n"
        "print(sorted(f'{c.__name__}.{m}' for c in types for m in ('to_dict', 'to_json')"
        " if hasattr(c, m)))\n"
    )
    done = subprocess.run([str(upstream), "-c", probe], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.replace("'", '"')) == []
