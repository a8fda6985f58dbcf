"""The HTTP frontend's bounds: bodies held at once (a counted budget) and binding data
computed only for the names the bindings use."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host._asgi import BodyBudget
from azfunc.host.http_frontend import DEFAULT_BODY_BUDGET, HttpFrontend, streaming_registry
from azfunc.host.runtime import Runtime

RETURN = BindingInfo("$return", "http", "out")


def _plain(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))


def _queued(req: func.HttpRequest, out: func.Out[str]) -> str:
    out.set("m")
    return str(len(req.get_body()))


def _functions() -> list[FunctionInfo]:
    """A direct-path function (``/api/plain``) and a general-path one (``/api/queued``)."""
    return [
        FunctionInfo("plain", _plain, (
            BindingInfo("req", "httpTrigger", "in", properties={"route": "plain"}), RETURN)),
        FunctionInfo("queued", _queued, (
            BindingInfo("req", "httpTrigger", "in", properties={"route": "queued"}), RETURN,
            BindingInfo("out", "queue", "out", properties={"queueName": "q-{id}"}),
        )),
    ]


class _Client:
    """One request whose body arrives in chunks, each released by the test."""

    def __init__(self, path: str, chunks: list[bytes], *, declared: bool = True,
                 disconnect: bool = False) -> None:
        headers = [(b"host", b"h")]
        if declared:
            headers.append((b"content-length", str(sum(map(len, chunks))).encode()))
        else:
            headers.append((b"transfer-encoding", b"chunked"))
        self.scope = {"type": "http", "method": "POST", "path": path,
                      "raw_path": path.encode(), "query_string": b"", "scheme": "http",
                      "headers": headers}
        self.chunks = list(chunks)
        self.disconnect = disconnect
        self.gate: asyncio.Queue[None] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        await self.gate.get()
        if not self.chunks or (self.disconnect and len(self.chunks) == 1):
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.gate.put_nowait(None)

    @property
    def status(self) -> int | None:
        return self.sent[0]["status"] if self.sent else None

    def header(self, name: bytes) -> bytes | None:
        return dict(self.sent[0]["headers"]).get(name) if self.sent else None


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.parametrize("path", ["/api/plain", "/api/queued"])
def test_a_declared_body_that_does_not_fit_is_refused_before_reading(path: str) -> None:
    runtime = Runtime(threads=2, registry=streaming_registry())
    frontend = HttpFrontend(_functions(), runtime=runtime, max_body_size=1000,
                            body_budget=1000)

    async def scenario() -> None:
        first = _Client(path, [b"a" * 300, b"b" * 300])
        second = _Client(path, [b"c" * 600])
        task = asyncio.ensure_future(frontend(first.scope, first.receive, first.send))
        first.release()
        await _settle()
        assert frontend.budget.in_flight == 600  # the declared length, taken up front
        await frontend(second.scope, second.receive, second.send)
        assert second.status == 503
        assert second.header(b"retry-after") == b"1"
        assert second.chunks == [b"c" * 600]  # nothing of it was read
        first.release()
        await task
        assert first.status == 200
        assert first.sent[1]["body"] == b"600"
        assert frontend.budget.in_flight == 0
        third = _Client(path, [b"d" * 600])
        third.release()
        await frontend(third.scope, third.receive, third.send)
        assert third.status == 200  # room again once the first was answered

    try:
        asyncio.run(scenario())
    finally:
        runtime.close()


def test_concurrent_bodies_never_hold_more_than_the_budget() -> None:
    runtime = Runtime(threads=2, registry=streaming_registry())
    frontend = HttpFrontend(_functions(), runtime=runtime, max_body_size=500,
                            body_budget=1000)

    async def scenario() -> list[_Client]:
        clients = [_Client("/api/queued" if i % 2 else "/api/plain",
                           [b"x" * 100] * 3, declared=i % 3 != 0) for i in range(12)]
        tasks = [asyncio.ensure_future(frontend(c.scope, c.receive, c.send))
                 for c in clients]
        for _ in range(4):  # every body advances one chunk at a time, interleaved
            for client in clients:
                client.release()
            await _settle()
            assert frontend.budget.in_flight <= 1000
        await asyncio.gather(*tasks)
        return clients

    try:
        clients = asyncio.run(scenario())
    finally:
        runtime.close()
    statuses = [c.status for c in clients]
    assert set(statuses) == {200, 503}
    assert statuses.count(200) >= 3
    assert frontend.budget.peak <= 1000
    assert frontend.budget.in_flight == 0


def test_a_chunked_body_growing_past_the_budget_is_refused_and_gives_back_its_bytes() -> None:
    runtime = Runtime(threads=2, registry=streaming_registry())
    frontend = HttpFrontend(_functions(), runtime=runtime, max_body_size=1000,
                            body_budget=250)

    async def scenario() -> None:
        client = _Client("/api/plain", [b"x" * 100] * 3, declared=False)
        client.release(3)
        await frontend(client.scope, client.receive, client.send)
        assert client.status == 503
        cut = _Client("/api/queued", [b"x" * 100] * 2, disconnect=True)
        cut.release(2)
        await frontend(cut.scope, cut.receive, cut.send)
        assert cut.status is None  # an incomplete body is never answered by the function

    try:
        asyncio.run(scenario())
    finally:
        runtime.close()
    assert frontend.budget.in_flight == 0
    assert frontend.budget.peak <= 250


def test_the_default_budget_covers_at_least_one_largest_body() -> None:
    assert HttpFrontend([], runtime=None).budget.limit == DEFAULT_BODY_BUDGET
    big = 2 * DEFAULT_BODY_BUDGET
    assert HttpFrontend([], runtime=None, max_body_size=big).budget.limit == big


def test_a_budget_is_a_byte_count() -> None:
    with pytest.raises(func.AzFuncError, match="byte count"):
        BodyBudget(-1)


def test_binding_data_holds_only_the_body_properties_the_bindings_use() -> None:
    seen: list[dict[str, Any]] = []

    async def extra_inputs(info: FunctionInfo, data: Any) -> dict[str, Any]:
        seen.append(dict(data))
        return {}

    async def on_outputs(info: FunctionInfo, result: Any, data: Any) -> None:
        seen.append(dict(data))

    body = json.dumps({"Id": "7", "big": list(range(1000)), "other": {"a": 1}}).encode()
    results: dict[str, list[dict[str, Any]]] = {}
    for label, names in (("names", lambda info: frozenset({"id"})), ("all", None)):
        seen.clear()
        runtime = Runtime(threads=2, registry=streaming_registry())
        frontend = HttpFrontend(_functions(), runtime=runtime, extra_inputs=extra_inputs,
                                on_outputs=on_outputs, data_names=names)

        async def scenario(frontend: HttpFrontend = frontend) -> _Client:
            client = _Client("/api/queued", [body])
            client.release()
            await frontend(client.scope, client.receive, client.send)
            return client

        try:
            client = asyncio.run(scenario())
        finally:
            runtime.close()
        assert client.status == 200
        results[label] = list(seen)
    assert results["names"] == [{"Id": "7"}, {"Id": "7"}]
    assert set(results["all"][0]) == {"Id", "big", "other"}  # without the hook: all of them
