"""The codec between Microsoft's Python worker's Datums and azfunc's :class:`~azfunc.Datum`.

Rules this module keeps:

* It is the one place that knows the worker's Datum shapes (``azure_functions_runtime``,
  ``azure_functions_runtime_v1`` and the host-bundled ``azure_functions_worker`` share them):
  objects with ``.type`` and ``.value``; ``None`` for a TypedData without data; an ``http``
  value whose ``method``/``url``/``body`` are Datums and ``headers``/``query``/``params``
  map names to Datums; collection values that are protobuf messages with a ``.string`` /
  ``.bytes`` / ``.double`` / ``.sint64`` list (which azfunc's Datum reads as they are).
* It imports nothing of the worker: the worker's ``datum_as_proto`` reads outgoing values by
  ``.type`` and ``.value`` only, so an azfunc Datum of a kind the worker names the same way
  (``string``, ``bytes``, ``json``, ``int``, ``double``) goes out as it is; the others become
  :class:`WorkerDatum` objects (``null`` as ``type=None``, ``stream`` as ``bytes``).
* Outgoing HTTP responses carry every ``Set-Cookie`` value as its own ``SimpleCookie`` (the
  form the worker turns into ``RpcHttpCookie`` entries); a value that does not parse as
  exactly one cookie fails the invocation instead of being dropped.
* The bridge's direct HTTP paths read and write the same shapes through
  :func:`http_parts_from_worker` (the request's parts, no ``HttpRequestData``) and
  :func:`http_response_to_worker` (a response's status, header lines and body): the one
  implementation of each shape, shared with :func:`datum_from_worker`/:func:`datum_to_worker`.
* Anything the worker cannot carry raises :class:`~azfunc.ConversionError` (a kind azfunc
  does not know, a collection output); nothing is silently changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from http.cookies import CookieError, SimpleCookie
from typing import Any, Final

from .._datum import KINDS, Datum
from .._errors import ConversionError
from .http import EMPTY_MAP, HttpRequestData, HttpResponseData

__all__ = [
    "WorkerDatum",
    "datum_from_worker",
    "datum_to_worker",
    "http_parts_from_worker",
    "http_response_to_worker",
    "metadata_from_worker",
]

_NULL: Final = Datum(None, "null")
_PLAIN_OUT: Final = frozenset({"string", "bytes", "json", "int", "double"})
_new_datum = Datum.__new__


def _datum(value: Any, kind: str) -> Datum:
    """A Datum of a kind already known to be valid, without re-validating it."""
    datum = _new_datum(Datum)
    datum.value = value
    datum.type = kind
    return datum


class WorkerDatum:
    """A Datum in the worker's shape: ``type`` is ``None`` for "no value"."""

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type: str | None) -> None:  # noqa: A002 - wire name
        self.value = value
        self.type = type

    def __repr__(self) -> str:
        return f"<WorkerDatum {self.type} {self.value!r:.40}>"


def datum_from_worker(datum: Any) -> Datum:
    """The azfunc Datum for a Datum the worker decoded from a ``TypedData``.

    Example:
        >>> class D:
        ...     def __init__(self, value, type): self.value, self.type = value, type
        >>> datum_from_worker(D("hi", "string"))
        <Datum string 'hi'>
        >>> datum_from_worker(None).type
        'null'

    Raises:
        ConversionError: for a kind azfunc does not read (``collection_model_binding_data``).
    """
    if datum is None:
        return _NULL
    if type(datum) is Datum:
        return datum
    kind = getattr(datum, "type", None)
    value = getattr(datum, "value", None)
    if kind is None:
        return _NULL
    if kind == "http":
        return _datum(_http_from_worker(value), "http")
    if kind not in KINDS:
        raise ConversionError(
            f"the Python worker handed over a {kind!r} value, which azfunc cannot read"
        )
    return _datum(value, kind)


def _http_from_worker(value: Any) -> HttpRequestData:
    """The worker's ``http`` value (``method``/``url``/``body`` Datums and ``{name: Datum}``
    maps, see its ``datumdef``) as azfunc's typed request."""
    method, url, headers, query, params, body = http_parts_from_worker(value)
    identities = value.get("identities")
    return _request_data(
        method, url, headers, query, params, body,
        None if identities is None else _json_text(datum_from_worker(identities).value),
    )


