"""The embedded store: enqueue throughput, and HTTP -> queue -> trigger through ``azfunc start``.

Rules this module keeps:

* ``storage.enqueue``: durable puts per second into one :class:`LocalQueue` from
  :data:`THREADS` threads at once (as the host's invocations put), against the baseline the
  store had before group commit, measured in the same run in alternating rounds: the same
  messages written one file each with ``fsync`` of file and directory per message
  (``atomic_write``) under one lock. Target: >= :data:`TARGET_PUTS` messages/s; the ratio
  is reported beside it. Every round checks that every message was stored.
* ``storage.http_enqueue``: an ``azfunc start`` subprocess on 127.0.0.1 serving a ``def``
  HTTP function with a queue output (nothing consumes the queue); :data:`CONNECTIONS`
  keep-alive connections post :data:`HTTP_MESSAGES` requests; a 200 means the message is
  durable. Reports messages/s and the p50/p99 request latency; target >= ``TARGET_PUTS``.
  The message count on disk is checked after the run.
* ``storage.end_to_end``: the same app plus a queue trigger that appends, per message, the
  seconds from the client's send time (in the body) to the function's start; reports
  messages/s from the first send to the last message processed and the p50/p99 of those
  latencies (client and host share the machine's clock).
* Each measurement runs once, in a fresh process, on a temporary directory of the
  machine's disk (never tmpfs: ``fsync`` must cost what it costs for a developer).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from _served import ServedProcess, free_port
from harness import Case, Check, Measurement, MeasureResult

ROOT = Path(__file__).resolve().parents[2]
#: where the temporary stores go: the repository's disk (not tmpfs), git-ignored.
SCRATCH = ROOT / "bench" / ".results"
#: durable messages per second the enqueue path must reach (issue 16).
TARGET_PUTS = 2000.0
THREADS = 32
PUTS = 3000
ROUNDS = 3
CONNECTIONS = 64
HTTP_MESSAGES = 4000
HTTP_ROUNDS = 2
E2E_MESSAGES = 1500
BODY = json.dumps({"order": 12345, "item": "widget", "note": "x" * 64})

APP = textwrap.dedent('''
    import json
    import os
    import time

    import azfunc as func

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    LATENCIES = os.environ.get("BENCH_LATENCY_FILE", "latencies.txt")

    @app.route(route="enqueue", methods=["POST"])
    @app.queue_output(arg_name="msg", queue_name="bench-out", connection="AzureWebJobsStorage")
    def enqueue(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set(req.get_body().decode())
        return func.HttpResponse("ok")

    @app.route(route="plain", methods=["POST"])
    def plain(req: func.HttpRequest) -> func.HttpResponse:
        req.get_body().decode()
        return func.HttpResponse("ok")

    @app.route(route="e2e", methods=["POST"])
    @app.queue_output(arg_name="msg", queue_name="bench-e2e", connection="AzureWebJobsStorage")
    def e2e(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set(req.get_body().decode())
        return func.HttpResponse("ok")

    @app.queue_trigger(arg_name="m", queue_name="bench-e2e", connection="AzureWebJobsStorage")
    def consume(m: func.QueueMessage) -> None:
        sent = json.loads(m.get_body())["sent"]
        with open(LATENCIES, "a") as handle:
            handle.write(f"{time.time() - sent}\\n")
''')


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _threaded(count: int, put: Callable[[int], None]) -> float:
    """Messages per second for ``count`` calls of ``put`` spread over :data:`THREADS`."""
    per = count // THREADS

    def work(offset: int) -> None:
        for i in range(per):
            put(offset * per + i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per * THREADS / (time.perf_counter() - started)


def measure_puts() -> dict[str, float]:
    """Group-committed puts vs one fsync'd file per message, alternating rounds."""
    from azfunc.host.storage import LocalStorage, StoredMessage, atomic_write

    def grouped(tmp: Path) -> float:
        queue = LocalStorage(tmp).queue("bench")
        rate = _threaded(PUTS, lambda _: queue.put(BODY) and None)
        if len(queue) != PUTS // THREADS * THREADS:
            raise AssertionError(f"group commit stored {len(queue)} of {PUTS} messages")
        return rate

    def one_file_each(tmp: Path) -> float:
        lock = threading.Lock()
        folder = tmp / "queues" / "bench"

        def put(i: int) -> None:
            data = json.dumps(StoredMessage(id=str(i), body=BODY.encode()).to_json())
            with lock:  # the store's former per-queue lock around each fsync'd write
                atomic_write(folder / f"{i:020d}.json", data.encode())

        rate = _threaded(PUTS, put)
        if len(list(folder.glob("*.json"))) != PUTS // THREADS * THREADS:
            raise AssertionError("the baseline did not store every message")
        return rate

    SCRATCH.mkdir(parents=True, exist_ok=True)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(ROUNDS):
        for measure, into in ((grouped, ours), (one_file_each, theirs)):
            with tempfile.TemporaryDirectory(dir=SCRATCH, prefix="storage-") as tmp:
                into.append(measure(Path(tmp)))
    return {
        "group_commit_puts_per_s": statistics.median(ours),
        "fsync_per_message_puts_per_s": statistics.median(theirs),
        "ratio": statistics.median(o / t for o, t in zip(ours, theirs, strict=True)),
        "threads": THREADS,
        "messages_per_round": PUTS,
        "rounds": ROUNDS,
    }


