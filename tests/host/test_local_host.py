"""The local host through a real uvicorn server and a real HTTP client."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from azfunc.host.local import LocalHost
from azfunc.host.storage import LocalStorage

from .conftest import HERE, serving, wait_for


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, LocalHost]]:
    root = tmp_path_factory.mktemp("served") / "app"
    root.mkdir()
    shutil.copy(HERE / "sample_app.py", root / "function_app.py")
    (root / "host.json").write_text(json.dumps({
        "version": "2.0",
        "extensions": {"queues": {"maxPollingInterval": "00:00:00.020", "maxDequeueCount": 5}},
    }))
    saved = {k: os.environ.get(k) for k in ("TICK_SCHEDULE", "AZFUNC_TEST_MARKS")}
    os.environ["TICK_SCHEDULE"] = "0 0 0 1 1 *"
    os.environ["AZFUNC_TEST_MARKS"] = str(root.parent)
    host = LocalHost(root, max_body_size=64 * 1024, threads=4)
    try:
        with serving(host) as base, httpx.Client(base_url=base, timeout=10) as client:
            yield client, host
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


ROUTES = [
    ("GET", "/api/hello/World", 200, "hello World"),
    ("GET", "/API/HELLO/world", 200, "hello world"),
    ("GET", "/api/hello/w0rld", 404, None),
    ("GET", "/api/items/7", 200, {"id": "7"}),
    ("PUT", "/api/items/7/extra", 200, {"id": "7", "rest": "extra"}),
    ("GET", "/api/items/101", 200, "slug 101"),  # range(1,100) fails: the next route wins
    ("GET", "/api/items/abc", 200, "slug abc"),
    ("GET", "/api/files/a/b/c.txt", 200, "a/b/c.txt"),
    ("DELETE", "/api/files", 200, ""),
    ("GET", "/api/nowhere", 404, None),
    ("GET", "/elsewhere", 404, None),
]


@pytest.mark.parametrize(("method", "path", "status", "body"), ROUTES)
def test_routes(served: tuple[httpx.Client, LocalHost], method: str, path: str, status: int,
                body: object) -> None:
    client, _ = served
    response = client.request(method, path)
    assert response.status_code == status
    if isinstance(body, dict):
        assert response.json() == body
    elif body is not None:
        assert response.text == body


def test_method_not_allowed(served: tuple[httpx.Client, LocalHost]) -> None:
    client, _ = served
    response = client.post("/api/items/7")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "PUT"}


def test_headers_and_cookies(served: tuple[httpx.Client, LocalHost]) -> None:
    client, _ = served
    response = client.get("/api/cookies")
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers.get_list("x-multi") == ["a", "b"]
    assert response.headers["x-trace"] == "1"
    assert response.cookies["a"] == "1"


def test_streaming_response(served: tuple[httpx.Client, LocalHost]) -> None:
    client, _ = served
    with client.stream("GET", "/api/stream") as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        data = b"".join(response.iter_raw())
    assert data == b"".join(f"chunk{i};".encode() for i in range(5))


def test_binary_body_round_trip(served: tuple[httpx.Client, LocalHost]) -> None:
    client, _ = served
    payload = bytes(range(256)) * 10
    response = client.post("/api/echo", content=payload)
    assert response.status_code == 200
    assert response.content == payload


def _raw_exchange(base: str, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection, stop writing and read the whole answer.

    Whatever is sent is sent before the server can answer, so the server has read it all
    when it answers 413 and closes: no reset can cut the answer off.
    """
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_body_over_limit_is_413(served: tuple[httpx.Client, LocalHost]) -> None:
    client, _ = served
    base = str(client.base_url).rstrip("/")
    limit = 64 * 1024
    declared = (f"POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: {limit + 1}\r\n"
                "\r\n").encode()
    assert _raw_exchange(base, declared).startswith(b"HTTP/1.1 413 ")
    # no Content-Length: the limit applies while reading the chunks
    chunk = b"400\r\n" + b"y" * 1024 + b"\r\n"
    chunked = (b"POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               + chunk * (limit // 1024) + b"1\r\nz\r\n")
    assert _raw_exchange(base, chunked).startswith(b"HTTP/1.1 413 ")
    assert client.post("/api/echo", content=b"ok").status_code == 200


def test_user_exception_is_500_and_logged(
    served: tuple[httpx.Client, LocalHost], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    with caplog.at_level(logging.ERROR, logger="azfunc.host"):
        response = client.get("/api/boom")
    assert response.status_code == 500
    answer = response.json()
    assert "boom from user code" not in response.text  # details go to the log only
    records = [r for r in caplog.records if r.name == "azfunc.host"]
    assert any("[boom]" in r.getMessage() and r.exc_info for r in records)
    assert any(answer["invocationId"] in r.getMessage() and r.exc_info
               and "boom from user code" in str(r.exc_info[1]) for r in records)


@pytest.mark.parametrize("route", ["meet", "meet-async"])
def test_invocations_overlap(served: tuple[httpx.Client, LocalHost], route: str) -> None:
    # each invocation waits at a barrier of 4: all answer 200 only if 4 run at the same time
    # (the host has 4 threads, so a def function needs every one of them)
    client, _ = served
    results: list[int] = []

    def call() -> None:
        results.append(client.get(f"/api/{route}", params={"n": "4"}).status_code)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4


def test_http_to_queue_to_blob_to_blob_trigger(served: tuple[httpx.Client, LocalHost]) -> None:
    client, host = served
    assert client.post("/api/orders/e2e", content=b"two mugs").status_code == 202
    response = wait_for(lambda: (r := client.get("/api/done/e2e")).status_code == 200 and r)
    done = response.json()
    assert done["id"] == "e2e"
    assert done["note"] == "two mugs"
    assert done["dequeue_count"] == 1
    assert len(host.storage.queue("orders")) == 0

    def note() -> object:
        notes = [json.loads(m.body) for m in host.storage.queue("notes").messages()]
        return [n for n in notes if n["blob"] == "done/e2e.json"]

    found = wait_for(note)
    assert found[0]["size"] == len(json.dumps(done).encode()) or found[0]["size"] > 0


def test_admin_endpoint(served: tuple[httpx.Client, LocalHost]) -> None:
    client, host = served
    payload = json.dumps({"id": "via-admin", "note": "n"})
    response = client.post("/admin/functions/process", json={"input": payload})
    assert response.status_code == 202
    wait_for(lambda: host.storage.read_blob("done/via-admin.json"))
    assert client.post("/admin/functions/nosuch", json={"input": ""}).status_code == 404
    assert client.post("/admin/functions/hello", json={"input": ""}).status_code == 400
    assert client.post("/admin/functions/process", content=b"{not json").status_code == 400
    listed = client.get("/admin/functions").json()
    assert {f["name"] for f in listed} >= {"process", "hello", "tick"}
    assert client.get("/admin/host/status").json()["state"] == "Running"


def test_poison_after_max_dequeue_count(served: tuple[httpx.Client, LocalHost]) -> None:
    _, host = served
    marks = host.app.root.parent / "flaky.log"
    host.storage.queue("flaky").put("will fail")
    host._woke_queue("flaky")
    poison = host.storage.queue("flaky-poison")
    wait_for(lambda: len(poison) == 1)
    assert [m.body for m in poison.messages()] == [b"will fail"]
    wait_for(lambda: len(host.storage.queue("flaky")) == 0)  # copied first, then deleted
    assert marks.read_text().split() == ["1", "2", "3", "4", "5"]


def test_timer_fires_on_schedule_and_on_startup(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICK_SCHEDULE", "*/1 * * * * *")
    host = LocalHost(app_dir, poll_interval=0.05)
    marks = app_dir.parent / "tick.log"
    with serving(host):
        wait_for(lambda: marks.exists() and len(marks.read_text().splitlines()) >= 3, timeout=6)
    lines = [json.loads(line) for line in marks.read_text().splitlines()]
    assert lines[0] == {"past_due": False}
    state = host.storage.load_state("timer-tick")
    assert state["next"] > state["last"]


def test_missed_schedule_fires_past_due(app_dir: Path) -> None:
    LocalStorage(app_dir / ".azfunc").save_state(
        "timer-tick", {"last": None, "next": "2020-01-01T00:00:00+00:00"}
    )
    host = LocalHost(app_dir, poll_interval=0.05)
    marks = app_dir.parent / "tick.log"
    with serving(host):
        wait_for(lambda: marks.exists() and marks.read_text())
    assert json.loads(marks.read_text().splitlines()[0]) == {"past_due": True}


def test_shutdown_waits_for_in_flight_invocations(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZFUNC_TEST_DELAY", "0.5")
    host = LocalHost(app_dir, poll_interval=0.05)
    with serving(host) as base:
        response = httpx.post(f"{base}/admin/functions/process",
                              json={"input": json.dumps({"id": "late"})})
        assert response.status_code == 202
        time.sleep(0.1)
    # the server has stopped: the invocation had finished and written its blob
    assert host.storage.read_blob("done/late.json") is not None


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_kill_mid_queue_loses_nothing(app_dir: Path) -> None:
    import signal
    import subprocess
    import sys

    (app_dir / "host.json").write_text(json.dumps(
        {"version": "2.0", "extensions": {"queues": {"batchSize": 1}}}
    ))
    storage = LocalStorage(app_dir / ".azfunc")
    ids = [f"m{i}" for i in range(8)]
    for ident in ids:
        storage.queue("orders").put(json.dumps({"id": ident}))
    env = {**os.environ, "AZFUNC_TEST_DELAY": "0.15"}
    command = [sys.executable, "-m", "azfunc", "start", str(app_dir), "--port",
               str(_free_port()), "--poll-interval", "0.02"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(storage.list_blobs("done")) >= 2, timeout=20)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    done_before = len(storage.list_blobs("done"))
    assert done_before < len(ids), "the kill came too late to test anything"
    # a message whose blob was written but which was not yet deleted may remain too
    assert len(storage.queue("orders")) in {len(ids) - done_before, len(ids) - done_before + 1}
    host = LocalHost(app_dir, poll_interval=0.02)  # the restart
    with serving(host):
        wait_for(lambda: len(storage.list_blobs("done")) == len(ids), timeout=20)
        wait_for(lambda: len(storage.queue("orders")) == 0)
    assert sorted(storage.list_blobs("done")) == sorted(f"{i}.json" for i in ids)


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])  # Ctrl-C; containers, systemd
def test_a_stop_signal_finishes_in_flight_invocations_and_exits_0(
    app_dir: Path, signum: str
) -> None:
    import signal
    import subprocess
    import sys

    port = _free_port()
    env = {**os.environ, "AZFUNC_TEST_DELAY": "0.6"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "azfunc", "start", str(app_dir), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), timeout=20)
        response = httpx.post(f"{base}/admin/functions/process",
                              json={"input": json.dumps({"id": "ctrl-c"})})
        assert response.status_code == 202
        proc.send_signal(getattr(signal, signum))
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert LocalStorage(app_dir / ".azfunc").read_blob("done/ctrl-c.json") is not None


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/admin/host/status").status_code == 200
    except httpx.HTTPError:
        return False
