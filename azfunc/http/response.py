"""HttpResponse: what a function returns to the ``http`` output binding.

Rules this module keeps:

* The ``Content-Type`` header is the one source of truth for :attr:`HttpResponse.mimetype`
  and :attr:`HttpResponse.charset`: reading either parses the header (the charset of the
  last value parsed is kept, so reading it again for the same value costs a compare),
  setting either rewrites it. Defaults follow azure-functions: ``text/plain`` and
  ``utf-8``; a ``text/*`` type always carries its charset, other types only when one is
  set explicitly.
* ``json=value`` serialises ``value`` (UTF-8, ``application/json``) and cannot be combined
  with a body.
* A body is ``str`` (encoded in the current charset when read), bytes-like, or a sync/async
  iterable of bytes/str chunks (a *streaming* body). :meth:`iter_body` and
  :meth:`aiter_body` work for every kind; a streaming body can be consumed once, and
  :meth:`get_body` consumes it and keeps the result.
* ``status_code`` is an ``int`` or ``HTTPStatus`` in 100-599; headers are validated on every
  write (:class:`~azfunc.http.headers.MutableHeaders`), cookies follow RFC 6265.
* A wrong argument type (``HttpResponse(1)``, ``status_code="200"``) raises
  :class:`~azfunc.ArgumentTypeError` (a ``TypeError``); a wrong value (a status outside
  100-599, both ``body`` and ``json``) :class:`~azfunc.ArgumentValueError`; a ``json`` value
  that cannot be serialised :class:`~azfunc.ConversionError`; headers and cookies
  :class:`~azfunc.HeaderError` (the last three are ``ValueError`` subclasses).
"""

from __future__ import annotations

import json as _json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from multidict import CIMultiDict

from .._body import charset_from_content_type, decode_json_body
from .._errors import ArgumentTypeError, ArgumentValueError, ConversionError
from .cookies import Expires, format_set_cookie
from .headers import (
    _BAD_VALUE_CHAR,
    _TOKEN,
    HeadersInput,
    MutableHeaders,
    _init_multidict,
    validate_header_value,
)

if TYPE_CHECKING:
    import asyncio

__all__ = ["BodyInput", "HttpResponse"]

#: What ``HttpResponse(body=...)`` accepts.
BodyInput: TypeAlias = (
    str
    | bytes
    | bytearray
    | memoryview
    | Iterable[bytes | bytearray | memoryview | str]
    | AsyncIterable[bytes | bytearray | memoryview | str]
    | None
)

_UNSET: Final[Any] = object()
_DEFAULT_MIMETYPE: Final = "text/plain"
_DEFAULT_CHARSET: Final = "utf-8"
#: the Content-Type of a response given no headers, mimetype or charset (a valid value).
_DEFAULT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
_DEFAULT_CONTENT_TYPE_LINE: Final = (b"content-type", _DEFAULT_CONTENT_TYPE.encode())
_set_header: Final = CIMultiDict.__setitem__  # a write of a value known to be valid
_new_multidict: Final = CIMultiDict.__new__


def _content_type(mimetype: str, charset: str | None) -> str:
    if charset is None and mimetype.lower().startswith("text/"):
        charset = _DEFAULT_CHARSET
    return mimetype if charset is None else f"{mimetype}; charset={charset}"


#: ``(mimetype, charset) ->`` (Content-Type value already validated, its charset); bounded.
_CHECKED_TYPES: dict[tuple[str, str | None], tuple[str, str]] = {}


def _checked_content_type(mimetype: str, charset: str | None) -> tuple[str, str]:
    """``_content_type(mimetype, charset)`` validated as a header value, and the charset
    :attr:`HttpResponse.charset` reads from it (cached).

    Raises:
        HeaderError: if the value holds control characters.
    """
    key = (mimetype, charset)
    try:
        return _CHECKED_TYPES[key]
    except (KeyError, TypeError):  # TypeError: an unhashable argument (checked below)
        pass
    value = validate_header_value(_content_type(mimetype, charset), "Content-Type")
    found = (value, charset_from_content_type(value) or _DEFAULT_CHARSET)
    if len(_CHECKED_TYPES) < 64 and type(mimetype) is str and (
        charset is None or type(charset) is str
    ):
        _CHECKED_TYPES[key] = found
    return found


