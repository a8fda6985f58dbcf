"""Small ASGI 3 helpers shared by the local host and the worker.

Rules this module keeps:

* A request without ``Content-Length`` and ``Transfer-Encoding`` has no body (RFC 9112
  section 6.3); it is not read at all. Other bodies are read with a size limit: a
  ``Content-Length`` above it is refused before reading, a body growing past it while
  streaming is refused as soon as it does; both raise :class:`~azfunc.LimitExceededError`
  (the caller answers 413).
* A :class:`BodyBudget` bounds the bytes of all request bodies held at once: a body that
  does not fit (its ``Content-Length`` before reading, a chunked body as it grows) raises
  :class:`~azfunc.LimitExceededError` with ``http_status`` 503 (the caller answers 503 with
  ``Retry-After``); the caller gives its bytes back once the request is answered.
* Responses are sent as ``http.response.start`` + ``http.response.body`` messages; iterable
  bodies are sent chunk by chunk with ``more_body``; ``HEAD`` answers carry no body.
* Header names and values go out as latin-1 bytes; several values of one name (several
  ``Set-Cookie``) stay several header lines.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from .._errors import ArgumentValueError, IncompleteBodyError, LimitExceededError

__all__ = [
    "Receive",
    "Scope",
    "BodyBudget",
    "Send",
    "read_body",
    "read_declared_body",
    "send_chunks",
    "send_json",
    "send_text",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HeaderList = list[tuple[bytes, bytes]]


class BodyBudget:
    """How many bytes of request bodies may be held at once, across all requests.

    Example:
        >>> budget = BodyBudget(10)
        >>> budget.take(8); budget.in_flight
        8
        >>> budget.take(3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        azfunc._errors.LimitExceededError: the request bodies in flight (8 bytes) leave ...
        >>> budget.give(8); budget.in_flight, budget.peak
        (0, 8)
    """

    __slots__ = ("in_flight", "limit", "peak")

    def __init__(self, limit: int) -> None:
        if type(limit) is not int or limit < 0:
            raise ArgumentValueError(f"a body budget is a byte count >= 0, not {limit!r}")
        self.limit = limit
        self.in_flight = 0
        #: the most bytes held at once so far
        self.peak = 0

    def take(self, size: int) -> None:
        """Hold ``size`` more bytes, or raise (HTTP status 503) if they do not fit."""
        held = self.in_flight + size
        if held > self.limit:
            exc = LimitExceededError(
                f"the request bodies in flight ({self.in_flight} bytes) leave no room for "
                f"{size} more bytes (budget {self.limit} bytes); retry later",
                limit="body_budget", value=self.limit,
            )
            exc.http_status = 503
            raise exc
        self.in_flight = held
        if held > self.peak:
            self.peak = held

    def give(self, size: int) -> None:
        """Give back ``size`` bytes taken before."""
        self.in_flight -= size


def header_value(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` lower-case bytes)."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def read_body(scope: Scope, receive: Receive, limit: int,
                    budget: BodyBudget | None = None) -> bytes:
    """Read the whole request body, refusing more than ``limit`` bytes.

    With a ``budget``, the body's bytes are taken from it (see :func:`read_declared_body`).

    Raises:
        LimitExceededError: if the body is (or announces itself) larger than ``limit``, or
            does not fit in ``budget`` (``http_status`` 503).
    """
    declared: str | None = None
    chunked = False
    for key, value in scope.get("headers", ()):
        name = bytes(key).lower()
        if name == b"content-length":
            declared = bytes(value).decode("latin-1")
        elif name == b"transfer-encoding":
            chunked = True
    return await read_declared_body(receive, limit, declared, chunked, budget)


async def read_declared_body(
    receive: Receive, limit: int, declared: str | None, chunked: bool,
    budget: BodyBudget | None = None,
) -> bytes:
    """:func:`read_body` for a caller that scanned the headers already: ``declared`` is the
    ``Content-Length`` value (``None`` if absent), ``chunked`` whether a
    ``Transfer-Encoding`` header was sent.

    With a ``budget``, a ``Content-Length`` is taken from it before reading and any bytes
    beyond it as they arrive; a body that is returned holds exactly ``len(body)`` bytes of
    the budget (the caller gives them back), a refused or incomplete one holds none.

    Raises:
        LimitExceededError: if the body is (or announces itself) larger than ``limit``, or
            does not fit in ``budget`` (``http_status`` 503).
        IncompleteBodyError: if the client disconnected before the body was complete (a
            ``Content-Length`` not reached, a chunked body without its last chunk).
    """
    if declared is None and not chunked:
        return b""  # HTTP/1.1: no Content-Length and no Transfer-Encoding means no body
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise LimitExceededError(
            f"the request body ({int(declared)} bytes) is larger than the limit of "
            f"{limit} bytes", limit="max_body_size", value=limit
        )
    held = 0  # bytes of ``budget`` this body holds
    if budget is not None and declared is not None and declared.strip().isdigit():
        held = int(declared)
        budget.take(held)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise IncompleteBodyError(
                    f"the client disconnected after {size} byte(s), before the request body "
                    "was complete"
                )
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise LimitExceededError(
                        f"the request body is larger than the limit of {limit} bytes",
                        limit="max_body_size", value=limit,
                    )
                if budget is not None and size > held:
                    budget.take(size - held)
                    held = size
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
    except BaseException:
        if budget is not None:
            budget.give(held)
        raise
    if budget is not None and held > size:
        budget.give(held - size)
    return b"".join(chunks)


def encode_headers(pairs: Iterable[tuple[str, str]]) -> HeaderList:
    """Header pairs as ASGI latin-1 byte pairs (unencodable characters as UTF-8)."""
    out: HeaderList = []
    for name, value in pairs:
        try:
            raw_value = value.encode("latin-1")
        except UnicodeEncodeError:
            raw_value = value.encode("utf-8")
        out.append((name.lower().encode("latin-1"), raw_value))
    return out


async def send_text(
    send: Send,
    status: int,
    text: str,
    *,
    content_type: str = "text/plain; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Send a complete small response."""
    body = text.encode("utf-8")
    pairs = [("content-type", content_type), ("content-length", str(len(body))), *headers]
    await send({"type": "http.response.start", "status": status,
                "headers": encode_headers(pairs)})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, data: Any) -> None:
    """Send a JSON response."""
    await send_text(send, status, json.dumps(data), content_type="application/json")


async def send_chunks(
    send: Send,
    status: int,
    headers: HeaderList,
    chunks: AsyncIterator[bytes],
    *,
    head: bool = False,
) -> None:
    """Send a streamed response: one ``http.response.body`` message per chunk."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    async for chunk in chunks:
        if chunk:
            await send({"type": "http.response.body", "body": bytes(chunk), "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def lifespan(
    receive: Receive,
    send: Send,
    startup: Callable[[], Awaitable[None]],
    shutdown: Callable[[], Awaitable[None]],
) -> None:
    """Serve the ASGI lifespan protocol with ``startup`` and ``shutdown`` hooks."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await startup()
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await shutdown()
            except Exception as exc:
                await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
