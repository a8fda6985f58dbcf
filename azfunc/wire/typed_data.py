"""The gRPC ``TypedData`` codec: proto3-JSON ``TypedData``/``RpcHttp`` objects -> Datums.

Rules this module keeps:

* proto3 JSON: a field may use its lowerCamelCase ``json_name`` or its original name; bytes
  are base64 (standard or URL-safe, padded or not); int64 may be a string; doubles may be
  ``"NaN"``/``"Infinity"``/``"-Infinity"``. ``{}`` (no oneof set) and ``None`` read as null.
* ``http`` becomes a :class:`~azfunc.wire.http.HttpRequestData`: the ``nullable*`` maps win
  over the plain ones, ``body`` (or ``rawBody``) bytes/stream stay bytes, string/json text
  stays text, null is no body; ``identities`` is kept as JSON text.
* Anything malformed raises :class:`~azfunc.WireFormatError`, nothing else.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from .._datum import _COLLECTION_ATTR, Datum
from .._errors import WireFormatError
from .http import EMPTY_MAP, HttpRequestData

__all__ = ["datum_from_typed_data"]


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


def _string_map(raw: Any, field: str) -> Mapping[str, Datum]:
    if raw is None:
        return EMPTY_MAP
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


def _read_rpc_http(raw: Any) -> HttpRequestData:
    if not isinstance(raw, Mapping):
        raise WireFormatError("TypedData.http must be a JSON object (RpcHttp)")

    def pick(name: str, nullable: str) -> Mapping[str, Datum]:
        if nullable in raw:
            return _string_map(raw[nullable], nullable)
        return _string_map(raw.get(name), name)

    body_raw = raw.get("body")
    if body_raw is None:
        body_raw = raw.get("rawBody")
    body: bytes | str = b""
    if body_raw is not None:
        body_datum = datum_from_typed_data(body_raw)
        if body_datum.type in ("bytes", "stream", "string", "json"):
            body = body_datum.value
        elif body_datum.type != "null":
            raise WireFormatError(
                f"RpcHttp.body must be bytes, stream, string or json, not {body_datum.type}"
            )
    identities = raw.get("identities")
    return HttpRequestData(
        method=_expect_str(raw.get("method", "GET"), "http.method"),
        url=_expect_str(raw.get("url", ""), "http.url"),
        headers=pick("headers", "nullableHeaders"),
        query=pick("query", "nullableQuery"),
        params=pick("params", "nullableParams"),
        body=body,
        identities=json.dumps(identities) if identities else None,
    )
