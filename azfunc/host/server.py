"""Serving an ASGI application with uvicorn (the ``azfunc[host]`` extra).

Rules this module keeps:

* uvicorn is imported here, inside :func:`serve` / :func:`make_server` only, so nothing
  else in azfunc pays for it; a missing uvicorn raises :class:`~azfunc.AzFuncError` saying
  how to install it.
* The lifespan protocol is always on, so Ctrl-C stops accepting connections, lets
  in-flight requests finish and then runs the application's shutdown (which waits for
  background invocations).
* Logs go to stderr with the time, the level and the ``[function] (invocation id)``
  prefix the runtime adds.
* Every connection is bounded (:class:`ServerLimits`, the ``--*-timeout`` flags): the
  request head must arrive within ``header_timeout`` of the connection (or of the first
  byte after a keep-alive pause); the body may pause at most ``body_timeout`` and, after
  ``body_grace``, must average ``min_body_rate`` bytes a second (Kestrel's rule); an idle
  keep-alive connection closes after ``keep_alive_timeout``; a head larger than
  ``max_header_size`` is a 431 (with h11, 400 while still incomplete); beyond
  ``max_connections`` requests are answered 503.
* HTTP/1.1 is parsed by h11 (pure Python) unless ``parser="httptools"`` (llhttp, in C;
  ``azfunc start --http-parser httptools``) is asked for: the same limits hold with both.
  A timed-out request is answered ``408`` (if no response started) and its connection
  closed; the application then sees ``http.disconnect``.
* A served process (:func:`serve`, ``azfunc start``) freezes the objects alive after the
  startup out of the garbage collector (``gc.freeze()``): collections then walk what the
  requests allocate, not the loaded app and modules.
* The listening socket is bound before the application starts (:func:`bind_socket`): a port
  in use fails with :class:`~azfunc.ListenError` before any function (a timer with
  ``runOnStartup`` included) runs, and ``on_ready`` (the ``azfunc start`` banner) is called
  only once the lifespan startup has finished and the socket accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import importlib.util
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._errors import AppStartupError, ArgumentValueError, AzFuncError, ListenError

__all__ = ["ServerLimits", "bind_socket", "configure_logging", "make_server", "serve"]

logger = logging.getLogger("azfunc.host")


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """How long and how many: the bounds every connection of a served app keeps.

    Times are seconds. The defaults suit a development host on loopback and a custom
    handler behind the Functions host.

    Example:
        >>> ServerLimits().header_timeout, ServerLimits(max_connections=10).max_connections
        (10.0, 10)
        >>> ServerLimits(body_timeout=0)
        Traceback (most recent call last):
        ...
        azfunc._errors.ArgumentValueError: ServerLimits.body_timeout must be > 0, got 0

    Raises:
        ArgumentValueError: if a value is not positive.
    """

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    min_body_rate: float = 240.0
    body_grace: float = 5.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    max_header_size: int = 32 * 1024

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in {"min_body_rate", "body_grace"} and value == 0:
                continue  # 0 turns the rate check off / starts it at once
            if not value > 0:
                raise ArgumentValueError(f"ServerLimits.{name} must be > 0, got {value!r}")


def configure_logging(level: int = logging.INFO) -> None:
    """Print ``azfunc.host`` records (invocation logs included) on stderr, once."""
    logger = logging.getLogger("azfunc.host")
    if not any(getattr(h, "_azfunc", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler._azfunc = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)
    # The records are printed here; propagating them would print warnings a second time
    # through the root logger's last-resort output.
    logger.propagate = False


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the environment
        raise AzFuncError(
            "serving needs uvicorn: pip install 'azfunc[host]' (or pip install uvicorn)"
        ) from None
    return uvicorn


_TOO_LARGE_RESPONSE: bytes = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
    b"charset=utf-8\r\nconnection: close\r\ncontent-length: 30\r\n\r\n"
    b"the request head is too large\n"
)
#: seconds a connection stays half-closed after an answer the client did not wait for (408,
#: 413, 431), reading and dropping what it still sends: closing at once with unread data
#: makes the kernel send a reset, which can destroy the answer before the client reads it.
LINGER_SECONDS = 1.0
_TIMEOUT_RESPONSE: bytes = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 24\r\n\r\nthe request timed out.\r\n"
)


#: the HTTP/1.1 parsers :func:`make_server` can serve with: ``"h11"`` (pure Python, the
#: default) and ``"httptools"`` (llhttp, in C: about twice the requests per second;
#: ``pip install 'azfunc[httptools]'``).
PARSERS = ("h11", "httptools")
DEFAULT_PARSER = "h11"


def _guarded_protocol(limits: ServerLimits, parser: str) -> type[asyncio.Protocol]:
    """uvicorn's protocol for ``parser`` with the head and body timeouts and the head size
    limit of ``limits``."""
    if parser == "h11":
        return _guarded_h11(limits)
    return _guarded_httptools(limits)


def _guarded_h11(limits: ServerLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, guarded (an incomplete head over the limit: h11's 400)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(_guards(H11Protocol, limits)):  # type: ignore[misc]
        def _idle(self) -> bool:
            return bool(self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0])

    return GuardedH11Protocol


def _guarded_httptools(limits: ServerLimits) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, guarded. llhttp has no head size limit, so the bytes
    of a head still incomplete are counted: over the limit, a 431. The count is exact
    for a head that starts a read; one that starts in a read after an earlier request's
    end is counted from the next read (at most one read, 256 KiB, uncounted)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpToolsProtocol(_guards(HttpToolsProtocol, limits)):  # type: ignore[misc]
        _head_open = False  # between a request's first byte and the end of its head
        _head_bytes = 0
        _completed = 0  # requests whose message ended (a read holding one's end)

        def _idle(self) -> bool:
            return not self._head_open

        def _parse(self, data: bytes) -> None:
            was_open, completed = self._head_open, self._completed
            super()._parse(data)
            if not self._head_open or self.transport.is_closing():
                return
            if was_open:
                self._head_bytes += len(data)
            else:  # begun in this read: all of it, unless an earlier request ended in it
                self._head_bytes = len(data) if completed == self._completed else 0
            if self._head_bytes > limits.max_header_size:
                logger.warning("refused an incomplete request head of over %d bytes "
                               "(limit %d)", self._head_bytes, limits.max_header_size)
                self._refuse(_TOO_LARGE_RESPONSE)

        def on_message_begin(self) -> None:
            self._head_open = True
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._head_open = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._completed += 1
            super().on_message_complete()

    return GuardedHttpToolsProtocol


def _guards(base: Any, limits: ServerLimits) -> Any:
    """``base`` (a uvicorn HTTP protocol) with the timeouts of ``limits`` and the size limit
    of a complete head; the subclass says when a connection is idle (``_idle``: no byte
    of a next request) and may see each read first (``_parse``)."""

    class Guarded(base):  # type: ignore[misc]
        """Times the request head and body; uvicorn times the keep-alive pauses."""

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._head_timer: asyncio.TimerHandle | None = None
            self._body_timer: asyncio.TimerHandle | None = None
            self._timed: Any = None  # the cycle whose body is being timed
            self._body_start = 0.0
            self._body_bytes = 0
            self._paused = False  # the app let the body wait: no rate to judge
            self._lingering = False  # answered and half-closed: incoming data is dropped
            self._arm_head()

        def _close_after_answer(self) -> None:
            """Half-close, drop what the client still sends for a moment, then close."""
            if self._lingering:
                return
            if not self.transport.can_write_eof():
                self.transport.close()
                return
            self._lingering = True
            self.transport.write_eof()
            self.transport.resume_reading()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)

        def _arm_head(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(
                    limits.header_timeout, self._timed_out, "head")

        def _cancel(self) -> None:
            for timer in (self._head_timer, self._body_timer):
                if timer is not None:
                    timer.cancel()
            self._head_timer = self._body_timer = None

        def _waiting_for_head(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _idle(self) -> bool:
            raise NotImplementedError  # pragma: no cover - each protocol says

        def _parse(self, data: bytes) -> None:
            super().data_received(data)

        def data_received(self, data: bytes) -> None:
            if self._lingering:
                return
            before = self.cycle
            self._parse(data)
            cycle = self.cycle
            if self.transport.is_closing():
                self._cancel()
                return
            if cycle is not None and cycle is not before:  # a request head arrived
                if self._head_timer is not None:
                    self._head_timer.cancel()
                    self._head_timer = None
                self._timed, self._body_start, self._body_bytes = cycle, self.loop.time(), 0
                self._paused = False
                scope = cycle.scope
                size = len(scope["raw_path"]) + len(scope["query_string"]) + sum(
                    len(key) + len(value) + 4 for key, value in scope["headers"])
                if size > limits.max_header_size:
                    logger.warning("refused a request head of %d bytes (limit %d)",
                                   size, limits.max_header_size)
                    self._refuse(_TOO_LARGE_RESPONSE)
                    return
            elif self._waiting_for_head():
                self._arm_head()  # the first byte of the next request after a pause
                return
            if self._timed is not cycle or cycle is None or not cycle.more_body:
                if self._body_timer is not None:
                    self._body_timer.cancel()
                    self._body_timer = None
                return
            if cycle is not before:
                self._body_bytes = 0
            else:
                self._body_bytes += len(data)
            self._paused = self._paused or self.flow.read_paused
            elapsed = self.loop.time() - self._body_start
            if (limits.min_body_rate and not self._paused and elapsed > limits.body_grace
                    and self._body_bytes < limits.min_body_rate * elapsed):
                self._timed_out("body rate")
                return
            if self._body_timer is not None:
                self._body_timer.cancel()
            self._body_timer = self.loop.call_later(
                limits.body_timeout, self._timed_out, "body")

        def on_response_complete(self) -> None:
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None
            self._timed = None
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def _timed_out(self, what: str) -> None:
            if what == "body" and self.flow.read_paused:  # the app is not reading yet
                self._paused = True
                self._body_timer = self.loop.call_later(
                    limits.body_timeout, self._timed_out, "body")
                return
            self._cancel()
            if self.transport.is_closing():
                return
            cycle = self.cycle
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            if what == "head" and not self._waiting_for_head():
                return
            started = cycle is not None and not cycle.response_complete and (
                cycle.response_started)
            idle = what == "head" and self._idle()
            if idle:
                logger.debug("closing the idle connection of %s", client)
            else:
                logger.warning("the request %s of %s timed out; closing its connection",
                               what, client)
                if not started:
                    self.transport.write(_TIMEOUT_RESPONSE)
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
            if not idle and not started:  # the 408 went out: let the client read it
                self._close_after_answer()
            else:
                self.transport.close()

        def _refuse(self, response: bytes) -> None:
            """Answer ``response`` instead of the application and close the connection."""
            self._cancel()
            cycle = self.cycle
            if cycle is not None:
                cycle.disconnected = True
                cycle.message_event.set()
            self.transport.write(response)
            self._close_after_answer()

    return Guarded


def bind_socket(host: str = "127.0.0.1", port: int = 7071, *, backlog: int = 2048
                ) -> socket.socket:
    """A socket bound to ``host:port`` and listening, inheritable by a child process.

    ``SO_REUSEADDR`` is set as uvicorn sets it (a restarted host need not wait for old
    connections in ``TIME_WAIT``); it does not let two listeners share a port. Accepted
    connections get ``TCP_NODELAY`` from asyncio, as uvicorn's own sockets do.

    Example:
        >>> sock = bind_socket("127.0.0.1", 0)
        >>> sock.getsockname()[0]
        '127.0.0.1'
        >>> bind_socket("127.0.0.1", sock.getsockname()[1])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        azfunc._errors.ListenError: port ... on 127.0.0.1 is in use ...
        >>> sock.close()

    Raises:
        ListenError: if another process listens on the port, or the address cannot be
            bound for another reason (not an address of this machine, a privileged port).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only for sockets
    # that say so, and without it an answer written in two sends (head, then body) waits
    # for the client's delayed ACK, about 40 ms per request on a keep-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(
                f"port {port} on {host} is in use (another azfunc start, func "
                f"start or server?); stop that process or choose another port with --port"
            ) from None
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def make_server(app: Any, *, host: str = "127.0.0.1", port: int = 7071,
                log_level: str = "warning", limits: ServerLimits | None = None,
                freeze_heap: bool = False, parser: str = DEFAULT_PARSER) -> Any:
    """A ``uvicorn.Server`` for ``app`` (call ``.run()`` or ``await .serve()``).

    ``parser``: ``"h11"`` (the default) or ``"httptools"`` (:data:`PARSERS`); both keep the
    same limits.

    ``freeze_heap``: once the startup has finished, move every object alive then out of
    the garbage collector's reach (``gc.freeze()``, see :func:`serve`); for a process that
    only serves, never for a server run inside another program (a test's).

    Raises:
        AzFuncError: if uvicorn (or the ``parser`` asked for) is not installed.
        ArgumentValueError: if ``parser`` is not one of :data:`PARSERS`.
    """
    uvicorn = _uvicorn()
    limits = limits or ServerLimits()
    if parser not in PARSERS:
        raise ArgumentValueError(f"parser must be one of {', '.join(PARSERS)}, got {parser!r}")
    if parser == "httptools" and importlib.util.find_spec("httptools") is None:
        raise AzFuncError("the httptools parser is not installed: pip install "
                          "'azfunc[httptools]' (or pip install httptools), or serve with h11")
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="on", log_level=log_level,
        access_log=False, timeout_graceful_shutdown=None,
        http=_guarded_protocol(limits, parser),
        timeout_keep_alive=limits.keep_alive_timeout,
        limit_concurrency=limits.max_connections,
        h11_max_incomplete_event_size=limits.max_header_size,
    )
    server = uvicorn.Server(config)
    if freeze_heap:
        _freeze_after_startup(server)
    return server


