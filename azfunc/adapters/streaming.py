"""Request bodies that reach an ASGI or WSGI framework while they arrive (``azfunc start``).

Rules this module keeps:

* A host that streams request bodies serves a function marked ``azfunc_streams_body``
  (:func:`streams_body`; the catch-all function of :class:`~azfunc.AsgiFunctionApp` and
  :class:`~azfunc.WsgiFunctionApp`) with a
  :class:`ReceivedBody` over its server's ``receive``, set for the invocation by
  :func:`streaming_body`; the function passes :func:`streamed_body` to
  ``AsgiMiddleware.handle_async(body=...)``. Without one (Microsoft's worker, a test
  calling the function) the body is ``req.get_body()``, as before.
* The limits of a read body hold: a ``Content-Length`` over ``limit`` is refused before the
  app runs (:meth:`ReceivedBody.reserve`), the declared length is taken from the ``budget``
  up front and any bytes beyond it as they arrive; all of it is given back by
  :meth:`ReceivedBody.release` when the request is over.
* A cut-off body never reaches the app as complete: a client that leaves, or bytes over
  ``limit`` or the budget, end the iteration with :class:`~azfunc.IncompleteBodyError` or
  :class:`~azfunc.LimitExceededError` (kept in :attr:`ReceivedBody.error`); the middleware
  answers the app ``http.disconnect`` instead of a last ``http.request``.
* A host whose transport sends response bodies chunk by chunk (``azfunc start``'s and
  ``azfunc worker``'s HTTP front end) marks what it runs with :data:`streaming_responses`,
  for its own loop; :func:`responses_stream` tells ``AsgiMiddleware.handle_async`` (by
  default) whether a streaming answer can leave as a stream. Elsewhere (Microsoft's worker,
  a test or script calling the middleware, another loop in a thread) the answer is whole.
* A WSGI app reads the same stream from its worker thread as ``wsgi.input``
  (:func:`streamed_input`, a :mod:`~azfunc.adapters.blocking_body` over the loop that set
  it); there a cut-off body raises the same errors from ``read``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    MutableMapping,
)
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from .._errors import IncompleteBodyError, LimitExceededError
from .blocking_body import blocking_body

__all__ = ["ReceivedBody", "end_streaming_responses", "responses_stream", "streamed_body",
           "streamed_input", "streaming_body", "streaming_responses", "streams_body"]

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]

_BODY: ContextVar[AsyncIterable[bytes] | None] = ContextVar("azfunc_streamed_body",
                                                            default=None)
_LOOP: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("azfunc_streamed_body_loop",
                                                                 default=None)
#: the loop whose host sends response bodies chunk by chunk, for what runs inside it.
_RESPONSES: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar(
    "azfunc_streaming_responses", default=None)

#: marks what runs next (this context) as served by a streaming transport on ``loop``;
#: returns the token to give back to :data:`end_streaming_responses` (hot path: no
#: context manager).
streaming_responses = _RESPONSES.set
end_streaming_responses = _RESPONSES.reset


class Budget(Protocol):
    """Bytes of request bodies held at once (``azfunc.host._asgi.BodyBudget``)."""

    def take(self, size: int) -> None: ...

    def give(self, size: int) -> None: ...


def streams_body(func: object) -> bool:
    """Whether a function reads its request body from :func:`streamed_body`."""
    return getattr(func, "azfunc_streams_body", False) is True


def streamed_body() -> AsyncIterable[bytes] | None:
    """The body stream the host set for this invocation, or ``None`` (read ``req``)."""
    return _BODY.get()


def responses_stream(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether a response body made on ``loop`` leaves chunk by chunk: the host serving
    this invocation said so (:data:`streaming_responses`) for that same loop.

    Example:
        >>> import asyncio
        >>> loop, other = asyncio.new_event_loop(), asyncio.new_event_loop()
        >>> responses_stream(loop)
        False
        >>> token = streaming_responses(loop)
        >>> responses_stream(loop), responses_stream(other)
        (True, False)
        >>> end_streaming_responses(token); loop.close(); other.close()
    """
    return _RESPONSES.get() is loop


