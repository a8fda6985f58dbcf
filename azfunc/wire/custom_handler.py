"""The custom-handler codec: what the Azure Functions host POSTs, and what it reads back.

Rules this module keeps:

* Requests are ``{"Data": {binding: value}, "Metadata": {key: value}}``. The host documents
  raw values but current hosts JSON-encode scalars a second time (``"\\"abc\\""``, ``"1"``):
  both are accepted. A string that is itself a JSON string literal is unwrapped once;
  metadata strings holding a JSON number or boolean become ``json`` Datums, as the gRPC
  host sends them; objects and arrays become ``json`` Datums; ``null`` entries are dropped.
* HTTP requests arrive as ``{Url, Method, Query, Headers, Params, Body, Identities}``:
  ``Query`` may be an object or the string ``"{}"``; header values are lists (joined with
  ``, ``); ``Body`` is text, an object (re-serialised as JSON) or absent.
* Inputs with ``dataType: binary`` arrive base64-encoded and are decoded to bytes.
* Responses are ``{"Outputs", "Logs", "ReturnValue"}``: HTTP outputs as
  ``{"statusCode": "201", "headers": {...}, "body": "..."}`` (several values of one header
  as a list; a plain ``str``/``bytes`` answer becomes the body of a 200), bytes as
  base64 *only* for ``dataType: binary`` bindings (the host decodes base64 strings there
  and nowhere else; elsewhere bytes go out as UTF-8 text when they are text), JSON values
  as JSON, collections as arrays.
* HTTP answers are read from the ``http`` Datum (an ``HttpResponseData``, or the
  ``HttpResponse`` of a ``DeferredHttpResponse``), every header line kept.
* A malformed request raises :class:`~azfunc.WireFormatError` (answered with HTTP 400),
  nothing else (JSON nested too deep included). Only pure parsing and shaping live here;
  the I/O is :mod:`azfunc.host.worker`'s.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._datum import Datum, collection_items
from .._errors import WireFormatError
from .http import DeferredHttpResponse, HttpRequestData, HttpResponseData

if TYPE_CHECKING:
    from typing import Protocol

    class BindingInfo(Protocol):
        """What the codec reads of a binding (``azfunc.app.model.BindingInfo``)."""

        @property
        def type(self) -> str: ...
        @property
        def data_type(self) -> str | None: ...

    from ..http.response import HttpResponse

__all__ = [
    "HttpOutput",
    "datum_to_output",
    "http_request_datum",
    "input_datum",
    "metadata_datums",
    "read_request",
    "unwrap_scalar",
]

_HTTP_KEYS = frozenset({"url", "method", "query", "headers", "params", "body", "identities"})


def unwrap_scalar(value: str) -> str:
    """Undo the host's second JSON encoding of a string, if it was applied.

    Example:
        >>> unwrap_scalar('"abc"'), unwrap_scalar('abc'), unwrap_scalar('"a\\\\"b"')
        ('abc', 'abc', 'a"b')
    """
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            inner = json.loads(value)
        except ValueError:
            return value
        if isinstance(inner, str):
            return inner
    return value


def read_request(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(Data, Metadata)`` of a host request body.

    Example:
        >>> read_request(b'{"Data": {"x": "1"}, "Metadata": {}}')
        ({'x': '1'}, {})

    Raises:
        WireFormatError: if the body is not a JSON object with object ``Data``/``Metadata``.
    """
    try:
        document = json.loads(body) if body.strip() else {}
    except RecursionError:
        raise WireFormatError("the invocation request nests too deep to parse") from None
    except ValueError as exc:
        raise WireFormatError(f"the invocation request is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise WireFormatError("the invocation request must be a JSON object")
    folded = {str(k).lower(): v for k, v in document.items()}
    data = folded.get("data") or {}
    metadata = folded.get("metadata") or {}
    if not isinstance(data, dict) or not isinstance(metadata, dict):
        raise WireFormatError("Data and Metadata must be JSON objects")
    return data, metadata


def _is_http_request(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and {str(k).lower() for k in value} <= _HTTP_KEYS
        and any(str(k).lower() in {"url", "method"} for k in value)
    )


def _string_map(raw: Any, what: str, *, joiner: str = ", ") -> dict[str, Datum]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            raise WireFormatError(f"HTTP {what} is a string but not a JSON object") from None
    if not isinstance(raw, Mapping):
        raise WireFormatError(f"HTTP {what} must be an object")
    out: dict[str, Datum] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            text = joiner.join("" if v is None else str(v) for v in value)
        elif value is None:
            text = ""
        else:
            text = value if isinstance(value, str) else _dumps(value, what)
        out[str(key)] = Datum(text, "string")
    return out


def http_request_datum(raw: Mapping[str, Any]) -> Datum:
    """The ``http`` Datum of a custom-handler HTTP request object.

    Example:
        >>> d = http_request_datum({"Url": "http://h/api/x?a=1", "Method": "POST",
        ...                         "Query": "{}", "Headers": {"X-A": ["1", "2"]},
        ...                         "Body": "hi"})
        >>> d.value.headers["x-a"].value, d.value.body
        ('1, 2', b'hi')

    Raises:
        WireFormatError: if a field has the wrong shape.
    """
    fields = {str(k).lower(): v for k, v in raw.items()}
    headers = {k.lower(): v for k, v in _string_map(fields.get("headers"), "Headers").items()}
    if "cookie" in headers:
        cookie_raw = fields.get("headers") or {}
        for name, value in (cookie_raw.items() if isinstance(cookie_raw, Mapping) else ()):
            if str(name).lower() == "cookie" and isinstance(value, list):
                headers["cookie"] = Datum("; ".join(str(v) for v in value), "string")
    body = fields.get("body")
    if body is None:
        body_bytes = b""
    elif isinstance(body, str):
        body_bytes = body.encode("utf-8", "surrogatepass")
    else:
        body_bytes = _dumps(body, "Body").encode("utf-8")
    method = fields.get("method") or "GET"
    url = fields.get("url") or ""
    if not isinstance(method, str) or not isinstance(url, str):
        raise WireFormatError("HTTP Method and Url must be strings")
    identities = fields.get("identities")
    return Datum(
        HttpRequestData(
            method=method.upper(),
            url=url,
            headers=headers,
            query=_string_map(fields.get("query"), "Query", joiner=","),
            params=_string_map(fields.get("params"), "Params"),
            body=body_bytes,
            identities=_dumps(identities, "Identities") if identities else None,
        ),
        "http",
    )


def _dumps(value: Any, what: str) -> str:
    """JSON text of a value read from the request (so it is JSON-serialisable)."""
    try:
        return json.dumps(value)
    except (ValueError, TypeError, RecursionError):
        raise WireFormatError(f"HTTP {what} cannot be written back as JSON") from None


def input_datum(value: Any, binding: BindingInfo | None = None) -> Datum:
    """The Datum of one ``Data`` entry, for the binding it feeds.

    Example:
        >>> input_datum('"{\\\\"a\\\\": 1}"').value
        '{"a": 1}'
        >>> input_datum({"a": 1}).type, input_datum(3).value
        ('json', '3')

    Raises:
        WireFormatError: if an HTTP request object is malformed.
    """
    is_http = binding is not None and binding.type.lower() == "httptrigger"
    if is_http and isinstance(value, Mapping):
        return http_request_datum(value)
    if value is None:
        return Datum(None, "null")
    if _is_http_request(value):
        return http_request_datum(value)
    binary = binding is not None and binding.data_type == "binary"
    if isinstance(value, str):
        text = unwrap_scalar(value)
        if binary:
            try:
                return Datum(base64.b64decode(text, validate=True), "bytes")
            except (binascii.Error, ValueError):
                return Datum(text.encode("utf-8"), "bytes")
        return Datum(text, "string")
    if isinstance(value, (bool, int, float, dict, list)):
        return Datum(_dumps(value, "Data value"), "json")
    raise WireFormatError(f"unsupported Data value of type {type(value).__name__}")


def metadata_datums(metadata: Mapping[str, Any]) -> dict[str, Datum]:
    """Trigger metadata as Datums, undoing the host's double encoding of scalars.

    Example:
        >>> m = metadata_datums({"DequeueCount": "1", "Id": '"abc"', "When": "2019-10-16"})
        >>> m["DequeueCount"], m["Id"], m["When"]
        (<Datum json '1'>, <Datum string 'abc'>, <Datum string '2019-10-16'>)
    """
    out: dict[str, Datum] = {}
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                out[key] = Datum(value, "string")
                continue
            if isinstance(parsed, str):
                out[key] = Datum(parsed, "string")
            elif parsed is None:
                continue
            else:
                out[key] = Datum(value, "json")
        elif isinstance(value, (bool, int, float, dict, list)):
            out[key] = Datum(_dumps(value, "Metadata value"), "json")
        else:
            out[key] = Datum(str(value), "string")
    return out


def _bytes_out(data: bytes, binary: bool) -> str:
    if binary:
        return base64.b64encode(data).decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")


class HttpOutput:
    """Shapes an ``http`` output Datum as the host's HTTP output object.

    Example:
        >>> d = Datum(HttpResponseData(status_code=201, cookies=("a=1",), body=b"ok"), "http")
        >>> HttpOutput.from_datum(d)
        {'statusCode': '201', 'headers': {'Set-Cookie': 'a=1'}, 'body': 'ok'}
    """

    @staticmethod
    def from_datum(datum: Datum, *, binary: bool = False) -> dict[str, Any]:
        """The output object of an ``http`` Datum (several values of a header as a list).

        Raises:
            WireFormatError: if the Datum does not hold an HTTP response.
        """
        value = datum.value
        if isinstance(value, DeferredHttpResponse):
            return HttpOutput.from_response(value.response, binary=binary)
        if not isinstance(value, HttpResponseData):
            raise WireFormatError(
                f"an http output Datum holds an HttpResponseData, got {type(value).__name__}"
            )
        headers: dict[str, Any] = {}
        for name, header_value in value.headers:
            _add_header(headers, name, header_value)
        for cookie in value.cookies:
            _add_header(headers, "Set-Cookie", cookie)
        return {
            "statusCode": str(value.status_code),
            "headers": headers,
            "body": _bytes_out(value.body, binary),
        }

    @staticmethod
    def from_response(response: HttpResponse, *, binary: bool = False) -> dict[str, Any]:
        """The output object of an ``HttpResponse`` (every header line kept)."""
        headers: dict[str, Any] = {}
        for name, value in response.headers.items():
            _add_header(headers, name, value)
        return {
            "statusCode": str(response.status_code),
            "headers": headers,
            "body": _bytes_out(bytes(response.get_body()), binary),
        }


def _add_header(headers: dict[str, Any], name: str, value: str) -> None:
    previous = headers.get(name)
    if previous is None:
        headers[name] = value
    elif isinstance(previous, list):
        previous.append(value)
    else:
        headers[name] = [previous, value]


def datum_to_output(datum: Datum | None, binding: BindingInfo | None = None) -> Any:
    """The JSON value the host reads for an output Datum.

    Example:
        >>> datum_to_output(Datum('{"a": 1}', "json")), datum_to_output(Datum(b"hi", "bytes"))
        ({'a': 1}, 'hi')
    """
    if datum is None or datum.type == "null":
        return None
    binary = binding is not None and binding.data_type == "binary"
    kind = datum.type
    if kind == "http":
        return HttpOutput.from_datum(datum, binary=binary)
    if binding is not None and binding.type.lower() == "http":
        # the host reads an HTTP output as an object; a bare str/bytes answer is its body
        body = datum_to_output(datum, None)
        text = body if isinstance(body, str) else json.dumps(body)
        return {"statusCode": "200", "headers": {}, "body": text}
    if kind in {"bytes", "stream"}:
        return _bytes_out(bytes(datum.value), binary)
    if kind == "string":
        text = str(datum.value)
        return base64.b64encode(text.encode("utf-8")).decode("ascii") if binary else text
    if kind == "json":
        return datum.python_value
    if kind in {"collection_bytes", "collection_string", "collection_double",
                "collection_sint64"}:
        return [_bytes_out(bytes(i), binary) if isinstance(i, (bytes, bytearray)) else i
                for i in collection_items(datum)]
    return datum.value
