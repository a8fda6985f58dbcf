"""A function app for the FUNCTIONS_WORKER_PROCESS_COUNT tests (copied as function_app.py).

Marks go to ``AZFUNC_PROCS_MARKS`` (read at call time, so the module imports without it).
"""

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _marks() -> Path:
    return Path(os.environ.get("AZFUNC_PROCS_MARKS", "."))


def _append(name: str, line: str) -> None:
    with open(_marks() / name, "a", encoding="utf-8") as f:  # one short O_APPEND write
        f.write(line + "\n")


def _wait_for(path: Path, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@app.route(route="pid")
def pid(req: func.HttpRequest) -> func.HttpResponse:
    """Answers its process id once two processes have each served a ``pid`` request (or
    after 20 s: a single process then answers the same pid every time)."""
    rendezvous = _marks() / "pids"
    rendezvous.mkdir(exist_ok=True)
    (rendezvous / str(os.getpid())).touch()
    deadline = time.monotonic() + 20
    while len(list(rendezvous.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return func.HttpResponse(str(os.getpid()))


@app.route(route="hello")
def hello(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Logs a line and answers its invocation id."""
    logging.getLogger("procs").warning("hello from process %d", os.getpid())
    return func.HttpResponse(context.invocation_id)


@app.route(route="where-async")
async def where_async(req: func.HttpRequest) -> func.HttpResponse:
    """An ``async def`` function: runs in the host's process."""
    return func.HttpResponse(str(os.getpid()))


@app.route(route="enqueue", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="work-items", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[list[str]]) -> func.HttpResponse:
    """Queues ``<prefix>0`` ... ``<prefix><n-1>`` (n is the body, prefix ``m`` by default)."""
    count = int(req.get_body() or b"0")
    prefix = req.params.get("prefix", "m")
    out.set([f"{prefix}{i}" for i in range(count)])
    return func.HttpResponse(str(os.getpid()))


@app.queue_trigger(arg_name="msg", queue_name="work-items", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    """Records each message it processes, with its process id."""
    _append("queue.log", f"{msg.get_body().decode()} {os.getpid()}")


@app.timer_trigger(arg_name="timer", schedule="*/1 * * * * *")
def tick(timer: func.TimerRequest) -> None:
    """Records the occurrence it fired for (its next one names it)."""
    _append("timer.log", f"{timer.schedule_status.get('Next')} {os.getpid()}")


@app.route(route="slow")
def slow(req: func.HttpRequest) -> func.HttpResponse:
    """Marks that it started, then waits for the test's release mark."""
    (_marks() / "slow-started").write_text(str(os.getpid()))
    released = _wait_for(_marks() / "release")
    return func.HttpResponse("done" if released else "never released")


@app.route(route="streamed")
def streamed(req: func.HttpRequest) -> func.HttpResponse:
    """A streamed response: a generator cannot leave a worker process."""

    def chunks() -> Iterator[bytes]:
        yield b"a"

    return func.HttpResponse(chunks())


@app.route(route="die")
def die(req: func.HttpRequest) -> func.HttpResponse:
    """Ends its worker process abruptly (a crash in native code looks the same)."""
    os._exit(3)


class OddError(Exception):
    """An exception a pickle round trip cannot rebuild (its __init__ needs two values)."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(f"{code}: {why}")


@app.route(route="odd")
def odd(req: func.HttpRequest) -> func.HttpResponse:
    raise OddError(7, "odd failure")
