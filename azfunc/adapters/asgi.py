"""AsgiMiddleware: serve an ASGI 3 app (FastAPI, Starlette, Django ASGI...) from a function.

Rules this module keeps:

* The scope follows the ASGI HTTP spec 2.3: ``path`` percent-decoded (UTF-8) and starting
  with ``root_path`` (the part of the URL in front of the catch-all route parameter, see
  :mod:`azfunc.adapters._request`), ``raw_path`` and ``query_string`` the bytes sent, every
  header line (repeated ones kept), ``server``/``client``/``scheme`` from the URL and the
  ``X-Forwarded-*`` headers, the lifespan ``state`` (a shallow copy per request), and the
  invocation context under ``azure_functions.context`` (plus ``azure_functions.*`` keys for
  its fields, the names ``azure-functions`` uses).
* The body reaches the app as one ``http.request`` message, or chunk by chunk when the
  caller passes ``body=`` an async iterable (a transport that streams). After the body,
  ``receive`` waits until the response is complete (or abandoned) and then answers
  ``http.disconnect``, so apps that listen for a disconnect keep streaming.
* :meth:`AsgiMiddleware.handle_async` answers as soon as the response is decided: a body
  sent in one message gives an :class:`~azfunc.HttpResponse` with bytes; a first body
  message with ``more_body`` gives a streaming response whose chunks leave as the app sends
  them. :meth:`~AsgiMiddleware.handle` (sync) always collects the whole body.
* Every header line of the response is kept (several ``Set-Cookie``); no ``Content-Type``
  is added when the app sent none; a ``HEAD`` response has no body.
* An exception the app raises before its response is complete propagates unchanged (the
  host answers 500); one raised after a complete response (Starlette's error middleware
  sends the 500 and re-raises) is logged on ``azfunc.adapters`` and the response stands. An
  app that returns without a response raises :class:`~azfunc.ConversionError`.
* Lifespan: :meth:`~AsgiMiddleware.startup`/:meth:`~AsgiMiddleware.shutdown` (and the
  ``azure-functions`` names ``notify_startup``/``notify_shutdown``) run it once; ``main``
  starts it on its first call; ``handle``/``handle_async`` never start it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from .._errors import ConversionError
from ..http.response import HttpResponse
from ._request import (
    client_address,
    decode_path_utf8,
    mount_point,
    parse_target,
    to_bytes,
)
from .lifespan import AsgiApp, Lifespan, Message

if TYPE_CHECKING:
    from .._context import Context
    from ..http.request import HttpRequest

__all__ = ["AsgiMiddleware"]

logger = logging.getLogger("azfunc.adapters")

_ASGI: Final = {"version": "3.0", "spec_version": "2.3"}
_END: Final[Any] = object()
#: chunks a streaming app may send ahead of the consumer before ``send`` waits.
_STREAM_AHEAD: Final = 16


def context_keys(context: Context | None) -> dict[str, Any]:
    """The ``azure_functions.*`` scope/environ keys of an invocation context."""
    if context is None:
        return {"azure_functions.context": None}
    return {
        "azure_functions.context": context,
        "azure_functions.function_directory": context.function_directory,
        "azure_functions.function_name": context.function_name,
        "azure_functions.invocation_id": context.invocation_id,
        "azure_functions.thread_local_storage": context.thread_local_storage,
        "azure_functions.trace_context": context.trace_context,
        "azure_functions.retry_context": context.retry_context,
    }


def response_headers(raw: Any) -> tuple[list[tuple[str, str]], bool]:
    """The app's ``[(name, value)]`` byte pairs as text, and whether one is Content-Type."""
    pairs: list[tuple[str, str]] = []
    typed = False
    for name, value in raw:
        text = bytes(name).decode("latin-1")
        if not typed and text.lower() == "content-type":
            typed = True
        pairs.append((text, bytes(value).decode("latin-1")))
    return pairs, typed


def build_response(
    status: int, pairs: list[tuple[str, str]], typed: bool, body: Any
) -> HttpResponse:
    """An HttpResponse with exactly the app's header lines (none added)."""
    response = HttpResponse(body, status_code=status, headers=pairs)
    if not typed:
        del response.headers["Content-Type"]
    return response


