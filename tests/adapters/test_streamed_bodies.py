"""Request bodies stream to an ASGI framework through ``azfunc start`` (LocalHost under
uvicorn, over loopback, a raw socket client sending the body in chunks): the first chunk
reaches the app before the last is sent, and the body limits still hold (413 over
``max_body_size``, a cut-off body never reaches the app as complete, the budget is given
back)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from azfunc.host.local import LocalHost
from tests.host.conftest import serving, wait_for

from .conftest import app_root, chunked, read_until

LIMIT = 64


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalHost, int]]:
    with app_root(tmp_path_factory.mktemp("streamed"), "fastapi_app") as root:
        host = LocalHost(root, threads=2, max_body_size=LIMIT)
        with serving(host) as base:
            yield host, int(base.rsplit(":", 1)[1])


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    return sock


def _seen(port: int) -> list[Any]:
    seen: list[Any] = httpx.get(f"http://127.0.0.1:{port}/api/seen", timeout=20).json()
    return seen


def test_the_first_chunk_reaches_the_app_before_the_last_is_sent(
        served: tuple[LocalHost, int]) -> None:
    _, port = served
    with _connect(port) as sock:
        sock.sendall(b"POST /api/upload-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"first"))
        # the app has the first chunk while the client still holds the rest back
        seen = httpx.get(f"http://127.0.0.1:{port}/api/first-chunk", timeout=20).json()
        assert seen == {"first": 5}
        sock.sendall(chunked(b"second") + b"0\r\n\r\n")
        answer = read_until(sock, b"]}")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b'{"chunks":[5,6]}')


def test_a_whole_body_within_the_limit_still_arrives(served: tuple[LocalHost, int]) -> None:
    host, port = served
    with _connect(port) as sock:
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 40\r\n\r\n" + b"a" * 20)
        sock.sendall(b"b" * 20)
        answer = read_until(sock, b"}")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b'{"size":40}')
    assert _seen(port)[-1] == 40
    assert host.http.budget.in_flight == 0


def test_a_declared_body_over_the_limit_is_refused_before_the_app(
        served: tuple[LocalHost, int]) -> None:
    host, port = served
    before = _seen(port)
    response = httpx.post(f"http://127.0.0.1:{port}/api/upload-whole", content=b"x" * 100,
                          timeout=20)
    assert response.status_code == 413
    assert _seen(port) == before
    assert host.http.budget.in_flight == 0


def test_a_chunked_body_over_the_limit_never_reaches_the_app_whole(
        served: tuple[LocalHost, int]) -> None:
    host, port = served
    with _connect(port) as sock:
        # one write: the server has read all of it when it refuses and closes (unread bytes
        # would make the close a reset that can discard the answer)
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n"
                     + chunked(b"y" * 40) * 3 + b"0\r\n\r\n")
        answer = read_until(sock, b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert wait_for(lambda: _seen(port)[-1] == "cut off")
    assert host.http.budget.in_flight == 0


def test_a_cut_off_body_never_reaches_the_app_as_complete(
        served: tuple[LocalHost, int]) -> None:
    host, port = served
    with _connect(port) as sock:
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 50\r\n\r\n" + b"z" * 20)
        wait_for(lambda: host.http.budget.in_flight == 50)  # the request is being served
    # the client left after 20 of 50 bytes: the app saw the disconnect, not a body
    assert wait_for(lambda: _seen(port)[-1] == "cut off")
    assert wait_for(lambda: host.http.budget.in_flight == 0)
