"""The local host and the custom-handler worker: throughput and per-invocation overhead.

    python bench/cases/host.py [--duration 3] [--connections 50] [--depth 1]
        [--pipelined 8x8] [--rounds 3] [--rps-only] [--instructions 1024]

Rules this module keeps:

* The app is a hello-world HTTP function (``def``, so it takes the thread-pool hop every
  real sync function takes) and a queue-triggered function, written to a temporary folder.
* Throughput (standalone run and the ``host.rps`` measurement): each server runs in its own
  uvicorn subprocess on 127.0.0.1 (one core) with the configuration ``azfunc start`` uses
  (``azfunc.host.server.make_server``); a raw asyncio keep-alive client drives it from this
  process (the other core), a bounded number of connections for a bounded time. In one run,
  in alternating rounds: the local host serving ``GET /api/hello`` (``def``) and
  ``/api/hello-async`` (``async def``), a bare ASGI hello world, and as peers a Starlette
  ``async def`` hello world and FastAPI ``async def`` and ``def`` ones (same body, same
  ``text/plain`` response). Targets: the ``def`` host >= 0.6x the bare app; the
  ``async def`` host >= 1.0x Starlette and the ``def`` host >= 0.9x Starlette (the checks
  ``host.rps.async_vs_starlette`` and ``host.rps.def_vs_starlette``). Every ratio is
  judged by server CPU time per request when ``/proc`` has it, else by wall-clock
  requests per second.
* The judged load is the one issue #10 measured its targets with (wrk, 50 keep-alive
  connections, one request in flight on each): :data:`JUDGED_SHAPE`. The same run also
  drives every server with :data:`PIPELINED_SHAPE` (8 connections, 8 requests written at
  once on each), reported beside it (``pipelined_*`` details) and not judged: uvicorn
  serves one request of a connection at a time, so at most 8 are in flight there and a
  ``def`` function's thread hops batch fewer calls than under 50 connections. Both shapes
  are measured in every round, so neither target moves without the other showing it.
* The client must not be what limits: for each target the server's CPU time over the
  wall time of its rounds (``<key>_server_busy``, about 1.0 when the server's core is
  saturated) and the client's own (``client_busy``, this process) are reported.
* ``--instructions N`` (valgrind installed) counts instead the instructions each server
  executes per request (callgrind ``Ir`` over N requests after a warm-up): noise-free
  where CPU time on a shared machine is not, blind to cache misses and mispredictions.
* Worker overhead (``host.worker_queue``): the docs' custom-handler queue payload POSTed to
  the worker over HTTP, one at a time, against the same POST to a bare ASGI app that
  answers a fixed JSON document; reported as p50/p99 latencies and their difference.
* ``cases()`` also gives in-process :class:`BenchCase` timings, reported without a target
  (the 0.6x target is judged over the server by ``host.rps``): one ASGI request through the
  local host against the bare app, and one worker invocation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# run as a script, bench/cases/ heads sys.path and its http.py would shadow the stdlib's
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(ROOT))

from _loadgen import load as _load  # noqa: E402  (the shared pipelined load generator)
from _loadgen import read_full_response as _read_full_response  # noqa: E402
from _loadgen import read_response as _read_response  # noqa: E402
from _served import ServedProcess, free_port  # noqa: E402
from harness import BenchCase, Case, Check, Measurement, MeasureResult  # noqa: E402

APP = textwrap.dedent('''
    import azfunc as func

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="hello", methods=["GET"])
    def hello(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("Hello, world")

    @app.route(route="hello-async", methods=["GET"])
    async def hello_async(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("Hello, world")

    @app.queue_trigger(arg_name="msg", queue_name="work", connection="AzureWebJobsStorage")
    def QueueTrigger(msg: func.QueueMessage) -> None:
        msg.get_body()
''')
QUEUE_PAYLOAD: dict[str, Any] = {
    "Data": {"msg": "\"{ message: \\\"Message sent\\\" }\""},
    "Metadata": {
        "DequeueCount": "1",
        "ExpirationTime": "2019-10-16T17:58:31+00:00",
        "Id": "\"800ae4b3-bdd2-4c08-badd-f08e5a34b865\"",
        "InsertionTime": "2019-10-09T17:58:31+00:00",
        "NextVisibleTime": "2019-10-09T18:08:32+00:00",
        "PopReceipt": "\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",
    },
}
BARE_JSON = json.dumps({"Outputs": {}, "Logs": [], "ReturnValue": None}).encode()
TARGET = 0.6
#: least acceptable requests/s of the local host against the Starlette hello world.
TARGET_ASYNC_VS_STARLETTE = 1.0
TARGET_DEF_VS_STARLETTE = 0.9
#: (connections, requests in flight per connection) the targets are judged under: issue
#: #10's measurement (wrk, 50 connections, no pipelining).
JUDGED_SHAPE: Final = (50, 1)
#: the pipelined load reported beside it (``pipelined_*``): 8 connections x 8 per write.
PIPELINED_SHAPE: Final = (8, 8)
#: what ``measure_rps`` drives, in round order: (result key, server kind, path, label).
RPS_TARGETS: tuple[tuple[str, str, str, str], ...] = (
    ("bare", "bare", "/api/hello", "bare ASGI app"),
    ("starlette", "starlette", "/api/hello", "Starlette, async def"),
    ("fastapi_async", "fastapi", "/api/hello", "FastAPI, async def"),
    ("fastapi_def", "fastapi", "/api/hello-sync", "FastAPI, def"),
    ("host_async", "host", "/api/hello-async", "local host, async def function"),
    ("host", "host", "/api/hello", "local host, def function"),
)


def make_app_dir() -> Path:
    """A temporary function app with the benchmark functions."""
    root = Path(tempfile.mkdtemp(prefix="azfunc-bench-host-"))
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0"}')
    return root


async def bare_app(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                   send: Callable[[Any], Awaitable[None]]) -> None:
    """A bare ASGI app: hello world for GET, a fixed JSON document for POST."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body, kind = BARE_JSON, b"application/json"
    else:
        body, kind = b"Hello, world", b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def starlette_app() -> Any:
    """The Starlette peer: an ``async def`` hello world, as Starlette's docs write one."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello, world")

    return Starlette(routes=[Route("/api/hello", hello, methods=["GET"])])


def fastapi_app() -> Any:
    """The FastAPI peer: ``async def`` at ``/api/hello``, ``def`` at ``/api/hello-sync``.

    Both return a ``PlainTextResponse``, so FastAPI serialises nothing and the body and
    headers match the other apps'; a ``def`` endpoint runs on FastAPI's thread pool, as a
    ``def`` function runs on the local host's.
    """
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/api/hello", response_class=PlainTextResponse)
    async def hello() -> PlainTextResponse:
        return PlainTextResponse("Hello, world")

    @app.get("/api/hello-sync", response_class=PlainTextResponse)
    def hello_sync() -> PlainTextResponse:
        return PlainTextResponse("Hello, world")

    return app


def _serve(kind: str, app_dir: str, port: int) -> None:
    import logging

    from azfunc.host.server import make_server

    logging.getLogger("azfunc.host").setLevel(logging.WARNING)
    app: Any
    if kind == "bare":
        app = bare_app
    elif kind == "starlette":
        app = starlette_app()
    elif kind == "fastapi":
        app = fastapi_app()
    elif kind == "host":
        from azfunc.host.local import LocalHost

        app = LocalHost(app_dir)
    else:
        from azfunc.host.worker import CustomHandlerWorker

        app = CustomHandlerWorker(app_dir)
    # as azfunc start serves (server.serve): the startup heap frozen, for every app alike
    make_server(app, host="127.0.0.1", port=port, log_level="error", freeze_heap=True).run()


#: the apps ``--serve`` can run.
SERVER_KINDS = ("bare", "starlette", "fastapi", "host", "worker")


class Server(ServedProcess):
    """A uvicorn subprocess serving ``kind`` (see :data:`SERVER_KINDS`), run under
    ``wrapper`` (a command such as valgrind's) when given."""

    def __init__(self, kind: str, app_dir: Path, wrapper: list[str] | None = None) -> None:
        port = free_port()
        super().__init__(
            [*(wrapper or []), sys.executable, __file__, "--serve", kind, "--app",
             str(app_dir), "--port", str(port)],
            port=port, env={**os.environ, "PYTHONPATH": str(ROOT)},
            what=f"the {kind} server", timeout=20 if wrapper is None else 300,
        )


async def _roundtrip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     request: bytes) -> int:
    writer.write(request)
    return await _read_response(reader)


