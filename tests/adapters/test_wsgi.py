"""WsgiMiddleware with hand-written WSGI apps: PEP 3333's edges."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import azfunc as func

from .conftest import host_request

Environ = dict[str, Any]


def echo(environ: Environ, start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("X-Length", str(len(body)))])
    return [body]


def test_body_bytes_reach_the_app_unchanged() -> None:
    body = bytes(range(256)) * 3
    response = func.WsgiMiddleware(echo).handle(host_request("POST", "echo", body=body))
    assert response.get_body() == body
    assert response.headers["x-length"] == str(len(body))
    assert "content-type" not in response.headers


def test_a_streamed_request_body_is_read_from_the_given_stream() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["wsgi.input"].read()]

    response = func.WsgiMiddleware(app).handle(
        host_request("POST", "up"), body=io.BytesIO(b"streamed")
    )
    assert response.get_body() == b"streamed"


class Closing:
    """An app iterable that records that the server closed it."""

    def __init__(self, chunks: list[bytes], gate: threading.Event | None = None) -> None:
        self.chunks = chunks
        self.gate = gate
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index and self.gate is not None:
                assert self.gate.wait(10)
            yield chunk

    def close(self) -> None:
        self.closed = True


def test_first_chunk_leaves_before_the_last_is_produced() -> None:
    gate = threading.Event()
    result = Closing([b"first", b"last"], gate)

    def app(environ: Environ, start_response: Any) -> Closing:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return result

    response = func.WsgiMiddleware(app).handle(host_request("GET", "s"))
    assert response.is_streaming
    chunks = response.iter_body()
    assert next(chunks) == b"first"  # the app is still waiting at the gate
    gate.set()
    assert list(chunks) == [b"last"]
    assert result.closed


def test_a_first_chunk_with_every_declared_byte_is_a_whole_body() -> None:
    result = Closing([b"hello"])

    def app(environ: Environ, start_response: Any) -> Closing:
        start_response("200 OK", [("Content-Length", "5")])
        return result

    response = func.WsgiMiddleware(app).handle(host_request("GET", "x"))
    assert not response.is_streaming
    assert response.get_body() == b"hello"
    assert result.closed


def test_write_chunks_come_first_and_start_response_may_be_late() -> None:
    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", [("Content-Length", "6")])
        write(b"abc")
        yield b"def"

    assert func.WsgiMiddleware(app).handle(host_request("GET", "x")).get_body() == b"abcdef"

    def lazy(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("202 Accepted", [])
        yield b""
        yield b"late"

    response = func.WsgiMiddleware(lazy).handle(host_request("GET", "x"))
    assert (response.status_code, response.get_body()) == (202, b"late")


def test_head_has_no_body_and_the_iterable_is_closed() -> None:
    result = Closing([b"one", b"two"])

    def app(environ: Environ, start_response: Any) -> Closing:
        start_response("200 OK", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        return result

    response = func.WsgiMiddleware(app).handle(host_request("HEAD", "x"))
    assert response.get_body() == b""
    assert response.headers.getall("set-cookie") == ["a=1", "b=2"]
    assert result.closed


def test_exc_info_replaces_the_headers_before_they_are_committed() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-A", "1")])
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response("500 Internal Server Error", [("X-A", "2")], sys.exc_info())
        return [b"failed"]

    response = func.WsgiMiddleware(app).handle(host_request("GET", "x"))
    assert (response.status_code, response.headers["x-a"]) == (500, "2")


def test_start_response_twice_without_exc_info_is_refused() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        start_response("200 OK", [])
        return []

    with pytest.raises(func.ConversionError, match="twice"):
        func.WsgiMiddleware(app).handle(host_request("GET", "x"))


def test_a_status_without_ascii_digits_raises_conversion_error() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("\u00b9\u00b2\u00b3 OK", [])
        return []

    with pytest.raises(func.ConversionError, match="invalid status"):
        func.WsgiMiddleware(app).handle(host_request("GET", "x"))


def test_an_app_that_never_starts_the_response_raises_conversion_error() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        return [b"no status"]

    with pytest.raises(func.ConversionError, match="did not call start_response"):
        func.WsgiMiddleware(app).handle(host_request("GET", "x"))


def test_an_error_in_the_app_propagates_and_the_iterable_is_closed() -> None:
    class Failing(Closing):
        def __iter__(self) -> Iterator[bytes]:
            raise LookupError("broken iterable")

    result = Failing([])

    def app(environ: Environ, start_response: Any) -> Failing:
        start_response("200 OK", [])
        return result

    with pytest.raises(LookupError, match="broken iterable"):
        func.WsgiMiddleware(app).handle(host_request("GET", "x"))
    assert result.closed


def test_wsgi_errors_goes_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        errors = environ["wsgi.errors"]
        errors.write("one line\nand a ")
        errors.writelines(["half\n"])
        errors.write("unfinished")
        errors.flush()
        start_response("204 No Content", [])
        return []

    with caplog.at_level(logging.ERROR, "azfunc.wsgi"):
        func.WsgiMiddleware(app).handle(host_request("GET", "x"))
    assert [r.getMessage() for r in caplog.records if r.name == "azfunc.wsgi"] == [
        "one line", "and a half", "unfinished",
    ]


def test_header_pairs_given_as_lists_are_taken_and_bad_values_refused() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [["Content-Type", "text/plain"], ["X-A", "1"]])
        return [b"ok"]

    def injecting(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-A", "1\r\nInjected: 1")])
        return [b"ok"]

    req = func.HttpRequest("GET", "http://localhost/api/x")
    response = func.WsgiMiddleware(app).handle(req)
    assert list(response.headers.items()) == [("Content-Type", "text/plain"), ("X-A", "1")]
    with pytest.raises(func.HeaderError):
        func.WsgiMiddleware(injecting).handle(req)