def streamed_input() -> io.BufferedReader | None:
    """The body stream the host set for this invocation as a blocking ``wsgi.input`` (read
    it on a worker thread, not the loop's), or ``None`` (read ``req``)."""
    body, loop = _BODY.get(), _LOOP.get()
    if body is None or loop is None:
        return None
    return blocking_body(body, loop)


@contextmanager
def streaming_body(body: AsyncIterable[bytes]) -> Iterator[None]:
    """Make ``body`` the :func:`streamed_body` of what runs inside (this context only), read
    on the running loop (a worker thread reads it through :func:`streamed_input`)."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    token = _BODY.set(body)
    loop_token = _LOOP.set(loop)
    try:
        yield
    finally:
        _LOOP.reset(loop_token)
        _BODY.reset(token)


class ReceivedBody:
    """The body of one ASGI request, chunk by chunk as the server receives it.

    Example:
        >>> import asyncio
        >>> messages = [{"type": "http.request", "body": b"ab", "more_body": True},
        ...             {"type": "http.request", "body": b"c"}]
        >>> async def receive(): return messages.pop(0)
        >>> body = ReceivedBody(receive, limit=10, declared=None)
        >>> async def read(): return [chunk async for chunk in body]
        >>> asyncio.run(read()), body.size, body.complete
        ([b'ab', b'c'], 3, True)
    """

    __slots__ = ("_receive", "budget", "complete", "declared", "error", "held", "limit",
                 "size")

    def __init__(self, receive: Receive, *, limit: int, declared: int | None,
                 budget: Budget | None = None) -> None:
        self._receive = receive
        self.limit = limit
        self.declared = declared
        self.budget = budget
        self.size = 0
        #: bytes of ``budget`` this body holds.
        self.held = 0
        self.complete = False
        #: why the body ended early (the client left, a limit), if it did.
        self.error: IncompleteBodyError | LimitExceededError | None = None

    @staticmethod
    def declared_length(headers: Any) -> tuple[bool, int | None]:
        """Whether ASGI ``headers`` announce a body, and its ``Content-Length`` if given.

        Example:
            >>> ReceivedBody.declared_length([(b"content-length", b"12")])
            (True, 12)
            >>> ReceivedBody.declared_length([(b"content-length", b"0")])
            (False, 0)
            >>> ReceivedBody.declared_length([(b"transfer-encoding", b"chunked")])
            (True, None)
        """
        declared: int | None = None
        chunked = False
        for raw_name, raw_value in headers:
            name = bytes(raw_name).lower()
            if name == b"content-length":
                text = bytes(raw_value).strip()
                declared = int(text) if text.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
        return chunked or bool(declared), declared

    def reserve(self) -> None:
        """Refuse a declared length over the limit; take it from the budget.

        Raises:
            LimitExceededError: over ``limit`` (413), or no room in the budget (503).
        """
        declared = self.declared
        if declared is None:
            return
        if declared > self.limit:
            raise LimitExceededError(
                f"the request body ({declared} bytes) is larger than the limit of "
                f"{self.limit} bytes", limit="max_body_size", value=self.limit)
        if self.budget is not None:
            self.budget.take(declared)
            self.held = declared

    def release(self) -> None:
        """Give back what the body holds of the budget (once the request is over)."""
        if self.budget is not None and self.held:
            self.budget.give(self.held)
        self.held = 0

    def _fail(self, error: IncompleteBodyError | LimitExceededError) -> None:
        self.error = error
        raise error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self.complete:
            if self.error is not None:
                raise self.error
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._fail(IncompleteBodyError(
                    f"the client disconnected after {self.size} byte(s), before the "
                    "request body was complete"))
            chunk = bytes(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self.limit:
                self.complete = False
                self._fail(LimitExceededError(
                    f"the request body is larger than the limit of {self.limit} bytes",
                    limit="max_body_size", value=self.limit))
            if self.budget is not None and self.size > self.held:
                try:
                    self.budget.take(self.size - self.held)
                except LimitExceededError as exc:
                    self.complete = False
                    self._fail(exc)
                self.held = self.size
            yield chunk