async def _answer(port: int, request: bytes) -> tuple[int, bytes, bytes]:
    """One request on a fresh connection: (status, content type, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        status, head, body = await _read_full_response(reader)
    finally:
        writer.close()
    kind = b""
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-type:"):
            kind = line.split(b":", 1)[1].strip()
    return status, kind, body


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if body or method != "GET":  # a GET carries no Content-Length, as browsers send it
        head += f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n"
    return head.encode() + b"\r\n" + body


async def _latencies(port: int, request: bytes, n: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out: list[float] = []
    try:
        for _ in range(n // 10):  # warm-up
            await _roundtrip(reader, writer, request)
        for _ in range(n):
            started = time.perf_counter()
            if await _roundtrip(reader, writer, request) != 200:
                raise RuntimeError("a benchmark request failed")
            out.append(time.perf_counter() - started)
    finally:
        writer.close()
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_rps(duration: float = 3.0, connections: int = JUDGED_SHAPE[0], rounds: int = 3,
                depth: int = JUDGED_SHAPE[1],
                pipelined: tuple[int, int] | None = PIPELINED_SHAPE) -> dict[str, float]:
    """Requests per second of every :data:`RPS_TARGETS` entry, each app on its own uvicorn.

    All servers stay up; ``rounds`` alternating measurements of ``duration / rounds``
    seconds each are taken per target and shape (``connections`` x ``depth``, then the
    ``pipelined`` one if given) and the medians reported, so background load hits all
    alike. Besides wall-clock requests per second (``<key>``), the server's CPU time per
    request is read from ``/proc`` and reported as *capacity* (``<key>_capacity``,
    requests per CPU-second), which other processes on the machine do not disturb.
    Ratios: ``ratio``/``ratio_async`` (host against the bare app, per round, median),
    ``<key>_vs_starlette`` for every other target, and the same from capacities as
    ``ratio_cpu``, ``ratio_cpu_async`` and ``<key>_vs_starlette_cpu``; how busy the
    server and this client were (``<key>_server_busy``, ``<key>_client_busy``: CPU
    seconds per wall second). The pipelined shape's numbers carry the same names with
    the prefix ``pipelined_``.
    """
    shapes: dict[str, tuple[int, int]] = {"": (connections, depth)}
    if pipelined is not None:
        shapes["pipelined_"] = pipelined
    runs = {prefix: _Runs() for prefix in shapes}
    app_dir = make_app_dir()
    kinds = sorted({kind for _, kind, *_ in RPS_TARGETS})
    servers: dict[str, Server] = {}
    try:
        for kind in kinds:
            servers[kind] = Server(kind, app_dir)
        targets = {key: (servers[kind], _request("GET", path))
                   for key, kind, path, _ in RPS_TARGETS}
        for key, (server, request) in targets.items():
            # every app must give the same answer, or the comparison is unfair
            answer = asyncio.run(_answer(server.port, request))
            if answer[0] != 200 or answer[2] != b"Hello, world" or \
                    not answer[1].startswith(b"text/plain"):
                raise RuntimeError(f"{key} answered {answer!r}, not a text/plain hello world")
            for many, deep in shapes.values():  # warm-up
                asyncio.run(_load(server.port, request, 0.5, many, deep))
        for _ in range(rounds):
            for key, (server, request) in targets.items():
                for prefix, (many, deep) in shapes.items():
                    runs[prefix].take(key, server, request, duration / rounds, many, deep)
    finally:
        for server in servers.values():
            server.close()
    results: dict[str, float] = {}
    for prefix, found in runs.items():
        results.update({prefix + name: value for name, value in found.results().items()})
    return results


class _Runs:
    """The rounds of one load shape: rates, capacities and busy shares per target."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {key: [] for key, *_ in RPS_TARGETS}
        self.cpu: dict[str, list[float]] = {key: [] for key in self.samples}
        #: per target: [server CPU s, client CPU s, wall s] summed over its rounds
        self.busy: dict[str, list[float]] = {key: [0.0, 0.0, 0.0] for key in self.samples}

    def take(self, key: str, server: Server, request: bytes, seconds: float,
             connections: int, depth: int) -> None:
        """One round of ``key``'s load, its rate and CPU times recorded."""
        before = server.cpu_seconds()
        client, wall = time.process_time(), time.perf_counter()
        rate, count = asyncio.run(_load(server.port, request, seconds, connections, depth))
        client, wall = time.process_time() - client, time.perf_counter() - wall
        after = server.cpu_seconds()
        self.samples[key].append(rate)
        busy = self.busy[key]
        busy[1] += client
        busy[2] += wall
        if before is not None and after is not None and after > before:
            self.cpu[key].append(count / (after - before))
            busy[0] += after - before

    def results(self) -> dict[str, float]:
        """Medians and ratios, named as :func:`measure_rps` says (without prefix)."""
        samples, cpu = self.samples, self.cpu
        results = {key: statistics.median(values) for key, values in samples.items()}

        def per_round(ours: str, theirs: str) -> float:
            return statistics.median(
                a / b for a, b in zip(samples[ours], samples[theirs], strict=True))

        results["ratio"] = per_round("host", "bare")
        results["ratio_async"] = per_round("host_async", "bare")
        for key in samples:
            if key not in {"bare", "starlette"}:
                results[f"{key}_vs_starlette"] = per_round(key, "starlette")
        for key, (server_cpu, client_cpu, wall) in self.busy.items():
            results[f"{key}_client_busy"] = client_cpu / wall
            if cpu[key]:
                results[f"{key}_server_busy"] = server_cpu / wall
        if all(cpu.values()):
            for key, values in cpu.items():
                results[f"{key}_capacity"] = statistics.median(values)
            results["ratio_cpu"] = results["host_capacity"] / results["bare_capacity"]
            results["ratio_cpu_async"] = (results["host_async_capacity"]
                                          / results["bare_capacity"])
            for key in samples:
                if key not in {"bare", "starlette"}:
                    results[f"{key}_vs_starlette_cpu"] = (
                        results[f"{key}_capacity"] / results["starlette_capacity"])
        return results


