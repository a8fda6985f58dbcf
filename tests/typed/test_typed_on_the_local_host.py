"""Typed payloads through the local host's HTTP front end (the ASGI app ``azfunc start`` runs)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host.http_frontend import HttpFrontend, streaming_registry
from azfunc.host.runtime import Runtime


@dataclasses.dataclass
class Order:
    id: int
    sku: str


def orders(req: Order) -> Order:
    return Order(req.id + 1, req.sku.upper())


def _post(frontend: HttpFrontend, body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http", "method": "POST", "path": "/api/orders", "raw_path": b"/api/orders",
        "query_string": b"", "scheme": "http",
        "headers": [(b"host", b"h"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(frontend(scope, receive, send))
    body_out = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], dict(sent[0]["headers"]), body_out


def test_the_host_answers_a_typed_function_and_its_422() -> None:
    runtime = Runtime(threads=1, registry=streaming_registry())
    info = FunctionInfo("orders", orders, (
        BindingInfo("req", "httpTrigger", "in", properties={"route": "orders",
                                                             "methods": ["post"]}),
        BindingInfo("$return", "http", "out"),
    ))
    frontend = HttpFrontend([info], runtime=runtime)
    try:
        status, headers, body = _post(frontend, b'{"id": 1, "sku": "a"}')
        assert (status, json.loads(body)) == (200, {"id": 2, "sku": "A"})
        assert headers[b"content-type"] == b"application/json"
        status, headers, body = _post(frontend, b'{"id": "1"}')
        assert status == 422
        assert headers[b"content-type"] == b"application/problem+json"
        assert [e["pointer"] for e in json.loads(body)["errors"]] == ["/id", "/sku"]
    finally:
        runtime.close()
