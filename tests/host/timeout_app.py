"""A function app for the functionTimeout tests (host.json sets a short timeout)."""

import asyncio
import os
import threading
from pathlib import Path

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
RELEASE = threading.Event()  # the test lets the abandoned def thread finish
MARKS = Path(os.environ.get("AZFUNC_TIMEOUT_MARKS", "."))


@app.route(route="slow-async")
async def slow_async(req: func.HttpRequest) -> func.HttpResponse:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        (MARKS / "cancelled").write_text("yes")
        raise
    return func.HttpResponse("late")


@app.route(route="slow-def")
def slow_def(req: func.HttpRequest) -> func.HttpResponse:
    RELEASE.wait(60)
    (MARKS / "def-finished").write_text("yes")
    return func.HttpResponse("late")


@app.route(route="quick")
def quick(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("quick")


@app.queue_trigger(arg_name="msg", queue_name="jobs", connection="AzureWebJobsStorage")
async def job(msg: func.QueueMessage) -> None:
    with (MARKS / "jobs.log").open("a") as log:
        log.write(f"{msg.dequeue_count}\n")
    if msg.dequeue_count == 1:
        await asyncio.sleep(60)  # times out: the message is retried
    (MARKS / "job-done").write_text(msg.get_body().decode())
