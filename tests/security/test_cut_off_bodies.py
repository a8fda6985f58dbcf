"""A body cut off by the client (Content-Length not reached, chunked without its last chunk)
never reaches a function, on the direct path and the general one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host._asgi import read_declared_body
from azfunc.host.http_frontend import HttpFrontend, streaming_registry
from azfunc.host.runtime import Runtime

TRIGGER = BindingInfo("req", "httpTrigger", "in", properties={"route": "up",
                                                              "methods": ["POST"]})


def _functions(calls: list[bytes]) -> dict[str, FunctionInfo]:
    def direct(req: func.HttpRequest) -> func.HttpResponse:
        calls.append(req.get_body())
        return func.HttpResponse("stored")

    def general(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        calls.append(req.get_body())
        return func.HttpResponse("stored")

    def with_output(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        calls.append(req.get_body())
        return func.HttpResponse("stored")

    ret = BindingInfo("$return", "http", "out")
    return {
        "direct": FunctionInfo("Direct", direct, (TRIGGER, ret)),
        "general": FunctionInfo("General", general, (TRIGGER, ret)),
        "with_output": FunctionInfo(
            "WithOutput", with_output,
            (TRIGGER, ret, BindingInfo("out", "queue", "out", properties={"queueName": "q"})),
        ),
    }


@pytest.mark.parametrize("kind", ["direct", "general", "with_output"])
@pytest.mark.parametrize(
    "headers", [[(b"content-length", b"1000")], [(b"transfer-encoding", b"chunked")]],
    ids=["content-length", "chunked"],
)
def test_a_cut_off_body_is_never_handed_to_the_function(
    kind: str, headers: list[tuple[bytes, bytes]]
) -> None:
    calls: list[bytes] = []
    frontend = HttpFrontend([_functions(calls)[kind]],
                            runtime=Runtime(threads=1, registry=streaming_registry()))
    messages = [{"type": "http.request", "body": b"x" * 100, "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/up", "raw_path": b"/api/up",
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 7071),
             "headers": [(b"host", b"h"), *headers]}
    asyncio.run(frontend(scope, receive, send))
    assert calls == []
    assert sent == []  # nobody is left to answer


def test_the_reader_says_how_much_arrived() -> None:
    messages = [{"type": "http.request", "body": b"abc", "more_body": True},
                {"type": "http.disconnect"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    with pytest.raises(func.IncompleteBodyError, match="after 3 byte"):
        asyncio.run(read_declared_body(receive, 1 << 20, "10", False))


def test_a_complete_body_still_arrives() -> None:
    calls: list[bytes] = []
    frontend = HttpFrontend([_functions(calls)["direct"]],
                            runtime=Runtime(threads=1, registry=streaming_registry()))
    messages = [{"type": "http.request", "body": b"x" * 100, "more_body": True},
                {"type": "http.request", "body": b"y", "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/up", "raw_path": b"/api/up",
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 7071),
             "headers": [(b"host", b"h"), (b"content-length", b"101")]}
    asyncio.run(frontend(scope, receive, send))
    assert calls == [b"x" * 100 + b"y"]
    assert sent[0]["status"] == 200


# --- charsets that are no body's text encoding ----------------------------------------------


@pytest.mark.parametrize("charset", ["punycode", "idna", "undefined", "rot13", "base64",
                                     "utf\x00-8", "\ud800", "no-such-charset"])
def test_only_text_encodings_decode_bodies(charset: str) -> None:
    req = func.HttpRequest("POST", "http://h/", body=b'{"a": 1}',
                           headers={"content-type": f"application/json; charset={charset}"})
    with pytest.raises(func.BodyDecodeError, match="unknown charset"):
        req.get_json()
    form = func.HttpRequest(
        "POST", "http://h/", body=b"a=1&b=2",
        headers={"content-type": f"application/x-www-form-urlencoded; charset={charset}"},
    )
    with pytest.raises(func.RequestError, match="unknown charset"):
        form.form  # noqa: B018


def test_a_huge_run_of_ampersands_still_parses() -> None:
    # empty pieces are skipped without being built (50 MiB of "&" used to cost 375 MB)
    body = b"&" * (8 << 20) + b"a=1"
    req = func.HttpRequest("POST", "http://h/", body=body,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert dict(req.form) == {"a": "1"}
