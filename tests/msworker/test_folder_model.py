"""The folder model on the real ``azure-functions-runtime-v1`` (Python 3.13): ``function.json``
folders whose ``__init__.py`` imports azfunc are loaded and invoked by Microsoft's worker,
next to a function written against ``azure.functions`` in the same worker process."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from . import harness as h

APP = h.APPS / "folder"
FUNCS = {
    "HttpFolder": {"req": {"type": "httpTrigger", "direction": "in"},
                   "$return": {"type": "http", "direction": "out"}},
    "QueueFolder": {"msg": {"type": "queueTrigger", "direction": "in"},
                    "$return": {"type": "queue", "direction": "out"}},
    "HubFolder": {"events": {"type": "eventHubTrigger", "direction": "in"},
                  "report": {"type": "queue", "direction": "out"}},
    "CtxFolder": {"msg": {"type": "queueTrigger", "direction": "in"},
                  "$return": {"type": "queue", "direction": "out"}},
    "AfTimer": {"timer": {"type": "timerTrigger", "direction": "in"},
                "report": {"type": "queue", "direction": "out"}},
}
ID = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, name)) for name in FUNCS}


def _cases() -> dict[str, dict[str, Any]]:
    queue_meta = h.vector("queue_invocation_request")["triggerMetadata"]
    return {
        "http": h.invoke(ID["HttpFolder"], {"req": h.http(
            "POST", "http://localhost/api/things/7?tag=x&tag=y", query={"tag": "x,y"},
            params={"id": "7"}, headers={"content-type": "application/json"},
            body=b'{"a": [1, 2]}')}),
        "queue": h.from_vector("queue_invocation_request", ID["QueueFolder"], "msg"),
        "hub": h.from_vector("eventhub_many_invocation_request", ID["HubFolder"], "events"),
        "context": h.invoke(ID["CtxFolder"], {"msg": {"string": "hello"}},
                            trigger_metadata=queue_meta,
                            invocation_id="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                            traceContext={"traceParent": "00-ab-cd-01"},
                            retryContext={"retryCount": 1, "maxRetryCount": 3}),
        "af_timer": h.from_vector("timer_invocation_request", ID["AfTimer"], "timer"),
        "http_bad_body": h.invoke(ID["HttpFolder"], {"req": h.http(
            "POST", "http://localhost/api/things/8", params={"id": "8"},
            headers={"content-type": "application/json"}, body=b"\xff\xfe{")}),
        "queue_after_bad": h.from_vector("queue_invocation_request", ID["QueueFolder"], "msg"),
    }


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    cases = _cases()
    messages = [h.init(APP), h.metadata(APP)]
    messages += [h.load(ID[n], n, APP / n, bindings) for n, bindings in FUNCS.items()]
    messages += list(cases.values())
    responses = h.run_worker("v1", APP, messages, tmp_path_factory.mktemp("v1"))
    out = {"init": responses[0], "metadata": responses[1]}
    out.update({f"load:{n}": r for n, r in zip(FUNCS, responses[2:], strict=False)})
    out.update(zip(cases, responses[2 + len(FUNCS):], strict=True))
    return out


def test_init_and_host_indexing(worker: dict[str, Any]) -> None:
    assert h.status(worker["init"]) == "Success"
    assert worker["metadata"]["useDefaultMetadataIndexing"] is True


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_every_function_loads(worker: dict[str, Any], name: str) -> None:
    assert h.status(worker[f"load:{name}"]) == "Success", worker[f"load:{name}"]


def test_http(worker: dict[str, Any]) -> None:
    response = worker["http"]
    assert h.status(response) == "Success", response["result"]
    rpc = response["returnValue"]["http"]
    body = json.loads(base64.b64decode(rpc["body"]["bytes"]))
    assert body == {"kind": "azfunc.http.request.HttpRequest", "tag": ["x", "y"], "id": "7",
                    "json": {"a": [1, 2]}}
    assert [c["name"] for c in rpc["cookies"]] == ["a", "b"]
    assert rpc["cookies"][1]["secure"]["value"] is True


def test_queue_return_value_encoded_by_azfunc(worker: dict[str, Any]) -> None:
    response = worker["queue"]
    assert h.status(response) == "Success", response["result"]
    rep = json.loads(response["returnValue"]["string"])
    assert rep == {"kind": "azfunc.bindings.queue.QueueMessage",
                   "id": "800ae4b3-bdd2-4c08-badd-f08e5a34b865", "dequeue_count": 1,
                   "insertion_time": "2019-10-09T17:58:31+00:00"}


def test_eventhub_batch(worker: dict[str, Any]) -> None:
    response = worker["hub"]
    assert h.status(response) == "Success", response["result"]
    rep = json.loads(h.output(response, "report")["string"])
    assert rep == {"kind": "azfunc.bindings.eventhub.EventHubEvent", "count": 2,
                   "sequence_numbers": [47, 48]}


def test_async_function_with_context(worker: dict[str, Any]) -> None:
    response = worker["context"]
    assert h.status(response) == "Success", response["result"]
    rep = json.loads(response["returnValue"]["string"])
    assert rep == {"invocation_id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                   "function_name": "CtxFolder", "trace_parent": "00-ab-cd-01",
                   "retry_count": 1, "body": "hello"}


def test_azure_functions_function_in_the_same_worker_is_unaffected(
        worker: dict[str, Any]) -> None:
    response = worker["af_timer"]
    assert h.status(response) == "Success", response["result"]
    rep = json.loads(h.output(response, "report")["string"])
    assert rep == {"kind": "azure.functions.timer.TimerRequest", "past_due": False}


def test_unreadable_body_fails_one_invocation_and_the_worker_goes_on(
        worker: dict[str, Any]) -> None:
    bad = worker["http_bad_body"]
    assert h.status(bad) == "Failure"
    assert "BodyDecodeError" in bad["result"]["exception"]["message"]
    assert h.status(worker["queue_after_bad"]) == "Success"
