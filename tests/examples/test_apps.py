"""Both example apps: valid for ``azfunc check`` and working through ``LoadedApp.invoke``.

The folder app and the decorator app are the same app, so every behaviour test runs on both.
Payloads come from :mod:`azfunc.testing`, so each invocation decodes them the way a worker
does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc import testing
from azfunc.cli import main as azfunc_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPS = {"folder": EXAMPLES / "folder_app", "decorator": EXAMPLES / "decorator_app"}
FUNCTIONS = ["Enqueue", "GetItem", "Heartbeat", "HttpTrigger", "ProcessOutqueue", "QueueTrigger"]


@pytest.fixture(scope="module", params=sorted(APPS))
def app(request: pytest.FixtureRequest) -> Any:
    return func.load_app(APPS[request.param])


def messages(result: Any) -> list[str]:
    return [record.getMessage() for record in result.logs]


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(APPS))
def test_azfunc_check_finds_no_problem(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert azfunc_cli(["check", str(APPS[kind])]) == 0
    out = capsys.readouterr().out
    assert f"{kind} app, 6 functions" in out
    assert func.check_app(APPS[kind]) == []


def test_both_apps_declare_the_same_functions_and_bindings() -> None:
    def shape(path: Path) -> dict[str, Any]:
        loaded = func.load_app(path)
        return {
            name: sorted(
                (b.name, b.type, b.direction, json.dumps(_props(name, b), sort_keys=True))
                for b in info.bindings
            )
            for name, info in loaded.functions.items()
        }

    folder, decorator = shape(APPS["folder"]), shape(APPS["decorator"])
    assert sorted(folder) == FUNCTIONS
    assert folder == decorator


def _props(function_name: str, binding: Any) -> dict[str, Any]:
    keep = {"route", "queueName", "path", "schedule", "connection", "authLevel"}
    properties = binding.properties
    out = {k: v for k, v in properties.items() if k in keep}
    if binding.type == "httpTrigger":
        out.setdefault("route", function_name)  # the host's default route
    if "methods" in properties:
        out["methods"] = sorted(m.upper() for m in properties["methods"])
    if isinstance(out.get("authLevel"), str):
        out["authLevel"] = out["authLevel"].lower()
    return out


# --- HttpTrigger: the guide's template -----------------------------------------------------


def test_http_trigger_name_from_query(app: Any) -> None:
    req = testing.http_request("GET", "/api/HttpTrigger", params={"name": "Ada"})
    result = app.invoke("HttpTrigger", req=req)
    assert result.return_value.status_code == 200
    assert result.return_value.get_body() == b"Hello Ada"
    assert result.return_data.type == "http"
    assert "Python HTTP trigger function processed a request." in messages(result)


def test_http_trigger_name_from_json_body(app: Any) -> None:
    datum, metadata = testing.http_request_payload("POST", "/api/HttpTrigger", json={"name": "Bo"})
    result = app.invoke("HttpTrigger", req=datum, trigger_metadata=metadata)
    assert result.return_value.get_body() == b"Hello Bo"


@pytest.mark.parametrize("body", [None, b"not json", b""])
def test_http_trigger_without_a_name_is_400(app: Any, body: bytes | None) -> None:
    req = testing.http_request("POST", "/api/HttpTrigger", body=body)
    result = app.invoke("HttpTrigger", req=req)
    assert result.return_value.status_code == 400
    assert b"Please pass a name" in result.return_value.get_body()


# --- QueueTrigger ----------------------------------------------------------------------------


def test_queue_trigger_through_invoke(app: Any) -> None:
    # The guide's function returns a str; the example gives it a "$return" queue output
    # (to outqueue, which ProcessOutqueue reads), so the value is sent, and nothing warns.
    datum, metadata = testing.queue_message_payload("test")
    result = app.invoke("QueueTrigger", msg=datum, trigger_metadata=metadata)
    assert result.return_value == "msg body: test"
    assert result.return_data == func.Datum("msg body: test", "string")
    assert not any("dropped" in r.getMessage() for r in result.logs)


def test_queue_trigger_called_directly(app: Any) -> None:
    function = app.function("QueueTrigger").func
    assert function(testing.queue_message(b"test")) == "msg body: test"


# --- GetItem: HTTP route + blob input --------------------------------------------------------


def test_get_item_returns_the_blob(app: Any) -> None:
    datum, metadata = testing.http_request_payload(
        "GET", "/api/items/42", route_params={"id": "42"}
    )
    blob, _ = testing.input_stream_payload(b"\x00item 42", name="samples/42")
    result = app.invoke("GetItem", req=datum, obj=blob, trigger_metadata=metadata)
    assert result.return_value.status_code == 200
    assert result.return_value.get_body() == b"\x00item 42"
    assert result.return_value.mimetype == "application/octet-stream"


def test_get_item_without_blob_is_404(app: Any) -> None:
    datum, metadata = testing.http_request_payload(
        "GET", "/api/items/7", route_params={"id": "7"}
    )
    result = app.invoke("GetItem", req=datum, obj=None, trigger_metadata=metadata)
    assert result.return_value.status_code == 404
    assert result.return_value.get_body() == b"item 7 not found"


# --- Enqueue -> outqueue -> ProcessOutqueue ---------------------------------------------------


def test_enqueue_chain(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    req = testing.http_request("GET", "/api/Enqueue", params={"body": "hello queue"})
    sent = app.invoke("Enqueue", req=req)
    assert sent.return_value == "hello queue"
    assert sent.outputs == {"msg": "hello queue"}
    queued = sent.output_data["msg"]
    assert queued.python_value == "hello queue"

    datum, metadata = testing.queue_message_payload(queued.value, dequeue_count=2)
    with caplog.at_level(logging.INFO):
        received = app.invoke("ProcessOutqueue", msg=datum, trigger_metadata=metadata)
    assert received.return_value is None
    assert messages(received) == ["outqueue item (dequeue count 2): HELLO QUEUE!"]


# --- Heartbeat: timer ------------------------------------------------------------------------


@pytest.mark.parametrize(("past_due", "line"), [(False, "TICK!"), (True, "LATE TICK!")])
def test_heartbeat(app: Any, past_due: bool, line: str) -> None:
    datum, metadata = testing.timer_request_payload(past_due=past_due)
    result = app.invoke("Heartbeat", timer=datum, trigger_metadata=metadata)
    assert messages(result) == [line]


# --- shared code, the ways the guide lists ----------------------------------------------------


def test_folder_app_modules_live_under_app_package() -> None:
    app = func.load_app(APPS["folder"])
    for name in FUNCTIONS:
        assert app.function(name).func.__module__ == f"__app__.{name}"
    import __app__.shared_code

    assert __app__.shared_code.shout("ok") == "OK!"


# --- the plugin's fixtures on the examples ----------------------------------------------------


@pytest.mark.azfunc_app("../../examples/folder_app")
def test_azfunc_app_fixture(azfunc_app: Any, azfunc_context: func.Context) -> None:
    assert sorted(azfunc_app.functions) == FUNCTIONS
    req = testing.http_request("GET", "/api/HttpTrigger", params={"name": "fixture"})
    result = azfunc_app.invoke("HttpTrigger", req=req, context=azfunc_context)
    assert result.invocation_id == azfunc_context.invocation_id
    assert result.return_value.get_body() == b"Hello fixture"


def test_enqueue_called_directly_with_azfunc_out(azfunc_out: Any) -> None:
    import __app__.Enqueue

    msg = azfunc_out()
    req = func.HttpRequest("GET", "/api/Enqueue?body=direct")
    assert __app__.Enqueue.main(req, msg) == "direct"
    assert msg.get() == "direct"
