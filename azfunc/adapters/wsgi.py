"""WsgiMiddleware: serve a PEP 3333 app (Flask, Django, any WSGI app) from a function.

Rules this module keeps:

* The environ follows PEP 3333: ``SCRIPT_NAME`` is the part of the path in front of the
  catch-all route parameter (see :mod:`azfunc.adapters._request`), ``PATH_INFO`` the rest,
  percent-decoded to bytes in a latin-1 string; ``QUERY_STRING`` exactly as sent;
  ``RAW_URI``/``REQUEST_URI`` the raw target; ``HTTP_*`` for every header (repeated lines
  joined with ``, ``, ``Cookie`` lines with ``; ``, as the CGI form requires) except those
  whose name holds ``_``: ``X_User`` and ``X-User`` would both become ``HTTP_X_USER``, so a
  client could pose as a header a front end sets or strips; they are dropped, as gunicorn
  and werkzeug's server do (``keep_underscore_headers=True`` joins them in instead);
  ``CONTENT_LENGTH`` the body's length; ``wsgi.url_scheme``, ``SERVER_NAME``/``PORT`` and
  ``REMOTE_ADDR`` from the URL and the ``X-Forwarded-*`` headers; ``wsgi.errors`` writes
  each line to the ``azfunc.wsgi`` logger at error level; the invocation context is under
  ``azure_functions.context`` (plus the ``azure-functions`` keys for its fields).
* ``wsgi.input`` is the body in memory, or the caller's binary stream (``body=``) for a
  transport that streams it (under ``azfunc start``, the body as it arrives, see
  :mod:`azfunc.adapters.blocking_body`); ``CONTENT_LENGTH`` is then the request's header,
  if it has one. Either stream ends where the body does, so ``wsgi.input_terminated`` is
  set (a chunked body without a length reaches apps that honour it, as werkzeug does).
* The response is whole (bytes) when the app returns a list or tuple, or when its first
  chunk holds all the ``Content-Length`` bytes; otherwise it streams from the first chunk
  (each later chunk leaves when the app yields it). The app's iterable is always closed.
  ``write()`` chunks come first. ``HEAD`` answers have no body. Every header line is kept,
  no ``Content-Type`` is added when the app sent none.
* ``start_response`` with ``exc_info`` after the headers were committed re-raises the
  app's error; an app that never calls ``start_response`` raises
  :class:`~azfunc.ConversionError`; anything the app raises propagates (the host answers
  500).
"""

from __future__ import annotations

import contextvars
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, Final

from .._errors import ConversionError, HeaderError
from ..http.response import HttpResponse
from ._request import (
    ascii_digits,
    client_address,
    decode_path_latin1,
    decode_path_utf8,
    mount_point,
    split_target,
)
from .asgi import context_keys

if TYPE_CHECKING:
    from types import TracebackType

    from .._context import Context
    from ..http.request import HttpRequest

__all__ = ["WsgiMiddleware"]

ExcInfo = tuple[type[BaseException], BaseException, "TracebackType | None"]
StartResponse = Callable[..., Callable[[bytes], object]]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

