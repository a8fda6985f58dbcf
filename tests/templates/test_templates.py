"""Microsoft's Python v2 function templates, written with ``import azfunc as func``.

Each app under ``v2/`` is a small copy of what a template in ``Azure/azure-functions-templates``
(``Templates-v2/*-Python``) does. Every one passes ``azfunc check`` and runs through
``invoke`` with a realistic input. Templates broken in themselves are listed in
:data:`BROKEN_UPSTREAM` and not copied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc import testing

V2 = Path(__file__).resolve().parent / "v2"

#: templates that fail on their own, whatever SDK runs them.
BROKEN_UPSTREAM = {
    "OpenAI-Assistant-Python": "calls CreateTodoManager and logging, neither defined/imported",
    "OpenAI-RAG-Python": "passes connection_name= where the decorators require "
                         "store_connection_name/search_connection_name",
}

Check = Callable[[func.InvocationResult], None]


def _http(body: Any = None, **kwargs: Any) -> dict[str, Any]:
    datum, _ = testing.http_request_payload(body=body, **kwargs)
    return {"req": datum}


def _text(result: func.InvocationResult) -> str:
    assert result.return_data is not None
    return str(result.return_value.get_body().decode())


CASES: dict[str, tuple[str, Callable[[], dict[str, Any]], Check]] = {
    "http": ("http_trigger", lambda: _http(params={"name": "Ada"}, url="/api/http_trigger"),
             lambda r: _check(_text(r) == "Hello, Ada.")),
    "blob": ("blob_trigger", lambda: _blob(), lambda r: _logged(r, "of 5 bytes")),
    "eventgrid_blob": ("eventgrid_blob_trigger", lambda: _blob(),
                       lambda r: _logged(r, "of 5 bytes")),
    "cosmos": ("cosmosdb_trigger", lambda: {"azcosmosdb": [{"id": "1"}, {"id": "2"}]},
               lambda r: _logged(r, "2 documents changed")),
    "dapr_publish": ("dapr_publish", lambda: _timer(),
                     lambda r: _check(json.loads(r.outputs["pubEvent"]) ==
                                      {"payload": "Hello, World!"})),
    "dapr_service_invocation": (
        "InvokeOutputBinding",
        lambda: _http(params={"data": "x"}, url="/api/invoke/app/m",
                      route_params={"appId": "app", "methodName": "m"}),
        lambda r: _check(json.loads(r.outputs["payload"]) == {"body": "x"})),
    "dapr_topic": ("dapr_topic", lambda: {"subEvent": json.dumps({"data": {"orderId": 1}})},
                   lambda r: _check(r.outputs["state"] == "{'orderId': 1}")),
    "eventgrid": ("eventgrid_trigger", lambda: _event_grid(), lambda r: _logged(r, "event e-1")),
    "eventhub": ("eventhub_trigger", lambda: _event_hub(), lambda r: _logged(r, "event: hi")),
    "openai_chat": (
        "PostUserResponse",
        lambda: {**_http(url="/api/chats/c1", method="POST", route_params={"chatID": "c1"}),
                 "state": json.dumps({"recentMessages": [{"content": "Hi there"}]})},
        lambda r: _check(_text(r) == "Hi there")),
    "openai_embeddings": (
        "embeddings",
        lambda: {**_http(body=b'{"RawText": "hello"}', method="POST", url="/api/embeddings"),
                 "embeddings": json.dumps({"count": 1})},
        lambda r: _logged(r, "1 embedding(s) of 5 characters")),
    "openai_text_completion": (
        "whois",
        lambda: {**_http(url="/api/whois", params={"Prompt": "Who?"}),
                 "response": json.dumps({"content": "Ada Lovelace"})},
        lambda r: _check(_text(r) == "Ada Lovelace")),
    "queue": ("queue_trigger", lambda: _queue(), lambda r: _logged(r, "message: job-1")),
    "servicebus_queue": ("servicebus_queue_trigger", lambda: _service_bus("azservicebus"),
                         lambda r: _logged(r, "message: order-1")),
    "servicebus_topic": ("servicebus_topic_trigger", lambda: _service_bus("azservicebus"),
                         lambda r: _logged(r, "message: order-1")),
    "timer": ("timer_trigger", lambda: _timer(past_due=True),
              lambda r: _logged(r, "past due")),
}

_METADATA: dict[str, Any] = {}


def _check(condition: bool) -> None:
    assert condition


def _logged(result: func.InvocationResult, text: str) -> None:
    assert any(text in message for message in result.messages), result.messages


def _blob() -> dict[str, Any]:
    datum, metadata = testing.input_stream_payload(b"hello", name="samples/a.txt")
    _METADATA.update(metadata)
    return {"myblob": datum}


def _timer(past_due: bool = False) -> dict[str, Any]:
    datum, _ = testing.timer_request_payload(past_due=past_due)
    key = "myTimer"
    return {key: datum}


def _event_grid() -> dict[str, Any]:
    datum, _ = testing.event_grid_event_payload(id="e-1")
    return {"azeventgrid": datum}


def _event_hub() -> dict[str, Any]:
    datum, metadata = testing.event_hub_event_payload(b"hi")
    _METADATA.update(metadata)
    return {"azeventhub": datum}


def _queue() -> dict[str, Any]:
    datum, metadata = testing.queue_message_payload("job-1")
    _METADATA.update(metadata)
    return {"azqueue": datum}


def _service_bus(name: str) -> dict[str, Any]:
    datum, metadata = testing.service_bus_message_payload(b"order-1")
    _METADATA.update(metadata)
    return {name: datum}


@pytest.mark.parametrize("template", sorted(CASES))
def test_a_template_passes_check_and_runs(template: str) -> None:
    function, inputs, check = CASES[template]
    assert func.check_app(V2 / template) == []
    _METADATA.clear()
    given = inputs()
    with func.load_app(V2 / template, apply_settings=False) as app:
        result = app.invoke(function, trigger_metadata=dict(_METADATA) or None, **given)
    check(result)


def test_every_v2_template_is_copied_or_listed_broken() -> None:
    """18 v2 templates upstream: 16 copied here, 2 broken in themselves."""
    assert len(CASES) + len(BROKEN_UPSTREAM) == 18
    assert sorted(p.name for p in V2.iterdir() if p.is_dir() and p.name in CASES) == \
        sorted(CASES)
