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
  caller passes ``body=`` an async iterable (a transport that streams; see
  :mod:`azfunc.adapters.streaming`). A body stream that raises
  :class:`~azfunc.IncompleteBodyError` or :class:`~azfunc.LimitExceededError` (a cut-off
  body) gives the app ``http.disconnect``, never a last ``http.request``, and the request
  fails with that error unless the app completed its answer. After the body,
  ``receive`` waits until the response is complete (or abandoned) and then answers
  ``http.disconnect``, so apps that listen for a disconnect keep streaming.
* Where the transport streams response bodies (the host says so:
  :func:`~azfunc.adapters.streaming.responses_stream`) or ``stream=True``,
  :meth:`AsgiMiddleware.handle_async` runs the app in a task of its own and answers as soon
  as the response is decided: a body sent in one message gives an
  :class:`~azfunc.HttpResponse` with bytes; a first body message with ``more_body`` gives a
  streaming response whose chunks leave as the app sends them. Elsewhere (and in
  :meth:`~AsgiMiddleware.handle`, sync) the app runs in the caller's task and the answer,
  with the whole body, comes when the app returned.
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
import operator
import sys
import threading
import weakref
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from .._errors import ConversionError, IncompleteBodyError, LimitExceededError
from ..http.response import HttpResponse
from ._request import (
    client_address,
    decode_path_utf8,
    mount_point,
    split_target,
    to_bytes,
)
from .lifespan import AsgiApp, Lifespan, Message
from .streaming import responses_stream

if TYPE_CHECKING:
    from .._context import Context
    from ..http.request import HttpRequest

__all__ = ["AsgiMiddleware"]

logger = logging.getLogger("azfunc.adapters")

_ASGI: Final = {"version": "3.0", "spec_version": "2.3"}
_END: Final[Any] = object()
#: chunks a streaming app may send ahead of the consumer before ``send`` waits.
_STREAM_AHEAD: Final = 16


#: header name as sent -> its lower-case latin-1 bytes (bounded, grown as names are met).
_HEADER_NAMES: dict[str, bytes] = {}
_name_of: Final = operator.itemgetter(0)
_FORWARDED: Final = frozenset({b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
                               b"x-forwarded-for"})


def _header_name(name: str) -> bytes:
    """``name`` lower-cased as ASGI bytes (raises UnicodeEncodeError beyond latin-1)."""
    raw = name.lower().encode("latin-1")
    if len(_HEADER_NAMES) < 512:
        _HEADER_NAMES[name] = raw
    return raw


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


