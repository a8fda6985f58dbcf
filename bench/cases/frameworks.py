"""Web frameworks in functions: FastAPI and Flask through azfunc's and azure-functions' adapters.

    python bench/cases/frameworks.py [--duration 3] [--connections 8]

Rules this module keeps:

* One FastAPI and one Flask app (``GET /items/{id}?q=`` answering JSON, ``POST /echo``
  echoing a JSON document), each called four ways in the same run: through
  ``azfunc.AsgiMiddleware``/``WsgiMiddleware`` and through
  ``azure.functions.AsgiMiddleware``/``WsgiMiddleware``, from the same request (URL,
  headers, body) built with each library's ``HttpRequest`` (``handle_async`` on one
  persistent loop for ASGI, ``handle`` for WSGI: each library's documented use), and
  directly, once with the scope/environ each adapter builds (pre-built, copied per call,
  a minimal ``send``/``start_response``: the framework's own cost for that input). With no
  host around, azfunc's ``handle_async`` runs the app in the caller's task and collects the
  body, as azure-functions' does; the same call with ``stream=True`` (what ``azfunc
  start`` does: the app in a task of its own, the answer as soon as it is decided) is
  timed beside it and reported as ``azfunc_streaming_*`` (no target).
* Each app registers its routes both under ``/api`` (what azure-functions hands the app:
  the whole path) and without it (what azfunc hands it: the path under the route prefix),
  the ``/api`` ones first, so azfunc's requests pay a failed route match more; each
  adapter's direct call pays the same, so it is not counted as overhead of either.
* *Overhead per request* is an adapter's time minus its own direct call's; the
  ``frameworks.overhead_*`` measurements time the four interleaved, in batches, and pass
  when azure-functions' overhead is at least :data:`TARGET` times azfunc's. The
  ``frameworks.*_handle`` cases time whole requests with pyperf (reported, no target).
* ``frameworks.rps`` (and the standalone run) serves each app over 127.0.0.1 through
  ``azfunc start`` (the local host in a uvicorn subprocess) next to the same app served
  directly: FastAPI by uvicorn, Flask by gunicorn (one sync worker); reported, no target.
* Setup checks once that every way answers the same JSON, so a broken adapter fails the
  case instead of timing an exception.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(ROOT))

from _served import ServedProcess, free_port  # noqa: E402
from harness import BenchCase, Case, Measurement, MeasureResult, baseline_label  # noqa: E402

#: azure-functions' overhead per request over azfunc's, at least.
TARGET = 2.0
URL = "http://localhost:7071/api/items/42?q=widget&tag=a&tag=b"
ECHO_URL = "http://localhost:7071/api/echo"
HEADERS = {
    "Host": "localhost:7071",
    "User-Agent": "bench/1.0",
    "Accept": "application/json",
    "Cookie": "session=abc123; theme=dark",
    "X-Request-Id": "5f0c6b1e-6d7e-4a4b-9b52-2b1d3f0a1c9e",
}
PAYLOAD = {"id": 42, "name": "widget", "tags": ["blue", "small"], "price": 9.99,
           "stock": {"warehouse": "ams-1", "count": 17}}
BODY = json.dumps(PAYLOAD).encode()

APPS = textwrap.dedent('''
    from typing import Any

    def fastapi_app() -> Any:
        from fastapi import FastAPI

        api = FastAPI()

        async def item(item_id: int, q: str = "") -> dict[str, Any]:
            return {"item_id": item_id, "q": q}

        async def echo(payload: dict[str, Any]) -> dict[str, Any]:
            return payload

        for prefix in ("/api", ""):
            api.add_api_route(prefix + "/items/{item_id}", item, methods=["GET"])
            api.add_api_route(prefix + "/echo", echo, methods=["POST"])
        return api

    def flask_app() -> Any:
        from flask import Flask, jsonify, request

        api = Flask(__name__)  # the module itself: its folder, not a "bench" package

        def item(item_id: int) -> Any:
            return jsonify(item_id=item_id, q=request.args.get("q", ""))

        def echo() -> Any:
            return jsonify(request.get_json())

        for prefix in ("/api", ""):
            api.add_url_rule(prefix + "/items/<int:item_id>", prefix + "item", item)
            api.add_url_rule(prefix + "/echo", prefix + "echo", echo, methods=["POST"])
        return api
''')
FUNCTION_APP = textwrap.dedent('''
    import azfunc as func
    from bench_framework_apps import {factory}

    app = func.{kind}FunctionApp({factory}(){suffix}, http_auth_level=func.AuthLevel.ANONYMOUS)
''')


def _apps() -> Any:
    """The module defining the app factories (also written next to each served app)."""
    directory = Path(tempfile.mkdtemp(prefix="azfunc-bench-frameworks-"))
    (directory / "bench_framework_apps.py").write_text(APPS)
    sys.path.insert(0, str(directory))
    import bench_framework_apps

    return bench_framework_apps


# --- in-process callers -------------------------------------------------------------------


def _requests(lib: Any, method: str) -> Any:
    if method == "GET":
        return lib.HttpRequest("GET", URL, headers=HEADERS, params={"q": "widget"},
                               route_params={"route": "items/42"}, body=b"")
    headers = {**HEADERS, "Content-Type": "application/json",
               "Content-Length": str(len(BODY))}
    return lib.HttpRequest("POST", ECHO_URL, headers=headers, params={},
                           route_params={"route": "echo"}, body=BODY)


def _asgi_direct(api: Any, loop: asyncio.AbstractEventLoop, scope: dict[str, Any],
                 method: str) -> Callable[[], Any]:
    """The app called with ``scope`` (built once by an adapter) and a minimal receive/send."""
    body = BODY if method == "POST" else b""

    def call() -> Any:
        out: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                out.append(message.get("body", b""))

        loop.run_until_complete(api(dict(scope), receive, send))
        return json.loads(b"".join(out))

    return call


def _wsgi_direct(api: Any, environ: dict[str, Any], method: str) -> Callable[[], Any]:
    """The app called with ``environ`` (built once by an adapter), a fresh ``wsgi.input``."""

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    def call() -> Any:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(BODY if method == "POST" else b"")
        result = api(env, start_response)
        try:
            return json.loads(b"".join(result))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return call


def _their_scope(lib: Any, method: str) -> dict[str, Any]:
    """The scope azure-functions' AsgiMiddleware builds for the benchmark request."""
    from azure.functions._http_asgi import AsgiRequest

    return dict(AsgiRequest(_requests(lib, method)).to_asgi_http_scope(state={}))