def _freeze_after_startup(server: Any) -> None:
    """``gc.freeze()`` after ``server``'s startup: the app, its modules and the host's
    long-lived state are never traversed again by a collection (each request's garbage is
    collected as before), so a full collection costs what the requests left, not the
    whole heap."""
    startup = server.startup

    async def startup_then_freeze(sockets: list[socket.socket] | None = None) -> None:
        await startup(sockets=sockets)
        if server.started:
            gc.collect()
            gc.freeze()

    server.startup = startup_then_freeze


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 7071,
          log_level: str = "warning", limits: ServerLimits | None = None,
          sockets: list[socket.socket] | None = None,
          on_ready: Callable[[], None] | None = None, freeze_heap: bool = True,
          parser: str = DEFAULT_PARSER) -> None:
    """Serve ``app`` until interrupted; returns after the graceful shutdown.

    ``parser``: the HTTP/1.1 parser (:data:`PARSERS`, see :func:`make_server`).

    With ``freeze_heap`` (the default: this process only serves), the objects alive once
    the startup has finished are frozen out of the garbage collector (``make_server``).

    ``sockets`` are listening sockets to serve (:func:`bind_socket`); without them
    ``host:port`` is bound here, before the application's startup runs. ``on_ready`` is
    called once the startup has finished and connections are accepted.

    uvicorn re-raises the Ctrl-C it handled once the shutdown is complete (so that the
    process would exit as interrupted); here that ends :func:`serve` normally instead.

    Raises:
        AzFuncError: if uvicorn (or the ``parser``) is not installed.
        ArgumentValueError: if ``parser`` is not one of :data:`PARSERS`.
        ListenError: if ``host:port`` is in use (``sockets`` not given).
        AppStartupError: if the application's startup failed (the log says why).
    """
    if sockets is None:
        sockets = [bind_socket(host, port)]
    server = make_server(app, host=host, port=port, log_level=log_level, limits=limits,
                         freeze_heap=freeze_heap, parser=parser)
    if on_ready is not None:
        _call_when_started(server, on_ready)
    try:
        with _terminate_as_interrupt():
            server.run(sockets=sockets)
    except (KeyboardInterrupt, _Terminated):
        if not server.should_exit:
            raise
    except SystemExit as exc:  # uvicorn's exit when the lifespan startup failed
        raise AppStartupError(
            f"the app's startup failed (exit status {exc.code}); the log above says why"
        ) from None


class _Terminated(BaseException):
    """SIGTERM, re-raised by uvicorn once its graceful shutdown is complete."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While serving, SIGTERM ends :func:`serve` as Ctrl-C does, after the drain.

    uvicorn handles SIGTERM with the same graceful shutdown as SIGINT, then raises the
    signal again under the handler it found. The default one would kill the process
    (exit status 143) before the caller's clean-up runs; this one raises
    :class:`_Terminated`, which :func:`serve` treats as the end of a requested shutdown.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _call_when_started(server: Any, on_ready: Callable[[], None]) -> None:
    """Call ``on_ready`` after ``server``'s startup, if it started (lifespan and sockets)."""
    startup = server.startup

    async def startup_then_ready(sockets: list[socket.socket] | None = None) -> None:
        await startup(sockets=sockets)
        if server.started and not server.should_exit:
            on_ready()

    server.startup = startup_then_ready
