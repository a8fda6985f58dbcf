"""The ``httpTrigger`` (input) and ``http`` (output) converters.

Rules this module keeps:

* Input: a Datum of kind ``http`` holding a :class:`~azfunc.wire.http.HttpRequestData`
  (what every azfunc codec builds) or the Python worker's mapping (``method``/``url``/
  ``body`` Datums, ``headers``/``query``/``params`` maps of name -> Datum). Header values
  are kept as the host sends them (lower-cased names, repeated values comma-joined).
  ``params`` come from the URL query string; the host's ``query`` map (which drops blank
  values) only fills names the URL lacks. A mapping's body Datum may be ``bytes``/
  ``stream``, ``string``/``json`` (text, UTF-8 on ``get_body()``) or ``null`` (no body).
* The request is built over the fields of the ``HttpRequestData`` (or the mapping) without
  copying the maps; a subclass annotation with its own ``__init__`` is built through it.
* Output: an :class:`HttpResponse` becomes an ``http`` Datum holding a
  :class:`~azfunc.wire.http.HttpResponseData` (every header line, ``Set-Cookie`` values
  apart, the body bytes); each transport's codec shapes it. A ``str`` return becomes a
  ``string`` Datum, bytes a ``bytes`` Datum, ``None`` no output.
* Decoding is lazy: the header/query/params maps are checked and converted when a read
  reaches them (a single header or param read converts only that value), so a malformed map
  raises :class:`~azfunc.ConversionError` then.
* Anything else raises :class:`~azfunc.ConversionError`, never a bare builtin error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Final

from .._datum import Datum
from .._errors import AzFuncError, ConversionError
from .._registry import Converter
from ..wire.http import HttpRequestData, HttpResponseData
from .request import HttpRequest
from .response import HttpResponse

__all__ = ["CONVERTERS", "HttpRequestConverter", "HttpResponseConverter", "encode_response"]

_BODY_KINDS: Final = ("bytes", "stream", "string", "json", "null")


def _text(value: Any, what: str) -> str:
    if type(value) is Datum or isinstance(value, Datum):
        if isinstance(value.value, str):
            return value.value
        raise ConversionError(
            f"httpTrigger: {what} must be a string Datum, got {type(value.value).__name__}"
        )
    raise ConversionError(f"httpTrigger: {what} must be a Datum, got {type(value).__name__}")


def _datum_map(raw: Any, what: str) -> Mapping[str, Datum] | None:
    if raw is None or type(raw) is dict or isinstance(raw, Mapping):
        return raw
    raise ConversionError(
        f"httpTrigger: {what} must be a mapping of name -> Datum, got {type(raw).__name__}"
    )


def _build_subclass(cls: type[HttpRequest], plain: HttpRequest) -> HttpRequest:
    """An HttpRequest subclass with its own ``__init__``, built the ordinary way.

    Raises:
        ConversionError: if the subclass's ``__init__`` fails with a non-azfunc error.
    """
    try:
        return cls(
            plain.method,
            plain.url,
            headers=plain.headers,
            params=list(plain.params.items()),
            route_params=plain.route_params,
            body=plain.get_body(),
        )
    except AzFuncError:
        raise
    except Exception as exc:
        raise ConversionError(
            f"httpTrigger: {cls.__name__}(...) failed: {type(exc).__name__}: {exc}"
        ) from exc


class HttpRequestConverter(Converter):
    """Decodes the ``httpTrigger`` Datum into an :class:`HttpRequest`.

    Example:
        >>> value = HttpRequestData(method="get", url="/api/x?a=1",
        ...                         headers={"accept": Datum("*/*", "string")})
        >>> req = HttpRequestConverter().decode(Datum(value, "http"))
        >>> req.method, req.params["a"], req.headers["Accept"], req.get_body()
        ('GET', '1', '*/*', b'')
    """

    binding = "httpTrigger"

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """True for :class:`HttpRequest` and its subclasses."""
        return isinstance(pytype, type) and issubclass(pytype, HttpRequest)

    def has_trigger_support(self) -> bool:
        """The ``httpTrigger`` binding is a trigger."""
        return True

    def unsupported_body(self, body: Datum) -> ConversionError:
        """The error for a body Datum of a kind (or holding a value) the request cannot use."""
        return ConversionError(
            f"httpTrigger: cannot use a body Datum of kind {body.type!r} holding "
            f"{type(body.value).__name__}; accepted kinds: {', '.join(_BODY_KINDS)} "
            "(bytes for bytes/stream, str for string/json)"
        )

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Datum] | None = None,
        pytype: Any = None,
    ) -> HttpRequest:
        """Build the request from an ``http`` Datum.

        Raises:
            ConversionError: if the Datum is not a well-formed ``http`` Datum.
        """
        if type(datum) is not Datum or datum.type != "http":
            self.expect(datum, "http")  # raises unless a Datum subclass of kind http
        value = datum.value
        headers: Any
        query: Any
        route: Any
        if type(value) is HttpRequestData:
            method = value.method
            url = value.url
            headers = value.headers
            query = value.query
            route = value.params
            body = value.body
            if type(method) is not str or type(url) is not str:
                raise ConversionError("httpTrigger: method and url must be str")
            if type(body) is not bytes and not isinstance(body, (bytes, str)):
                raise ConversionError(
                    f"httpTrigger: the body must be bytes or str, got {type(body).__name__}"
                )
        elif isinstance(value, Mapping):
            method, url, headers, query, route, body = self._read_mapping(value)
        else:
            raise ConversionError(
                "httpTrigger: an http Datum holds an HttpRequestData (or the Python worker's "
                f"mapping), got {type(value).__name__}"
            )
        if type(headers) is not dict:
            headers = _datum_map(headers, "headers")
        if type(query) is not dict:
            query = _datum_map(query, "query")
        if type(route) is not dict:
            route = _datum_map(route, "params")
        if pytype is None or pytype is HttpRequest:
            return HttpRequest._from_wire(method, url, headers, query, route, body)
        if isinstance(pytype, type) and issubclass(pytype, HttpRequest):
            if pytype.__init__ is HttpRequest.__init__:
                return pytype._from_wire(method, url, headers, query, route, body)
            return _build_subclass(pytype, HttpRequest._from_wire(
                method, url, headers, query, route, body))
        return HttpRequest._from_wire(method, url, headers, query, route, body)

    def _read_mapping(
        self, value: Mapping[str, Any]
    ) -> tuple[str, str, Any, Any, Any, bytes | str]:
        """(method, url, headers, query, params, body) of the Python worker's dict shape."""
        get = value.get
        method_datum = get("method")
        url_datum = get("url")
        method: str = (
            method_datum.value
            if type(method_datum) is Datum and type(method_datum.value) is str
            else _text(method_datum, "method")
        )
        url: str = (
            url_datum.value
            if type(url_datum) is Datum and type(url_datum.value) is str
            else _text(url_datum, "url")
        )
        body_datum = get("body")
        body: bytes | str
        if type(body_datum) is Datum and type(body_datum.value) is bytes and (
            body_datum.type == "bytes"
        ):
            body = body_datum.value
        elif body_datum is None:
            body = b""
        elif not isinstance(body_datum, Datum):
            raise ConversionError(
                f"httpTrigger: body must be a Datum, got {type(body_datum).__name__}"
            )
        else:
            kind = body_datum.type
            raw = body_datum.value
            if kind in ("bytes", "stream") and isinstance(raw, (bytes, bytearray, memoryview)):
                body = bytes(raw) if type(raw) is not bytes else raw
            elif kind in ("string", "json") and isinstance(raw, str):
                body = raw
            elif kind == "null" or (raw is None and kind in _BODY_KINDS):
                body = b""
            else:
                raise self.unsupported_body(body_datum)
        return method, url, get("headers"), get("query"), get("params"), body