def _their_environ(lib: Any, method: str) -> dict[str, Any]:
    """The environ azure-functions' WsgiMiddleware builds for the benchmark request."""
    from azure.functions._http_wsgi import WsgiRequest

    return dict(WsgiRequest(_requests(lib, method)).to_environ(io.StringIO()))


def _asgi_adapter(middleware: Any, lib: Any, loop: asyncio.AbstractEventLoop,
                  method: str, **options: Any) -> Callable[[], Any]:
    req = _requests(lib, method)

    def call() -> Any:
        return json.loads(loop.run_until_complete(
            middleware.handle_async(req, **options)).get_body())

    return call


def _wsgi_adapter(middleware: Any, lib: Any, method: str) -> Callable[[], Any]:
    req = _requests(lib, method)

    def call() -> Any:
        return json.loads(middleware.handle(req).get_body())

    return call


def _callers() -> dict[str, dict[str, Callable[[], Any]]]:
    """``{"fastapi.GET": {"direct": f, "azfunc": f, "baseline": f}, ...}``, checked once."""
    import azure.functions as af

    import azfunc

    apps = _apps()
    loop = asyncio.new_event_loop()
    fastapi, flask = apps.fastapi_app(), apps.flask_app()
    ours_asgi, theirs_asgi = azfunc.AsgiMiddleware(fastapi), af.AsgiMiddleware(fastapi)
    ours_wsgi, theirs_wsgi = azfunc.WsgiMiddleware(flask.wsgi_app), af.WsgiMiddleware(
        flask.wsgi_app)
    out: dict[str, dict[str, Callable[[], Any]]] = {}
    for method in ("GET", "POST"):
        ours_scope = ours_asgi.scope(_requests(azfunc, method))
        out[f"fastapi.{method}"] = {
            "direct": _asgi_direct(fastapi, loop, ours_scope, method),
            "baseline_direct": _asgi_direct(fastapi, loop, _their_scope(af, method), method),
            "azfunc": _asgi_adapter(ours_asgi, azfunc, loop, method),
            "baseline": _asgi_adapter(theirs_asgi, af, loop, method),
            "azfunc_streaming": _asgi_adapter(ours_asgi, azfunc, loop, method, stream=True),
        }
        ours_environ = ours_wsgi.environ(_requests(azfunc, method))
        out[f"flask.{method}"] = {
            "direct": _wsgi_direct(flask.wsgi_app, ours_environ, method),
            "baseline_direct": _wsgi_direct(flask.wsgi_app, _their_environ(af, method),
                                            method),
            "azfunc": _wsgi_adapter(ours_wsgi, azfunc, method),
            "baseline": _wsgi_adapter(theirs_wsgi, af, method),
        }
    expected = {"GET": {"item_id": 42, "q": "widget"}, "POST": PAYLOAD}
    for name, ways in out.items():
        want = expected[name.split(".")[1]]
        for way, call in ways.items():
            got = call()
            if got != want:
                raise AssertionError(f"{name} {way} answered {got!r}, expected {want!r}")
    return out


