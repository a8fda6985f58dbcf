#!/usr/bin/env python3
"""Where the local host's time goes per hello-world request, beside its Starlette peer.

    <bench venv>/bin/python bench/profile_host.py [--requests 20000] [--top 15]
        [--py-spy SECONDS] [--only host_async,host]

Rules this script keeps:

* In process (standard library only, plus Starlette when installed): every app of
  ``bench/cases/host.py`` (the bare ASGI app, Starlette, the local host's ``def`` and
  ``async def`` hello worlds) is called through ASGI ``--requests`` times on one event
  loop, with the same scope a uvicorn request has; the table gives microseconds per
  request (median of 5 batches) and the Python function calls per request (cProfile's
  count: exact, so the noise-free guide on a busy machine); the local host serves inside
  the log-capture hold its lifespan keeps, as under ``azfunc start``. For the local host
  it then times each stage of the
  request path by wrapping the functions that make it (routing, body read, request
  building, metadata, decode, log capture, the function call or thread hop, encode,
  response parts, ASGI send) and reports the rest as glue, and prints the top ``--top``
  functions of a cProfile run by self and by cumulative time.
* ``--py-spy SECONDS`` (when ``py-spy`` is on ``PATH`` or beside this interpreter) also
  samples a real uvicorn server (``host.py --serve``, the configuration ``azfunc start``
  uses) under the case's own bounded load generator on 127.0.0.1, only holding-the-GIL
  samples, and splits the server's CPU time per request into the same stages plus the
  server's own share (uvicorn, h11, asyncio); microseconds come from the server process's
  CPU time (``/proc``) divided by the requests served.
* Nothing here is a benchmark with a target: ``bench/run.py host`` is. Wrapped stages add
  about 0.1 us each; cProfile inflates functions with many calls. Use the numbers to rank
  work, not to publish.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from harness import CASES_DIR, load_module  # noqa: E402

host_case = load_module(CASES_DIR / "host.py")

#: (label, app kind, path) of the in-process comparison.
APPS = (
    ("bare", "bare ASGI app", "/api/hello"),
    ("starlette", "Starlette, async def", "/api/hello"),
    ("host_async", "local host, async def", "/api/hello-async"),
    ("host", "local host, def", "/api/hello"),
)


def make_app(kind: str, app_dir: Path) -> Any:
    """The ASGI app of ``kind`` (``bare``, ``starlette``, ``host``/``host_async``)."""
    if kind == "bare":
        return host_case.bare_app
    if kind == "starlette":
        return host_case.starlette_app()
    from azfunc.host.local import LocalHost

    return LocalHost(app_dir)


def caller(app: Any, path: str) -> tuple[Callable[[int], float], asyncio.AbstractEventLoop]:
    """A function running ``n`` requests to ``app`` on one loop; returns seconds taken."""
    loop = asyncio.new_event_loop()
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "server": ("127.0.0.1", 7071), "client": ("127.0.0.1", 50000),
        "scheme": "http", "method": "GET", "root_path": "", "path": path,
        "raw_path": path.encode(), "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
        "state": {},
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def many(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return time.perf_counter() - started

    def run(n: int) -> float:
        sent.clear()
        with _served(app):
            took = loop.run_until_complete(many(n))
        body = sent[-1].get("body") if sent else None
        if body != b"Hello, world" or sent[0].get("status") != 200:
            raise RuntimeError(f"unexpected answer {sent[:2]!r}")
        return took

    return run, loop


@contextmanager
def _served(app: Any) -> Iterator[None]:
    """What ``azfunc start`` keeps on while it serves (the lifespan's log-capture hold)."""
    from azfunc.host.local import LocalHost

    if not isinstance(app, LocalHost):
        yield
        return
    from azfunc.app.invocation import hold_log_capture

    with hold_log_capture():
        yield


def calls_per_request(run: Callable[[int], float], n: int) -> float:
    """Python function calls per request (cProfile's count: exact, unlike the clock)."""
    run(max(10, n // 10))
    profile = cProfile.Profile()
    profile.enable()
    run(n)
    profile.disable()
    return pstats.Stats(profile).total_calls / n  # type: ignore[attr-defined, no-any-return]


def per_request_us(run: Callable[[int], float], n: int, batches: int = 5) -> float:
    run(max(100, n // 10))  # warm-up
    return statistics.median(run(n) / n for _ in range(batches)) * 1e6


# --- stage timing ---------------------------------------------------------------------------

class Stages:
    """Accumulated seconds and calls per stage while the wrappers are in place."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap_sync(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.perf_counter
        seconds, calls = self.seconds, self.calls

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return func(*args, **kwargs)
            finally:
                seconds[stage] += clock() - started
                calls[stage] += 1
        return timed

    def wrap_async(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.perf_counter
        seconds, calls = self.seconds, self.calls

        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return await func(*args, **kwargs)
            finally:
                seconds[stage] += clock() - started
                calls[stage] += 1
        return timed


#: (stage, module, attribute path, async?): leaves of the request path, none inside another.
STAGE_POINTS: tuple[tuple[str, str, str, bool], ...] = (
    ("routing", "azfunc.host.http_frontend", "HttpFrontend.handles", False),
    ("routing", "azfunc.host.http_frontend", "HttpFrontend._match", False),
    ("body read", "azfunc.host.http_frontend", "read_body", True),
    ("body read", "azfunc.host.http_frontend", "read_declared_body", True),
    ("request building", "azfunc.host.http_frontend", "request_parts", False),
    ("request building", "azfunc.host.http_frontend", "request_datum", False),
    ("request building", "azfunc.host.http_frontend", "request_url", False),
    ("invocation id", "azfunc.host.http_frontend", "new_invocation_id", False),
    ("metadata (to Datums)", "azfunc.host.http_frontend", "request_metadata", False),
    ("metadata (to Datums)", "azfunc.app.invocation", "_metadata", False),
    ("decode (Datum -> HttpRequest)", "azfunc.app.invocation", "_decode", False),
    ("log capture", "azfunc.app.invocation", "_begin_capture", False),
    ("log capture", "azfunc.app.invocation", "_end_capture", False),
    ("thread hop + def call", "azfunc.host.runtime", "InvocationPool.run_async", True),
    ("encode (return -> Datum)", "azfunc.app.invocation", "_encode", False),
    ("response parts", "azfunc.host.http_frontend", "response_parts", False),
    ("response parts", "azfunc.host.http_frontend", "encode_headers", False),
    ("response parts", "azfunc.host.http_frontend", "_wire_headers", False),
)


@contextmanager
def staged(stages: Stages) -> Iterator[None]:
    """Install the stage wrappers of :data:`STAGE_POINTS`; restore the originals after."""
    import importlib

    undo: list[tuple[Any, str, Any]] = []
    try:
        for stage, module_name, attr, is_async in STAGE_POINTS:
            owner: Any = importlib.import_module(module_name)
            *parents, name = attr.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            holder = owner.__dict__ if isinstance(owner, type) else vars(owner)
            if name not in holder:
                continue  # a stage this version of the path does not have
            original = holder[name]
            wrap = stages.wrap_async if is_async else stages.wrap_sync
            if isinstance(owner, type) and name == "run_async":
                # returns an awaitable: time until it completes, i.e. the whole hop
                async def hop(self: Any, *args: Any, _orig: Any = original,
                              **kwargs: Any) -> Any:
                    return await _orig(self, *args, **kwargs)
                setattr(owner, name, wrap(stage, hop))
            else:
                setattr(owner, name, wrap(stage, original))
            undo.append((owner, name, original))
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def function_cost_us(n: int = 100_000) -> float:
    """What the user's hello world itself costs: one ``HttpResponse("Hello, world")``."""
    import azfunc as func

    started = time.perf_counter()
    for _ in range(n):
        func.HttpResponse("Hello, world")
    return (time.perf_counter() - started) / n * 1e6


def stage_table(kind: str, app_dir: Path, path: str, n: int, total_us: float) -> str:
    app = make_app(kind, app_dir)
    stages = Stages()
    with staged(stages):
        run, loop = caller(app, path)
        run(n // 10)
        stages.seconds.clear()
        stages.calls.clear()
        run(n)
    loop.close()
    lines = [f"  {'stage':<32} {'us/request':>10} {'calls/request':>14}"]
    accounted = 0.0
    for stage, seconds in stages.seconds.items():
        us = seconds / n * 1e6
        accounted += us
        lines.append(f"  {stage:<32} {us:10.2f} {stages.calls[stage] / n:14.1f}")
    if kind == "host_async":
        lines.append(f"  {'(the async function call)':<32} {function_cost_us():10.2f} "
                     f"{'(inside glue)':>14}")
    lines.append(f"  {'glue (the rest: dispatch, awaits,':<32} {total_us - accounted:10.2f}")
    lines.append("   Runtime.invoke, invoke_function, dict building)")
    lines.append(f"  {'total (unwrapped)':<32} {total_us:10.2f}")
    return "\n".join(lines)


def cprofile_top(kind: str, app_dir: Path, path: str, n: int, top: int) -> str:
    app = make_app(kind, app_dir)
    run, loop = caller(app, path)
    run(n // 10)
    profile = cProfile.Profile()
    profile.enable()
    run(n)
    profile.disable()
    loop.close()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        out.write(f"\n--- top {top} by {key} ({n} requests; per-call times in seconds) ---\n")
        stats.sort_stats(key).print_stats(top)
    return "\n".join(line for line in out.getvalue().splitlines()
                     if line.strip() and not line.lstrip().startswith(("Ordered by", "List")))


# --- py-spy over a real server -----------------------------------------------------------

def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


#: (stage, function names) recognised in azfunc frames, innermost match wins.
SPY_STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("routing", frozenset({"handles", "match"})),
    ("body read", frozenset({"read_body"})),
    ("request building", frozenset({"request_parts", "_request_parts", "request_datum",
                                    "request_url", "_from_wire"})),
    ("invocation id", frozenset({"new_invocation_id", "_new_invocation_id"})),
    ("metadata (to Datums)", frozenset({"_metadata", "to_datum", "request_metadata"})),
    ("decode (Datum -> HttpRequest)", frozenset({"_decode"})),
    ("log capture", frozenset({"begin", "end"})),
    ("user function", frozenset({"hello", "hello_async"})),
    ("thread hop (pool, futures)", frozenset({"run_async", "_flush", "_dispatch", "_run",
                                              "_next", "post", "drain", "_check", "_watch",
                                              "_settle_concurrent"})),
    ("encode (return -> Datum)", frozenset({"_encode"})),
    ("response parts", frozenset({"response_parts", "encode_headers", "_wire_headers"})),
    ("invoke glue (Runtime.invoke, invoke_function)", frozenset({"invoke_function",
                                                                  "invoke_direct"})),
)


def _frame(frame: str) -> tuple[str, str]:
    """(function, file) of a py-spy raw frame ``"Class.name (pkg/file.py:12)"``.

    Example:
        >>> _frame("HttpFrontend.invoke (azfunc/host/http_frontend.py:388)")
        ('HttpFrontend.invoke', 'azfunc/host/http_frontend.py')
    """
    name, _, rest = frame.partition(" (")
    return name.strip(), rest.rsplit(":", 1)[0]


def _ours(path: str) -> bool:
    """Whether a frame's file is azfunc's or the benchmark app's."""
    return ("/" + path).find("/azfunc/") != -1 or path.endswith("function_app.py")


def spy_attribution(stacks: Counter[tuple[str, ...]]) -> Counter[str]:
    """Samples per stage; each stack is root-first, the innermost recognised frame decides.

    A uvicorn/h11 frame called straight from an azfunc frame is the ASGI send (with
    pipelining it includes parsing the next request, which uvicorn does inside ``send``);
    stacks without an azfunc frame are the server's own work.
    """
    out: Counter[str] = Counter()
    for stack, count in stacks.items():
        frames = [_frame(f) for f in stack]
        stage = None
        for index in range(len(frames) - 1, -1, -1):
            qualified, path = frames[index]
            if not _ours(path):
                continue
            name = qualified.rsplit(".", 1)[-1]
            for label, names in SPY_STAGES:
                if name in names:
                    stage = label
                    break
            if stage is None and index + 1 < len(frames):
                callee = frames[index + 1][1]
                if "uvicorn" in callee or "h11" in callee:
                    stage = "ASGI send (uvicorn + h11; + next pipelined parse)"
            if stage is None and name == "invoke" and path.endswith("runtime.py"):
                stage = "invoke glue (Runtime.invoke, invoke_function)"
            if stage is None and name == "invoke" and path.endswith("http_frontend.py"):
                stage = "frontend glue (HttpFrontend.invoke)"
            if stage is None and name == "__call__" and "HttpResponse" not in qualified:
                stage = "dispatch (LocalHost/HttpFrontend.__call__)"
            if stage is None and path.endswith("response.py"):
                stage = "user function"  # HttpResponse built by the function
            if stage is not None:
                break
        if stage is None:
            stage = "other azfunc" if any(_ours(p) for _, p in frames) else \
                "server: uvicorn, h11, asyncio (+ framework for peers)"
        out[stage] += count
    return out


def py_spy_profile(kind: str, path: str, seconds: float, top: int) -> str:
    spy = _py_spy()
    if spy is None:
        return "py-spy not found: pip install py-spy into the bench venv"
    app_dir = host_case.make_app_dir()
    server_kind = "host" if kind.startswith("host") else kind
    request = host_case._request("GET", path)
    raw = Path(tempfile.mkdtemp(prefix="azfunc-spy-")) / "stacks.txt"
    with host_case.Server(server_kind, app_dir) as server:
        asyncio.run(host_case._load(server.port, request, 0.5, 8))  # warm-up
        spy_proc = subprocess.Popen(
            [spy, "record", "--pid", str(server.proc.pid), "--duration", str(int(seconds)),
             "--rate", "500", "--format", "raw", "--gil", "--nonblocking", "--output",
             str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        before = server.cpu_seconds()
        rate, count = asyncio.run(host_case._load(server.port, request, seconds - 1.0, 8))
        after = server.cpu_seconds()
        spy_proc.wait(timeout=seconds + 30)
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            frames = tuple(f for f in stack.split(";") if not f.startswith("process "))
            stacks[frames[1:] if frames and frames[0].startswith("thread ") else frames] += \
                int(number)
    total = sum(stacks.values())
    if not total:
        return f"py-spy recorded nothing: {spy_proc.stderr.read() if spy_proc.stderr else ''}"
    cpu_us = (after - before) / count * 1e6 if before is not None and after is not None \
        else None
    lines = [f"  {rate:.0f} req/s, server CPU {cpu_us:.1f} us/request, {total} samples"
             if cpu_us else f"  {rate:.0f} req/s, {total} samples"]
    scale = (cpu_us or 0.0) / total
    for stage, samples in spy_attribution(stacks).most_common():
        lines.append(f"  {stage:<48} {samples / total:6.1%} {samples * scale:8.1f} us")
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, samples in stacks.items():
        if stack:
            self_time[stack[-1]] += samples
        for frame in set(stack):
            inclusive[frame] += samples
    for title, counter in (("self", self_time), ("inclusive", inclusive)):
        lines.append(f"  top {top} functions by {title} samples:")
        for frame, samples in counter.most_common(top):
            name, file = _frame(frame)
            short = "/".join(Path(file).parts[-2:])
            lines.append(f"    {samples / total:6.1%} {samples * scale:7.1f} us  {name} ({short})")
    lines.append("  (inclusive samples of truncated async stacks are undercounted)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--py-spy", type=float, default=0.0, metavar="SECONDS",
                        help="also sample a real uvicorn server for this long (>= 3)")
    parser.add_argument("--only", default="", help="comma-separated app kinds to profile")
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    only = {k for k in args.only.split(",") if k}
    app_dir = host_case.make_app_dir()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.2f}; {args.requests} in-process ASGI requests per batch")
    totals: dict[str, float] = {}
    for kind, label, path in APPS:
        try:
            app = make_app(kind, app_dir)
        except ImportError as exc:
            print(f"  {label:<28} skipped ({exc})")
            continue
        run, loop = caller(app, path)
        totals[kind] = per_request_us(run, args.requests)
        calls = calls_per_request(run, min(args.requests, 2000))
        loop.close()
        print(f"  {label:<28} {totals[kind]:8.2f} us/request {calls:8.1f} calls/request")
    for kind, label, path in APPS:
        if not kind.startswith("host") or (only and kind not in only):
            continue
        print(f"\n== {label}: stages (in process) ==")
        print(stage_table(kind, app_dir, path, args.requests, totals[kind]))
        if not args.no_cprofile:
            print(f"\n== {label}: cProfile ==")
            print(cprofile_top(kind, app_dir, path, args.requests, args.top))
    if args.py_spy:
        for kind, label, path in APPS:
            if kind == "bare" or (only and kind not in only):
                continue
            print(f"\n== {label}: py-spy over uvicorn ({args.py_spy:g} s) ==")
            print(py_spy_profile(kind, path, max(3.0, args.py_spy), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