#: header names :meth:`HttpResponse._exact` found to be tokens (an app uses few); bounded.
_TOKEN_NAMES: set[str] = set()


def _check_status(status_code: object) -> int:
    if not isinstance(status_code, int) or isinstance(status_code, bool):
        raise ArgumentTypeError(
            f"status_code must be an int or HTTPStatus, got {type(status_code).__name__}"
        )
    if not 100 <= status_code <= 599:
        raise ArgumentValueError(f"status_code must be within 100-599, got {status_code}")
    return int(status_code)


class HttpResponse:
    """An HTTP response.

    Example:
        >>> r = HttpResponse("héllo", status_code=201, headers={"X-Id": "7"})
        >>> r.status_code, r.mimetype, r.charset, r.headers["content-type"], r.get_body()
        (201, 'text/plain', 'utf-8', 'text/plain; charset=utf-8', b'h\\xc3\\xa9llo')
        >>> r.set_cookie("sid", "abc", httponly=True)
        >>> r.headers.getall("set-cookie")
        ['sid=abc; Path=/; HttpOnly']
        >>> from http import HTTPStatus
        >>> j = HttpResponse(json={"ok": True}, status_code=HTTPStatus.ACCEPTED)
        >>> j.headers["Content-Type"], j.get_json(), j.status_code
        ('application/json', {'ok': True}, 202)

    Raises:
        ArgumentTypeError: for a body or status code of an unsupported type.
        ArgumentValueError: for a status code outside 100-599, or both ``body`` and ``json``.
        ConversionError: for a ``json`` value that cannot be serialised.
        HeaderError: for an invalid header name or value.
    """

    __slots__ = (
        "_body",
        "_body_key",
        "_body_text",
        "_body_text_bytes",
        "_charset",
        "_charset_of",
        "_consumed",
        "_headers",
        "_status",
        "_stream",
    )

    def __init__(
        self,
        body: BodyInput = None,
        *,
        status_code: int = 200,
        headers: HeadersInput | None = None,
        mimetype: str | None = None,
        charset: str | None = None,
        json: Any = _UNSET,
    ) -> None:
        # the common status and body checked inline (every response is built here)
        self._status = (status_code if type(status_code) is int
                        and 100 <= status_code <= 599 else _check_status(status_code))
        #: None until first read while only the default Content-Type is set (see headers)
        self._headers: MutableHeaders | None = (
            None if headers is None else MutableHeaders(headers))
        self._body: bytes | None = b""
        self._body_text: str | None = None
        self._body_key: str | None = None
        self._body_text_bytes = b""
        self._stream: Iterable[Any] | AsyncIterable[Any] | None = None
        self._consumed = False
        #: the Content-Type value :attr:`charset` was last read from, and that charset
        self._charset_of: str | None = None
        self._charset = _DEFAULT_CHARSET
        if headers is None and json is _UNSET:
            if type(body) is str:
                self._body = None
                self._body_text = body
            else:
                self._set_body(body)
            if mimetype is None and charset is None:
                # the default Content-Type only: the headers are made when first read
                self._charset_of = _DEFAULT_CONTENT_TYPE
            else:  # no headers given, so no Content-Type to merge with: the default's parts
                value, self._charset = _checked_content_type(
                    mimetype if mimetype is not None else _DEFAULT_MIMETYPE, charset)
                made = self._headers = MutableHeaders()
                _set_header(made, "Content-Type", value)
                self._charset_of = value
            return
        if self._headers is None:
            self._headers = MutableHeaders()
        if json is not _UNSET:
            if body is not None:
                raise ArgumentValueError("HttpResponse takes a body or json=, not both")
            try:
                body = _json.dumps(json, ensure_ascii=False).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise ConversionError(f"the json= value cannot be serialised: {exc}") from None
            if mimetype is None:
                mimetype = "application/json"
        self._set_body(body)
        existing = self.headers.get("content-type")
        if existing is None or mimetype is not None or charset is not None:
            current_mime, current_charset = self._split_content_type(existing)
            self.headers["Content-Type"] = _content_type(
                mimetype if mimetype is not None else current_mime,
                charset if charset is not None else current_charset,
            )

    @classmethod
    def _exact(cls, body: bytes | Iterable[Any] | AsyncIterable[Any], status_code: int,
               pairs: list[tuple[str, str]]) -> HttpResponse:
        """A response whose header lines are exactly ``pairs`` (checked as every write is;
        no ``Content-Type`` added when none is among them) and whose body is ``body``
        (bytes, or a sync/async iterable that streams): what the framework adapters build
        from an app's answer, without the constructor's argument merging.

        Raises:
            ArgumentTypeError: for a status code that is not an int.
            ArgumentValueError: for a status code outside 100-599.
            HeaderError: for an invalid header name or value, or an item not a pair.
        """
        self = object.__new__(cls)
        self._status = (status_code if type(status_code) is int and 100 <= status_code <= 599
                        else _check_status(status_code))
        # what every header write checks, in one loop: a name seen before, else a token;
        # a value isprintable (no control character at all), else free of forbidden ones
        names = _TOKEN_NAMES
        valid = True
        for pair in pairs:
            if type(pair) is not tuple or len(pair) != 2:
                valid = False
                break
            name, value = pair
            if type(name) is not str or type(value) is not str or not (
                    value.isprintable() or _BAD_VALUE_CHAR.search(value) is None):
                valid = False
                break
            if name not in names:
                if _TOKEN.fullmatch(name) is None:
                    valid = False
                    break
                if len(names) < 256:
                    names.add(name)
        if valid:
            # MutableHeaders(pairs) without checking them a second time
            headers = self._headers = _new_multidict(MutableHeaders)
            _init_multidict(headers, pairs)
        else:
            headers = self._headers = MutableHeaders()
            headers.extend(pairs)  # raises the HeaderError that names the culprit
        if type(body) is bytes:
            self._body = body
            self._stream = None
        else:
            self._body = None
            self._stream = body
        self._body_text = None
        self._body_key = None
        self._body_text_bytes = b""
        self._consumed = False
        self._charset_of = None
        self._charset = _DEFAULT_CHARSET
        return self

    def _set_body(self, body: BodyInput) -> None:
        if body is None:
            return
        if isinstance(body, str):
            self._body = None
            self._body_text = body
        elif isinstance(body, (bytes, bytearray, memoryview)):
            self._body = bytes(body)
        elif isinstance(body, Mapping):
            raise ArgumentTypeError(
                "HttpResponse body cannot be a mapping; pass json=... to send JSON"
            )
        elif hasattr(body, "__aiter__") or isinstance(body, Iterable):
            self._body = None
            self._stream = body
        else:
            raise ArgumentTypeError(
                "HttpResponse body must be str, bytes, an iterable or async iterable of "
                f"bytes, or None; got {type(body).__name__}"
            )

    # --- status and headers --------------------------------------------------------------

    @property
    def status_code(self) -> int:
        """The status code (settable; 100-599).

        Raises:
            ArgumentTypeError: on setting a value that is not an int.
            ArgumentValueError: on setting an int outside 100-599.
        """
        return self._status

    @status_code.setter
    def status_code(self, value: int) -> None:
        self._status = _check_status(value)

    @property
    def headers(self) -> MutableHeaders:
        """The headers: case-insensitive, multi-valued, validated on every write."""
        headers = self._headers
        if headers is None:  # only the default Content-Type so far
            headers = self._headers = MutableHeaders()
            _set_header(headers, "Content-Type", _DEFAULT_CONTENT_TYPE)
        return headers

    @staticmethod
    def _split_content_type(value: str | None) -> tuple[str, str | None]:
        if value is None:
            return _DEFAULT_MIMETYPE, None
        mime = value.partition(";")[0].strip() or _DEFAULT_MIMETYPE
        return mime, charset_from_content_type(value)

    @property
    def mimetype(self) -> str:
        """The media type of the ``Content-Type`` header (settable; default ``text/plain``).

        Raises:
            HeaderError: on setting a value with control characters.
        """
        return self._split_content_type(self.headers.get("content-type"))[0]

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        charset = self._split_content_type(self.headers.get("content-type"))[1]
        self.headers["Content-Type"] = _content_type(value, charset)

    @property
    def charset(self) -> str:
        """The ``charset`` of the ``Content-Type`` header (settable; default ``utf-8``).

        Raises:
            HeaderError: on setting a value with control characters.
        """
        headers = self._headers
        if headers is None:  # the default Content-Type
            return self._charset
        content_type = headers.get("content-type")
        if content_type is not None and content_type == self._charset_of:
            return self._charset
        charset = charset_from_content_type(content_type) or _DEFAULT_CHARSET
        self._charset_of = content_type
        self._charset = charset
        return charset

    @charset.setter
    def charset(self, value: str) -> None:
        mime = self._split_content_type(self.headers.get("content-type"))[0]
        self.headers["Content-Type"] = _content_type(mime, value)

    def set_cookie(
        self,
        name: str,
        value: str = "",
        *,
        max_age: int | timedelta | None = None,
        expires: Expires | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None:
        """Add a ``Set-Cookie`` header (several cookies are kept side by side).

        Raises:
            HeaderError: if the name, value or an attribute is invalid (RFC 6265).
        """
        self.headers.add(
            "Set-Cookie",
            format_set_cookie(
                name,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
            ),
        )

    def delete_cookie(
        self, name: str, *, path: str | None = "/", domain: str | None = None
    ) -> None:
        """Add a ``Set-Cookie`` header that makes the client drop cookie ``name``.

        Raises:
            HeaderError: if the name or an attribute is invalid.
        """
        self.set_cookie(name, "", max_age=0, expires=0, path=path, domain=domain)

    # --- the body ------------------------------------------------------------------------

    @property
    def is_streaming(self) -> bool:
        """Whether the body is a (not yet collected) iterable or async iterable."""
        return self._stream is not None

    def _chunk(self, chunk: object) -> bytes:
        if isinstance(chunk, bytes):
            return chunk
        if isinstance(chunk, (bytearray, memoryview)):
            return bytes(chunk)
        if isinstance(chunk, str):
            return self._encode_text(chunk)
        raise ConversionError(
            f"a streaming response body yielded {type(chunk).__name__}; expected bytes or str"
        )

    def _encode_text(self, text: str, charset: str | None = None) -> bytes:
        if charset is None:
            charset = self.charset
        try:
            return text.encode(charset)
        except LookupError:
            raise ConversionError(f"unknown response charset {charset!r}") from None
        except UnicodeEncodeError as exc:
            raise ConversionError(
                f"the response body is not encodable in {charset}: {exc.reason}"
            ) from None

    def _take_stream(self) -> Iterable[Any] | AsyncIterable[Any]:
        if self._consumed or self._stream is None:
            raise ConversionError("the streaming response body was consumed already")
        self._consumed = True
        return self._stream

    def get_body(self) -> bytes:
        """The whole body as bytes; a streaming body is consumed once and kept.

        Raises:
            ConversionError: if a text body is not encodable in the charset, a stream yields
                something other than bytes/str, a stream was consumed by ``iter_body``
                already, or an async stream is collected inside a running event loop (use
                :meth:`aget_body` there).
        """
        if self._stream is not None:
            self._store(b"".join(self.iter_body()))
        if self._body is None:
            charset = self.charset
            if self._body_key != charset:
                self._body_key = charset
                self._body_text_bytes = self._encode_text(self._body_text or "", charset)
            return self._body_text_bytes
        return self._body

    def _wire(self) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """What the local host sends for this response: the status, every header line as
        ASGI byte pairs (names lower-cased, values latin-1, else UTF-8; a
        ``Content-Length`` added when absent) and the body; ``None`` while it streams.

        One call for what ``status_code``, ``headers``, ``is_streaming`` and
        :meth:`get_body` give (every response of the host is sent through here).

        Raises:
            ConversionError: as :meth:`get_body`.
        """
        if self._stream is not None:
            return None
        body = self._body
        headers = self._headers
        if body is None:
            text = self._body_text
            if headers is None and text is not None and type(self) is HttpResponse:
                # the default Content-Type, so the default charset: encoded here, or by
                # get_body for its error when the text does not encode (a subclass's
                # get_body is asked, as before)
                try:
                    body = text.encode(self._charset)
                except (UnicodeEncodeError, LookupError):
                    body = self.get_body()
            else:
                body = self.get_body()
        if headers is None:  # the default Content-Type only
            return self._status, [_DEFAULT_CONTENT_TYPE_LINE,
                                  (b"content-length", str(len(body)).encode())], body
        out: list[tuple[bytes, bytes]] = []
        sized = False
        for name, value in headers.items():
            lowered = name.lower()
            if lowered == "content-length":
                sized = True
            try:
                raw_value = value.encode("latin-1")
            except UnicodeEncodeError:
                raw_value = value.encode("utf-8")
            out.append((lowered.encode("latin-1"), raw_value))
        if not sized:
            out.append((b"content-length", str(len(body)).encode()))
        return self._status, out, body

    async def aget_body(self) -> bytes:
        """Like :meth:`get_body`, collecting an async stream on the running loop.

        Raises:
            ConversionError: as :meth:`get_body`.
        """
        if self._stream is not None:
            self._store(b"".join([chunk async for chunk in self.aiter_body()]))
        return self.get_body()

    def _store(self, data: bytes) -> None:
        self._body = data
        self._body_text = None
        self._stream = None

    def iter_body(self) -> Iterator[bytes]:
        """Yield the body in chunks (one chunk unless the body is streaming).

        Raises:
            ConversionError: as :meth:`get_body`.
        """
        if self._stream is None:
            body = self.get_body()
            if body:
                yield body
            return
        if not isinstance(self._stream, Iterable):
            _refuse_running_loop()
        stream = self._take_stream()
        if isinstance(stream, Iterable):
            for chunk in stream:
                yield self._chunk(chunk)
        else:
            for chunk in _drive_async(stream):
                yield self._chunk(chunk)

    async def aiter_body(self) -> AsyncIterator[bytes]:
        """Yield the body in chunks, asynchronously (sync iterables are iterated inline).

        Raises:
            ConversionError: as :meth:`get_body`.
        """
        if self._stream is None:
            body = self.get_body()
            if body:
                yield body
            return
        stream = self._take_stream()
        if isinstance(stream, Iterable):
            for chunk in stream:
                yield self._chunk(chunk)
        else:
            async for chunk in stream:
                yield self._chunk(chunk)

    def get_json(self) -> Any:
        """The body parsed as JSON (handy in tests).

        Raises:
            BodyDecodeError: if the body is empty, undecodable or not JSON.
        """
        content_type = self.headers.get("content-type")
        return decode_json_body(self.get_body(), charset_from_content_type(content_type))

    def __repr__(self) -> str:
        return f"<HttpResponse {self._status} {self.mimetype}>"


def _refuse_running_loop() -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise ConversionError(
        "an async streaming body cannot be read synchronously inside a running event "
        "loop; use aiter_body() or aget_body()"
    )


def _drive_async(stream: AsyncIterable[Any]) -> Iterator[Any]:
    """Iterate an async iterable from synchronous code on a private event loop."""
    import asyncio

    loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
    iterator = stream.__aiter__()
    try:
        while True:
            try:
                chunk = loop.run_until_complete(iterator.__anext__())
            except StopAsyncIteration:
                return
            yield chunk
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            loop.run_until_complete(aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