def measure_overhead(ways: dict[str, Callable[[], Any]], batches: int = 21,
                     seconds: float = 3.0) -> dict[str, float]:
    """Per-request time of each way and each adapter's overhead over its direct call (µs).

    Each adapter's overhead is its time minus the app's, called with the scope/environ that
    adapter builds (``direct``, ``baseline_direct``): the two hand the app different paths
    (azure-functions the whole path, so its requests match a route sooner), and the app's
    own work differs accordingly. The four ways run interleaved, one batch each in turn, so
    a change of machine load hits them alike; batches are timed in process CPU time (other
    processes on a busy machine do not count) and each reported time is the median over the
    batches.
    """
    clock = time.process_time
    per_call = {}
    for way, call in ways.items():  # calibrate: a batch lasts ~seconds / batches / ways
        started = time.perf_counter()
        count = 0
        while time.perf_counter() - started < 0.05:
            call()
            count += 1
        per_call[way] = (time.perf_counter() - started) / count
    sizes = {way: max(10, int(seconds / batches / len(ways) / t)) for way, t in per_call.items()}
    samples: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(batches):
        for way, call in ways.items():
            n = sizes[way]
            started = clock()
            for _ in range(n):
                call()
            samples[way].append((clock() - started) / n * 1e6)
    result = {f"{way}_us": statistics.median(values) for way, values in samples.items()}
    ours = result["azfunc_us"] - result["direct_us"]
    theirs = result["baseline_us"] - result["baseline_direct_us"]
    result["azfunc_overhead_us"] = ours
    result["baseline_overhead_us"] = theirs
    result["ratio"] = theirs / ours if ours > 0 else float("inf")
    if "azfunc_streaming_us" in result:  # reported beside, no target
        streaming = result["azfunc_streaming_us"] - result["direct_us"]
        result["azfunc_streaming_overhead_us"] = streaming
        result["streaming_ratio"] = theirs / streaming if streaming > 0 else float("inf")
    return result


# --- over loopback ------------------------------------------------------------------------


def _app_dir(framework: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"azfunc-bench-{framework}-"))
    (root / "bench_framework_apps.py").write_text(APPS)
    kind, suffix = ("Asgi", "") if framework == "fastapi" else ("Wsgi", ".wsgi_app")
    (root / "function_app.py").write_text(
        FUNCTION_APP.format(factory=f"{framework}_app", kind=kind, suffix=suffix))
    (root / "host.json").write_text('{"version": "2.0"}')
    return root


class Server(ServedProcess):
    """A subprocess serving one app on 127.0.0.1: ``azfunc`` (the local host), ``uvicorn``
    or ``gunicorn`` (the framework app directly)."""

    def __init__(self, how: str, framework: str, root: Path) -> None:
        port = free_port()
        bind = ["--port", str(port)]
        if how == "azfunc":
            cmd = [sys.executable, __file__, "--serve", str(root), *bind]
        elif how == "uvicorn":
            cmd = [sys.executable, "-m", "uvicorn", "--factory",
                   "bench_framework_apps:fastapi_app", "--host", "127.0.0.1", *bind,
                   "--log-level", "error", "--no-access-log"]
        else:
            cmd = [sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                   f"127.0.0.1:{port}", "--log-level", "error",
                   "bench_framework_apps:flask_app()"]
        super().__init__(
            cmd, port=port, cwd=root,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(ROOT)])},
            what=f"the {how} server for {framework}",
        )


def _serve(root: str, port: int) -> None:
    import logging

    from azfunc.host.local import LocalHost
    from azfunc.host.server import make_server

    logging.getLogger("azfunc.host").setLevel(logging.WARNING)
    make_server(LocalHost(root), host="127.0.0.1", port=port, log_level="error").run()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server closes the connection) of one answer, body read."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = None
    closes = False
    for line in head.split(b"\r\n"):
        lowered = line.lower()
        if lowered.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lowered.startswith(b"connection:") and b"close" in lowered:
            closes = True
    if length is None:
        raise RuntimeError("the benchmark answers must carry a Content-Length")
    await reader.readexactly(length)
    return status, closes


