"""The embedded store: enqueue throughput, and HTTP -> queue -> trigger through ``azfunc start``.

Rules this module keeps:

* ``storage.enqueue``: durable puts per second into one :class:`LocalQueue` from
  :data:`THREADS` threads at once (as the host's invocations put), against the baseline the
  store had before group commit, measured in the same run in alternating rounds: the same
  messages written one file each with ``fsync`` of file and directory per message
  (``atomic_write``) under one lock. Target: >= :data:`TARGET_PUTS` messages/s; the ratio
  is reported beside it. Every round checks that every message was stored.
* ``storage.http_enqueue``: an ``azfunc start`` subprocess on 127.0.0.1 serving a ``def``
  HTTP function with a queue output (nothing consumes the queue) and the same function
  without one (``/api/plain``); the shared pipelined load generator of ``host.rps``
  (``bench/_loadgen.py``: :data:`CONNECTIONS` keep-alive connections, :data:`DEPTH`
  requests per write) drives each for :data:`HTTP_SECONDS` per round, alternating, so the
  client is not the bottleneck on two cores. A 200 means the message is durable. Reports
  messages/s beside the plain HTTP rate and the p50/p99 latency under that load; target
  >= ``TARGET_PUTS``; beside them the server's CPU time per request of each (``/proc``,
  median over rounds: the noise-free guide on a shared machine). The message count on
  disk is checked against the 200s after the run.
* ``storage.end_to_end`` (in ``storage.http_enqueue``'s details): the same app plus a queue
  trigger that appends, per message, the seconds from the client's send time (in the body)
  to the function's start; reports messages/s from the first send to the last message
  processed and the p50/p99 of those latencies (client and host share the machine's
  clock).
* ``storage.azurite_e2e``: the same end-to-end run with ``AzureWebJobsStorage`` naming a
  real Azurite (installed and located as the tests do: ``scripts/dev.py``
  ``ensure_azurite``, started on free loopback ports with a temporary ``--location``,
  stopped by its PID), reported beside the embedded store's run in the same measurement;
  no target. Without Node.js it is reported as skipped, with the reason.
* Each measurement runs once, in a fresh process, on a temporary directory of the
  machine's disk (never tmpfs: ``fsync`` must cost what it costs for a developer).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from _loadgen import load, read_response
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
#: the pipelined load of ``storage.http_enqueue`` (as ``host.rps``)
CONNECTIONS = 8
DEPTH = 8
HTTP_SECONDS = 2.0
HTTP_ROUNDS = 3
#: the e2e client: one request at a time per connection (each body carries its send time)
E2E_CONNECTIONS = 64
E2E_MESSAGES = 1500
AZURITE_E2E_MESSAGES = 600
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


async def _post_all(port: int, path: str, count: int, body: Callable[[], bytes],
                    exit_code: Callable[[], int | None] = lambda: None,
                    ) -> tuple[float, list[float], float]:
    """(messages/s, per-request latencies, start time) for ``count`` POSTs, one at a time
    per connection over :data:`E2E_CONNECTIONS` keep-alive connections (each body made
    when it is sent: it carries the send time). A connection the server breaks raises a
    ``RuntimeError`` saying when (answers so far on it and in all, seconds into the run)
    and whether the server process is still alive (``exit_code``), so a rare reset in a
    full run can be told apart: server gone, or a connection closed under a request."""
    left = count
    latencies: list[float] = []

    async def one(number: int) -> None:
        nonlocal left
        answered = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while left > 0:
                left -= 1
                sent = time.perf_counter()
                try:
                    writer.write(_request(path, body()))
                    status = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    raise RuntimeError(
                        f"{path}: connection {number} broke ({exc!r}) after {answered} answers "
                        f"on it, {len(latencies)} in all, {sent - started:.1f} s into the run; "
                        f"server exit code {exit_code()}") from exc
                if status != 200:
                    raise RuntimeError(f"a benchmark request failed: {status}")
                answered += 1
                latencies.append(time.perf_counter() - sent)
        finally:
            writer.close()

    wall = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(E2E_CONNECTIONS)))
    return count / (time.perf_counter() - started), latencies, wall


#: ``azfunc start`` under cProfile (``BENCH_STORAGE_PROFILE=<file>``): the stats are
#: written when it returns (``azfunc start`` drains and exits on the bench's SIGTERM).
_PROFILED = textwrap.dedent('''
    import cProfile, sys
    from azfunc.cli import main
    out, argv = sys.argv[1], sys.argv[2:]
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(["start", *argv])
    finally:
        profiler.disable()
        profiler.dump_stats(out)
''')


class _Host(ServedProcess):
    """``azfunc start`` on the benchmark app, on a free loopback port (``storage``: the
    ``AzureWebJobsStorage`` connection string, unset for the embedded store)."""

    def __init__(self, app_dir: Path, storage: str | None = None) -> None:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "BENCH_LATENCY_FILE": str(app_dir / "latencies.txt")}
        env.pop("AzureWebJobsStorage", None)
        if storage is not None:
            env["AzureWebJobsStorage"] = storage
        start = ["-m", "azfunc", "start", str(app_dir), "--port", str(port),
                 "--poll-interval", "0.05"]
        profile = os.environ.get("BENCH_STORAGE_PROFILE")
        if profile:  # cProfile of the served process, written when it stops
            start = ["-c", _PROFILED, profile, *start[3:]]
        super().__init__(
            [sys.executable, *start],
            port=port, env=env, what="azfunc start", cwd=app_dir, timeout=60, http_ready=True,
        )


def _app_dir() -> Path:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=SCRATCH, prefix="storage-app-"))
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text(json.dumps({"version": "2.0"}))
    return root


def _end_to_end(host: _Host, app_dir: Path, count: int, prefix: str) -> dict[str, float]:
    """HTTP -> queue output -> queue trigger: ``count`` messages, rate and latencies."""
    sent_rate, _, wall = asyncio.run(_post_all(
        host.port, "/api/e2e", count,
        lambda: json.dumps({"sent": time.time(), "pad": "x" * 64}).encode(),
        host.proc.poll,
    ))
    done_file = app_dir / "latencies.txt"
    deadline = time.monotonic() + 300
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = done_file.read_text().split() if done_file.exists() else []
        if len(lines) >= count:
            break
        time.sleep(0.05)
    finished = time.time()
    if len(lines) < count:
        raise AssertionError(f"only {len(lines)} of {count} messages ran")
    e2e = [float(line) for line in lines[:count]]
    return {
        f"{prefix}send_per_s": sent_rate,
        f"{prefix}per_s": count / (finished - wall),
        f"{prefix}p50_ms": _pct(e2e, 0.5) * 1000,
        f"{prefix}p99_ms": _pct(e2e, 0.99) * 1000,
    }


def measure_host() -> dict[str, float]:
    """HTTP -> queue output rate beside plain HTTP (pipelined, alternating rounds), then
    HTTP -> queue -> trigger rate and latency, on the embedded store."""
    from azfunc.host.storage import LocalStorage

    app_dir = _app_dir()
    body = BODY.encode()
    requests = {path: _request(path, body) for path in ("/api/plain", "/api/enqueue")}
    try:
        with _Host(app_dir) as host:
            answered = 0
            for path, request in requests.items():  # warm-up
                _, done = asyncio.run(load(host.port, request, 0.5, CONNECTIONS, DEPTH))
                answered += done if path == "/api/enqueue" else 0
            rates: dict[str, list[float]] = {path: [] for path in requests}
            cpu_us: dict[str, list[float]] = {path: [] for path in requests}
            latencies: list[float] = []
            for _ in range(HTTP_ROUNDS):
                for path, request in requests.items():
                    into = latencies if path == "/api/enqueue" else None
                    before = host.cpu_seconds()
                    rate, done = asyncio.run(load(host.port, request, HTTP_SECONDS,
                                                  CONNECTIONS, DEPTH, latencies=into))
                    after = host.cpu_seconds()
                    rates[path].append(rate)
                    if before is not None and after is not None and done:
                        cpu_us[path].append((after - before) / done * 1e6)
                    answered += done if path == "/api/enqueue" else 0
            stored = len(LocalStorage(app_dir / ".azfunc").queue("bench-out"))
            if stored != answered:
                raise AssertionError(f"{stored} messages stored for {answered} answers")
            e2e = _end_to_end(host, app_dir, E2E_MESSAGES, "e2e_")
    finally:
        shutil.rmtree(app_dir, ignore_errors=True)
    return {
        "http_enqueue_per_s": statistics.median(rates["/api/enqueue"]),
        "http_plain_per_s": statistics.median(rates["/api/plain"]),
        "http_enqueue_vs_plain": statistics.median(
            e / p for e, p in zip(rates["/api/enqueue"], rates["/api/plain"], strict=True)
        ),
        **{f"http_{path.rsplit('/', 1)[1]}_server_cpu_us": statistics.median(values)
           for path, values in cpu_us.items() if values},
        "http_enqueue_p50_ms": _pct(latencies, 0.5) * 1000,
        "http_enqueue_p99_ms": _pct(latencies, 0.99) * 1000,
        **e2e,
        "connections": CONNECTIONS,
        "depth": DEPTH,
    }


def _dev_script() -> Any:
    """``scripts/dev.py`` as a module (its ``ensure_azurite`` and ``azurite_bin``)."""
    spec = importlib.util.spec_from_file_location("_azfunc_dev", ROOT / "scripts" / "dev.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("scripts/dev.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def azurite_command() -> tuple[Path | None, str]:
    """(Azurite's command, "") once installed as the tests install it, else (None, why)."""
    dev = _dev_script()
    if not dev.azurite_bin().exists():
        if shutil.which("node") is None or shutil.which("npm") is None:
            return None, "Node.js/npm not found: Azurite cannot be installed"
        dev.ensure_azurite()
    found = dev.azurite_bin()
    if not found.exists():
        return None, f"Azurite is not installed at {found}"
    return Path(found), ""


class _Azurite:
    """Azurite on free loopback ports with a temporary ``--location``, stopped by PID."""

    ACCOUNT = "devstoreaccount1"
    #: Azurite's published well-known key (not a secret)
    KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
           "KBHBeksoGMGw==")

    def __init__(self, command: Path, location: Path) -> None:
        self.ports = [free_port() for _ in range(3)]
        blob, queue, table = self.ports
        self.log = open(location / "azurite.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(command), "--silent", "--skipApiVersionCheck", "--loose",
             "--location", str(location),
             "--blobHost", "127.0.0.1", "--blobPort", str(blob),
             "--queueHost", "127.0.0.1", "--queuePort", str(queue),
             "--tableHost", "127.0.0.1", "--tablePort", str(table)],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=location,
        )
        deadline = time.monotonic() + 60
        while not all(self._listening(port) for port in self.ports):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Azurite did not start: "
                                   + (location / "azurite.log").read_text(errors="replace"))
            time.sleep(0.1)

    @staticmethod
    def _listening(port: int) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", port)) == 0

    @property
    def connection_string(self) -> str:
        blob, queue, table = self.ports
        return (f"DefaultEndpointsProtocol=http;AccountName={self.ACCOUNT};"
                f"AccountKey={self.KEY};"
                f"BlobEndpoint=http://127.0.0.1:{blob}/{self.ACCOUNT};"
                f"QueueEndpoint=http://127.0.0.1:{queue}/{self.ACCOUNT};"
                f"TableEndpoint=http://127.0.0.1:{table}/{self.ACCOUNT};")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def measure_azurite() -> dict[str, Any]:
    """HTTP -> queue -> trigger end to end on Azurite, beside the embedded store (same run,
    same message count); ``{"skipped": why}`` when Azurite cannot be had."""
    command, why = azurite_command()
    if command is None:
        return {"skipped": why}
    found: dict[str, Any] = {"messages": AZURITE_E2E_MESSAGES}
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=SCRATCH, prefix="azurite-") as location:
        azurite = _Azurite(command, Path(location))
        try:
            for prefix, storage in (("embedded_", None),
                                    ("azurite_", azurite.connection_string)):
                app_dir = _app_dir()
                try:
                    with _Host(app_dir, storage) as host:
                        found.update(_end_to_end(host, app_dir, AZURITE_E2E_MESSAGES, prefix))
                finally:
                    shutil.rmtree(app_dir, ignore_errors=True)
        finally:
            azurite.stop()
    found["azurite_vs_embedded"] = found["azurite_per_s"] / found["embedded_per_s"]
    return found


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

    def azurite() -> MeasureResult:
        found = measure_azurite()
        if "skipped" in found:
            return MeasureResult(value=0.0, unit="msg/s", passed=None,
                                 details={"skipped": str(found["skipped"])})
        return MeasureResult(value=found["azurite_per_s"], unit="msg/s", passed=None,
                             details=found)

    return [
        Measurement(name="storage.enqueue",
                    description=f"durable LocalQueue.put/s from {THREADS} threads",
                    run=puts, target_text=f">= {TARGET_PUTS:.0f} msg/s"),
        Measurement(name="storage.http_enqueue",
                    description="azfunc start: HTTP -> queue output msg/s, pipelined (plain "
                    "HTTP rate and e2e to trigger beside it)",
                    run=host, target_text=f">= {TARGET_PUTS:.0f} msg/s; e2e p50/p99 reported"),
        Measurement(name="storage.azurite_e2e",
                    description="azfunc start on Azurite: HTTP -> queue output -> queue "
                    "trigger msg/s, p50/p99 (embedded store beside it)",
                    run=azurite, target_text="report"),
    ]


def main(argv: list[str]) -> int:
    """``python bench/cases/storage.py``: print both measurements without the runner."""
    del argv
    for name, measure in (("puts", measure_puts), ("host", measure_host),
                          ("azurite", measure_azurite)):
        print(name, flush=True)
        for key, value in measure().items():
            shown = f"{value:10.1f}" if isinstance(value, (int, float)) else str(value)
            print(f"  {key:<32} {shown}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
