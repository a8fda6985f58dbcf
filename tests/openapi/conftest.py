"""Fixtures of the OpenAPI tests: the typed app loaded, and a real server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

APP_SOURCE = Path(__file__).resolve().parent / "typed_app.py"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on an ephemeral 127.0.0.1 port, in a thread."""
    from azfunc.host.server import make_server

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, host="127.0.0.1", port=port, log_level="error")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def make_app_dir(tmp_path: Path, host_json: str = '{"version": "2.0"}') -> Path:
    """A folder holding the typed app as ``function_app.py`` and ``host.json``."""
    root = tmp_path / "typed_app"
    root.mkdir(parents=True)
    (root / "function_app.py").write_text(APP_SOURCE.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (root / "host.json").write_text(host_json, encoding="utf-8")
    return root


@pytest.fixture
def typed_app(tmp_path: Path) -> Iterator[Any]:
    """The typed app loaded from a copy (its storage stays out of the repo)."""
    from azfunc.app.loader import load_app

    with load_app(make_app_dir(tmp_path)) as app:
        yield app