async def _load(port: int, request: bytes, duration: float, connections: int) -> float:
    """Requests per second over ``connections`` connections, kept alive when the server
    allows it (gunicorn's sync worker closes each one: it is reopened, as clients do)."""
    count = 0
    stop = time.perf_counter() + duration

    async def one() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                writer.write(request)
                status, closes = await _read_response(reader)
                if status != 200:
                    raise RuntimeError("a benchmark request failed")
                count += 1
                if closes:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return count / (time.perf_counter() - started)


def measure_rps(duration: float = 3.0, connections: int = 8, rounds: int = 3
                ) -> dict[str, float]:
    """Requests/s of ``GET /api/items/42`` through ``azfunc start`` and served directly."""
    request = (b"GET /api/items/42?q=widget HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Accept: application/json\r\n\r\n")
    results: dict[str, float] = {}
    for framework, direct in (("fastapi", "uvicorn"), ("flask", "gunicorn")):
        root = _app_dir(framework)
        samples: dict[str, list[float]] = {"azfunc": [], direct: []}
        with Server("azfunc", framework, root) as ours, Server(direct, framework, root) as bare:
            servers = {"azfunc": ours, direct: bare}
            for server in servers.values():
                asyncio.run(_load(server.port, request, 0.5, connections))  # warm-up
            for _ in range(rounds):
                for how, server in servers.items():
                    samples[how].append(asyncio.run(
                        _load(server.port, request, duration / rounds, connections)))
        for how, values in samples.items():
            results[f"{framework}_{how}_rps"] = statistics.median(values)
        results[f"{framework}_ratio"] = (results[f"{framework}_azfunc_rps"]
                                         / results[f"{framework}_{direct}_rps"])
    return results


def cases() -> list[Case]:
    """pyperf timings of whole requests, the overhead measurements and the loopback run."""
    callers = _callers()
    out: list[Case] = []
    for name, ways in callers.items():
        framework, method = name.split(".")
        out.append(BenchCase(
            name=f"frameworks.{framework}_handle_{method.lower()}",
            description=f"{method} through {framework}'s app in the middleware (JSON answer)",
            azfunc=ways["azfunc"],
            baseline=ways["baseline"],
            baseline_name=baseline_label(),
            target=None,
            target_text="report (overhead judged by frameworks.overhead_*)",
        ))

    def overhead(ways: dict[str, Callable[[], Any]]) -> Callable[[], MeasureResult]:
        def run() -> MeasureResult:
            found = measure_overhead(ways)
            return MeasureResult(value=found["ratio"], unit="x less overhead",
                                 passed=found["ratio"] >= TARGET, details=found)

        return run

    for name, ways in callers.items():
        framework, method = name.split(".")
        out.append(Measurement(
            name=f"frameworks.overhead_{framework}_{method.lower()}",
            description=f"adapter overhead per {method} over the {framework} app called "
                        "directly: azure-functions / azfunc",
            run=overhead(ways),
            target_text=f">= {TARGET:g}x less overhead than azure-functions",
        ))

    def rps() -> MeasureResult:
        found = measure_rps()
        return MeasureResult(value=found["fastapi_ratio"], unit="x uvicorn (FastAPI)",
                             passed=None, details=found)

    out.append(Measurement(
        name="frameworks.rps",
        description="requests/s through azfunc start next to uvicorn (FastAPI) and "
                    "gunicorn (Flask) serving the app directly",
        run=rps, target_text="report"))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-rps", action="store_true")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.port)
        return 0
    for name, ways in _callers().items():
        found = measure_overhead(ways)
        print(f"{name:14} azfunc {found['azfunc_us']:6.1f} µs (direct "
              f"{found['direct_us']:6.1f}, +{found['azfunc_overhead_us']:5.1f})  "
              f"azure-functions {found['baseline_us']:6.1f} µs (direct "
              f"{found['baseline_direct_us']:6.1f}, +{found['baseline_overhead_us']:5.1f})  "
              f"ratio {found['ratio']:.2f}x"
              + (f"  (stream=True +{found['azfunc_streaming_overhead_us']:5.1f}, "
                 f"{found['streaming_ratio']:.2f}x)" if "streaming_ratio" in found else ""))
    if not args.no_rps:
        for key, value in measure_rps(args.duration, args.connections).items():
            print(f"{key:24} {value:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