def http_parts_from_worker(
    value: Any,
) -> tuple[str, str, Mapping[str, Datum], Mapping[str, Datum], Mapping[str, Datum], bytes | str]:
    """``(method, url, headers, query, params, body)`` of the worker's ``http`` value: the
    fields of :class:`~azfunc.wire.http.HttpRequestData` but the identities, checked, for a
    caller that builds the request from them directly.

    The maps are converted here, in one pass each, into plain dicts of azfunc Datums: the
    form azfunc's request reads with its fast paths (a lazy view cost more per read than
    the whole conversion of a typical request's handful of headers).

    Raises:
        ConversionError: for a value that is not a mapping, a method or url that is not
            text, a body that is not bytes or text, or a malformed map.
    """
    if type(value) is not dict and not isinstance(value, Mapping):
        raise ConversionError(
            f"the Python worker handed over an http value that is a {type(value).__name__}, "
            "not a mapping"
        )
    get = value.get
    body = get("body")
    raw_body: Any = b""
    if body is not None:
        try:
            plain_bytes = body.type == "bytes" and type(body.value) is bytes
        except AttributeError:
            plain_bytes = False
        if plain_bytes:
            raw_body = body.value
        else:
            body_datum = datum_from_worker(body)
            raw_body = body_datum.value
            if raw_body is None:
                raw_body = b""
            elif not isinstance(raw_body, (bytes, str)):
                raise ConversionError(
                    f"the Python worker handed over an http body of kind {body_datum.type!r}, "
                    "not bytes or text"
                )
    method: Any = get("method")
    url: Any = get("url")
    try:  # the string Datums of every request, read in place; anything else via _text
        if method.type == "string" and type(method.value) is str:
            method = method.value
        if url.type == "string" and type(url.value) is str:
            url = url.value
    except AttributeError:
        pass
    return (
        method if type(method) is str else _text(method, "method", "GET"),
        url if type(url) is str else _text(url, "url", ""),
        _map(get("headers"), "headers"),
        _map(get("query"), "query"),
        _map(get("params"), "params"),
        raw_body,
    )


#: The fields :func:`_request_data` fills, in its argument order.
_REQUEST_FIELDS: Final = ("method", "url", "headers", "query", "params", "body", "identities")
_new_request = HttpRequestData.__new__
_set_field = object.__setattr__


def _request_data(
    method: str, url: str, headers: Mapping[str, Datum], query: Mapping[str, Datum],
    params: Mapping[str, Datum], body: bytes | str, identities: str | None,
) -> HttpRequestData:
    """``HttpRequestData(...)`` of already checked fields, without the frozen dataclass's
    keyword ``__init__`` (half the cost of the whole worker-to-azfunc request conversion).
    Falls back to the constructor if the dataclass's fields are not :data:`_REQUEST_FIELDS`."""
    if not _FAST_REQUEST:
        return HttpRequestData(method=method, url=url, headers=headers, query=query,
                               params=params, body=body, identities=identities)
    data = _new_request(HttpRequestData)
    _set_field(data, "method", method)
    _set_field(data, "url", url)
    _set_field(data, "headers", headers)
    _set_field(data, "query", query)
    _set_field(data, "params", params)
    _set_field(data, "body", body)
    _set_field(data, "identities", identities)
    return data


_FAST_REQUEST: Final = tuple(f.name for f in fields(HttpRequestData)) == _REQUEST_FIELDS


def _text(item: Any, field: str, default: str) -> str:
    if item is None:
        return default
    if type(item) is str:
        return item
    try:  # attribute reads, not getattr(): the method and url of every request
        text = item.value if item.type == "string" else datum_from_worker(item).value
    except AttributeError:
        text = getattr(item, "value", None) if getattr(item, "type", None) == "string" else (
            datum_from_worker(item).value
        )
    if type(text) is not str and not isinstance(text, str):
        raise ConversionError(f"the Python worker's http {field} is not text")
    return text


def _map(raw: Any, field: str) -> Mapping[str, Datum]:
    """The worker's ``{name: Datum}`` map as a dict of azfunc Datums.

    Raises:
        ConversionError: for a map that is not a mapping, a name that is not text, or a
            value that is not a Datum azfunc reads.
    """
    if not raw:
        return EMPTY_MAP
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise ConversionError(f"the Python worker's http {field} must map names to Datums")
    out: dict[str, Datum] = {}
    new = _new_datum
    for name, item in raw.items():
        if type(name) is not str:
            raise ConversionError(
                f"the Python worker's http {field} has a name that is a "
                f"{type(name).__name__}, not text"
            )
        try:  # attribute reads, not getattr(): this loop runs for every header
            string = item.type == "string"
        except AttributeError:
            string = False
        if string:
            datum = new(Datum)
            datum.value = item.value
            datum.type = "string"
            out[name] = datum
        else:
            out[name] = datum_from_worker(item)
    return out


def metadata_from_worker(metadata: Mapping[str, Any] | None) -> dict[str, Datum]:
    """The trigger metadata the worker decoded, as azfunc Datums (``None`` -> ``{}``)."""
    if not metadata:
        return {}
    return {name: datum_from_worker(d) for name, d in metadata.items()}


