"""Datum: the typed wire value, and the reader for gRPC ``TypedData`` in proto3-JSON form.

Rules this module keeps:

* A Datum is a ``(value, type)`` pair. ``type`` is one of :data:`KINDS`; ``None`` is accepted
  as an alias of ``"null"``.
* ``json`` Datums hold JSON *text*; :attr:`Datum.python_value` parses it.
* Collection Datums hold either a plain list or an object with a ``.string`` / ``.bytes`` /
  ``.double`` / ``.sint64`` list attribute (the shape the Python worker hands over).
* An ``http`` Datum's value is a dict: ``method``, ``url`` and ``body`` map to Datums;
  ``headers``, ``query`` and ``params`` map to dicts of name -> Datum.
* Anything malformed raises :class:`~azfunc.WireFormatError`, never a bare ``KeyError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from ._errors import WireFormatError

__all__ = ["KINDS", "Datum", "datum_from_typed_data"]

#: Every Datum kind azfunc knows.
KINDS: Final = frozenset(
    {
        "string",
        "bytes",
        "json",
        "int",
        "double",
        "http",
        "stream",
        "collection_bytes",
        "collection_string",
        "collection_double",
        "collection_sint64",
        "model_binding_data",
        "null",
    }
)

_COLLECTION_ATTR: Final = {
    "collection_bytes": "bytes",
    "collection_string": "string",
    "collection_double": "double",
    "collection_sint64": "sint64",
}


class Datum:
    """A typed value as it travels on the wire between the host and a worker.

    Example:
        >>> d = Datum('{"a": 1}', "json")
        >>> d.python_value
        {'a': 1}
        >>> Datum(b"x", "bytes") == Datum(b"x", "bytes")
        True

    Raises:
        WireFormatError: if ``type`` is not a known kind.
    """

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type: str | None) -> None:  # noqa: A002 - wire name
        kind = "null" if type is None else type
        if kind not in KINDS:
            raise WireFormatError(
                f"unknown Datum kind {type!r}; known kinds: {', '.join(sorted(KINDS))}"
            )
        self.value: Any = value
        self.type: str = kind

    @property
    def python_value(self) -> Any:
        """The value as plain Python: JSON parsed, collections as lists, null as ``None``.

        Raises:
            WireFormatError: if a ``json`` Datum does not hold valid JSON text.
        """
        kind = self.type
        value = self.value
        if value is None or kind == "null":
            return None
        if kind == "json":
            if not isinstance(value, (str, bytes, bytearray)):
                return value
            try:
                return json.loads(value)
            except ValueError as exc:
                raise WireFormatError(f"json Datum does not hold valid JSON: {exc}") from None
        if kind in _COLLECTION_ATTR:
            return collection_items(self)
        return value

    @property
    def python_type(self) -> type:
        """The type of :attr:`python_value`."""
        return type(self.python_value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Datum):
            return NotImplemented
        return self.type == other.type and self.value == other.value

    def __hash__(self) -> int:
        try:
            return hash((self.type, self.value))
        except TypeError:
            return hash(self.type)

    def __repr__(self) -> str:
        text = repr(self.value)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"<Datum {self.type} {text}>"


def collection_items(datum: Datum) -> list[Any]:
    """The items of a collection Datum as a list, whichever shape holds them.

    Raises:
        WireFormatError: if the Datum is not a collection or its value has no item list.
    """
    attr = _COLLECTION_ATTR.get(datum.type)
    if attr is None:
        raise WireFormatError(f"a {datum.type} Datum is not a collection")
    value = datum.value
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    items = getattr(value, attr, None)
    if items is None:
        raise WireFormatError(
            f"a {datum.type} Datum needs a list or an object with a .{attr} list, "
            f"got {type(value).__name__}"
        )
    return list(items)


# --- gRPC TypedData in proto3-JSON form --------------------------------------------------

# proto3 JSON accepts the lowerCamelCase json_name and the original field name.
_TYPED_DATA_KEYS: Final = {
    "string": "string",
    "json": "json",
    "bytes": "bytes",
    "stream": "stream",
    "http": "http",
    "int": "int",
    "double": "double",
    "collectionBytes": "collection_bytes",
    "collection_bytes": "collection_bytes",
    "collectionString": "collection_string",
    "collection_string": "collection_string",
    "collectionDouble": "collection_double",
    "collection_double": "collection_double",
    "collectionSint64": "collection_sint64",
    "collection_sint64": "collection_sint64",
    "modelBindingData": "model_binding_data",
    "model_binding_data": "model_binding_data",
}


def datum_from_typed_data(typed_data: Mapping[str, Any] | None) -> Datum:
    """Read one gRPC ``TypedData`` in proto3-JSON form into a Datum.

    ``{}`` (no oneof set) and ``None`` read as a null Datum.

    Example:
        >>> datum_from_typed_data({"bytes": "aGk="})
        <Datum bytes b'hi'>

    Raises:
        WireFormatError: if the object is not a TypedData or a value is malformed.
    """
    if typed_data is None:
        return Datum(None, "null")
    if not isinstance(typed_data, Mapping):
        raise WireFormatError(
            f"a TypedData must be a JSON object, got {type(typed_data).__name__}"
        )
    present = [key for key in typed_data if key in _TYPED_DATA_KEYS]
    unknown = [key for key in typed_data if key not in _TYPED_DATA_KEYS]
    if unknown:
        raise WireFormatError(
            f"unknown TypedData field(s) {', '.join(map(repr, unknown))}; "
            f"expected one of {', '.join(sorted(_TYPED_DATA_KEYS))}"
        )
    if not present:
        return Datum(None, "null")
    if len(present) > 1:
        raise WireFormatError(f"a TypedData sets one field only, got {present}")
    key = present[0]
    kind = _TYPED_DATA_KEYS[key]
    raw = typed_data[key]
    if kind in ("string", "json"):
        return Datum(_expect_str(raw, key), kind)
    if kind in ("bytes", "stream"):
        return Datum(_b64(raw, key), kind)
    if kind == "int":
        return Datum(_int64(raw, key), "int")
    if kind == "double":
        return Datum(_double(raw, key), "double")
    if kind == "http":
        return Datum(_read_rpc_http(raw), "http")
    if kind == "model_binding_data":
        if not isinstance(raw, Mapping):
            raise WireFormatError("modelBindingData must be a JSON object")
        return Datum(dict(raw), kind)
    items = _collection_list(raw, key, _COLLECTION_ATTR[kind])
    if kind == "collection_bytes":
        return Datum([_b64(item, key) for item in items], kind)
    if kind == "collection_string":
        return Datum([_expect_str(item, key) for item in items], kind)
    if kind == "collection_double":
        return Datum([_double(item, key) for item in items], kind)
    return Datum([_int64(item, key) for item in items], kind)


def _expect_str(raw: Any, field: str) -> str:
    if not isinstance(raw, str):
        raise WireFormatError(f"TypedData.{field} must be a string, got {type(raw).__name__}")
    return raw


def _b64(raw: Any, field: str) -> bytes:
    text = _expect_str(raw, field)
    # proto3 JSON readers accept standard and URL-safe alphabets, padded or not.
    text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireFormatError(f"TypedData.{field} is not valid base64") from None


def _int64(raw: Any, field: str) -> int:
    if isinstance(raw, bool):
        raise WireFormatError(f"TypedData.{field} must be an integer, got a boolean")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip(), 10)
        except ValueError:
            pass
    raise WireFormatError(f"TypedData.{field} must be an integer, got {raw!r}")


_SPECIAL_DOUBLES: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _double(raw: Any, field: str) -> float:
    if isinstance(raw, bool):
        raise WireFormatError(f"TypedData.{field} must be a number, got a boolean")
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        if raw in _SPECIAL_DOUBLES:
            return _SPECIAL_DOUBLES[raw]
        try:
            return float(raw)
        except ValueError:
            pass
    raise WireFormatError(f"TypedData.{field} must be a number, got {raw!r}")


def _collection_list(raw: Any, field: str, attr: str) -> list[Any]:
    if not isinstance(raw, Mapping):
        raise WireFormatError(f"TypedData.{field} must be an object with a {attr!r} list")
    items = raw.get(attr, [])
    if not isinstance(items, list):
        raise WireFormatError(f"TypedData.{field}.{attr} must be a list")
    return items


def _string_map(raw: Any, field: str) -> dict[str, Datum]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise WireFormatError(f"RpcHttp.{field} must be an object of strings")
    out: dict[str, Datum] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):  # NullableString {"value": "..."}
            value = value.get("value", "")
        if not isinstance(key, str) or not isinstance(value, str):
            raise WireFormatError(f"RpcHttp.{field} must map strings to strings")
        out[key] = Datum(value, "string")
    return out


def _read_rpc_http(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise WireFormatError("TypedData.http must be a JSON object (RpcHttp)")

    def pick(name: str, nullable: str) -> dict[str, Datum]:
        if nullable in raw:
            return _string_map(raw[nullable], nullable)
        return _string_map(raw.get(name), name)

    body = raw.get("body")
    if body is None:
        body = raw.get("rawBody")
    body_datum = datum_from_typed_data(body) if body is not None else Datum(b"", "bytes")
    if body_datum.type == "null":
        body_datum = Datum(b"", "bytes")
    value: dict[str, Any] = {
        "method": Datum(_expect_str(raw.get("method", "GET"), "http.method"), "string"),
        "url": Datum(_expect_str(raw.get("url", ""), "http.url"), "string"),
        "headers": pick("headers", "nullableHeaders"),
        "query": pick("query", "nullableQuery"),
        "params": pick("params", "nullableParams"),
        "body": body_datum,
    }
    identities = raw.get("identities")
    if identities:
        value["identities"] = Datum(json.dumps(identities), "json")
    return value