Context_ = contextvars.Context
_DONE: Final[Any] = object()
_errors_log = logging.getLogger("azfunc.wsgi")
#: header name as sent -> environ key, grown (bounded) as names are met: ``HTTP_*``, or
#: the two CGI names without it; the separator of repeated lines is ``; `` for cookies.
_ENVIRON_NAMES: dict[str, str] = {}
#: the same for middlewares that drop names with ``_`` (their key is ``""``).
_KEPT_NAMES: dict[str, str] = {}
_CGI_NAMES: Final = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_FORWARDED: Final = frozenset({"HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                               "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_FOR"})


def _environ_name(name: str, *, drop: bool) -> str:
    """The environ key of a header name (``""``: dropped, when ``drop`` and it holds ``_``),
    remembered (bounded) in the cache of that mode."""
    if drop and "_" in name:
        key = ""
    else:
        lowered = name.lower()
        key = _CGI_NAMES.get(lowered) or "HTTP_" + lowered.upper().replace("-", "_")
    names = _KEPT_NAMES if drop else _ENVIRON_NAMES
    if len(names) < 512:
        names[name] = key
    return key


class ErrorStream(io.TextIOBase):
    """``wsgi.errors``: a text stream that logs each complete line on ``azfunc.wsgi``.

    Example:
        >>> import logging
        >>> stream = ErrorStream(logging.getLogger("doctest.wsgi"))
        >>> stream.write("half a line "), stream.writable()
        (12, True)
    """

    def __init__(self, logger: logging.Logger = _errors_log) -> None:
        super().__init__()
        self._logger = logger
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            data = self._pending + str(text)
            *lines, self._pending = data.split("\n")
        for line in lines:
            if line:
                self._logger.error("%s", line)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, ""
        if pending:
            self._logger.error("%s", pending)


class _Start:
    """The ``start_response`` of one request."""

    __slots__ = ("committed", "headers", "status", "written")

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []
        self.committed = False

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        if exc_info is not None:
            try:
                if self.committed:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise ConversionError("the WSGI app called start_response twice without exc_info")
        code = status.partition(" ")[0]
        if not ascii_digits(code):
            raise ConversionError(f"the WSGI app gave an invalid status {status!r}")
        self.status = int(code)
        self.headers = headers
        return self.written.append


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    """The ``Content-Length`` the app's headers declare (``None``: none, or not digits)."""
    for name, value in headers:
        if len(name) == 14 and name.lower() == "content-length":
            value = value.strip()
            return int(value) if ascii_digits(value) else None
    return None


def _close(result: object) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _rest(first: bytes, iterator: Iterator[bytes], result: object, context: Context_, *,
          head: bool) -> Iterator[bytes]:
    """The chunks of a streaming response: the first, then the app's, closing it at the end.

    Every step runs in ``context``, the one the app ran in: an iterable that set context
    variables (Flask's ``stream_with_context``) finds them, whichever thread iterates it.
    """
    try:
        if not head:
            yield first
        while True:
            chunk = context.run(next, iterator, _DONE)
            if chunk is _DONE:
                return
            if chunk and not head:
                yield chunk
    finally:
        context.run(_close, result)


class WsgiMiddleware:
    """Run a WSGI app for each invocation of an HTTP function.

    Example:
        >>> def app(environ, start_response):
        ...     start_response("201 Created", [("Content-Type", "text/plain"),
        ...                                    ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        ...     return [environ["SCRIPT_NAME"].encode(), b"|", environ["PATH_INFO"].encode()]
        >>> import azfunc
        >>> req = azfunc.HttpRequest("POST", "http://localhost/api/items/7",
        ...                          route_params={"route": "items/7"})
        >>> r = WsgiMiddleware(app).handle(req)
        >>> r.status_code, r.get_body(), r.headers.getall("set-cookie")
        (201, b'/api|/items/7', ['a=1', 'b=2'])

    Args:
        app: the WSGI application.
        root_path: the ``SCRIPT_NAME`` to give the app; by default the part of the path in
            front of the ``route_param`` route parameter (``/api`` under ``{*route}``).
            ``""`` gives the app the whole path as ``PATH_INFO`` (what ``azure-functions``
            does).
        route_param: the name of the catch-all route parameter.
        trust_forwarded: whether ``X-Forwarded-Proto/Host/Port/For`` set the scheme, host,
            port and client address.
        keep_underscore_headers: whether a header whose name holds ``_`` reaches the app
            (as ``HTTP_*``, folded with the ``-`` spelling); by default it is dropped, so
            ``X_Forwarded_For`` cannot pass for ``X-Forwarded-For``.
    """

    def __init__(
        self,
        app: WsgiApp,
        *,
        root_path: str | None = None,
        route_param: str = "route",
        trust_forwarded: bool = True,
        keep_underscore_headers: bool = False,
    ) -> None:
        self._app = app
        self.root_path = root_path
        self.route_param = route_param
        self.trust_forwarded = trust_forwarded
        self.keep_underscore_headers = keep_underscore_headers
        self.errors = ErrorStream()
        self._base: dict[str, Any] = {
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "wsgi.errors": self.errors,
            "azure_functions.context": None,
        }
        #: a function entry point (``main = WsgiMiddleware(app).main``).
        self.main = self.handle

    @property
    def app(self) -> WsgiApp:
        """The wrapped WSGI app."""
        return self._app

    def environ(
        self, req: HttpRequest, context: Context | None = None, *, body: IO[bytes] | None = None
    ) -> dict[str, Any]:
        """The WSGI environ of ``req`` (what the app receives).

        Example:
            >>> import azfunc
            >>> e = WsgiMiddleware(None).environ(azfunc.HttpRequest(  # type: ignore[arg-type]
            ...     "GET", "https://h/api/caf%C3%A9?q=%20", route_params={"route": "café"}))
            >>> e["SCRIPT_NAME"], e["PATH_INFO"], e["QUERY_STRING"], e["SERVER_PORT"]
            ('/api', '/cafÃ©', 'q=%20', '443')
        """
        environ = self._base.copy()  # the keys every request has the same
        drop = not self.keep_underscore_headers
        names = _KEPT_NAMES if drop else _ENVIRON_NAMES
        for name, value in req.headers.items():
            key = names.get(name)
            if key is None:
                key = _environ_name(name, drop=drop)
            if not key:  # a name with "_", dropped
                continue
            if key in environ:
                environ[key] = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ', '}{value}"
            else:
                environ[key] = value
        get = req.headers.get
        # the X-Forwarded-* reads only when the request has one (most have none)
        trust = self.trust_forwarded and not environ.keys().isdisjoint(_FORWARDED)
        scheme, host, port, raw_path, query = split_target(req.url, get, trust)
        escaped = "%" in raw_path
        path = decode_path_latin1(raw_path) if escaped else raw_path
        root = self.root_path
        if root is None:
            # the route parameter is decoded text; the mount point goes back to PEP 3333 form
            text = decode_path_utf8(raw_path) if escaped else raw_path
            root = mount_point(text, req.route_params, self.route_param)
            if root and not root.isascii():
                root = root.encode("utf-8").decode("latin-1")
            if root and path.startswith(root):
                path = path[len(root) :]
            else:
                root = ""
        elif root and path.startswith(root):
            path = path[len(root) :]
        if body is None:
            data = req.get_body()
            environ["CONTENT_LENGTH"] = str(len(data))
            environ["wsgi.input"] = io.BytesIO(data)
        else:
            environ["wsgi.input"] = body
        raw_uri = raw_path + "?" + query if query else raw_path
        environ["REQUEST_METHOD"] = req.method
        environ["SCRIPT_NAME"] = root
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = raw_uri
        environ["REQUEST_URI"] = raw_uri
        environ["SERVER_NAME"] = host
        environ["SERVER_PORT"] = str(port)
        environ["wsgi.url_scheme"] = scheme
        client = client_address(get) if trust else None
        if client is not None:
            environ["REMOTE_ADDR"] = client[0]
            environ["REMOTE_PORT"] = str(client[1])
        if context is not None:
            environ.update(context_keys(context))
        return environ

    def handle(
        self, req: HttpRequest, context: Context | None = None, *, body: IO[bytes] | None = None
    ) -> HttpResponse:
        """Run the app for ``req``; a streaming response when the app streams.

        ``body``: the request body as a binary stream, for a transport that streams it
        (default: ``req.get_body()`` in memory).

        Raises:
            ConversionError: if the app never calls ``start_response`` or gives a bad status.
        """
        environ = self.environ(req, context, body=body)
        run = contextvars.copy_context()
        return run.run(self._call, environ, req.method == "HEAD", run)

    def _call(self, environ: dict[str, Any], head: bool, run: Context_) -> HttpResponse:
        start = _Start()
        result = self._app(environ, start)
        try:
            if isinstance(result, (list, tuple)):
                chunks = [*start.written, *result]
                whole: bytes = b"".join(chunks)
            else:
                iterator = iter(result)
                first = b""
                for chunk in iterator:
                    if chunk:
                        first = chunk
                        break
                if start.written:
                    first = b"".join(start.written) + first
                declared = _declared_length(start.headers)
                if first and (declared is None or declared > len(first)):
                    if start.status is None:
                        raise ConversionError("the WSGI app did not call start_response")
                    start.committed = True
                    return self._response(start, _rest(first, iterator, result, run, head=head))
                whole = first
        except BaseException:
            _close(result)
            raise
        _close(result)
        if start.status is None:
            raise ConversionError("the WSGI app did not call start_response")
        return self._response(start, b"" if head else whole)

    @staticmethod
    def _response(start: _Start, body: Any) -> HttpResponse:
        assert start.status is not None
        pairs = start.headers  # copied (and checked) into the response's headers
        try:
            return HttpResponse._exact(body, start.status, pairs)
        except HeaderError:
            if all(type(pair) is tuple for pair in pairs):
                raise
        # PEP 3333 asks for tuples; pairs given as lists (or other sequences) are taken too
        return HttpResponse._exact(body, start.status, [(name, value) for name, value in pairs])