def datum_to_worker(datum: Datum | None) -> WorkerDatum | Datum:
    """The worker-shaped Datum for a value an azfunc converter encoded.

    Example:
        >>> datum_to_worker(Datum("hi", "string")).value
        'hi'
        >>> datum_to_worker(None).type is None
        True

    Raises:
        ConversionError: for a kind the worker cannot send (collections, ``http`` with a
            malformed part, a ``Set-Cookie`` value that is not one cookie).
    """
    if datum is None:
        return WorkerDatum(None, None)
    kind = datum.type
    value = datum.value
    if kind == "null" or value is None:
        return WorkerDatum(None, None)
    if kind in _PLAIN_OUT:
        if kind == "bytes" and type(value) is not bytes:
            return WorkerDatum(bytes(value), "bytes")
        if kind == "json" and type(value) is not str:
            return WorkerDatum(_json_text(value), "json")
        return datum
    if kind == "stream":
        return WorkerDatum(bytes(value), "bytes")
    if kind == "http":
        return _http_to_worker(value)
    raise ConversionError(f"the Python worker cannot send an output Datum of kind {kind!r}")


def _json_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError("a json output Datum holds bytes that are not UTF-8") from None
    if isinstance(value, str):
        return value
    raise ConversionError(f"a json output Datum holds a {type(value).__name__}, not JSON text")


def _http_to_worker(value: Any) -> WorkerDatum:
    """An encoded response in the worker's shape (see :func:`http_response_to_worker`)."""
    if not isinstance(value, HttpResponseData):
        raise ConversionError(
            f"an http output Datum holds an HttpResponseData, got {type(value).__name__}"
        )
    return http_response_to_worker(value.status_code, value.headers, value.body,
                                   cookies=value.cookies)


_new_worker_datum = WorkerDatum.__new__


def http_response_to_worker(
    status_code: int, header_lines: Iterable[tuple[str, str]], body: bytes,
    *, cookies: Iterable[str] = (),
) -> WorkerDatum:
    """The worker's ``http`` output for a response's status, header lines and body: one
    header value per name (repeats joined with ``, ``, the first spelling kept), every
    ``Set-Cookie`` (a header line of that name, or one of ``cookies``) as its own
    ``SimpleCookie``, the body as bytes. One pass, for the ``HttpResponseData`` of
    :func:`datum_to_worker` and for a caller that has the response itself.

    Raises:
        ConversionError: for a ``Set-Cookie`` value that is not exactly one cookie.
    """
    headers: dict[str, WorkerDatum] = {}
    jars = [_cookie(text) for text in cookies]
    spelled: dict[str, str] = {}
    texts = _TEXTS
    for name, text in header_lines:
        lowered = name.lower()
        if lowered == "set-cookie":
            jars.append(_cookie(text))
            continue
        key = spelled.get(lowered)
        if key is None:
            spelled[lowered] = name
            headers[name] = texts.get(text) or _text_datum(text)
        else:
            headers[key] = _text_datum(f"{headers[key].value}, {text}")
    status = _STATUS.get(status_code) if type(status_code) is int else None
    # WorkerDatum(...) twice, without the __init__ frames (every response comes here).
    body_datum = _new_worker_datum(WorkerDatum)
    body_datum.value = body
    body_datum.type = "bytes"
    out = _new_worker_datum(WorkerDatum)
    out.value = {
        "status_code": status or WorkerDatum(str(status_code), "string"),
        "headers": headers,
        "cookies": jars or None,
        "body": body_datum,
    }
    out.type = "http"
    return out


#: The worker only reads the ``.value`` of a response's status and header Datums, so the
#: ones for every status code and for the most recent distinct header values are made once
#: and shared (a Python object per header per response was a tenth of an HTTP invocation).
_STATUS: Final[dict[int, WorkerDatum]] = {
    code: WorkerDatum(str(code), "string") for code in range(100, 600)
}
_TEXTS: Final[dict[str, WorkerDatum]] = {}


def _text_datum(text: str) -> WorkerDatum:
    """The shared string WorkerDatum of a header value (kept for up to 512 values)."""
    datum = WorkerDatum(text, "string")
    if len(_TEXTS) < 512 and type(text) is str and len(text) <= 256:
        _TEXTS[text] = datum
    return datum


def _cookie(text: str) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(text)
    except CookieError as exc:
        raise ConversionError(f"Set-Cookie value {text!r} is not a cookie: {exc}") from None
    if len(jar) != 1:
        raise ConversionError(
            f"Set-Cookie value {text!r} does not parse as exactly one cookie "
            f"(got {len(jar)}); the Python worker would drop it"
        )
    return jar
