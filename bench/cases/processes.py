"""FUNCTIONS_WORKER_PROCESS_COUNT: a CPU-bound HTTP function with 1 and with 2 processes.

    python bench/cases/processes.py [--duration 6] [--connections 8] [--rounds 3] [--work 50000]

Rules this module keeps:

* The app is one ``def`` HTTP function that burns CPU in pure Python (``--work``
  iterations of an integer loop, a few milliseconds) and answers the sum: the kind of
  function the setting exists for, since threads share one GIL.
* Two local hosts run side by side, each in its own uvicorn subprocess with the
  configuration ``azfunc start`` uses: ``FUNCTIONS_WORKER_PROCESS_COUNT=1`` (invocations
  on the host's thread pool) and ``=2`` (two worker processes). A keep-alive client in this
  process drives each with ``connections`` connections (one request at a time each) for
  ``duration / rounds`` seconds, in alternating rounds, so background load hits both alike.
* The value is the median per-round ratio ``requests/s with 2 / requests/s with 1``, by
  wall clock: the point is using a second core, which CPU time per request cannot show.
  On a 2-core machine the ideal is 2x; the host's own event loop and the client share the
  cores, so less is expected. Reported without a target: on a loaded machine the
  kernel's fair share (per session with autogroup, per cgroup) caps the CPU all of a
  host's processes get together, so the wall-clock ratio only means something on a quiet
  machine. The CPU time per request of each host, its worker processes included, is
  reported beside it: the cost of the process hop, which background load barely moves.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# run as a script, bench/cases/ heads sys.path and its http.py would shadow the stdlib's
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(ROOT))

from _served import ServedProcess, free_port  # noqa: E402
from harness import Case, Measurement, MeasureResult  # noqa: E402

APP = textwrap.dedent('''
    import os
    import azfunc as func

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    WORK = int(os.environ.get("AZFUNC_BENCH_WORK", "50000"))

    @app.route(route="burn", methods=["GET"])
    def burn(req: func.HttpRequest) -> func.HttpResponse:
        total = 0
        for i in range(WORK):
            total += (i * i) % 7
        return func.HttpResponse(str(total))
''')
COUNTS = (1, 2)
REQUEST = b"GET /api/burn HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def make_app_dir() -> Path:
    """A temporary function app with the CPU-bound function."""
    root = Path(tempfile.mkdtemp(prefix="azfunc-bench-procs-"))
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0"}')
    return root


def _serve(app_dir: str, port: int) -> None:
    import logging

    from azfunc.host.local import LocalHost
    from azfunc.host.server import make_server

    logging.getLogger("azfunc.host").setLevel(logging.WARNING)
    make_server(LocalHost(app_dir), host="127.0.0.1", port=port, log_level="error").run()


def _tree_cpu(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` and its live descendants (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except (OSError, ValueError, IndexError):
        return None
    for child in children:
        total += _tree_cpu(child) or 0.0
    return total


class Server(ServedProcess):
    """A uvicorn subprocess serving the app with ``count`` worker processes."""

    def __init__(self, count: int, app_dir: Path, work: int) -> None:
        port = free_port()
        super().__init__(
            [sys.executable, __file__, "--serve", "--app", str(app_dir), "--port", str(port)],
            port=port, what=f"the host with {count} process(es)", timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT), "AZFUNC_BENCH_WORK": str(work),
                 "FUNCTIONS_WORKER_PROCESS_COUNT": str(count)},
        )


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


async def _load(port: int, duration: float, connections: int) -> tuple[float, int]:
    """(requests per second, requests) over ``connections`` keep-alive connections, one
    request at a time each."""
    count = 0
    stop = time.perf_counter() + duration

    async def one() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                writer.write(REQUEST)
                if (await _response(reader))[0] != 200:
                    raise RuntimeError("a benchmark request failed")
                count += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return count / (time.perf_counter() - started), count


async def _answer(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(REQUEST)
        status, body = await _response(reader)
    finally:
        writer.close()
    if status != 200:
        raise RuntimeError(f"the benchmark function answered {status}")
    return body


def measure(duration: float = 6.0, connections: int = 8, rounds: int = 3,
            work: int = 50000) -> dict[str, float]:
    """Requests/s with 1 and 2 processes (medians), their per-round ratio (``ratio``) and
    the CPU milliseconds each host (its worker processes included) spent per request
    (``cpu_ms_<count>``, when ``/proc`` has it): what the process hop costs."""
    samples: dict[int, list[float]] = {count: [] for count in COUNTS}
    cpu: dict[int, list[float]] = {count: [] for count in COUNTS}
    servers: dict[int, Server] = {}
    try:
        for count in COUNTS:
            # a folder each: one host per embedded store
            servers[count] = Server(count, make_app_dir(), work)
        answers = {asyncio.run(_answer(server.port)) for server in servers.values()}
        if len(answers) != 1:  # both must compute the same thing, or the ratio is unfair
            raise RuntimeError(f"the hosts answered differently: {answers!r}")
        for server in servers.values():
            asyncio.run(_load(server.port, 0.5, connections))  # warm-up
        for _ in range(rounds):
            for count, server in servers.items():
                before = _tree_cpu(server.proc.pid)
                rate, done = asyncio.run(_load(server.port, duration / rounds, connections))
                after = _tree_cpu(server.proc.pid)
                samples[count].append(rate)
                if before is not None and after is not None and done:
                    cpu[count].append((after - before) * 1000 / done)
    finally:
        for server in servers.values():
            server.close()
    found = {f"rps_{count}": statistics.median(values) for count, values in samples.items()}
    found["ratio"] = statistics.median(b / a for a, b in zip(samples[1], samples[2],
                                                             strict=True))
    for count, values in cpu.items():
        if values:
            found[f"cpu_ms_{count}"] = statistics.median(values)
    return found


def cases() -> list[Case]:
    """The one measurement: requests/s with 2 processes over requests/s with 1."""

    def run() -> MeasureResult:
        found = measure()
        return MeasureResult(value=found["ratio"], unit="x 1 process", passed=None,
                             details=found)

    return [Measurement(
        name="processes.rps",
        description="requests/s of a CPU-bound def HTTP function: "
                    "FUNCTIONS_WORKER_PROCESS_COUNT=2 / =1",
        run=run, target_text="report (2 cores: at most 2x)",
    )]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--app")
    parser.add_argument("--port", type=int)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=int, default=50000,
                        help="loop iterations per request (CPU per invocation)")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.app, args.port)
        return 0
    found = measure(args.duration, args.connections, args.rounds, args.work)
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"CPU-bound def function ({args.work} iterations), {args.connections} connections, "
          f"{args.duration:g} s per host in {args.rounds} alternating rounds (medians):")
    for count in COUNTS:
        print(f"  FUNCTIONS_WORKER_PROCESS_COUNT={count}: {found[f'rps_{count}']:8.1f} req/s")
        if f"cpu_ms_{count}" in found:
            print(f"{'':39}{found[f'cpu_ms_{count}']:8.2f} CPU ms/request (host + workers)")
    print(f"  ratio (2 / 1, per round): {found['ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
