#!/usr/bin/env python3
"""A bounded hostile load test of ``azfunc start`` or ``azfunc worker`` on loopback.

    python3 scripts/load.py [--target start|worker] [--requests 10000] [--concurrency 50]

``--target start`` (the default) starts ``azfunc start`` (from ``.venv``) on a generated
app, sends ``--requests`` requests from ``--concurrency`` connections at once (most are
well-formed POSTs; a share have a malformed request line, a body cut off mid-way, or a head
sent slowly), and prints the count of each outcome, p50/p99 latency of the well-formed ones
and the host's RSS before and after. Then it enqueues messages through an HTTP function,
kills the host with SIGKILL while they are processed, restarts it and counts messages that
never ran.

``--target worker`` starts ``azfunc worker`` and sends what the Functions host sends a
custom handler: ``{"Data", "Metadata"}`` envelopes for an HTTP function and a queue
function, with the ``X-Azure-Functions-InvocationId`` header; a share are malformed
envelopes (not JSON, the wrong shape, nested 5,000 deep), malformed HTTP, cut-off bodies
and slow heads. Each well-formed answer is checked (``good-http:200`` only when its
``Outputs`` are right). The same numbers come out; there is no kill -9 step (the host, not
the worker, owns the queues). The worker must still answer a well-formed envelope after.
Not a unit test: it measures; the numbers go in the report
(``tests/security/test_worker_load.py`` runs a small worker load and asserts invariants).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
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


WORKER_APP = '''
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))

@app.queue_trigger(arg_name="msg", queue_name="jobs", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="done", connection="AzureWebJobsStorage")
def relay(msg: func.QueueMessage, out: func.Out[str]) -> None:
    out.set(msg.get_body().decode().upper())
'''

#: the share of each kind of request, per target (out of 100).
KINDS: dict[str, dict[str, int]] = {
    "start": {"good": 85, "malformed": 6, "cut": 6, "slow": 3},
    "worker": {"good-http": 45, "good-queue": 40, "bad-json": 3, "bad-shape": 2,
               "deep": 1, "malformed": 3, "cut": 4, "slow": 2},
}

#: the answer each kind must get for the run to be sound (``cut`` expects none).
EXPECTED: dict[str, frozenset[str]] = {
    "good": frozenset({"200"}), "good-http": frozenset({"200"}),
    "good-queue": frozenset({"200"}), "bad-json": frozenset({"400"}),
    "bad-shape": frozenset({"400"}), "deep": frozenset({"400"}),
    "malformed": frozenset({"400"}),
    "slow": frozenset({"408", "closed", "reset-by-server"}),
    "cut": frozenset({"sent"}),
}


def _envelope(index: int, kind: str) -> tuple[str, bytes, object]:
    """``(path, body, expected Outputs)`` of a host-shaped custom-handler request."""
    if kind == "good-http":
        text = "x" * random.randint(0, 2000)
        request = {"Url": "http://127.0.0.1:7071/api/echo", "Method": "POST", "Query": {},
                   "Headers": {"Content-Type": ["text/plain"],
                               "Content-Length": [str(len(text))]},
                   "Params": {}, "Identities": [], "Body": text}
        body = json.dumps({"Data": {"req": request}, "Metadata": {}}).encode()
        return "/echo", body, {"$return": {"statusCode": "200", "body": str(len(text))}}
    if kind == "good-queue":
        text = f"message {index}"
        body = json.dumps({"Data": {"msg": json.dumps(text)},
                           "Metadata": {"DequeueCount": "1", "Id": json.dumps(f"id{index}"),
                                        "InsertionTime": "2026-01-01T00:00:00+00:00"}})
        return "/relay", body.encode(), {"out": base64.b64encode(text.upper().encode()).decode()}
    if kind == "bad-json":
        return "/relay", b'{"Data": {"msg": "\\"cut', None
    if kind == "bad-shape":
        return "/relay", b'{"Data": ["not", "an", "object"], "Metadata": 3}', None
    return "/relay", b'{"Data": {"msg": ' + b"[" * 5000 + b"]" * 5000 + b"}}", None


def _answer_outcome(kind: str, answer: bytes, expected: object) -> str:
    """``kind:status``, ``-wrong`` appended when a well-formed answer's Outputs are not the
    expected ones (every expected key and field present with its value)."""
    if not answer.startswith(b"HTTP/1.1 "):
        return f"{kind}:" + ("closed" if not answer else "garbage")
    status = answer[9:12].decode("latin-1")
    if expected is None or status != "200":
        return f"{kind}:{status}"
    try:
        outputs = json.loads(answer.partition(b"\r\n\r\n")[2])["Outputs"]
    except (ValueError, KeyError, TypeError):
        return f"{kind}:{status}-wrong"
    assert isinstance(expected, dict)
    for key, value in expected.items():
        got = outputs.get(key) if isinstance(outputs, dict) else None
        if isinstance(value, dict):
            if not isinstance(got, dict) or any(got.get(k) != v for k, v in value.items()):
                return f"{kind}:{status}-wrong"
        elif got != value:
            return f"{kind}:{status}-wrong"
    return f"{kind}:{status}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(app: Path, port: int, env: dict[str, str], *, target: str = "start",
           python: str = str(PY)) -> subprocess.Popen[bytes]:
    extra = ["--poll-interval", "0.05"] if target == "start" else []
    proc = subprocess.Popen(
        [python, "-m", "azfunc", target, str(app), "--port", str(port),
         "--header-timeout", "2", *extra],
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


_ENVELOPES = frozenset({"good-http", "good-queue", "bad-json", "bad-shape", "deep"})


def _request(kind: str, index: int, target: str) -> tuple[bytes, object]:
    """The bytes of one request of ``kind`` (before any slow part), and the expected
    ``Outputs`` of a well-formed envelope."""
    if kind in _ENVELOPES:
        path, body, expected = _envelope(index, kind)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                "Content-Type: application/json\r\n"
                f"X-Azure-Functions-InvocationId: 00000000-0000-4000-8000-{index:012d}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body, expected
    path = b"/relay" if target == "worker" else b"/api/echo"
    if kind == "good":
        body = b"x" * random.randint(0, 2000)
        return (b"POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (path, len(body), body)), None
    if kind == "malformed":
        return b"P\x00ST %s HTTP/9\r\n\r\n" % path, None
    if kind == "cut":
        return (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" % path
                + b"y" * 100), None
    return b"GET %s HTTP/1.1\r\n" % path, None  # slow: the head never ends in time


async def _one(port: int, kind: str, index: int = 0,
               target: str = "start") -> tuple[str, float]:
    """Send one request of ``kind``; ``(outcome, seconds)``."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), 10)
    except (OSError, asyncio.TimeoutError):
        return "connect-failed", 0.0
    try:
        data, expected = _request(kind, index, target)
        writer.write(data)
        if kind == "cut":
            await writer.drain()
            writer.close()
            return "cut:sent", time.perf_counter() - start
        if kind == "slow":
            for _ in range(40):
                await writer.drain()
                await asyncio.sleep(0.1)
                writer.write(b"X-Slow: 1\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)
        return _answer_outcome(kind, answer, expected), time.perf_counter() - start
    except ConnectionResetError:  # the server answered 408 and closed while we still wrote
        return f"{kind}:reset-by-server", time.perf_counter() - start
    except (OSError, asyncio.TimeoutError) as exc:
        return f"{kind}:{type(exc).__name__}", time.perf_counter() - start
    finally:
        writer.close()


async def _load(port: int, requests: int, concurrency: int, target: str = "start",
                seed: int = 1) -> tuple[Counter[str], list[float]]:
    shares = KINDS[target]
    kinds = random.Random(seed).choices(list(shares), weights=list(shares.values()),
                                        k=requests)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for index, kind in enumerate(kinds):
        queue.put_nowait((index, kind))

    async def worker() -> None:
        while not queue.empty():
            index, kind = queue.get_nowait()
            outcome, took = await _one(port, kind, index, target)
            outcomes[outcome] += 1
            if outcome in {"good:200", "good-http:200", "good-queue:200"}:
                latencies.append(took)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes, sorted(latencies)


def unexpected(outcomes: Counter[str] | dict[str, int]) -> dict[str, int]:
    """The outcomes that are not the answer their kind must get (see ``EXPECTED``)."""
    bad: dict[str, int] = {}
    for outcome, count in outcomes.items():
        kind, _, status = outcome.partition(":")
        if status not in EXPECTED.get(kind, frozenset()):
            bad[outcome] = count
    return bad


def run_worker_load(requests: int, concurrency: int, *, python: str = str(PY),
                    seed: int = 1) -> dict[str, object]:
    """Start ``azfunc worker`` on a generated app, load it, check it still answers, stop it;
    the numbers as a dict (``crashed``: the worker exited during the run)."""
    work = Path(tempfile.mkdtemp(prefix="azfunc-load-worker-"))
    app = work / "app"
    app.mkdir()
    (app / "function_app.py").write_text(WORKER_APP)
    (app / "host.json").write_text('{"version": "2.0"}')
    port = _free_port()
    worker = _start(app, port, dict(os.environ), target="worker", python=python)
    try:
        before = _rss_kib(worker.pid)
        began = time.perf_counter()
        outcomes, latencies = asyncio.run(_load(port, requests, concurrency, "worker", seed))
        elapsed = time.perf_counter() - began
        after = _rss_kib(worker.pid)
        crashed = worker.poll() is not None
        after_load = asyncio.run(_one(port, "good-queue", requests, "worker"))[0]
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "target": "worker", "requests": requests, "concurrency": concurrency,
        "seconds": round(elapsed, 1), "crashed": crashed,
        "answered_after_load": after_load,
        "outcomes": dict(sorted(outcomes.items())),
        "unexpected": unexpected(outcomes),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
        "rss_kib_before": before, "rss_kib_after": after,
    }


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
    parser.add_argument("--target", choices=["start", "worker"], default="start")
    args = parser.parse_args(argv)
    if args.target == "worker":
        numbers = run_worker_load(args.requests, args.concurrency)
        print(json.dumps(numbers, indent=1))
        sound = (not numbers["crashed"] and not numbers["unexpected"]
                 and numbers["answered_after_load"] == "good-queue:200")
        return 0 if sound else 1
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
    outcomes, latencies = asyncio.run(_load(port, args.requests, args.concurrency, "start"))
    elapsed = time.perf_counter() - began
    after = _rss_kib(host.pid)
    alive = host.poll() is None
    result: dict[str, object] = {
        "requests": args.requests, "concurrency": args.concurrency,
        "seconds": round(elapsed, 1), "host_alive": alive,
        "outcomes": dict(sorted(outcomes.items())),
        "unexpected": unexpected(outcomes),
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
