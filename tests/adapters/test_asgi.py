"""AsgiMiddleware with hand-written ASGI apps: the protocol edges and the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

import azfunc as func
from azfunc.adapters.lifespan import Lifespan
from azfunc.adapters.streaming import end_streaming_responses, streaming_responses

from .conftest import host_request

Scope = dict[str, Any]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def echo_app(scope: Scope, receive: Any, send: Any) -> None:
    """Answers with the request body it received, chunk by chunk collected."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"x-chunks", b"1")]})
    await send({"type": "http.response.body", "body": body})


def test_body_bytes_reach_the_app_unchanged() -> None:
    body = bytes(range(256)) * 3
    response = func.AsgiMiddleware(echo_app).handle(host_request("POST", "echo", body=body))
    assert response.get_body() == body


def test_no_content_type_is_added_when_the_app_sent_none() -> None:
    response = func.AsgiMiddleware(echo_app).handle(host_request("POST", "echo", body=b"x"))
    assert "content-type" not in response.headers
    assert response.headers.getall("x-chunks") == ["1"]


def test_a_streamed_request_body_arrives_in_chunks() -> None:
    seen: list[bytes] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message["body"])
            if not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body"})

    async def chunks() -> AsyncIterator[bytes]:
        yield b"ab"
        yield b"cd"

    async def main() -> func.HttpResponse:
        mw = func.AsgiMiddleware(app)
        return await mw.handle_async(host_request("POST", "up"), body=chunks())

    assert run(main()).status_code == 204
    assert seen == [b"ab", b"cd", b""]


def test_first_chunk_leaves_before_the_last_is_produced() -> None:
    release = None

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain; charset=latin-1")]})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        assert release is not None
        await release.wait()
        await send({"type": "http.response.body", "body": b"last"})

    async def main() -> tuple[list[bytes], str]:
        nonlocal release
        release = asyncio.Event()
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "s"),
                                                               stream=True)
        assert response.is_streaming
        chunks = response.aiter_body()
        got = [await asyncio.wait_for(chunks.__anext__(), 10)]  # before the release
        release.set()
        got += [chunk async for chunk in chunks]
        return got, response.charset

    assert run(main()) == ([b"first", b"last"], "latin-1")


def test_handle_async_without_streaming_runs_the_app_in_the_callers_task() -> None:
    tasks: list[object] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        tasks.append(asyncio.current_task())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"last"})

    async def main() -> tuple[bool, bytes, bool]:
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "s"),
                                                                stream=False)
        return response.is_streaming, response.get_body(), tasks == [asyncio.current_task()]

    assert run(main()) == (False, b"firstlast", True)