def response_headers(raw: Any) -> list[tuple[str, str]]:
    """The app's ``[(name, value)]`` byte pairs as text (latin-1: every byte kept).

    Raises:
        ConversionError: if an item is not a pair of bytes-like objects.
    """
    try:
        return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
    except (AttributeError, TypeError, ValueError):
        pass  # not bytes or bytearray (a memoryview), or not pairs: the thorough way
    try:
        return [(bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in raw]
    except (TypeError, ValueError) as exc:
        raise ConversionError(
            f"the ASGI app sent response headers that are not (bytes, bytes) pairs: {exc}"
        ) from None


class _Exchange:
    """One request/response between the middleware and the app."""

    __slots__ = (
        "abandoned",
        "body",
        "body_error",
        "chunks",
        "complete",
        "decided",
        "failure",
        "head",
        "headers",
        "how",
        "lock",
        "queue",
        "status",
        "streams",
        "waiter",
    )

    def __init__(self, body: bytes | AsyncIterable[bytes], head: bool, streams: bool) -> None:
        self.body: bytes | AsyncIterator[bytes] | None = (
            body if type(body) is bytes or isinstance(body, bytes) else body.__aiter__()
        )
        self.head = head
        #: why a streamed body ended early: what the request fails with if the app gives
        #: no complete answer.
        self.body_error: IncompleteBodyError | LimitExceededError | None = None
        self.lock: asyncio.Lock | None = None
        self.status: int | None = None
        self.headers: Any = ()
        self.chunks: list[bytes] = []
        #: streaming mode: the answer is decided ("whole" or "stream", in ``how``) at the
        #: first body message, or why the request failed (``failure``) when the app ends
        #: without one; ``decided`` is made only when the caller has to wait for it.
        self.streams = streams
        self.how: str | None = None
        self.failure: BaseException | None = None
        self.decided: asyncio.Future[str] | None = None
        self.queue: asyncio.Queue[Any] | None = None
        #: the final body message was sent / the consumer gave up on the stream.
        self.complete = False
        self.abandoned = False
        #: what ``receive`` waits on after the body, created when an app asks.
        self.waiter: asyncio.Future[None] | None = None

    def finish(self) -> None:
        """The exchange is over: a pending ``receive`` answers ``http.disconnect``."""
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive(self) -> Message:
        body = self.body
        if body is None:
            if not self.complete and not self.abandoned:
                waiter = self.waiter
                if waiter is None:
                    waiter = self.waiter = asyncio.get_running_loop().create_future()
                await asyncio.shield(waiter)
            return {"type": "http.disconnect"}
        if type(body) is bytes:
            self.body = None
            return {"type": "http.request", "body": body, "more_body": False}
        lock = self.lock
        if lock is None:
            lock = self.lock = asyncio.Lock()
        try:
            # one reader at a time (Starlette also listens for a disconnect meanwhile):
            # each chunk goes to one of them, as a server's receive does
            async with lock:
                if self.body is None:
                    return await self.receive()
                chunk = await body.__anext__()  # type: ignore[union-attr]
        except StopAsyncIteration:
            self.body = None
            return {"type": "http.request", "body": b"", "more_body": False}
        except (IncompleteBodyError, LimitExceededError) as exc:
            # a cut-off body never ends with more_body=False: the app sees the disconnect
            self.body = None
            self.body_error = exc
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": bytes(chunk), "more_body": True}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if self.status is None:
                raise ConversionError("the ASGI app sent a body before http.response.start")
            if self.complete:
                return
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            queue = self.queue
            if queue is not None:
                if chunk and not self.head:
                    await queue.put(bytes(chunk))
                if not more:
                    self.complete = True
                    await queue.put(_END)
                    self.finish()
                return
            if chunk and not self.head:
                self.chunks.append(chunk if type(chunk) is bytes else bytes(chunk))
            if not more:
                self.complete = True
                self.finish()
                if self.streams and self.how is None:
                    self.decide("whole")
            elif self.streams and self.how is None:
                self.queue = asyncio.Queue(_STREAM_AHEAD)
                self.decide("stream")
        elif kind == "http.response.start":
            if self.status is not None:
                raise ConversionError("the ASGI app sent http.response.start twice")
            self.status = int(message["status"])
            self.headers = message.get("headers", ())

    def failed(self, error: BaseException) -> bool:
        """Whether an error the app raised fails the request (else it is only logged)."""
        if self.body_error is not None and not self.complete:
            return True
        if self.complete and not isinstance(error, asyncio.CancelledError):
            logger.error("the ASGI app raised after its response was complete",
                         exc_info=error)
            return False
        return not self.complete

    def app_done(self, task: asyncio.Future[None]) -> None:
        """The app (a task, in streaming mode) returned or raised: settle what waits."""
        error: BaseException | None
        error = asyncio.CancelledError() if task.cancelled() else task.exception()
        if error is not None and not self.failed(error):
            error = None
        self.settle(error, task.get_loop())

    def decide(self, how: str) -> None:
        """The answer is decided: whole, or a stream."""
        self.how = how
        decided = self.decided
        if decided is not None and not decided.done():
            decided.set_result(how)

    def settle(self, error: BaseException | None, loop: asyncio.AbstractEventLoop) -> None:
        """The app is over (``error``: what failed it): decide the answer if the app did
        not (whole, or the request's failure), end the stream."""
        if self.body_error is not None and not self.complete and (
                error is not None or self.status is None):
            error = self.body_error  # the body was cut off: that is why the app gave up
        if self.how is None and self.failure is None:
            if error is None and self.status is None:
                error = ConversionError("the ASGI app returned without sending a response")
            if error is None:
                self.complete = True
                self.decide("whole")
            else:
                self.failure = error
                decided = self.decided
                if decided is not None and not decided.done():
                    decided.set_exception(error)
        self.finish()
        queue = self.queue
        if queue is not None and not self.complete and not self.abandoned:
            self.complete = True
            # the stream must end even if the app failed: the consumer sees the error
            marker = error if error is not None else _END
            if queue.full():
                loop.create_task(queue.put(marker))
            else:
                queue.put_nowait(marker)


async def _stream(first: list[bytes], exchange: _Exchange,
                  task: asyncio.Future[None] | None) -> AsyncIterator[bytes]:
    """The chunks of a streaming response, as the app sends them."""
    queue = exchange.queue
    assert queue is not None
    done = False
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
        done = True
    finally:
        if not done:
            exchange.abandoned = True
            exchange.finish()
            if task is not None and not task.done():
                task.cancel()  # the consumer gave up: so does the app


if sys.version_info >= (3, 12):

    def _start(coro: Any) -> tuple[asyncio.Future[None] | None, bool]:
        """Run the app as a task that starts at once (no loop turn before its first step);
        and whether the app already returned (without an error)."""
        loop = asyncio.get_running_loop()
        task = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg,unused-ignore]
        return task, task.done() and not task.cancelled() and task.exception() is None