class _Exchange:
    """One request/response between the middleware and the app."""

    __slots__ = (
        "body",
        "chunks",
        "decided",
        "finished",
        "head",
        "headers",
        "queue",
        "sent_body",
        "status",
        "stream",
    )

    def __init__(self, body: bytes | AsyncIterable[bytes], *, head: bool, stream: bool) -> None:
        self.body: bytes | AsyncIterator[bytes] | None = (
            body if isinstance(body, bytes) else body.__aiter__()
        )
        self.head = head
        self.stream = stream
        self.status: int | None = None
        self.headers: Any = ()
        self.chunks: list[bytes] = []
        loop = asyncio.get_running_loop()
        #: resolves to "whole" or "stream" once the response is decided.
        self.decided: asyncio.Future[str] = loop.create_future()
        self.finished = asyncio.Event()
        self.queue: asyncio.Queue[Any] | None = None
        self.sent_body = False

    async def receive(self) -> Message:
        body = self.body
        if body is None:
            await self.finished.wait()
            return {"type": "http.disconnect"}
        if isinstance(body, bytes):
            self.body = None
            return {"type": "http.request", "body": body, "more_body": False}
        try:
            chunk = await body.__anext__()
        except StopAsyncIteration:
            self.body = None
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": bytes(chunk), "more_body": True}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if self.status is None:
                raise ConversionError("the ASGI app sent a body before http.response.start")
            if self.sent_body:
                return
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            queue = self.queue
            if queue is not None:
                if chunk and not self.head:
                    await queue.put(bytes(chunk))
                if not more:
                    self.sent_body = True
                    await queue.put(_END)
                return
            if chunk and not self.head:
                self.chunks.append(bytes(chunk))
            if not more:
                self.sent_body = True
                if not self.decided.done():
                    self.decided.set_result("whole")
            elif self.stream and not self.decided.done():
                self.queue = asyncio.Queue(_STREAM_AHEAD)
                self.decided.set_result("stream")
        elif kind == "http.response.start":
            if self.status is not None:
                raise ConversionError("the ASGI app sent http.response.start twice")
            self.status = int(message["status"])
            self.headers = message.get("headers", ())

    def app_done(self, task: asyncio.Future[None]) -> None:
        """The app returned or raised: settle whatever is still waiting."""
        if task.cancelled():
            error: BaseException | None = asyncio.CancelledError()
        else:
            error = task.exception()
        if not self.decided.done():
            if error is not None:
                self.decided.set_exception(error)
            elif self.status is None:
                self.decided.set_exception(
                    ConversionError("the ASGI app returned without sending a response")
                )
            else:
                self.sent_body = True
                self.decided.set_result("whole")
        elif error is not None and self.sent_body and not isinstance(
            error, asyncio.CancelledError
        ):
            logger.error("the ASGI app raised after its response was complete",
                         exc_info=error)
        queue = self.queue
        if queue is not None and not self.sent_body and not self.finished.is_set():
            self.sent_body = True
            # the stream must end even if the app failed: the consumer sees the error
            marker = error if error is not None else _END
            if queue.full():
                task.get_loop().create_task(queue.put(marker))
            else:
                queue.put_nowait(marker)


async def _stream(first: list[bytes], exchange: _Exchange,
                  task: asyncio.Future[None]) -> AsyncIterator[bytes]:
    """The chunks of a streaming response, as the app sends them."""
    queue = exchange.queue
    assert queue is not None
    complete = False
    try:
        for chunk in first:
            yield chunk
        while True:
            item = await queue.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
        complete = True
    finally:
        exchange.finished.set()
        if not complete and not task.done():
            task.cancel()  # the consumer gave up: so does the app


def _close_loops(loops: list[asyncio.AbstractEventLoop]) -> None:
    for loop in loops:
        if not loop.is_closed() and not loop.is_running():
            loop.close()
    loops.clear()


