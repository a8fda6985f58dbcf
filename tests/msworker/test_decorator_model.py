"""The decorator model on the real ``azure-functions-runtime`` (Python 3.13): an unchanged
``function_app.py`` written against ``import azfunc as func`` is indexed, loaded and invoked
by Microsoft's worker handlers, with real protobuf messages."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from . import harness as h

APP = h.APPS / "decorator"
NAMES = ["http_echo", "http_binary", "http_bad_json", "queue_job", "tick", "blob_copy",
         "hub_batch", "bus_order", "grid_event", "cosmos_changes", "with_context",
         "returns_queue", "raises"]
ID = {name: h.function_id(name) for name in NAMES}

QUEUE_META = h.vector("queue_invocation_request")["triggerMetadata"]


def _cases() -> dict[str, dict[str, Any]]:
    hub = h.vector("eventhub_many_invocation_request")
    many_strings = [json.dumps({"n": i}) for i in range(1000)]
    return {
        "http_get": h.invoke(ID["http_echo"], {"req": h.http(
            "GET", "http://localhost/api/items/42?tag=a&tag=b&name=Azure",
            headers={"accept": "text/html, application/json"},
            query={"tag": "a,b", "name": "Azure"}, params={"id": "42"})}),
        "http_post_json": h.from_vector("http_post_invocation_request", ID["http_echo"], "req"),
        "http_binary": h.invoke(ID["http_binary"], {"req": h.http(
            "POST", "http://localhost/api/binary", body=bytes(range(256)),
            headers={"content-type": "application/octet-stream"})}),
        "http_bad_json": h.invoke(ID["http_bad_json"], {"req": h.http(
            "POST", "http://localhost/api/badjson", body=b"{not json",
            headers={"content-type": "application/json"})}),
        "queue": h.from_vector("queue_invocation_request", ID["queue_job"], "msg"),
        "timer": h.from_vector("timer_invocation_request", ID["tick"], "timer"),
        "blob": h.invoke(ID["blob_copy"], {"blob": {"bytes": h.b64(b"hello blob")}},
                         trigger_metadata={
                             "BlobTrigger": {"string": "in/a.txt"},
                             "Uri": {"string": "https://acct.blob.core.windows.net/in/a.txt"},
                             "Properties": {"json": json.dumps({"Length": 10})},
                             "Metadata": {"json": "{}"}, "name": {"string": "a.txt"}}),
        "hub_bytes": h.from_vector("eventhub_many_invocation_request", ID["hub_batch"], "events"),
        "hub_strings": h.invoke(
            ID["hub_batch"], {"events": {"collectionString": {"string": many_strings}}},
            trigger_metadata={
                "SequenceNumberArray": {"collectionSint64": {
                    "sint64": [str(i) for i in range(1000)]}},
                "PartitionContext": hub["triggerMetadata"].get(
                    "PartitionContext", {"json": "{}"})}),
        "servicebus": h.invoke(ID["bus_order"], {"msg": {"string": "order-1"}}, trigger_metadata={
            "MessageId": {"string": "m-1"}, "DeliveryCount": {"json": "2"},
            "ContentType": {"string": "text/plain"}}),
        "eventgrid": h.invoke(ID["grid_event"], {"event": {"json": json.dumps({
            "id": "e-1", "topic": "/t", "subject": "s/1", "eventType": "Thing.Created",
            "eventTime": "2026-01-02T03:04:05.1234567Z", "dataVersion": "1",
            "data": {"k": "v"}})}}),
        "cosmosdb": h.invoke(ID["cosmos_changes"], {"docs": {"json": json.dumps(
            [{"id": "d1", "v": 1}, {"id": "d2", "v": 2}])}}),
        "context": h.invoke(
            ID["with_context"], {"msg": {"string": "ctx"}}, trigger_metadata=QUEUE_META,
            invocation_id="11111111-2222-4333-8444-555555555555",
            traceContext={"traceParent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "attributes": {"OperationName": "with_context"}},
            retryContext={"retryCount": 2, "maxRetryCount": 5,
                          "exception": {"message": "earlier failure", "source": "host"}}),
        "return_list": h.invoke(ID["returns_queue"], {"msg": {"string": "first"}},
                                trigger_metadata=QUEUE_META),
        "raises": h.invoke(ID["raises"], {"msg": {"string": "x"}}, trigger_metadata=QUEUE_META),
        "queue_bad_metadata": h.invoke(ID["queue_job"], {"msg": {"string": "m"}},
                                       trigger_metadata={"DequeueCount": {"json": "{oops"}}),
        "grid_bad": h.invoke(ID["grid_event"], {"event": {"json": "{not json"}}),
        "grid_after_bad": h.invoke(ID["grid_event"], {"event": {"json": json.dumps({
            "id": "e-2", "topic": "/t", "subject": "s/2", "eventType": "Thing.Deleted",
            "eventTime": "2026-01-02T03:04:05Z", "dataVersion": "1", "data": {}})}}),
    }


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    cases = _cases()
    messages = [h.init(APP), h.metadata(APP)]
    messages += [h.load(ID[name], name) for name in NAMES]
    messages += list(cases.values())
    responses = h.run_worker("v2", APP, messages, tmp_path_factory.mktemp("v2"))
    out = {"init": responses[0], "metadata": responses[1]}
    out.update({f"load:{n}": r for n, r in zip(NAMES, responses[2:], strict=False)})
    out.update(zip(cases, responses[2 + len(NAMES):], strict=True))
    return out


def test_worker_init_indexes_the_azfunc_app(worker: dict[str, Any]) -> None:
    assert h.status(worker["init"]) == "Success", worker["init"]
    results = worker["metadata"]["functionMetadataResults"]
    by_name = {r["name"]: r for r in results}
    assert sorted(by_name) == sorted(NAMES)
    echo = by_name["http_echo"]
    assert echo["functionId"] == ID["http_echo"]
    assert echo["scriptFile"] == "function_app.py"
    raw = [json.loads(b) for b in echo["rawBindings"]]
    assert raw[0]["type"] == "httpTrigger"
    assert raw[0]["route"] == "items/{id}"
    assert echo["bindings"]["$return"] == {"type": "http", "direction": "out"}
    assert by_name["queue_job"]["bindings"]["report"]["direction"] == "out"


def test_function_load_succeeds(worker: dict[str, Any]) -> None:
    for name in NAMES:
        assert h.status(worker[f"load:{name}"]) == "Success"


def _http(response: dict[str, Any]) -> dict[str, Any]:
    assert h.status(response) == "Success", response["result"]
    return dict(response["returnValue"]["http"])


def test_http_get_repeated_query_headers_route(worker: dict[str, Any]) -> None:
    rpc = _http(worker["http_get"])
    assert rpc["statusCode"] == "201"
    body = json.loads(base64.b64decode(rpc["body"]["bytes"]))
    assert body["kind"] == "azfunc.http.request.HttpRequest"
    assert body["tag"] == ["a", "b"]
    assert body["name"] == "Azure"
    assert body["route_id"] == "42"
    assert body["accept"] == ["text/html, application/json"]
    assert rpc["headers"]["X-Multi"] == "1, 2"
    cookies = {c["name"]: c for c in rpc["cookies"]}
    assert sorted(cookies) == ["session", "theme"]
    assert cookies["session"]["httpOnly"]["value"] is True
    assert cookies["session"]["path"]["value"] == "/"
    assert cookies["theme"]["maxAge"]["value"] == 3600


def test_http_post_json_body(worker: dict[str, Any]) -> None:
    body = json.loads(base64.b64decode(_http(worker["http_post_json"])["body"]["bytes"]))
    assert body["json"] == {"name": "Azure"}
    assert body["method"] == "POST"
    assert body["route_id"] == "42"


def test_http_binary_body_round_trips(worker: dict[str, Any]) -> None:
    rpc = _http(worker["http_binary"])
    assert base64.b64decode(rpc["body"]["bytes"]) == bytes(range(256))[::-1]


def test_http_bad_json_fails_that_invocation_with_one_clear_error(worker: dict[str, Any]) -> None:
    response = worker["http_bad_json"]
    assert h.status(response) == "Failure", response
    message = response["result"]["exception"]["message"]
    assert "BodyDecodeError" in message
    assert "JSON" in message


def test_queue_with_host_metadata(worker: dict[str, Any]) -> None:
    rep = h.report(worker["queue"])
    assert rep["kind"] == "azfunc.bindings.queue.QueueMessage"
    assert rep["id"] == "800ae4b3-bdd2-4c08-badd-f08e5a34b865"
    assert rep["dequeue_count"] == 1
    assert rep["insertion_time"] == "2019-10-09T17:58:31+00:00"
    assert rep["body"] == '{ message: "Message sent" }'


def test_timer(worker: dict[str, Any]) -> None:
    rep = h.report(worker["timer"])
    assert rep == {"kind": "azfunc.bindings.timer.TimerRequest", "past_due": False}


def test_blob_input_stream_and_output(worker: dict[str, Any]) -> None:
    response = worker["blob"]
    rep = h.report(response)
    assert rep["kind"] == "azfunc.bindings.blob.InputStream"
    assert rep["head"] == "hel"
    assert rep["seekable"] is True
    assert rep["name"] == "in/a.txt"
    assert base64.b64decode(h.output(response, "copy")["bytes"]) == b"HELLO BLOB"


def test_eventhub_batch_collection_bytes(worker: dict[str, Any]) -> None:
    rep = h.report(worker["hub_bytes"])
    assert rep["kind"] == "azfunc.bindings.eventhub.EventHubEvent"
    assert rep["count"] == 2
    assert rep["bodies"] == ['{"device-status": "good1"}', '{"device-status": "good2"}']
    assert rep["sequence_numbers"] == [47, 48]


def test_eventhub_batch_of_1000_collection_string(worker: dict[str, Any]) -> None:
    rep = h.report(worker["hub_strings"])
    assert rep["count"] == 1000
    assert rep["bodies"] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']
    assert rep["sequence_numbers"] == [0, 1, 2]


def test_service_bus(worker: dict[str, Any]) -> None:
    rep = h.report(worker["servicebus"])
    assert rep == {"kind": "azfunc.bindings.servicebus.ServiceBusMessage",
                   "message_id": "m-1", "delivery_count": 2, "body": "order-1"}


def test_event_grid(worker: dict[str, Any]) -> None:
    rep = h.report(worker["eventgrid"])
    assert rep["kind"] == "azfunc.bindings.eventgrid.EventGridEvent"
    assert rep["id"] == "e-1"
    assert rep["event_type"] == "Thing.Created"
    assert rep["data"] == {"k": "v"}


def test_cosmos_db(worker: dict[str, Any]) -> None:
    rep = h.report(worker["cosmosdb"])
    assert rep == {"kind": "azfunc.bindings.cosmosdb.DocumentList", "ids": ["d1", "d2"]}


def test_async_function_gets_azfunc_context(worker: dict[str, Any]) -> None:
    rep = h.report(worker["context"])
    assert rep == {
        "kind": "azfunc._context.Context",
        "invocation_id": "11111111-2222-4333-8444-555555555555",
        "function_name": "with_context",
        "trace_parent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "retry_count": 2, "max_retry_count": 5, "retry_exception": "earlier failure",
    }


def test_return_value_encoded_by_azfunc(worker: dict[str, Any]) -> None:
    response = worker["return_list"]
    assert h.status(response) == "Success", response["result"]
    assert json.loads(response["returnValue"]["json"]) == ["first", {"n": 1}]


def test_function_that_raises_gets_the_workers_failure_response(worker: dict[str, Any]) -> None:
    response = worker["raises"]
    assert h.status(response) == "Failure"
    assert "ValueError: boom: x" in response["result"]["exception"]["message"]


def test_unreadable_metadata_value_is_tolerated_as_absent(worker: dict[str, Any]) -> None:
    rep = h.report(worker["queue_bad_metadata"])
    assert rep["body"] == "m"
    assert rep["dequeue_count"] is None


def test_unreadable_payload_fails_one_invocation_and_the_worker_goes_on(
        worker: dict[str, Any]) -> None:
    bad = worker["grid_bad"]
    assert h.status(bad) == "Failure"
    message = bad["result"]["exception"]["message"]
    assert "eventGrid" in message or "JSON" in message, message
    assert h.report(worker["grid_after_bad"])["id"] == "e-2"


def test_azure_functions_app_with_azfunc_imported_is_unaffected(tmp_path: Path) -> None:
    app = h.APPS / "af_decorator"
    responses = h.run_worker("v2", app, [
        h.init(app), h.metadata(app),
        h.invoke(h.function_id("af_http"), {"req": h.http(
            "GET", "http://localhost/api/af?name=x", query={"name": "x"})}),
        h.from_vector("queue_invocation_request", h.function_id("af_queue"), "msg"),
    ], tmp_path)
    assert h.status(responses[0]) == "Success", responses[0]
    http = json.loads(base64.b64decode(responses[2]["returnValue"]["http"]["body"]["bytes"]))
    assert http == {"kind": "azure.functions.http.HttpRequest", "name": "x"}
    queue = json.loads(h.output(responses[3], "report")["string"])
    assert queue == {"kind": "azure.functions.queue.QueueMessage", "dequeue_count": 1}
