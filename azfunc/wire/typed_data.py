"""The gRPC ``TypedData`` codec: proto3-JSON ``TypedData``/``RpcHttp`` objects -> Datums.

Rules this module keeps:

* proto3 JSON: a field may use its lowerCamelCase ``json_name`` or its original name; bytes
  are base64 (standard or URL-safe, padded or not); int64 may be a string; doubles may be
  ``"NaN"``/``"Infinity"``/``"-Infinity"``. ``{}`` (no oneof set) and ``None`` read as null.
* ``http`` becomes a :class:`~azfunc.wire.http.HttpRequestData`: the ``nullable*`` maps
  (``nullable_headers``/``nullableHeaders``, fields 20-22) win over the plain ones; every
  field is read under its proto name or its camelCase name. The body is ``rawBody`` (field
  17, the text or bytes as the client sent them) when the host sent it, except that bytes
  in ``body`` beat a text ``rawBody`` (the host's UTF-8 decoding of an octet/multipart body,
  ``GrpcMessageConversionExtensions.PopulateBodyAndRawBody``); bytes/stream stay bytes,
  string/json text stays text, null is no body; ``identities`` is kept as JSON text.
* Query values are read as the host sent them; the request's ``params`` take each name from
  the URL first (what the client sent: blank values and repeats kept, which the host's map
  drops or joins), the host's map only fills names the URL lacks.
* ``model_binding_data`` (field 12) becomes a :class:`ModelBindingData`, and
  ``collection_model_binding_data`` (field 13) a tuple of them, both in a
  ``model_binding_data`` Datum.
* Anything malformed raises :class:`~azfunc.WireFormatError`, nothing else.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .._datum import _COLLECTION_ATTR, Datum
from .._errors import WireFormatError
from .http import EMPTY_MAP, HttpRequestData

__all__ = ["ModelBindingData", "datum_from_typed_data"]


@dataclass(frozen=True, slots=True)
class ModelBindingData:
    """A deferred ("SDK type") binding's reference, as the host sends it (proto
    ``ModelBindingData``): the extension's ``source``, the ``content`` that names the
    resource (JSON for the storage extensions) and its ``content_type``.

    Example:
        >>> ModelBindingData("1.0", "AzureStorageBlobs", "application/json", b"{}").source
        'AzureStorageBlobs'
    """

    version: str
    source: str
    content_type: str
    content: bytes


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
    "collectionModelBindingData": "collection_model_binding_data",
    "collection_model_binding_data": "collection_model_binding_data",
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
        return Datum(_model_binding_data(raw, key), kind)
    if kind == "collection_model_binding_data":
        if not isinstance(raw, Mapping):
            raise WireFormatError(f"TypedData.{key} must be an object with a list")
        items = _field(raw, "model_binding_data", "modelBindingData")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise WireFormatError(f"TypedData.{key}.model_binding_data must be a list")
        return Datum(tuple(_model_binding_data(item, key) for item in items),
                     "model_binding_data")
    items = _collection_list(raw, key, _COLLECTION_ATTR[kind])
    if kind == "collection_bytes":
        return Datum([_b64(item, key) for item in items], kind)
    if kind == "collection_string":
        return Datum([_expect_str(item, key) for item in items], kind)
    if kind == "collection_double":
        return Datum([_double(item, key) for item in items], kind)
    return Datum([_int64(item, key) for item in items], kind)


def _field(raw: Mapping[str, Any], proto: str, camel: str) -> Any:
    """A message field under its proto name or its lowerCamelCase JSON name."""
    value = raw.get(proto)
    return raw.get(camel) if value is None else value


def _model_binding_data(raw: Any, field: str) -> ModelBindingData:
    if not isinstance(raw, Mapping):
        raise WireFormatError(f"TypedData.{field} must hold ModelBindingData objects")
    content = _field(raw, "content", "content")
    return ModelBindingData(
        version=_expect_str(raw.get("version", ""), f"{field}.version"),
        source=_expect_str(raw.get("source", ""), f"{field}.source"),
        content_type=_expect_str(_field(raw, "content_type", "contentType") or "",
                                 f"{field}.content_type"),
        content=b"" if content is None else _b64(content, f"{field}.content"),
    )


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


_NULLABLE: Final = {
    "headers": ("nullable_headers", "nullableHeaders"),
    "query": ("nullable_query", "nullableQuery"),
    "params": ("nullable_params", "nullableParams"),
}


def _body(raw: Mapping[str, Any]) -> bytes | str:
    """The request body: ``rawBody`` as sent, unless ``body`` holds bytes and ``rawBody``
    only their text decoding (see the module rules)."""
    body = _body_datum(raw.get("body"), "body")
    raw_body = _body_datum(_field(raw, "raw_body", "rawBody"), "rawBody")
    chosen = raw_body
    if raw_body is None or (body is not None and isinstance(body.value, bytes)
                            and not isinstance(raw_body.value, bytes)):
        chosen = body
    if chosen is None or chosen.value is None:
        return b""
    value: bytes | str = chosen.value
    return value


def _body_datum(raw: Any, field: str) -> Datum | None:
    if raw is None:
        return None
    datum = datum_from_typed_data(raw)
    if datum.type == "null":
        return None
    if datum.type not in ("bytes", "stream", "string", "json"):
        raise WireFormatError(
            f"RpcHttp.{field} must be bytes, stream, string or json, not {datum.type}"
        )
    return datum


def _read_rpc_http(raw: Any) -> HttpRequestData:
    if not isinstance(raw, Mapping):
        raise WireFormatError("TypedData.http must be a JSON object (RpcHttp)")

    def pick(name: str) -> Mapping[str, Datum]:
        proto, camel = _NULLABLE[name]
        for key in (proto, camel):
            if key in raw:
                return _string_map(raw[key], key)
        return _string_map(raw.get(name), name)

    identities = raw.get("identities")
    return HttpRequestData(
        method=_expect_str(raw.get("method", "GET"), "http.method"),
        url=_expect_str(raw.get("url", ""), "http.url"),
        headers=pick("headers"),
        query=pick("query"),
        params=pick("params"),
        body=_body(raw),
        identities=json.dumps(identities) if identities else None,
    )
