"""The function app the host tests serve (copied into a temporary directory per test)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKS = Path(os.environ.get("AZFUNC_TEST_MARKS", "."))


@app.route(route="hello/{name:alpha}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params['name']}")


@app.route(route="items/{id:int:range(1,100)}/{rest?}", methods=["GET", "PUT"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json=dict(req.route_params))


@app.route(route="items/{slug}", methods=["GET"])
def item_slug(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"slug {req.route_params['slug']}")


@app.route(route="files/{*path}")
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", ""))


@app.route(route="cookies", methods=["GET"])
def cookies(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse("ok", headers={"X-Trace": "1"})
    response.headers.add("X-Multi", "a")
    response.headers.add("X-Multi", "b")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", path="/")
    return response


def _chunks() -> Iterator[bytes]:
    for index in range(5):
        yield f"chunk{index};".encode()


@app.route(route="stream", methods=["GET"])
def stream(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(_chunks(), mimetype="text/plain")


@app.route(route="echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.get_body(), mimetype="application/octet-stream")


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom from user code")


@app.route(route="slow", methods=["GET"])
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(float(req.params.get("s", "0.3")))
    return func.HttpResponse("slept")


@app.route(route="sleepy", methods=["GET"])
def sleepy(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(float(req.params.get("s", "0.3")))
    return func.HttpResponse("slept")


@app.route(route="orders/{id}", methods=["POST"])
@app.queue_output(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def order(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    msg.set(json.dumps({"id": req.route_params["id"], "note": req.get_body().decode()}))
    return func.HttpResponse(status_code=202)


@app.queue_trigger(arg_name="m", queue_name="orders", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="out", path="done/{id}.json", connection="AzureWebJobsStorage")
def process(m: func.QueueMessage, out: func.Out[str]) -> None:
    delay = float(os.environ.get("AZFUNC_TEST_DELAY", "0"))
    if delay:
        time.sleep(delay)
    body = m.get_json()
    out.set(json.dumps({**body, "dequeue_count": m.dequeue_count, "id_seen": m.id}))


@app.route(route="done/{id}", methods=["GET"])
@app.blob_input(arg_name="blob", path="done/{id}.json", connection="AzureWebJobsStorage")
def read_done(req: func.HttpRequest, blob: bytes | None) -> func.HttpResponse:
    if blob is None:
        return func.HttpResponse("missing", status_code=404)
    return func.HttpResponse(blob, mimetype="application/json")


@app.blob_trigger(arg_name="blob", path="done/{name}", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="note", queue_name="notes", connection="AzureWebJobsStorage")
def on_done(blob: func.InputStream, note: func.Out[str]) -> None:
    note.set(json.dumps({"blob": blob.name, "size": len(blob.read())}))


@app.queue_trigger(arg_name="m", queue_name="flaky", connection="AzureWebJobsStorage")
def flaky(m: func.QueueMessage) -> None:
    with open(MARKS / "flaky.log", "a", encoding="utf-8") as handle:
        handle.write(f"{m.dequeue_count}\n")
    raise RuntimeError(f"failing on purpose ({m.dequeue_count})")


@app.timer_trigger(arg_name="timer", schedule="%TICK_SCHEDULE%", run_on_startup=True)
def tick(timer: func.TimerRequest) -> None:
    with open(MARKS / "tick.log", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"past_due": timer.past_due}) + "\n")


_BARRIERS: dict[str, threading.Barrier] = {}


def _barrier(name: str, parties: int) -> threading.Barrier:
    """A rendezvous of ``parties`` invocations (the timeout only keeps a failure finite)."""
    return _BARRIERS.setdefault(f"{name}/{parties}", threading.Barrier(parties, timeout=10))


@app.route(route="meet", methods=["GET"])
def meet(req: func.HttpRequest) -> func.HttpResponse:
    _barrier("meet", int(req.params["n"])).wait()  # passes only if n invocations overlap
    return func.HttpResponse("met")


@app.route(route="meet-async", methods=["GET"])
async def meet_async(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.to_thread(_barrier("meet-async", int(req.params["n"])).wait)
    return func.HttpResponse("met")


@app.route(route="bad-output", methods=["GET"])
@app.blob_output(arg_name="out", path="out/{nosuch}.txt", connection="AzureWebJobsStorage")
def bad_output(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set("never written: the path has no value for {nosuch}")
    return func.HttpResponse("the function itself succeeded")


@app.blob_trigger(arg_name="blob", path="broken/{name}", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="other", path="other/{nosuch}", connection="AzureWebJobsStorage")
def broken_input(blob: func.InputStream, other: bytes | None) -> None:
    raise AssertionError("never invoked: the input binding cannot be resolved")
