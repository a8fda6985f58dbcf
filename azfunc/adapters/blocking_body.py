"""A streamed request body as ``wsgi.input``: a blocking binary stream for a worker thread.

Rules this module keeps:

* :class:`BlockingBody` reads an async body stream (:class:`~azfunc.adapters.streaming.
  ReceivedBody`, what ``azfunc start`` sets for the invocation) from a thread that is not
  the event loop's: each raw read asks the loop for the next chunk
  (``run_coroutine_threadsafe``) and waits for it, so a WSGI app sees a chunk as soon as
  it arrived and the loop never holds more than the chunk being read (the server's own
  flow control keeps the rest in the socket).
* :func:`blocking_body` wraps it in :class:`io.BufferedReader`: ``read(n)`` returns ``n``
  bytes unless the body ends first (file semantics, as gunicorn's input), ``read1`` and
  ``readinto1`` what is there, ``readline`` and iteration by lines.
* A cut-off body is an error to the app, never a short read: a client that left, or bytes
  over a limit or the budget, raise :class:`~azfunc.IncompleteBodyError` or
  :class:`~azfunc.LimitExceededError` from the read (and from every later one).
* Reading on the loop's own thread would wait forever: it raises
  :class:`~azfunc.ConversionError` instead. So does a loop that closed under the read.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from .._errors import ConversionError, IncompleteBodyError, LimitExceededError

__all__ = ["BlockingBody", "blocking_body"]

#: how often a waiting read checks that the loop still runs (seconds).
_POLL = 1.0


async def _next(chunks: AsyncIterator[bytes], body: object) -> tuple[bytes | None, bool]:
    """The next chunk (``None``: the body ended) and whether it was the last one.

    A body that says it is ``complete`` (:class:`~azfunc.adapters.streaming.ReceivedBody`)
    after a chunk is finished here, in the same trip to the loop: a small body costs the
    worker thread one wait, not two.
    """
    try:
        chunk = await chunks.__anext__()
    except StopAsyncIteration:
        return None, True
    if getattr(body, "complete", False) is True:
        try:
            await chunks.__anext__()
        except StopAsyncIteration:
            return chunk, True
        raise ConversionError("the request body went on after it was complete")
    return chunk, False


class BlockingBody(io.RawIOBase):
    """The chunks of an async body stream, read from a worker thread.

    Example:
        >>> import asyncio, threading
        >>> async def chunks():
        ...     yield b"ab"
        ...     yield b"c"
        >>> loop = asyncio.new_event_loop()
        >>> thread = threading.Thread(target=loop.run_forever)
        >>> thread.start()
        >>> raw = BlockingBody(chunks(), loop)
        >>> raw.read(8), raw.read(8), raw.read(8)
        (b'ab', b'c', b'')
        >>> _ = loop.call_soon_threadsafe(loop.stop); thread.join(); loop.close()
    """

    def __init__(self, body: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._body = body
        self._chunks = body.__aiter__()
        self._loop = loop
        self._pending = memoryview(b"")
        self._ended = False
        self._error: IncompleteBodyError | LimitExceededError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the current chunk (waiting for the next one if needed).

        Raises:
            IncompleteBodyError: the client left before the body was complete.
            LimitExceededError: the body went over the size limit or the budget.
            ConversionError: called on the event loop's thread, or the loop closed.
        """
        while not self._pending:  # an empty chunk is not the end: 0 bytes read would be
            if self._ended:
                return 0
            chunk, self._ended = self._fetch()
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        out = memoryview(buffer).cast("B")
        size = min(len(out), len(self._pending))
        out[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _fetch(self) -> tuple[bytes | None, bool]:
        if self._error is not None:
            raise self._error
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise ConversionError(
                "a streamed request body cannot be read on the event loop's thread: "
                "run the WSGI app in a worker thread")
        try:
            future = asyncio.run_coroutine_threadsafe(_next(self._chunks, self._body), loop)
        except RuntimeError as exc:  # the loop is closed
            raise ConversionError("the event loop serving the request body is closed") from exc
        while True:
            try:
                return future.result(_POLL)
            except concurrent.futures.TimeoutError:
                if loop.is_closed() or not loop.is_running():
                    future.cancel()
                    raise ConversionError(
                        "the event loop serving the request body stopped") from None
            except (IncompleteBodyError, LimitExceededError) as exc:
                self._error = exc
                raise


def blocking_body(body: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop
                  ) -> io.BufferedReader:
    """``body`` (read on ``loop``) as a buffered binary stream for ``wsgi.input``."""
    return io.BufferedReader(BlockingBody(body, loop))