class AsgiMiddleware:
    """Run an ASGI 3 app for each invocation of an HTTP function.

    Example:
        >>> async def app(scope, receive, send):
        ...     await receive()
        ...     await send({"type": "http.response.start", "status": 200,
        ...                 "headers": [(b"content-type", b"text/plain"),
        ...                             (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]})
        ...     await send({"type": "http.response.body", "body": scope["path"].encode()})
        >>> import azfunc
        >>> req = azfunc.HttpRequest("GET", "http://localhost/api/a%20b",
        ...                          route_params={"route": "a b"})
        >>> r = AsgiMiddleware(app).handle(req)
        >>> r.status_code, r.get_body(), r.headers.getall("set-cookie")
        (200, b'/api/a b', ['a=1', 'b=2'])

    Args:
        app: the ASGI 3 application.
        root_path: the mount point to give the app; by default the part of the path in
            front of the ``route_param`` route parameter (``/api`` under ``{*route}``).
            ``""`` gives the app the whole path as its own (what ``azure-functions`` does).
        route_param: the name of the catch-all route parameter.
        trust_forwarded: whether ``X-Forwarded-Proto/Host/Port/For`` set the scheme, host,
            port and client.
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        root_path: str | None = None,
        route_param: str = "route",
        trust_forwarded: bool = True,
    ) -> None:
        self._app = app
        self.root_path = root_path
        self.route_param = route_param
        self.trust_forwarded = trust_forwarded
        self.lifespan = Lifespan(app)
        self._local = threading.local()
        #: the private loops of :meth:`handle` (one per thread), closed with the middleware.
        self._loops: list[asyncio.AbstractEventLoop] = []
        weakref.finalize(self, _close_loops, self._loops)

    @property
    def app(self) -> AsgiApp:
        """The wrapped ASGI app."""
        return self._app

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan ``state`` (what the app stored during startup)."""
        return self.lifespan.state

    # --- lifespan ------------------------------------------------------------------------

    async def startup(self) -> None:
        """Run the app's lifespan startup once, on the running loop.

        Raises:
            FunctionLoadError: if the app reports a failed startup.
        """
        await self.lifespan.startup()

    async def shutdown(self) -> None:
        """Run the app's lifespan shutdown (once; a no-op if it did not start)."""
        await self.lifespan.shutdown()

    async def notify_startup(self) -> bool:
        """``azure-functions``' name: start the lifespan; ``False`` if startup failed."""
        from .._errors import FunctionLoadError

        try:
            await self.startup()
        except FunctionLoadError:
            logger.exception("ASGI lifespan startup failed")
            return False
        return True

    async def notify_shutdown(self) -> bool:
        """``azure-functions``' name: run the lifespan shutdown."""
        await self.shutdown()
        return True

    # --- requests ------------------------------------------------------------------------

    async def main(self, req: HttpRequest, context: Context | None = None) -> HttpResponse:
        """A function entry point: starts the lifespan on first use, then handles ``req``.

        Raises:
            FunctionLoadError: if the lifespan startup fails.
        """
        if not self.lifespan.started:
            await self.lifespan.startup()
        return await self.handle_async(req, context)

    async def handle_async(
        self,
        req: HttpRequest,
        context: Context | None = None,
        *,
        body: AsyncIterable[bytes] | None = None,
    ) -> HttpResponse:
        """Run the app for ``req`` and answer as soon as its response is decided.

        ``body``: the request body as chunks, for a transport that streams it (default:
        ``req.get_body()`` in one message).

        Raises:
            ConversionError: if the app returns without a response or breaks the protocol.
        """
        return await self._call(req, context, body, stream=True)

    def handle(self, req: HttpRequest, context: Context | None = None) -> HttpResponse:
        """Run the app for ``req`` on this thread's private event loop; the whole body.

        Raises:
            ConversionError: as :meth:`handle_async`.
        """
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            self._loops.append(loop)
        return loop.run_until_complete(self._call(req, context, None, stream=False))

    def scope(self, req: HttpRequest, context: Context | None = None) -> dict[str, Any]:
        """The ASGI HTTP scope of ``req`` (what the app receives).

        Example:
            >>> import azfunc
            >>> s = AsgiMiddleware(None).scope(azfunc.HttpRequest(  # type: ignore[arg-type]
            ...     "GET", "https://h/api/x%2Fy?q=%20", route_params={"route": "x/y"}))
            >>> s["path"], s["raw_path"], s["root_path"], s["query_string"], s["server"]
            ('/api/x/y', b'/api/x%2Fy', '/api', b'q=%20', ('h', 443))
        """
        headers: list[tuple[bytes, bytes]] = []
        first: dict[str, str | None] = {}
        for name, value in req.headers.items():
            lowered = name.lower()
            if lowered not in first:
                first[lowered] = value
            headers.append((to_bytes(lowered), to_bytes(value)))
        target = parse_target(req.url, first, trust_forwarded=self.trust_forwarded)
        path = decode_path_utf8(target.raw_path)
        root = self.root_path
        if root is None:
            root = mount_point(path, req.route_params, self.route_param)
        elif root and not path.startswith(root):
            path = root + path
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "method": req.method,
            "scheme": target.scheme,
            "path": path,
            "raw_path": to_bytes(target.raw_path),
            "query_string": to_bytes(target.query),
            "root_path": root,
            "headers": headers,
            "client": client_address(first) if self.trust_forwarded else None,
            "server": (target.host, target.port),
            "extensions": {},
        }
        if self.lifespan.started:
            scope["state"] = dict(self.lifespan.state)
        scope.update(context_keys(context))
        return scope

    async def _call(
        self,
        req: HttpRequest,
        context: Context | None,
        body: AsyncIterable[bytes] | None,
        *,
        stream: bool,
    ) -> HttpResponse:
        scope = self.scope(req, context)
        head = scope["method"] == "HEAD"
        exchange = _Exchange(req.get_body() if body is None else body, head=head, stream=stream)
        task: asyncio.Future[None] = asyncio.ensure_future(
            self._app(scope, exchange.receive, exchange.send)
        )
        task.add_done_callback(exchange.app_done)
        try:
            how = await asyncio.shield(exchange.decided)
        except asyncio.CancelledError:
            task.cancel()
            raise
        assert exchange.status is not None
        pairs, typed = response_headers(exchange.headers)
        if how == "whole":
            exchange.finished.set()
            if not stream and not task.done():
                # a private loop stops after this call: let the app finish (background
                # tasks included); on a host's loop the app goes on after the answer
                await asyncio.wait([task])
            chunks = exchange.chunks
            body_bytes = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            return build_response(exchange.status, pairs, typed, body_bytes)
        return build_response(
            exchange.status, pairs, typed, _stream(exchange.chunks, exchange, task)
        )
