"""Every connection is bounded: head, body and keep-alive timeouts and a connection limit.

A real uvicorn server on 127.0.0.1 with small limits, with each of the two HTTP parsers
(httptools, the default where installed, and h11); each test reads what the server does
(a 408, a 503, a closed socket) with generous socket timeouts, never measuring time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from azfunc import ArgumentValueError
from azfunc.host.server import PARSERS, ServerLimits, make_server

GENEROUS = 20.0  # seconds a socket waits for the server before the test fails


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, answers its length; records the bodies it completed."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    COMPLETED.append(size)
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


COMPLETED: list[int] = []


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest) -> str:
    """Each test runs with both parsers (the test setup installs httptools)."""
    return str(request.param)


@contextmanager
def served(limits: ServerLimits, parser: str) -> Iterator[tuple[str, int]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    address = sock.getsockname()
    server = make_server(_app, host="127.0.0.1", port=address[1], log_level="error",
                         limits=limits, parser=parser)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started:
            break
        time.sleep(0.01)
    COMPLETED.clear()
    try:
        yield address
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def _connect(address: tuple[str, int]) -> socket.socket:
    client = socket.create_connection(address, timeout=GENEROUS)
    return client


def _read_all(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while True:
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk


FAST = ServerLimits(header_timeout=0.5, body_timeout=0.5, min_body_rate=100,
                    body_grace=0.5, keep_alive_timeout=0.5, max_connections=3)


def test_an_idle_connection_is_closed(parser: str) -> None:
    with served(FAST, parser) as address, _connect(address) as client:
        assert _read_all(client) == b""


def test_a_slow_head_is_answered_408_and_closed(parser: str) -> None:
    with served(FAST, parser) as address, _connect(address) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        for _ in range(2000):  # one header byte every 10 ms: slowloris
            try:
                client.sendall(b"X")
            except OSError:
                break
            client.settimeout(0.01)
            try:
                answer = client.recv(65536)
            except TimeoutError:
                continue
            break
        client.settimeout(GENEROUS)
        answer += _read_all(client)
    assert answer.startswith(b"HTTP/1.1 408 ")


@pytest.mark.parametrize("pause", [0.01, 0.0])
def test_a_body_that_trickles_or_stops_is_answered_408(pause: float, parser: str) -> None:
    with served(FAST, parser) as address, _connect(address) as client:
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab")
        answer = b""
        for _ in range(5000 if pause else 0):  # one byte every 10 ms: 100 B/s at most
            try:
                client.sendall(b"x")
            except OSError:
                break
            client.settimeout(pause)
            try:
                answer = client.recv(65536)
            except TimeoutError:
                continue
            break
        client.settimeout(GENEROUS)
        answer += _read_all(client)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert COMPLETED == []


def test_a_keep_alive_connection_closes_after_its_response(parser: str) -> None:
    with served(FAST, parser) as address, _connect(address) as client:
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        answer = _read_all(client)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n3")


def test_a_fast_body_is_not_cut(parser: str) -> None:
    limits = ServerLimits(body_timeout=5, min_body_rate=100, body_grace=0.1,
                          keep_alive_timeout=0.2)
    body = b"x" * 1_000_000
    with served(limits, parser) as address, _connect(address) as client:
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        client.sendall(body)
        answer = _read_all(client)
    assert answer.endswith(b"\r\n\r\n1000000")


def test_connections_beyond_the_limit_are_answered_503(parser: str) -> None:
    limits = ServerLimits(max_connections=2, header_timeout=30)
    with served(limits, parser) as address:
        idle = [_connect(address) for _ in range(2)]
        try:
            with _connect(address) as client:
                client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = _read_all(client)
        finally:
            for sock in idle:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 503 ")


@pytest.mark.parametrize(("tail", "status"), [(b"\r\n\r\n", b"431"), (b"", b"400")])
def test_an_oversized_head_is_refused(tail: bytes, status: bytes, parser: str) -> None:
    if not tail and parser == "httptools":
        status = b"431"  # counted while it arrives (h11 refuses it as its own 400)
    limits = ServerLimits(max_header_size=1024)
    with served(limits, parser) as address, _connect(address) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4096 + tail)
        answer = _read_all(client)
    assert answer.startswith(b"HTTP/1.1 " + status + b" ")
    assert COMPLETED == []


@pytest.mark.parametrize("field", ["header_timeout", "body_timeout", "max_connections"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ArgumentValueError, match=field):
        ServerLimits(**{field: 0})


def test_an_oversized_head_sent_in_pieces_is_refused_while_incomplete(parser: str) -> None:
    limits = ServerLimits(max_header_size=1024, header_timeout=30)
    with served(limits, parser) as address, _connect(address) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        answer = b""
        for _ in range(64):  # 64 x 100 bytes, one read each: refused long before the end
            try:
                client.sendall(b"a" * 100)
            except OSError:
                break
            client.settimeout(0.05)
            try:
                answer = client.recv(65536)
            except TimeoutError:
                continue
            break
        client.settimeout(GENEROUS)
        answer += _read_all(client)
    assert answer.startswith(b"HTTP/1.1 431 " if parser == "httptools" else b"HTTP/1.1 400 ")
    assert COMPLETED == []


def test_pipelined_requests_after_a_large_body_are_all_answered(parser: str) -> None:
    body = b"x" * 200_000
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    small = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"
    closing = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    limits = ServerLimits(max_header_size=1024)
    with served(limits, parser) as address, _connect(address) as client:
        client.sendall(request + body + small * 20 + closing)
        answer = _read_all(client)
    assert answer.count(b"HTTP/1.1 200 ") == 22
    assert COMPLETED == [200_000] + [1] * 20 + [0]


def test_an_unknown_parser_is_refused() -> None:
    with pytest.raises(ArgumentValueError, match="parser"):
        make_server(_app, parser="picohttp")
