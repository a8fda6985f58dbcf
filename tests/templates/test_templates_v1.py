"""Microsoft's Python v1 function templates (folder layout), written with ``import azfunc``.

``v1/`` is one folder app holding a small copy of what each template in
``Azure/azure-functions-templates`` (``Templates/*-Python``) does; the app passes
``azfunc check`` and every function runs through ``invoke``. The Durable v1 templates live in
``tests/durable/v1_app`` (they need the Durable SDK). Templates not copied are listed in
:data:`NOT_COPIED` with why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc import testing

V1 = Path(__file__).resolve().parent / "v1"

NOT_COPIED = {
    "AuthenticationEventsTrigger-Python": "needs Microsoft's authentication-events SDK",
    "KustoInputBinding-Python": "the same shape as SqlInputBinding (a generic input)",
    "KustoOutputBinding-Python": "the same shape as SqlOutputBinding (a generic output)",
    "RabbitMQTrigger-Python": "a generic trigger, covered by the decorator parity test",
    "Dapr*-Python": "the v2 Dapr templates cover the same bindings (tests/templates/v2)",
}


def _http(**kwargs: Any) -> dict[str, Any]:
    datum, _ = testing.http_request_payload(**kwargs)
    return {"req": datum}


def _payload(name: str, payload: testing.Payload) -> tuple[dict[str, Any], dict[str, Any]]:
    datum, metadata = payload
    return {name: datum}, dict(metadata)


def _body(result: func.InvocationResult) -> bytes:
    return bytes(result.return_value.get_body())


Inputs = Callable[[], tuple[dict[str, Any], dict[str, Any]]]
CASES: dict[str, tuple[Inputs, Callable[[func.InvocationResult], bool]]] = {
    "HttpTrigger": (lambda: (_http(params={"name": "Ada"}), {}),
                    lambda r: _body(r) == b"Hello, Ada."),
    "QueueTrigger": (lambda: _payload("msg", testing.queue_message_payload("job-1")),
                     lambda r: "queue item: job-1" in r.messages),
    "TimerTrigger": (lambda: _payload("mytimer", testing.timer_request_payload(past_due=True)),
                     lambda r: "The timer is past due!" in r.messages),
    "BlobTrigger": (lambda: _payload("myblob", testing.input_stream_payload(
                        b"hello", name="samples-workitems/a.txt")),
                    lambda r: "blob samples-workitems/a.txt of 5 bytes" in r.messages),
    "EventGridTrigger": (lambda: _payload("event", testing.event_grid_event_payload(
                             id="e-1", subject="s", data={"a": 1})),
                         lambda r: any('"id": "e-1"' in m for m in r.messages)),
    "EventHubTrigger": (lambda: _payload("events", testing.event_hub_events_payload(
                            [b"one", b"two"])),
                        lambda r: r.messages == ["event: one", "event: two"]),
    "ServiceBusTopicTrigger": (lambda: _payload("message", testing.service_bus_message_payload(
                                   b"order-1", content_type="text/plain")),
                               lambda r: "message (text/plain): order-1" in r.messages),
    "CosmosDBTrigger": (lambda: ({"documents": [{"id": "d1"}]}, {}),
                        lambda r: "Document id: d1" in r.messages),
    "SqlInputBinding": (lambda: ({**_http(), "items": json.dumps([{"Id": 1}])}, {}),
                        lambda r: json.loads(_body(r)) == [{"Id": 1}]),
    "SqlOutputBinding": (lambda: (_http(method="POST", body=b'[{"Id": 2}]'), {}),
                         lambda r: json.loads(r.output_data["items"].value) == [{"Id": 2}]),
    "KafkaOutput": (lambda: (_http(params={"message": "hi"}), {}),
                    lambda r: r.outputs["out"] == "hi"),
    "MySqlInputBinding": (lambda: ({**_http(), "items": json.dumps([{"Id": 3}])}, {}),
                          lambda r: json.loads(_body(r)) == [{"Id": 3}]),
    "SqlTrigger": (lambda: ({"changes": json.dumps([{"Operation": 0, "Item": {"Id": 1}}])}, {}),
                   lambda r: any("SQL changes" in m for m in r.messages)),
}


def test_the_v1_app_passes_check() -> None:
    assert func.check_app(V1) == []


@pytest.mark.parametrize("function", sorted(CASES))
def test_a_v1_template_runs(function: str) -> None:
    inputs, check = CASES[function]
    given, metadata = inputs()
    with func.load_app(V1, apply_settings=False) as app:
        result = app.invoke(function, trigger_metadata=metadata or None, **given)
    assert check(result), result.messages


def test_every_copied_template_is_tested() -> None:
    folders = sorted(p.name for p in V1.iterdir() if p.is_dir())
    assert folders == sorted(CASES)
