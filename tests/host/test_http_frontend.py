"""The HTTP frontend in-process: the request Datum, the hooks, one hop per def invocation."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host.http_frontend import HttpFrontend, build_http_datum, streaming_registry
from azfunc.host.runtime import Runtime

TRIGGER = BindingInfo("req", "httpTrigger", "in", properties={"route": "r/{name}"})
RETURN = BindingInfo("$return", "http", "out")


def _call(frontend: HttpFrontend, path: str, query: bytes = b"") -> tuple[int, bytes]:
    scope = {
        "type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
        "query_string": query, "scheme": "http",
        "headers": [(b"host", b"h"), (b"x-a", b"1"), (b"X-A", b"2"), (b"cookie", b"a=1"),
                    (b"cookie", b"b=2")],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(frontend(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def test_request_datum_shape() -> None:
    scope = {"method": "GET", "path": "/api/x", "raw_path": b"/api/x",
             "query_string": b"a=1&a=2&b=",
             "headers": [(b"Host", b"h:1"), (b"x-a", b"1"), (b"x-a", b"2"),
                         (b"cookie", b"a=1"), (b"cookie", b"b=2")]}
    datum = build_http_datum(scope, b"body", {"id": "7"})
    value = datum.value
    assert value.url == "http://h:1/api/x?a=1&a=2&b="
    assert {k: v.value for k, v in value.headers.items()} == {
        "host": "h:1", "x-a": "1, 2", "cookie": "a=1; b=2"}
    assert {k: v.value for k, v in value.query.items()} == {"a": "1,2"}
    assert value.params["id"].value == "7"
    assert value.body == b"body"


def test_output_hook_only_for_functions_with_other_bindings() -> None:
    calls: list[str] = []
    threads: list[str] = []

    def plain(req: func.HttpRequest) -> func.HttpResponse:
        threads.append(threading.current_thread().name)
        return func.HttpResponse(f"hi {req.route_params['name']} {req.headers['x-a']}")

    def queued(req: func.HttpRequest, out: func.Out[str]) -> str:
        out.set("m")
        return "ok"

    async def on_outputs(info: FunctionInfo, result: Any, data: Any) -> None:
        calls.append(info.name)

    async def extra_inputs(info: FunctionInfo, data: Any) -> dict[str, Any]:
        calls.append(f"inputs {info.name} {data['name']}")
        return {}

    runtime = Runtime(threads=2, registry=streaming_registry())
    functions = [
        FunctionInfo("plain", plain, (TRIGGER, RETURN)),
        FunctionInfo("queued", queued, (
            BindingInfo("req", "httpTrigger", "in", properties={"route": "q/{name}"}),
            BindingInfo("$return", "http", "out"),
            BindingInfo("out", "queue", "out", properties={"queueName": "q"}),
        )),
    ]
    frontend = HttpFrontend(functions, runtime=runtime, on_outputs=on_outputs,
                            extra_inputs=extra_inputs)
    try:
        assert _call(frontend, "/api/r/ada") == (200, b"hi ada 1, 2")
        assert _call(frontend, "/api/q/bob") == (200, b"ok")
    finally:
        runtime.close()
    assert calls == ["inputs queued bob", "queued"]
    assert threads[0].startswith("azfunc-invoke")