def two_chunks_then_background(done: list[str]) -> Any:
    """An app that streams two chunks, then does more work (a background task)."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"last"})
        await asyncio.sleep(0)
        done.append("background")

    return app


def test_handle_async_collects_by_default_where_nothing_streams() -> None:
    done: list[str] = []

    async def main() -> tuple[bool, bytes, list[str]]:
        mw = func.AsgiMiddleware(two_chunks_then_background(done))
        response = await mw.handle_async(host_request("GET", "s"))
        return response.is_streaming, response.get_body(), list(done)

    # the background work is part of the invocation: done before the answer
    assert run(main()) == (False, b"firstlast", ["background"])


def test_handle_async_streams_by_default_where_the_host_streams() -> None:
    done: list[str] = []

    async def main() -> tuple[bool, list[bytes]]:
        token = streaming_responses(asyncio.get_running_loop())
        try:
            mw = func.AsgiMiddleware(two_chunks_then_background(done))
            response = await mw.handle_async(host_request("GET", "s"))
        finally:
            end_streaming_responses(token)
        return response.is_streaming, [chunk async for chunk in response.aiter_body()]

    assert run(main()) == (True, [b"first", b"last"])


def test_a_streaming_host_on_another_loop_does_not_make_the_answer_a_stream() -> None:
    other = asyncio.new_event_loop()

    async def main() -> bool:
        token = streaming_responses(other)
        try:
            response = await func.AsgiMiddleware(two_chunks_then_background([])).handle_async(
                host_request("GET", "s"))
        finally:
            end_streaming_responses(token)
        return response.is_streaming

    try:
        assert run(main()) is False
    finally:
        other.close()


def test_sync_handle_collects_a_streamed_body() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for piece in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    response = func.AsgiMiddleware(app).handle(host_request("GET", "s"))
    assert not response.is_streaming
    assert response.get_body() == b"abc"


async def fixed_app(scope: Scope, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/html"), (b"content-length", b"5"),
        (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2"),
    ]})
    await send({"type": "http.response.body", "body": b"hello"})


def test_head_has_no_body_but_keeps_the_headers() -> None:
    response = func.AsgiMiddleware(fixed_app).handle(host_request("HEAD", "x"))
    assert response.get_body() == b""
    assert response.headers["content-length"] == "5"
    assert response.headers.getall("set-cookie") == ["a=1", "b=2"]


def test_an_error_before_the_response_propagates() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise LookupError("nothing here")

    with pytest.raises(LookupError, match="nothing here"):
        func.AsgiMiddleware(app).handle(host_request("GET", "x"))


def test_an_error_after_a_complete_response_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await fixed_app(scope, receive, send)
        raise RuntimeError("after the answer")

    with caplog.at_level(logging.ERROR, "azfunc.adapters"):
        response = func.AsgiMiddleware(app).handle(host_request("GET", "x"))
    assert response.get_body() == b"hello"
    assert "raised after its response was complete" in caplog.text


def test_an_app_that_never_answers_raises_conversion_error() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(func.ConversionError, match="without sending a response"):
        func.AsgiMiddleware(app).handle(host_request("GET", "x"))


def test_a_body_before_the_start_raises_conversion_error() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.body", "body": b"x"})

    with pytest.raises(func.ConversionError, match=r"before http\.response\.start"):
        func.AsgiMiddleware(app).handle(host_request("GET", "x"))


def test_receive_waits_for_the_end_of_the_response_then_disconnects() -> None:
    messages: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        messages.append((await receive())["type"])

        async def listen() -> None:
            messages.append((await receive())["type"])

        listener = asyncio.ensure_future(listen())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"1", "more_body": True})
        await asyncio.sleep(0)
        assert not listener.done()  # no disconnect while the response is streaming
        await send({"type": "http.response.body", "body": b"2"})
        await listener

    async def main() -> bytes:
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"),
                                                               stream=True)
        body = await response.aget_body()
        for _ in range(3):
            await asyncio.sleep(0)  # the app goes on after its last chunk: let it end
        return body

    assert run(main()) == b"12"
    assert messages == ["http.request", "http.disconnect"]


def test_an_abandoned_stream_cancels_the_app() -> None:
    cancelled = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"x", "more_body": True})
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> None:
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"),
                                                               stream=True)
        chunks = response.aiter_body()
        assert await chunks.__anext__() == b"x"
        await chunks.aclose()
        await asyncio.sleep(0)

    run(main())
    assert cancelled == [True]


# --- lifespan ----------------------------------------------------------------------------


class LifespanApp:
    """An ASGI app with a lifespan that counts its startups and shutdowns."""

    def __init__(self, fail: str | None = None, crash: bool = False) -> None:
        self.events: list[str] = []
        self.fail = fail
        self.crash = crash

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            assert message["type"] == "lifespan.startup"
            if self.crash:
                raise OSError("cannot open the database")
            if self.fail:
                await send({"type": "lifespan.startup.failed", "message": self.fail})
                return
            scope["state"]["resource"] = "open"
            self.events.append("startup")
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            self.events.append("shutdown")
            await send({"type": "lifespan.shutdown.complete"})
            return
        await receive()
        state = scope.get("state", {})
        state["touched"] = True  # a request's copy: the lifespan state stays as it was
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(state.get("resource")).encode()})


def test_lifespan_runs_once_and_its_state_reaches_requests() -> None:
    api = LifespanApp()
    mw = func.AsgiMiddleware(api)

    async def main() -> list[bytes]:
        await asyncio.gather(mw.startup(), mw.startup())
        bodies = []
        for _ in range(3):
            response = await mw.handle_async(host_request("GET", "x"))
            bodies.append(await response.aget_body())
        await mw.shutdown()
        await mw.shutdown()
        return bodies

    assert run(main()) == [b"open"] * 3
    assert api.events == ["startup", "shutdown"]
    assert mw.state == {"resource": "open"}


def test_main_starts_the_lifespan_on_first_use() -> None:
    api = LifespanApp()
    mw = func.AsgiMiddleware(api)

    async def main() -> bytes:
        first = await mw.main(host_request("GET", "x"))
        await mw.main(host_request("GET", "x"))
        await mw.shutdown()
        return await first.aget_body()

    assert run(main()) == b"open"
    assert api.events == ["startup", "shutdown"]


def test_a_failed_startup_raises_function_load_error() -> None:
    mw = func.AsgiMiddleware(LifespanApp(fail="no database"))
    with pytest.raises(func.FunctionLoadError, match="lifespan startup failed: no database"):
        run(mw.startup())
    assert run(mw.notify_startup()) is False


def test_an_exception_after_the_startup_event_is_a_failed_startup() -> None:
    mw = func.AsgiMiddleware(LifespanApp(crash=True))
    with pytest.raises(func.FunctionLoadError, match="OSError: cannot open the database"):
        run(mw.startup())


def test_an_app_without_lifespan_support_starts_anyway() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError("only http")  # Django's ASGI handler does this
        await fixed_app(scope, receive, send)

    life = Lifespan(app)

    async def main() -> None:
        await life.startup()
        await life.shutdown()

    run(main())
    assert life.supported is False


async def pause(suspend: bool) -> None:
    """Suspend the app once (it is then a scheduled task) or not (it ends in its first step)."""
    if suspend:
        await asyncio.sleep(0)


@pytest.mark.parametrize("suspend", [False, True])
def test_handle_async_propagates_an_error_raised_after_the_start(suspend: bool) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await pause(suspend)
        raise LookupError("half an answer")

    async def main() -> None:
        with pytest.raises(LookupError, match="half an answer"):
            await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"), stream=True)

    run(main())


@pytest.mark.parametrize("suspend", [False, True])
def test_handle_async_keeps_a_complete_answer_the_app_raised_after(
        suspend: bool, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await pause(suspend)
        await fixed_app(scope, receive, send)
        raise RuntimeError("after the answer")

    async def main() -> bytes:
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"),
                                                               stream=True)
        await asyncio.sleep(0)  # the app's end is settled by a callback
        return response.get_body()

    with caplog.at_level(logging.ERROR, "azfunc.adapters"):
        assert run(main()) == b"hello"
    assert "raised after its response was complete" in caplog.text


@pytest.mark.parametrize("suspend", [False, True])
def test_handle_async_refuses_an_app_that_never_answers(suspend: bool) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await pause(suspend)

    async def main() -> None:
        with pytest.raises(func.ConversionError, match="without sending a response"):
            await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"), stream=True)

    run(main())


@pytest.mark.parametrize("suspend", [False, True])
def test_handle_async_streams_what_the_app_sends_in_its_first_step(suspend: bool) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await pause(suspend)
        await send({"type": "http.response.body", "body": b"b", "more_body": True})
        await send({"type": "http.response.body", "body": b"c"})

    async def main() -> tuple[bool, bytes]:
        response = await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"),
                                                               stream=True)
        return response.is_streaming, await response.aget_body()

    assert run(main()) == (True, b"abc")
