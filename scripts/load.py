#!/usr/bin/env python3
"""A bounded hostile load test of ``azfunc start`` on loopback, and a kill -9 queue check.

    python3 scripts/load.py [--requests 10000] [--concurrency 50]

Starts ``azfunc start`` (from ``.venv``) on a generated app, sends ``--requests`` requests
from ``--concurrency`` connections at once (most are well-formed POSTs; a share have a
malformed request line, a body cut off mid-way, or a head sent slowly), and prints the
count of each outcome, p50/p99 latency of the well-formed ones and the host's RSS before
and after. Then it enqueues messages through an HTTP function, kills the host with
SIGKILL while they are processed, restarts it and counts messages that never ran.
Not a unit test: it measures; the numbers go in the report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"

APP = '''
import os, pathlib, time
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKS = pathlib.Path(os.environ["LOAD_MARKS"])

@app.route(route="echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))

@app.route(route="enqueue/{id}", methods=["POST"])
@app.queue_output(arg_name="msg", queue_name="jobs", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    msg.set(req.route_params["id"])
    return func.HttpResponse("queued", status_code=202)

@app.queue_trigger(arg_name="m", queue_name="jobs", connection="AzureWebJobsStorage")
def work(m: func.QueueMessage) -> None:
    time.sleep(0.2)  # so that the kill -9 lands while messages are in flight
    (MARKS / m.get_body().decode()).write_text("done")
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(app: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(PY), "-m", "azfunc", "start", str(app), "--port", str(port),
         "--header-timeout", "2", "--poll-interval", "0.05"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the host did not start")


async def _one(port: int, kind: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), 10)
    except (OSError, asyncio.TimeoutError):
        return "connect-failed", 0.0
    try:
        if kind == "good":
            body = b"x" * random.randint(0, 2000)
            writer.write(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        elif kind == "malformed":
            writer.write(b"P\x00ST /api/echo HTTP/9\r\n\r\n")
        elif kind == "cut":
            writer.write(b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
                         + b"y" * 100)
            await writer.drain()
            writer.close()
            return "cut-sent", time.perf_counter() - start
        elif kind == "slow":
            writer.write(b"GET /api/echo HTTP/1.1\r\n")
            for _ in range(40):
                await writer.drain()
                await asyncio.sleep(0.1)
                writer.write(b"X-Slow: 1\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)
        status = answer[9:12].decode("latin-1") if answer.startswith(b"HTTP/1.1 ") else (
            "closed" if not answer else "garbage")
        return f"{kind}:{status}", time.perf_counter() - start
    except ConnectionResetError:  # the server answered 408 and closed while we still wrote
        return f"{kind}:reset-by-server", time.perf_counter() - start
    except (OSError, asyncio.TimeoutError) as exc:
        return f"{kind}:{type(exc).__name__}", time.perf_counter() - start
    finally:
        writer.close()


async def _load(port: int, requests: int, concurrency: int) -> tuple[Counter[str], list[float]]:
    kinds = random.Random(1).choices(["good", "malformed", "cut", "slow"],
                                     weights=[85, 6, 6, 3], k=requests)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for kind in kinds:
        queue.put_nowait(kind)

    async def worker() -> None:
        while not queue.empty():
            kind = queue.get_nowait()
            outcome, took = await _one(port, kind)
            outcomes[outcome] += 1
            if outcome == "good:200":
                latencies.append(took)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes, sorted(latencies)


def _post(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return int(answer[9:12] or 0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="azfunc-load-"))
    app, marks = work / "app", work / "marks"
    app.mkdir()
    marks.mkdir()
    (app / "function_app.py").write_text(APP)
    (app / "host.json").write_text('{"version": "2.0"}')
    env = {**os.environ, "LOAD_MARKS": str(marks)}
    port = _free_port()
    host = _start(app, port, env)
    before = _rss_kib(host.pid)
    began = time.perf_counter()
    outcomes, latencies = asyncio.run(_load(port, args.requests, args.concurrency))
    elapsed = time.perf_counter() - began
    after = _rss_kib(host.pid)
    alive = host.poll() is None
    result: dict[str, object] = {
        "requests": args.requests, "concurrency": args.concurrency,
        "seconds": round(elapsed, 1), "host_alive": alive,
        "outcomes": dict(sorted(outcomes.items())),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
        "rss_kib_before": before, "rss_kib_after": after,
    }
    # queue messages across kill -9
    accepted = sum(_post(port, f"/api/enqueue/m{i}") == 202 for i in range(args.messages))
    time.sleep(0.1)
    host.send_signal(signal.SIGKILL)
    host.wait()
    ran_before_kill = len(list(marks.iterdir()))
    host = _start(app, port, env)
    deadline = time.monotonic() + 120
    while len(list(marks.iterdir())) < accepted and time.monotonic() < deadline:
        time.sleep(0.2)
    done = len(list(marks.iterdir()))
    host.send_signal(signal.SIGINT)
    host.wait(30)
    result["queue"] = {"accepted": accepted, "ran_before_kill": ran_before_kill,
                       "ran_in_total": done, "lost": accepted - done}
    print(json.dumps(result, indent=1))
    return 0 if alive and accepted == done else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
