"""The app's first step runs at once (3.12's eager_start, or azfunc's own on 3.11):
anyio's cancel scopes, contextvars, threads, streaming, background tasks and a consumer
that gives up all keep working, and an app that answers at once costs no loop turn."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import StreamingResponse

import azfunc as func
from azfunc.adapters.asgi import AsgiMiddleware

from .conftest import host_request

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")
events: list[str] = []
app = FastAPI()


@app.get("/async")
async def async_endpoint() -> dict[str, Any]:
    VAR.set("app")
    return {"kind": "async"}


@app.get("/sync")
def sync_endpoint() -> dict[str, Any]:
    return {"kind": "sync"}


@app.get("/background")
async def background(tasks: BackgroundTasks) -> dict[str, bool]:
    async def later() -> None:
        await asyncio.sleep(0)
        events.append("background ran")

    tasks.add_task(later)
    tasks.add_task(lambda: events.append("sync background ran"))
    return {"queued": True}


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            for n in range(1000):
                with anyio.CancelScope():
                    await asyncio.sleep(0)
                yield b"%d," % n
        except BaseException as exc:
            events.append(type(exc).__name__)
            raise

    return StreamingResponse(chunks(), media_type="text/plain")


def run(path: str) -> func.HttpResponse:
    async def call() -> func.HttpResponse:
        req = host_request("GET", path.removeprefix("/api/"))
        response = await AsgiMiddleware(app).handle_async(req, stream=True)
        if response.is_streaming:
            await response.aget_body()
        me = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not me]
        if others:
            await asyncio.wait(others)  # the app's task, background tasks included
        return response

    return asyncio.run(call())


@pytest.mark.parametrize("path", ["/api/async", "/api/sync"])
def test_async_and_sync_endpoints_answer(path: str) -> None:
    response = run(path)
    assert response.status_code == 200
    assert response.get_json() == {"kind": path.rsplit("/", 1)[1]}


def test_an_app_that_answers_at_once_costs_no_loop_turn() -> None:
    async def main() -> None:
        coro = AsgiMiddleware(app).handle_async(host_request("GET", "async"), stream=True)
        with pytest.raises(StopIteration) as done:
            coro.send(None)  # one step, the loop never runs
        assert done.value.value.get_json() == {"kind": "async"}

    asyncio.run(main())


def test_the_app_context_is_its_own() -> None:
    async def main() -> str:
        await AsgiMiddleware(app).handle_async(host_request("GET", "async"), stream=True)
        return VAR.get()

    assert asyncio.run(main()) == "unset"


def test_background_tasks_run_after_the_answer() -> None:
    events.clear()
    assert run("background").get_json() == {"queued": True}
    assert events == ["background ran", "sync background ran"]


def test_a_stream_with_cancel_scopes_runs_to_its_end() -> None:
    body = run("stream").get_body()
    assert body == b"".join(b"%d," % n for n in range(1000))


def test_a_consumer_that_gives_up_cancels_the_app() -> None:
    events.clear()

    async def main() -> None:
        response = await AsgiMiddleware(app).handle_async(host_request("GET", "stream"),
                                                          stream=True)
        stream = response.aiter_body()
        first = await stream.__anext__()
        assert first
        await stream.aclose()
        for _ in range(20):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert events == ["GeneratorExit"]  # Starlette's cancelled task group closes the body


def test_a_task_cancelled_before_its_body_ran_cancels_the_app() -> None:
    seen: list[str] = []

    async def raw(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        try:
            with anyio.CancelScope():
                await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def main() -> None:
        response = await AsgiMiddleware(raw).handle_async(host_request("GET", "x"), stream=True)
        stream = response.aiter_body()
        assert await stream.__anext__() == b"a"
        await stream.aclose()  # before the app's task took its first scheduled step
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert seen == ["cancelled"]


def test_an_error_in_the_first_step_propagates() -> None:
    async def raw(scope: Any, receive: Any, send: Any) -> None:
        raise KeyError("boom")

    async def main() -> None:
        with pytest.raises(KeyError, match="boom"):
            await AsgiMiddleware(raw).handle_async(host_request("GET", "x"), stream=True)

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info < (3, 12),
                    reason="3.11 makes the app's task before its first step (no eager tasks)")
def test_an_app_that_answers_at_once_leaves_no_task() -> None:
    async def main() -> list[asyncio.Task[Any]]:
        me = asyncio.current_task()
        await AsgiMiddleware(app).handle_async(host_request("GET", "async"), stream=True)
        return [task for task in asyncio.all_tasks() if task is not me]

    assert asyncio.run(main()) == []


def test_an_app_still_running_after_its_first_step_keeps_its_task_identity() -> None:
    seen: list[bool] = []

    async def raw(scope: Any, receive: Any, send: Any) -> None:
        first = asyncio.current_task()
        with anyio.CancelScope():  # entered in the first step, left after a suspension
            await asyncio.sleep(0)
        seen.append(asyncio.current_task() is first)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> bytes:
        response = await AsgiMiddleware(raw).handle_async(host_request("GET", "x"), stream=True)
        return response.get_body()

    assert asyncio.run(main()) == b"ok"
    assert seen == [True]


def test_a_loop_with_a_task_factory_makes_the_app_task_through_it() -> None:
    made: list[str] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        made.append(getattr(coro, "__name__", type(coro).__name__))
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def main() -> list[Any]:
        asyncio.get_running_loop().set_task_factory(factory)
        made.clear()
        answers = []
        for path in ("async", "sync", "stream"):
            response = await AsgiMiddleware(app).handle_async(host_request("GET", path),
                                                              stream=True)
            answers.append(await response.aget_body())
        return answers

    answers = asyncio.run(main())
    assert answers[0] == b'{"kind":"async"}'
    assert answers[1] == b'{"kind":"sync"}'
    assert answers[2] == b"".join(b"%d," % n for n in range(1000))
    if sys.version_info < (3, 12):  # 3.12+ makes the app's task with eager_start instead
        assert made.count("_resume") == 3  # one app task per request, through the factory


def test_an_app_that_sends_headers_not_bytes_gets_a_conversion_error() -> None:
    async def raw(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [("content-type", "text/plain")]})
        await send({"type": "http.response.body", "body": b"x"})

    async def main() -> None:
        with pytest.raises(func.ConversionError, match="not \\(bytes, bytes\\) pairs"):
            await AsgiMiddleware(raw).handle_async(host_request("GET", "x"), stream=True)

    asyncio.run(main())


def test_the_task_of_the_first_step_answers_what_a_task_answers() -> None:
    seen: list[Any] = []

    async def raw(scope: Any, receive: Any, send: Any) -> None:
        task = asyncio.current_task()
        assert task is not None
        coro = task.get_coro()  # the current task is always one that was set up
        seen.extend([coro is None or asyncio.iscoroutine(coro),
                     task.get_loop() is asyncio.get_running_loop(), repr(task), task.done()])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> bytes:
        response = await AsgiMiddleware(raw).handle_async(host_request("GET", "x"), stream=True)
        return response.get_body()

    assert asyncio.run(main()) == b"ok"
    assert seen[:2] == [True, True]
    assert isinstance(seen[2], str)
    assert seen[3] is False
