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
* Anything the worker cannot carry raises :class:`~azfunc.ConversionError` (a kind azfunc
  does not know, a collection output); nothing is silently changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any, Final

from .._datum import KINDS, Datum
from .._errors import ConversionError
from .http import EMPTY_MAP, HttpRequestData, HttpResponseData

__all__ = [
    "WorkerDatum",
    "datum_from_worker",
    "datum_to_worker",
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
    maps, see its ``datumdef``) as azfunc's typed request; maps are read lazily."""
    if not isinstance(value, Mapping):
        raise ConversionError(
            f"the Python worker handed over an http value that is a {type(value).__name__}, "
            "not a mapping"
        )
    body = value.get("body")
    body_datum = None if body is None else datum_from_worker(body)
    raw_body = None if body_datum is None else body_datum.value
    if body_datum is not None and raw_body is not None and not isinstance(raw_body, (bytes, str)):
        raise ConversionError(
            f"the Python worker handed over an http body of kind {body_datum.type!r}, "
            "not bytes or text"
        )
    identities = value.get("identities")
    return HttpRequestData(
        method=_text(value.get("method"), "method", "GET"),
        url=_text(value.get("url"), "url", ""),
        headers=_map(value.get("headers")),
        query=_map(value.get("query")),
        params=_map(value.get("params")),
        body=raw_body if raw_body is not None else b"",
        identities=None if identities is None else _json_text(
            datum_from_worker(identities).value
        ),
    )


def _text(item: Any, field: str, default: str) -> str:
    if item is None:
        return default
    text = datum_from_worker(item).value if not isinstance(item, str) else item
    if not isinstance(text, str):
        raise ConversionError(f"the Python worker's http {field} is not text")
    return text


def _map(raw: Any) -> Mapping[str, Datum]:
    if not raw:
        return EMPTY_MAP
    if not isinstance(raw, Mapping):
        raise ConversionError("the Python worker's http maps must map names to Datums")
    return _DatumMap(raw)


class _DatumMap(Mapping[str, Datum]):
    """The worker's ``{name: Datum}`` map (headers, query, route) read as azfunc Datums:
    each value is converted when it is read, so a request reading one header converts one."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def __getitem__(self, name: str) -> Datum:
        return _one(self._raw[name])

    def get(self, name: str, default: Any = None) -> Any:
        found = self._raw.get(name, _MISSING)
        return default if found is _MISSING else _one(found)

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"<worker datum map {list(self._raw)!r}>"


_MISSING: Final = object()


def _one(d: Any) -> Datum:
    if getattr(d, "type", None) == "string":
        datum = _new_datum(Datum)
        datum.value = d.value
        datum.type = "string"
        return datum
    return datum_from_worker(d)


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
        return WorkerDatum(_http_to_worker(value), "http")
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


def _http_to_worker(value: Any) -> dict[str, Any]:
    """An encoded response in the worker's shape: one header value per name (repeats joined
    with ``, ``), every ``Set-Cookie`` as its own cookie, the body as bytes."""
    if not isinstance(value, HttpResponseData):
        raise ConversionError(
            f"an http output Datum holds an HttpResponseData, got {type(value).__name__}"
        )
    return {
        "status_code": WorkerDatum(str(value.status_code), "string"),
        "headers": {
            name: WorkerDatum(text, "string") for name, text in value.joined_headers().items()
        },
        "cookies": [_cookie(text) for text in value.cookies] or None,
        "body": WorkerDatum(value.body, "bytes"),
    }


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