def _request(path: str, body: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/json\r\n\r\n")
    return head.encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _post_all(port: int, path: str, count: int,
                    body: Callable[[], bytes]) -> tuple[float, list[float], float]:
    """(messages/s, per-request latencies, start time) for ``count`` POSTs, one at a time
    per connection over :data:`CONNECTIONS` keep-alive connections."""
    left = count
    latencies: list[float] = []

    async def one() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while left > 0:
                left -= 1
                started = time.perf_counter()
                writer.write(_request(path, body()))
                if await _read_status(reader) != 200:
                    raise RuntimeError("a benchmark request failed")
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    wall = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
    return count / (time.perf_counter() - started), latencies, wall


class _Host(ServedProcess):
    """``azfunc start`` on the benchmark app, on a free loopback port."""

    def __init__(self, app_dir: Path) -> None:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "BENCH_LATENCY_FILE": str(app_dir / "latencies.txt")}
        super().__init__(
            [sys.executable, "-m", "azfunc", "start", str(app_dir), "--port", str(port),
             "--poll-interval", "0.05"],
            port=port, env=env, what="azfunc start", cwd=app_dir, timeout=60,
        )


def _app_dir() -> Path:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SCRATCH, prefix="storage-app-"))
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text(json.dumps({"version": "2.0"}))
    return root


def measure_host() -> dict[str, float]:
    """HTTP -> queue output rate, then HTTP -> queue -> trigger rate and latency."""
    from azfunc.host.storage import LocalStorage

    app_dir = _app_dir()
    try:
        with _Host(app_dir) as host:
            body = BODY.encode()
            for path in ("/api/plain", "/api/enqueue"):  # warm-up
                asyncio.run(_post_all(host.port, path, 200, lambda: body))
            rates: dict[str, list[float]] = {"/api/plain": [], "/api/enqueue": []}
            latencies: list[float] = []
            for _ in range(HTTP_ROUNDS):
                for path, into in rates.items():
                    rate, times, _ = asyncio.run(
                        _post_all(host.port, path, HTTP_MESSAGES // HTTP_ROUNDS, lambda: body)
                    )
                    into.append(rate)
                    if path == "/api/enqueue":
                        latencies.extend(times)
            expected = 200 + HTTP_MESSAGES // HTTP_ROUNDS * HTTP_ROUNDS
            stored = len(LocalStorage(app_dir / ".azfunc").queue("bench-out"))
            if stored != expected:
                raise AssertionError(f"{stored} messages stored for {expected} answers")
            sent_rate, _, wall = asyncio.run(_post_all(
                host.port, "/api/e2e", E2E_MESSAGES,
                lambda: json.dumps({"sent": time.time(), "pad": "x" * 64}).encode(),
            ))
            done_file = app_dir / "latencies.txt"
            deadline = time.monotonic() + 300
            lines: list[str] = []
            while time.monotonic() < deadline:
                lines = done_file.read_text().split() if done_file.exists() else []
                if len(lines) >= E2E_MESSAGES:
                    break
                time.sleep(0.05)
            finished = time.time()
            if len(lines) < E2E_MESSAGES:
                raise AssertionError(f"only {len(lines)} of {E2E_MESSAGES} messages ran")
            e2e = [float(line) for line in lines]
    finally:
        shutil.rmtree(app_dir, ignore_errors=True)
    return {
        "http_enqueue_per_s": statistics.median(rates["/api/enqueue"]),
        "http_plain_per_s": statistics.median(rates["/api/plain"]),
        "http_enqueue_vs_plain": statistics.median(
            e / p for e, p in zip(rates["/api/enqueue"], rates["/api/plain"], strict=True)
        ),
        "http_enqueue_p50_ms": _pct(latencies, 0.5) * 1000,
        "http_enqueue_p99_ms": _pct(latencies, 0.99) * 1000,
        "e2e_send_per_s": sent_rate,
        "e2e_per_s": E2E_MESSAGES / (finished - wall),
        "e2e_p50_ms": _pct(e2e, 0.5) * 1000,
        "e2e_p99_ms": _pct(e2e, 0.99) * 1000,
        "connections": CONNECTIONS,
    }


def cases() -> list[Case]:
    """The embedded store's measurements."""

    def puts() -> MeasureResult:
        found = measure_puts()
        value = found["group_commit_puts_per_s"]
        checks = [Check(name="storage.enqueue.vs_fsync_per_message",
                        description="group commit / one fsync'd file per message",
                        value=found["ratio"], unit="x", target=1.0,
                        target_text="report (>= 1x)")]
        return MeasureResult(value=value, unit="msg/s", passed=value >= TARGET_PUTS,
                             details=found, checks=checks)

    def host() -> MeasureResult:
        found = measure_host()
        value = found["http_enqueue_per_s"]
        checks = [Check(name="storage.http_enqueue.vs_plain_http",
                        description="HTTP with a queue output / the same HTTP function "
                        "without one (requests/s)", value=found["http_enqueue_vs_plain"],
                        unit="x plain", target=0.5, target_text="report (>= 0.5x)")]
        return MeasureResult(value=value, unit="msg/s", passed=value >= TARGET_PUTS,
                             details=found, checks=checks)

    return [
        Measurement(name="storage.enqueue",
                    description=f"durable LocalQueue.put/s from {THREADS} threads",
                    run=puts, target_text=f">= {TARGET_PUTS:.0f} msg/s"),
        Measurement(name="storage.http_enqueue",
                    description="azfunc start: HTTP -> queue output msg/s (+ e2e to trigger)",
                    run=host, target_text=f">= {TARGET_PUTS:.0f} msg/s; e2e p50/p99 reported"),
    ]


def main(argv: list[str]) -> int:
    """``python bench/cases/storage.py``: print both measurements without the runner."""
    del argv
    for name, found in (("puts", measure_puts()), ("host", measure_host())):
        print(name)
        for key, value in found.items():
            print(f"  {key:<32} {value:10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