else:
    import contextvars
    import types

    # 3.11 has no eager_start: the first step runs here, with the new task posing as the
    # current one (anyio's cancel scopes bind to it), in the task's own context.
    from asyncio.tasks import _enter_task, _leave_task

    @types.coroutine
    def _resume(coro: Any, state: list[Any]) -> Any:
        """The task's body: go on driving ``coro`` after the first step ran eagerly."""
        if state[0] is _END:
            return state[1]
        pending = state[1]
        while True:
            try:
                sent = yield pending
            except BaseException as exc:  # CancelledError included: the app sees it
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                pending = coro.send(sent)
            except StopIteration as stop:
                return stop.value

    def _cancelled_early(coro: Any, task: asyncio.Task[None]) -> None:
        """A task cancelled before its body ran: the app still gets its CancelledError."""
        if task.cancelled() and coro.cr_frame is not None:
            loop = task.get_loop()
            _enter_task(loop, task)
            try:
                coro.throw(asyncio.CancelledError())
            except BaseException:  # the task is already settled as cancelled
                pass
            else:
                coro.close()
            finally:
                _leave_task(loop, task)

    def _start(coro: Any) -> tuple[asyncio.Future[None] | None, bool]:
        """Run the app as a task whose first step runs at once (what 3.12's eager_start
        does); and whether the app already returned (without an error).

        The task is made (through the loop's task factory, if any) before the first step
        and poses as the current task for it, so anyio's cancel scopes bind to the task
        that goes on driving the app. A task that was never set up is never made current:
        3.11's C task methods are not safe on such an object.
        """
        loop = asyncio.get_running_loop()
        return _start_scheduled(coro, loop, asyncio.current_task(loop))

    def _start_scheduled(coro: Any, loop: asyncio.AbstractEventLoop,
                         outer: asyncio.Task[Any] | None
                         ) -> tuple[asyncio.Future[None] | None, bool]:
        """:func:`_start` through ``loop.create_task``: the task is created before the
        first step (and, with no current task, the app simply starts as a task)."""
        if outer is None:
            task: asyncio.Future[None] = asyncio.ensure_future(coro)
            return task, False
        context = contextvars.copy_context()
        state: list[Any] = [None, None]
        body = _resume(coro, state)
        eager: asyncio.Task[None] = loop.create_task(body, context=context)  # type: ignore[call-arg,unused-ignore]
        _leave_task(loop, outer)
        _enter_task(loop, eager)
        try:
            state[1] = context.run(coro.send, None)
        except StopIteration as stop:
            state[0], state[1] = _END, stop.value
        except BaseException as exc:
            # the app failed in its first step: the task raises it when it runs
            state[0], state[1] = _END, None
            eager.add_done_callback(lambda _: None)
            _leave_task(loop, eager)
            _enter_task(loop, outer)
            failed = loop.create_future()
            failed.set_exception(exc)
            eager.cancel()
            return failed, False
        finally:
            if asyncio.current_task(loop) is eager:
                _leave_task(loop, eager)
                _enter_task(loop, outer)
        if state[0] is _END:
            return eager, True
        eager.add_done_callback(lambda task: _cancelled_early(coro, task))
        return eager, False


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
        stream: bool | None = None,
    ) -> HttpResponse:
        """Run the app for ``req``: the answer, streamed where the transport streams it.

        ``body``: the request body as chunks, for a transport that streams it (default:
        ``req.get_body()`` in one message). ``stream``: whether the app runs in a task of
        its own and the answer comes as soon as it is decided (a stream if the app sends
        its body in several messages); by default, when the host serving this invocation
        sends response bodies chunk by chunk (``azfunc start``, ``azfunc worker``'s
        forwarded requests: :func:`~azfunc.adapters.streaming.responses_stream`).
        Otherwise (Microsoft's worker, a test or script calling this, ``stream=False``) the
        app runs in the caller's task, no task of its own (cheaper, most of all before
        Python 3.12), and the answer comes once the app returned, with the whole body (as
        from :meth:`handle` and ``azure-functions``' middleware): what the app does after
        its response (background tasks) is part of the invocation.

        Raises:
            ConversionError: if the app returns without a response or breaks the protocol.
        """
        scope = self.scope(req, context)
        head = scope["method"] == "HEAD"
        payload = req.get_body() if body is None else body
        loop = asyncio.get_running_loop()
        if stream is None:
            stream = responses_stream(loop)
        if not stream:
            # the whole body is wanted: the app runs right here, no task, no loop turn
            exchange = _Exchange(payload, head, False)
            try:
                await self._app(scope, exchange.receive, exchange.send)
            except BaseException as exc:
                if exchange.failed(exc):
                    raise
            finally:
                exchange.finish()
            if exchange.status is None:
                raise ConversionError("the ASGI app returned without sending a response")
            return self._whole(exchange)
        exchange = _Exchange(payload, head, True)
        task, returned = _start(self._app(scope, exchange.receive, exchange.send))
        if returned or task is None:
            # no done callback, no loop turn; nothing to settle after a whole answer
            if exchange.how != "whole" or exchange.waiter is not None:
                exchange.settle(None, loop)
        else:
            task.add_done_callback(exchange.app_done)
        how = exchange.how
        if how is None:
            failure = exchange.failure
            if failure is not None:
                raise failure
            assert task is not None
            decided = exchange.decided = loop.create_future()
            try:
                how = await decided
            except asyncio.CancelledError:
                task.cancel()
                raise
        if how == "whole":
            chunks = exchange.chunks
            return HttpResponse._exact(chunks[0] if len(chunks) == 1 else b"".join(chunks),
                                       exchange.status,  # type: ignore[arg-type]
                                       response_headers(exchange.headers))
        assert exchange.status is not None
        return HttpResponse._exact(_stream(exchange.chunks, exchange, task), exchange.status,
                                   response_headers(exchange.headers))

    def handle(self, req: HttpRequest, context: Context | None = None) -> HttpResponse:
        """Run the app for ``req`` on this thread's private event loop; the whole body.

        Raises:
            ConversionError: as :meth:`handle_async`.
        """
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            self._loops.append(loop)
        return loop.run_until_complete(self.handle_async(req, context, stream=False))

    def scope(self, req: HttpRequest, context: Context | None = None) -> dict[str, Any]:
        """The ASGI HTTP scope of ``req`` (what the app receives).

        Example:
            >>> import azfunc
            >>> s = AsgiMiddleware(None).scope(azfunc.HttpRequest(  # type: ignore[arg-type]
            ...     "GET", "https://h/api/x%2Fy?q=%20", route_params={"route": "x/y"}))
            >>> s["path"], s["raw_path"], s["root_path"], s["query_string"], s["server"]
            ('/api/x/y', b'/api/x%2Fy', '/api', b'q=%20', ('h', 443))
        """
        view = req.headers
        names = _HEADER_NAMES
        try:
            headers = [
                (names.get(name) or _header_name(name), value.encode("latin-1"))
                for name, value in view.items()
            ]
        except UnicodeEncodeError:
            headers = [(to_bytes(name.lower()), to_bytes(value)) for name, value in view.items()]
        # the X-Forwarded-* reads only when the request has one (most have none)
        trust = self.trust_forwarded and not _FORWARDED.isdisjoint(map(_name_of, headers))
        scheme, host, port, raw_path, query = split_target(req.url, view.get, trust)
        path = decode_path_utf8(raw_path) if "%" in raw_path else raw_path
        root = self.root_path
        if root is None:
            root = mount_point(path, req.route_params, self.route_param)
        elif root and not path.startswith(root):
            path = root + path
        try:
            raw, raw_query = raw_path.encode("latin-1"), query.encode("latin-1")
        except UnicodeEncodeError:
            raw, raw_query = to_bytes(raw_path), to_bytes(query)
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "method": req.method,
            "scheme": scheme,
            "path": path,
            "raw_path": raw,
            "query_string": raw_query,
            "root_path": root,
            "headers": headers,
            "client": client_address(view.get) if trust else None,
            "server": (host, port),
            "extensions": {},
            "azure_functions.context": context,
        }
        lifespan = self.lifespan
        if lifespan.started:
            scope["state"] = lifespan.state.copy()
        if context is not None:
            scope.update(context_keys(context))
        return scope

    @staticmethod
    def _whole(exchange: _Exchange) -> HttpResponse:
        assert exchange.status is not None
        chunks = exchange.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse._exact(body, exchange.status, response_headers(exchange.headers))
