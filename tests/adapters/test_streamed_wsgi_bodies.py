"""Request bodies stream to a WSGI framework through ``azfunc start`` (LocalHost under
uvicorn, over loopback, a raw socket client sending the body in parts): Flask and Django
read the first part from ``wsgi.input`` on their worker thread before the client sent the
last, and the body limits hold as for ASGI apps (413 over ``max_body_size``, a cut-off
body is an error to the app, never a short read, the budget is given back)."""

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


def _serve(tmp_path_factory: pytest.TempPathFactory, module: str
           ) -> Iterator[tuple[LocalHost, int]]:
    with app_root(tmp_path_factory.mktemp("streamed-wsgi"), module) as root:
        host = LocalHost(root, threads=2, max_body_size=LIMIT)
        with serving(host) as base:
            yield host, int(base.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def flask_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalHost, int]]:
    yield from _serve(tmp_path_factory, "flask_app")


@pytest.fixture(scope="module")
def django_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalHost, int]]:
    yield from _serve(tmp_path_factory, "django_app")


def _get(port: int, path: str) -> Any:
    return httpx.get(f"http://127.0.0.1:{port}/api/{path}", timeout=30).json()


def test_flask_reads_the_first_chunk_before_the_last_is_sent(
        flask_served: tuple[LocalHost, int]) -> None:
    host, port = flask_served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/upload-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"first"))
        # the app read the first part while the client still holds the rest back
        assert _get(port, "first-chunk") == {"first": 5}
        sock.sendall(chunked(b"second") + b"0\r\n\r\n")
        answer = read_until(sock, b"]}")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.replace(b" ", b"").replace(b"\n", b"").endswith(b'{"chunks":[5,6]}')
    assert wait_for(lambda: host.http.budget.in_flight == 0)


def test_django_reads_the_first_part_before_the_last_is_sent(
        django_served: tuple[LocalHost, int]) -> None:
    host, port = django_served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/upload-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 11\r\n\r\nfirst")
        assert _get(port, "first-chunk") == {"first": 5}
        sock.sendall(b"second")
        answer = read_until(sock, b"]}")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b'{"chunks": [5, 6]}')
    assert wait_for(lambda: host.http.budget.in_flight == 0)


def test_a_whole_body_within_the_limit_still_arrives(
        flask_served: tuple[LocalHost, int]) -> None:
    host, port = flask_served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 40\r\n\r\n" + b"a" * 20)
        sock.sendall(b"b" * 20)
        answer = read_until(sock, b"}")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _get(port, "seen")[-1] == 40
    assert wait_for(lambda: host.http.budget.in_flight == 0)


def test_a_declared_body_over_the_limit_is_refused_before_the_app(
        flask_served: tuple[LocalHost, int]) -> None:
    host, port = flask_served
    before = _get(port, "seen")
    response = httpx.post(f"http://127.0.0.1:{port}/api/upload-whole", content=b"x" * 100,
                          timeout=30)
    assert response.status_code == 413
    assert _get(port, "seen") == before
    assert host.http.budget.in_flight == 0


def test_a_chunked_body_over_the_limit_is_an_error_to_the_app(
        flask_served: tuple[LocalHost, int]) -> None:
    host, port = flask_served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # one write: the server has read all of it when it refuses and closes (unread bytes
        # would make the close a reset that can discard the answer)
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n"
                     + chunked(b"y" * 40) * 3 + b"0\r\n\r\n")
        answer = read_until(sock, b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert wait_for(lambda: str(_get(port, "seen")[-1]).startswith("cut off"))
    assert wait_for(lambda: host.http.budget.in_flight == 0)


def test_a_client_that_leaves_mid_body_is_an_error_to_the_app(
        flask_served: tuple[LocalHost, int]) -> None:
    host, port = flask_served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/upload-whole HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Length: 50\r\n\r\n" + b"z" * 20)
        wait_for(lambda: host.http.budget.in_flight == 50)  # the request is being served
    # the client left after 20 of 50 bytes: the app's read failed, it got no short body
    assert wait_for(lambda: str(_get(port, "seen")[-1]).startswith("cut off"))
    assert wait_for(lambda: host.http.budget.in_flight == 0)
