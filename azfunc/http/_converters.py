"""The ``httpTrigger`` (input) and ``http`` (output) converters.

Rules this module keeps:

* Input: a Datum of kind ``http`` whose value maps ``method``/``url``/``body`` to Datums
  and ``headers``/``query``/``params`` to ``{name: Datum}``. Header values arrive as the
  host sends them (lower-cased names, repeated values comma-joined) and are kept so.
  ``params`` come from the URL query string; the host's ``query`` map (which drops blank
  values) only fills names the URL lacks. The body Datum may be ``bytes``/``stream``,
  ``string``/``json`` (text, UTF-8 on ``get_body()``) or ``null`` (no body).
* Output: an :class:`HttpResponse` becomes an ``http`` Datum keyed as the Python worker
  reads it: ``status_code`` (string Datum), ``headers`` (name -> string Datum, repeated
  values comma-joined, ``Set-Cookie`` left out), ``cookies`` (every ``Set-Cookie`` value, in
  order) and ``body`` (bytes Datum). A ``str`` return becomes a ``string`` Datum, bytes a
  ``bytes`` Datum, ``None`` no output.
* Decoding is lazy: the header/query/params maps are checked and converted when a read
  reaches them (a single header or param read converts only that value), so a malformed map
  raises :class:`~azfunc.ConversionError` then.
* Anything else raises :class:`~azfunc.ConversionError`, never a bare builtin error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._datum import Datum
from .._errors import AzFuncError, ConversionError
from .._registry import Converter
from .request import HttpRequest
from .response import HttpResponse

__all__ = ["CONVERTERS", "HttpRequestConverter", "HttpResponseConverter"]

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


class HttpRequestConverter(Converter):
    """Decodes the ``httpTrigger`` Datum into an :class:`HttpRequest`.

    Example:
        >>> value = {"method": Datum("get", "string"), "url": Datum("/api/x?a=1", "string"),
        ...          "headers": {"accept": Datum("*/*", "string")}, "query": {},
        ...          "params": {}, "body": Datum(None, "null")}
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
        """Build the request.

        Raises:
            ConversionError: if the Datum is not a well-formed ``http`` Datum.
        """
        if type(datum) is not Datum or datum.type != "http":
            self.expect(datum, "http")  # raises unless a Datum subclass of kind http
        value = datum.value
        if type(value) is not dict and not isinstance(value, Mapping):
            raise ConversionError(
                f"httpTrigger: an http Datum holds a mapping, got {type(value).__name__}"
            )
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
        headers = get("headers")
        query = get("query")
        route = get("params")
        if type(headers) is not dict:
            headers = _datum_map(headers, "headers")
        if type(query) is not dict:
            query = _datum_map(query, "query")
        if type(route) is not dict:
            route = _datum_map(route, "params")
        body_datum = get("body")
        body: bytes | None
        body_text: str | None = None
        if type(body_datum) is Datum and type(body_datum.value) is bytes:
            if body_datum.type not in ("bytes", "stream"):
                raise self.unsupported_body(body_datum)
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
                body = bytes(raw)
            elif kind in ("string", "json") and isinstance(raw, str):
                body = None
                body_text = raw
            elif kind == "null" or (raw is None and kind in _BODY_KINDS):
                body = b""
            else:
                raise self.unsupported_body(body_datum)
        if pytype is None or pytype is HttpRequest:
            return HttpRequest._from_wire(method, url, headers, query, route, body, body_text)
        cls = HttpRequest
        if isinstance(pytype, type) and issubclass(pytype, HttpRequest):
            cls = pytype
        if cls.__init__ is HttpRequest.__init__:
            return cls._from_wire(method, url, headers, query, route, body, body_text)
        # A subclass with its own __init__: build it the ordinary way.
        plain = HttpRequest._from_wire(method, url, headers, query, route, body, body_text)
        try:
            return cls(
                method,
                url,
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


class HttpResponseConverter(Converter):
    """Encodes an :class:`HttpResponse` (or ``str``/``bytes``) for the ``http`` binding.

    Example:
        >>> r = HttpResponse("hi", status_code=201)
        >>> r.set_cookie("a", "1")
        >>> d = HttpResponseConverter().encode(r)
        >>> d.type, d.value["status_code"], d.value["cookies"], d.value["body"]
        ('http', <Datum string '201'>, ['a=1; Path=/'], <Datum bytes b'hi'>)
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
            headers: dict[str, Datum] = {}
            cookies: list[str] = []
            for name, header_value in obj.headers.items():
                if name.lower() == "set-cookie":
                    cookies.append(header_value)
                    continue
                existing = headers.get(name)
                if existing is None:
                    for key in headers:
                        if key.lower() == name.lower():
                            existing = headers[key]
                            name = key
                            break
                joined = header_value if existing is None else f"{existing.value}, {header_value}"
                headers[name] = Datum(joined, "string")
            return Datum(
                {
                    "status_code": Datum(str(obj.status_code), "string"),
                    "headers": headers,
                    "cookies": cookies,
                    "body": Datum(obj.get_body(), "bytes"),
                },
                "http",
            )
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return Datum(bytes(obj), "bytes")
        raise self.unsupported_value(obj, "HttpResponse, str, bytes or None")


CONVERTERS: Final[dict[str, Converter]] = {
    "httpTrigger": HttpRequestConverter(),
    "http": HttpResponseConverter(),
}