def encode_response(response: HttpResponse) -> HttpResponseData:
    """The wire form of ``response``: every header line kept, ``Set-Cookie`` apart.

    Raises:
        ConversionError: if the body cannot be produced.
    """
    headers: list[tuple[str, str]] = []
    cookies: list[str] = []
    for name, header_value in response.headers.items():
        if name.lower() == "set-cookie":
            cookies.append(header_value)
        else:
            headers.append((name, header_value))
    status = int(response.status_code)
    body = response.get_body()
    if not _FAST_RESPONSE:
        return HttpResponseData(
            status_code=status, headers=tuple(headers), cookies=tuple(cookies), body=body
        )
    # The frozen dataclass's keyword __init__ sets each field through object.__setattr__;
    # the same, without the call (the fields are checked to be these at import).
    data = _new_response(HttpResponseData)
    _set_field(data, "status_code", status)
    _set_field(data, "headers", tuple(headers))
    _set_field(data, "cookies", tuple(cookies))
    _set_field(data, "body", body)
    return data


_new_response = HttpResponseData.__new__
_set_field = object.__setattr__
_FAST_RESPONSE: Final = tuple(f.name for f in fields(HttpResponseData)) == (
    "status_code", "headers", "cookies", "body")
_new_datum = Datum.__new__


def _http_datum(value: HttpResponseData) -> Datum:
    """``Datum(value, "http")`` without re-checking the kind."""
    datum = _new_datum(Datum)
    datum.value = value
    datum.type = "http"
    return datum


class HttpResponseConverter(Converter):
    """Encodes an :class:`HttpResponse` (or ``str``/``bytes``) for the ``http`` binding.

    Example:
        >>> r = HttpResponse("hi", status_code=201)
        >>> r.set_cookie("a", "1")
        >>> d = HttpResponseConverter().encode(r)
        >>> d.type, d.value.status_code, d.value.cookies, d.value.body
        ('http', 201, ('a=1; Path=/',), b'hi')
    """

    binding = "http"

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """True for :class:`HttpResponse` (and subclasses), ``str`` and ``bytes``."""
        return isinstance(pytype, type) and issubclass(pytype, (HttpResponse, str, bytes))

    def has_implicit_output(self) -> bool:
        """An ``http`` output is always explicit (a return value or ``Out``)."""
        return False

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """Encode ``obj``.

        Raises:
            ConversionError: if ``obj`` is not an HttpResponse, str, bytes or None, or its
                body cannot be produced.
        """
        if obj is None:
            return None
        if isinstance(obj, HttpResponse):
            return _http_datum(encode_response(obj))
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return Datum(bytes(obj), "bytes")
        raise self.unsupported_value(obj, "HttpResponse, str, bytes or None")


CONVERTERS: Final[dict[str, Converter]] = {
    "httpTrigger": HttpRequestConverter(),
    "http": HttpResponseConverter(),
}
