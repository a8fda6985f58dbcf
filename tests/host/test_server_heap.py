"""A served process freezes its startup heap out of the garbage collector
(``make_server(freeze_heap=True)``, what ``serve`` / ``azfunc start`` use); a server run
inside another program (the default) leaves the collector alone."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from azfunc.host.server import make_server


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()  # give this test process's objects back to the collector


def _frozen_after_start(freeze_heap: bool) -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = make_server(_app, host="127.0.0.1", port=sock.getsockname()[1],
                         log_level="error", freeze_heap=freeze_heap)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        # the freeze follows the startup on the server's loop: let it serve one request
        with socket.create_connection(sock.getsockname(), timeout=5) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while client.recv(4096):
                pass
        return gc.get_freeze_count()
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.mark.usefixtures("unfrozen")
def test_a_serving_process_freezes_what_the_startup_left() -> None:
    assert _frozen_after_start(freeze_heap=True) > 0


@pytest.mark.usefixtures("unfrozen")
def test_a_server_inside_another_program_leaves_the_collector_alone() -> None:
    assert _frozen_after_start(freeze_heap=False) == 0