async def _count_load(port: int, request: bytes, total: int, connections: int,
                      depth: int = 8) -> None:
    """Exactly ``total`` requests over ``connections`` keep-alive connections (``depth``
    written at once on each; the connections share ``total`` as evenly as it divides)."""

    async def one(count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while count > 0:
                burst = min(depth, count)
                writer.write(request * burst)
                for _ in range(burst):
                    if await _read_response(reader) != 200:
                        raise RuntimeError("a benchmark request failed")
                count -= burst
        finally:
            writer.close()

    share, extra = divmod(total, connections)
    await asyncio.gather(*(one(share + (i < extra)) for i in range(connections)))


def measure_instructions(requests: int = 1024, connections: int = JUDGED_SHAPE[0],
                         depth: int = JUDGED_SHAPE[1]) -> dict[str, float]:
    """Instructions (valgrind callgrind ``Ir``) the server process executes per request,
    for every :data:`RPS_TARGETS` entry: deterministic where CPU time is noisy.

    Each server runs under callgrind; after ``requests // 2`` warm-up requests its
    counters are zeroed (``callgrind_control -z``), ``requests`` more are served and the
    counters dumped (``-d``). Under valgrind threads are serialised and time runs ~50x
    slower, so the ``def`` targets' thread hand-offs batch differently than at full speed
    (their counts are a guide, not the hop's real cost); cache misses and branch
    mispredictions, which CPU time includes, are not counted.
    """
    import subprocess

    app_dir = make_app_dir()
    out_dir = Path(tempfile.mkdtemp(prefix="azfunc-bench-callgrind-"))
    found: dict[str, float] = {}
    for key, kind, path, _ in RPS_TARGETS:
        out = out_dir / f"{key}.%p"
        request = _request("GET", path)
        with Server(kind, app_dir, ["valgrind", "-q", "--tool=callgrind",
                                    f"--callgrind-out-file={out}"]) as server:
            pid = str(server.proc.pid)
            asyncio.run(_count_load(server.port, request, requests // 2, connections, depth))
            subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
            asyncio.run(_count_load(server.port, request, requests, connections, depth))
            subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
        dump = out_dir / f"{key}.{pid}.1"
        summary = next(line for line in dump.read_text().splitlines()
                       if line.startswith("summary:"))
        found[key] = int(summary.split()[1]) / requests
    for key in list(found):
        found[f"{key}_vs_starlette"] = found["starlette"] / found[key]
    return found


def judged(found: dict[str, float], key: str) -> float:
    """The ratio ``key`` by server CPU per request when measured, else by wall clock.

    ``key`` is a wall-clock ratio name from :func:`measure_rps`; ``ratio`` and
    ``ratio_async`` map to ``ratio_cpu``/``ratio_cpu_async``, ``x_vs_starlette`` to
    ``x_vs_starlette_cpu``.

    Example:
        >>> judged({"ratio": 0.7, "ratio_cpu": 0.65}, "ratio"), judged({"ratio": 0.7}, "ratio")
        (0.65, 0.7)
    """
    cpu_key = key.replace("ratio", "ratio_cpu", 1) if key.startswith("ratio") else key + "_cpu"
    return found.get(cpu_key, found[key])


def measure_worker(n: int = 2000) -> dict[str, float]:
    """Per-invocation latency of a queue payload: worker vs the bare JSON app (ms)."""
    app_dir = make_app_dir()
    body = json.dumps(QUEUE_PAYLOAD).encode()
    out: dict[str, float] = {}
    for kind, path in (("bare", "/QueueTrigger"), ("worker", "/QueueTrigger")):
        with Server(kind, app_dir) as server:
            values = asyncio.run(_latencies(server.port, _request("POST", path, body), n))
        out[f"{kind}_p50_ms"] = _pct(values, 0.5) * 1000
        out[f"{kind}_p99_ms"] = _pct(values, 0.99) * 1000
    out["overhead_p50_ms"] = out["worker_p50_ms"] - out["bare_p50_ms"]
    out["overhead_p99_ms"] = out["worker_p99_ms"] - out["bare_p99_ms"]
    return out


# --- in-process cases ---------------------------------------------------------------------

def _asgi_caller(app: Any, method: str, path: str, body: bytes = b"") -> Callable[[], int]:
    loop = asyncio.new_event_loop()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1")] + (
            [(b"content-length", str(len(body)).encode())] if method != "GET" else []),
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 7071),
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    def call() -> int:
        status.clear()
        loop.run_until_complete(app(dict(scope), receive, send))
        if status != [200]:
            raise RuntimeError(f"unexpected answer {status}")
        return status[0]

    call()
    return call


def cases() -> list[Case]:
    """In-process ASGI timings plus the server measurements."""
    from azfunc.host.local import LocalHost
    from azfunc.host.worker import CustomHandlerWorker

    app_dir = make_app_dir()
    host = LocalHost(app_dir)
    worker = CustomHandlerWorker(app_dir)
    payload = json.dumps(QUEUE_PAYLOAD).encode()

    def rps() -> MeasureResult:
        found = measure_rps()
        # server CPU per request when /proc has it (robust on a shared machine), else wall
        value = judged(found, "ratio")
        checks = [
            Check(name="host.rps.async_vs_starlette",
                  description="requests/s over uvicorn: host async def / Starlette async def",
                  value=judged(found, "host_async_vs_starlette"), unit="x Starlette",
                  target=TARGET_ASYNC_VS_STARLETTE,
                  target_text=f">= {TARGET_ASYNC_VS_STARLETTE}x Starlette"),
            Check(name="host.rps.def_vs_starlette",
                  description="requests/s over uvicorn: host def / Starlette async def",
                  value=judged(found, "host_vs_starlette"), unit="x Starlette",
                  target=TARGET_DEF_VS_STARLETTE,
                  target_text=f">= {TARGET_DEF_VS_STARLETTE}x Starlette"),
        ]
        return MeasureResult(value=value, unit="x bare", passed=value >= TARGET,
                             details=found, checks=checks)

    def overhead() -> MeasureResult:
        found = measure_worker()
        return MeasureResult(value=found["overhead_p50_ms"], unit="ms", passed=None,
                             details=found)

    return [
        BenchCase(
            name="host.asgi_request",
            description="one GET /api/hello through the local host ASGI app (def function)",
            azfunc=_asgi_caller(host, "GET", "/api/hello"),
            baseline=_asgi_caller(bare_app, "GET", "/api/hello"),
            baseline_name="bare ASGI app",
            # In process, a bare app that does nothing costs a few microseconds, so this
            # ratio only shows the host's own overhead; the 0.6x target is about serving
            # requests and is judged over a real server by host.rps.
            target=None,
            target_text="report (target judged by host.rps)",
        ),
        BenchCase(
            name="host.asgi_request_async",
            description="one GET /api/hello-async through the local host (async def function)",
            azfunc=_asgi_caller(host, "GET", "/api/hello-async"),
            baseline=_asgi_caller(bare_app, "GET", "/api/hello-async"),
            baseline_name="bare ASGI app",
            target=None,
            target_text="report",
        ),
        BenchCase(
            name="host.worker_invocation",
            description="one custom-handler queue invocation through the worker ASGI app",
            azfunc=_asgi_caller(worker, "POST", "/QueueTrigger", payload),
            baseline=_asgi_caller(bare_app, "POST", "/QueueTrigger", payload),
            baseline_name="bare ASGI app",
            target=None,
            target_text="report",
        ),
        Measurement(name="host.rps", description="requests/s over uvicorn: host def / bare app",
                    run=rps, target_text=">= 0.6x the bare app"),
        Measurement(name="host.worker_queue",
                    description="worker p50 overhead per queue invocation over HTTP",
                    run=overhead, target_text="report p50/p99"),
    ]


def _verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "FAIL"


def _rows(rps: dict[str, float], prefix: str = "") -> list[str]:
    """One line per target of the shape named by ``prefix`` (see :func:`measure_rps`)."""
    has_cpu = prefix + "bare_capacity" in rps
    basis = "_capacity" if has_cpu else ""
    bare, starlette = rps[prefix + "bare" + basis], rps[prefix + "starlette" + basis]
    lines = [f"  {'app':<32} {'req/s':>8} {'req/cpu-s':>10} {'/bare':>7} {'/Starlette':>10}"
             f" {'busy srv/cli':>12}"]
    for key, _, _, label in RPS_TARGETS:
        name = prefix + key
        capacity = f"{rps[name + '_capacity']:10.0f}" if has_cpu else f"{'n/a':>10}"
        value = rps[name + basis]
        server, client = rps.get(name + "_server_busy"), rps.get(name + "_client_busy")
        busy = (f"{server:.2f}/{client:.2f}" if server is not None and client is not None
                else "n/a")
        lines.append(f"  {label:<32} {rps[name]:8.0f} {capacity} {value / bare:6.2f}x "
                     f"{value / starlette:9.2f}x {busy:>12}")
    return lines


def rps_table(rps: dict[str, float], judged_shape: str = "",
              pipelined_shape: str = "") -> str:
    """The standalone run's table: requests/s, capacity, ratios to bare and Starlette,
    and how busy server and client were; the pipelined shape's rows (when measured) under
    the judged ones, then the verdicts (from the judged shape only).

    The ratio columns use capacity (requests per server CPU-second) when it was measured,
    else wall-clock requests/s, as the targets do; they are ratios of medians, while the
    judged targets take the median of per-round ratios.
    """
    has_cpu = "bare_capacity" in rps
    lines = [f"judged load{judged_shape}:", *_rows(rps)]
    if "pipelined_bare" in rps:
        lines += [f"reported beside it, pipelined load{pipelined_shape} (not judged):",
                  *_rows(rps, "pipelined_")]
        for text, key in (("host async def / Starlette", "host_async_vs_starlette"),
                          ("host def / Starlette", "host_vs_starlette")):
            lines.append(f"  {text:<34}: {judged(rps, 'pipelined_' + key):.2f}x")
    lines.append("targets, judged by " +
                 ("server CPU per request:" if has_cpu else "wall-clock requests/s:"))
    for text, value, target in (
            ("host def >= 0.6x bare", judged(rps, "ratio"), TARGET),
            ("host async def >= 1.0x Starlette", judged(rps, "host_async_vs_starlette"),
             TARGET_ASYNC_VS_STARLETTE),
            ("host def >= 0.9x Starlette", judged(rps, "host_vs_starlette"),
             TARGET_DEF_VS_STARLETTE)):
        lines.append(f"  {text:<34}: {value:.2f}x {_verdict(value, target)}")
    return "\n".join(lines)


def _shape(text: str) -> tuple[int, int] | None:
    """``"8x8"`` -> (8, 8); ``"none"`` -> None (for ``--pipelined``)."""
    if text.lower() == "none":
        return None
    many, _, deep = text.lower().partition("x")
    return int(many), int(deep)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=SERVER_KINDS)
    parser.add_argument("--app")
    parser.add_argument("--port", type=int)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=JUDGED_SHAPE[0],
                        help="keep-alive connections of the judged load")
    parser.add_argument("--depth", type=int, default=JUDGED_SHAPE[1],
                        help="requests pipelined per connection (1: plain keep-alive)")
    parser.add_argument("--pipelined", type=_shape, default=PIPELINED_SHAPE,
                        metavar="CxD", help="the load reported beside the judged one "
                        "(connections x depth; 'none' to skip); default "
                        f"{PIPELINED_SHAPE[0]}x{PIPELINED_SHAPE[1]}")
    parser.add_argument("--invocations", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds the duration is split into")
    parser.add_argument("--rps-only", action="store_true",
                        help="skip the custom-handler worker latencies")
    parser.add_argument("--instructions", type=int, metavar="REQUESTS", default=0,
                        help="instead: instructions per request of every server under "
                             "valgrind callgrind over REQUESTS requests (e.g. 1024)")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.app, args.port)
        return 0
    if args.instructions:
        counts = measure_instructions(args.instructions, args.connections, args.depth)
        print(f"instructions per request (callgrind Ir), {args.instructions} requests over "
              f"{args.connections} connections x {args.depth} pipelined:")
        for key, _, _, label in RPS_TARGETS:
            print(f"  {label:<32} {counts[key]:10.0f}  Starlette/this "
                  f"{counts[key + '_vs_starlette']:.3f}x")
        return 0
    rps = measure_rps(args.duration, args.connections, args.rounds, depth=args.depth,
                      pipelined=args.pipelined)
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"HTTP hello world, {args.duration:g} s per app and load in {args.rounds} "
          "alternating rounds (medians):")
    piped = args.pipelined
    print(rps_table(rps, f" ({args.connections} keep-alive connections x {args.depth} "
                         "in flight)",
                    "" if piped is None else f" ({piped[0]} connections x {piped[1]})"))
    if args.rps_only:
        return 0
    lat = measure_worker(args.invocations)
    print(f"custom-handler queue invocation over HTTP, {args.invocations} sequential:")
    print(f"  bare app p50/p99 : {lat['bare_p50_ms']:.3f} / {lat['bare_p99_ms']:.3f} ms")
    print(f"  worker   p50/p99 : {lat['worker_p50_ms']:.3f} / {lat['worker_p99_ms']:.3f} ms")
    print(f"  overhead p50/p99 : {lat['overhead_p50_ms']:.3f} / {lat['overhead_p99_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
