"""Tolerant readers of trigger-metadata fields: a bad field never fails an invocation.

Rules this module keeps:

* A metadata mapping holds :class:`~azfunc.Datum` values (gRPC) or raw JSON values (custom
  handlers). Every reader accepts both, and ``None`` for the whole mapping.
* :func:`metadata_value` gives a field as plain Python: ``string``/``int``/``double``/``bytes``
  Datums as they are; ``json`` Datums parsed; collection Datums as lists; a raw string that
  was JSON-encoded a second time by the custom-handler host (``"\\"abc\\""``) unwrapped once.
  A raw ``"1"`` stays the string ``"1"`` there; the typed readers coerce it.
* The typed readers (:func:`metadata_int`, :func:`metadata_datetime`, ...) never raise. A
  missing or null field gives ``None`` silently; a present field that cannot be read as the
  type gives ``None`` and a warning on the ``azfunc.metadata`` logger, once per
  ``(key, reason)``. The raw value stays available through :func:`raw_metadata`.
* :func:`to_int`, :func:`to_bool` and :func:`to_text` are the one integer, boolean and text
  coercion every converter uses (also for values found inside metadata objects and arrays).
  They accept the forms the host sends and refuse anything else with ``None``; never raise.
* These run once per message on hot paths: no dateutil, no JSON parsing of values that are
  plainly a quoted string or a decimal integer.

Module-level cache: ``_WARNED`` remembers the last :data:`_WARNED_MAX` ``(key, reason)``
pairs already warned about, least recently seen first. A pair seen again moves to the end; a
new pair beyond the bound evicts the oldest, so a new problem always warns (an evicted pair
may warn again later, at most once per ``_WARNED_MAX`` other pairs).
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from ._datum import Datum, collection_items
from ._timeparse import parse_datetime, parse_duration

__all__ = [
    "metadata_bool",
    "metadata_datetime",
    "metadata_dict",
    "metadata_duration",
    "metadata_float",
    "metadata_int",
    "metadata_list",
    "metadata_str",
    "metadata_value",
    "raw_metadata",
    "to_bool",
    "to_int",
    "to_text",
]

logger: Final = logging.getLogger("azfunc.metadata")

#: ``(key, reason)`` pairs already warned about, a bounded LRU (see the module docstring).
_WARNED: OrderedDict[tuple[str, str], None] = OrderedDict()
_WARNED_MAX: Final = 1024

_COLLECTIONS: Final = frozenset(
    {"collection_bytes", "collection_string", "collection_double", "collection_sint64"}
)


def _warn(key: str, reason: str, raw: object) -> None:
    marker = (key, reason)
    if marker in _WARNED:
        _WARNED.move_to_end(marker)
        return
    _WARNED[marker] = None
    if len(_WARNED) > _WARNED_MAX:
        _WARNED.popitem(last=False)
    text = repr(raw)
    if len(text) > 80:
        text = text[:77] + "..."
    logger.warning(
        "trigger metadata field %r %s (got %s); the typed property is None, the raw value "
        "stays in the metadata mapping",
        key,
        reason,
        text,
    )


def _json_text(text: str | bytes | bytearray, key: str) -> Any:
    """Parse JSON text, with fast paths for a plain quoted string and a decimal integer."""
    if isinstance(text, str):
        n = len(text)
        if n >= 2 and text[0] == '"' and text[-1] == '"' and "\\" not in text:
            inner = text[1:-1]
            if '"' not in inner:
                return inner
        elif 0 < n < 19 and text.isdigit() and text.isascii():
            return int(text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        _warn(key, "is not valid JSON", text)
        return text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else text


def _unwrap_raw(value: Any) -> Any:
    """A custom-handler string JSON-encoded a second time (``"\\"abc\\""``) -> ``"abc"``."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]
        if "\\" not in inner and '"' not in inner:
            return inner
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if isinstance(decoded, str):
            return decoded
    return value


def _python(value: Any, key: str) -> Any:
    if isinstance(value, Datum):
        kind = value.type
        raw = value.value
        if raw is None or kind == "null":
            return None
        if kind == "json":
            if isinstance(raw, (str, bytes, bytearray)):
                return _json_text(raw, key)
            return raw
        if kind in _COLLECTIONS:
            try:
                return collection_items(value)
            except Exception:
                _warn(key, "is a malformed collection", raw)
                return None
        return raw
    return _unwrap_raw(value)


def metadata_value(metadata: Mapping[str, Any] | None, key: str) -> Any:
    """The field ``key`` as plain Python, or ``None`` when absent. Never raises.

    Example:
        >>> metadata_value({"Id": Datum('"abc"', "json")}, "Id")
        'abc'
        >>> metadata_value({"Id": '"abc"', "DequeueCount": "1"}, "Id")
        'abc'
        >>> metadata_value({"DequeueCount": "1"}, "DequeueCount")
        '1'
    """
    if not metadata:
        return None
    try:
        value = metadata.get(key)
    except Exception:  # a hostile mapping must not fail the invocation
        return None
    if value is None:
        return None
    if type(value) is Datum and value.type == "string":
        return value.value
    return _python(value, key)


def to_text(value: object) -> str | None:
    """The one text coercion of metadata values; ``None`` for anything else, never raises.

    Accepted: ``str`` (kept), ``bool`` (``"true"``/``"false"``), ``int``/``float`` (decimal),
    UTF-8 ``bytes``.

    Example:
        >>> to_text(3696), to_text("a"), to_text(True), to_text(b"x"), to_text([1])
        ('3696', 'a', 'true', 'x', None)
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def metadata_str(metadata: Mapping[str, Any] | None, key: str) -> str | None:
    """The field as text: strings as they are, numbers in decimal, bytes as UTF-8.

    Example:
        >>> metadata_str({"Id": Datum("1", "json")}, "Id")
        '1'
    """
    value = metadata_value(metadata, key)
    if value is None or type(value) is str:
        return value
    result = to_text(value)
    if result is None:
        _warn(key, f"is not text but {type(value).__name__}", value)
    return result


#: a decimal integer, possibly written with a zero fraction (``"7"``, ``"-7.00"``): exact.
_INT_TEXT: Final = re.compile(r"([+-]?[0-9]+)(?:\.0*)?", re.ASCII)
_FLOAT_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _text(value: object) -> str | None:
    """``value`` as stripped text with one JSON string quoting removed, or None."""
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    return text


def to_int(value: object) -> int | None:
    """The one integer coercion of metadata values; ``None`` for anything else, never raises.

    Accepted: an ``int`` (not a ``bool``); an integral finite ``float``; text or bytes (ASCII)
    holding a decimal integer or an integral decimal number (``"7"``, ``" -7 "``, ``"1.0"``,
    ``"1e3"``), optionally JSON-quoted once (``'"7"'``, as custom handlers send it).

    Example:
        >>> [to_int(v) for v in (7, "7", '"7"', b"7", "1.0", 7.0, "1.5", True, "x", None)]
        [7, 7, 7, 7, 1, 7, None, None, None, None]
    """
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    if text is None or len(text) > 4000:  # int() refuses more than 4300 digits
        return None
    match = _INT_TEXT.fullmatch(text)
    if match is not None:
        return int(match.group(1), 10)
    if _FLOAT_TEXT.fullmatch(text):
        number = float(text)
        return int(number) if number.is_integer() else None
    return None


_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})


def to_bool(value: object) -> bool | None:
    """The one boolean coercion of metadata values; ``None`` for anything else, never raises.

    Accepted: a ``bool``; the numbers ``0``/``1``; text or bytes (ASCII) ``true``/``false``,
    ``yes``/``no``, ``1``/``0`` in any case, optionally JSON-quoted once (``'"true"'``).

    Example:
        >>> [to_bool(v) for v in (True, "true", "True", '"true"', b"false", 0, "2", None)]
        [True, True, True, True, False, False, None, None]
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    text = _text(value)
    if text is None:
        return None
    text = text.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def metadata_int(metadata: Mapping[str, Any] | None, key: str) -> int | None:
    """The field as an integer: accepts ``1``, ``"1"``, json ``1`` and ``"\\"1\\""``.

    Example:
        >>> [metadata_int({"N": v}, "N") for v in (1, "1", Datum("1", "json"), '"1"', "x")]
        [1, 1, 1, 1, None]
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    result = to_int(value)
    if result is None:
        _warn(key, "is not an integer", value)
    return result


def metadata_float(metadata: Mapping[str, Any] | None, key: str) -> float | None:
    """The field as a float (integers and numeric strings accepted).

    Example:
        >>> metadata_float({"X": "2.5"}, "X")
        2.5
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(_unwrap_raw(value.strip()))
        except ValueError:
            pass
    _warn(key, "is not a number", value)
    return None


def metadata_bool(metadata: Mapping[str, Any] | None, key: str) -> bool | None:
    """The field as a bool: ``True``/``False``, ``"true"``/``"false"`` (any case), 1/0.

    Example:
        >>> metadata_bool({"IsPastDue": "True"}, "IsPastDue")
        True
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    result = to_bool(value)
    if result is None:
        _warn(key, "is not a boolean", value)
    return result


def metadata_datetime(metadata: Mapping[str, Any] | None, key: str) -> datetime | None:
    """The field as an aware UTC datetime (see :func:`azfunc._timeparse.parse_datetime`).

    Example:
        >>> metadata_datetime({"T": Datum('"2019-10-16T17:58:31+02:00"', "json")}, "T")
        datetime.datetime(2019, 10, 16, 15, 58, 31, tzinfo=datetime.timezone.utc)
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    result = parse_datetime(value)
    if result is None:
        _warn(key, "is not a datetime", value)
    return result


def metadata_duration(metadata: Mapping[str, Any] | None, key: str) -> timedelta | None:
    """The field as a ``timedelta`` (see :func:`azfunc._timeparse.parse_duration`).

    Example:
        >>> metadata_duration({"TTL": Datum('"00:05:00"', "json")}, "TTL")
        datetime.timedelta(seconds=300)
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    result = parse_duration(value)
    if result is None:
        _warn(key, "is not a duration", value)
    return result


def metadata_dict(metadata: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """The field as a dict: a JSON object, or text holding one.

    Example:
        >>> metadata_dict({"Properties": '{"Length": 10}'}, "Properties")
        {'Length': 10}
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = _loads_or_keep(value)
    if isinstance(value, Mapping):
        return dict(value)
    _warn(key, "is not an object", value)
    return None


def metadata_list(metadata: Mapping[str, Any] | None, key: str) -> list[Any] | None:
    """The field as a list: a collection Datum, a JSON array, or text holding one.

    Example:
        >>> metadata_list({"IdArray": Datum('["a", "b"]', "json")}, "IdArray")
        ['a', 'b']
    """
    value = metadata_value(metadata, key)
    if value is None:
        return None
    if isinstance(value, str) and value.lstrip().startswith("["):
        value = _loads_or_keep(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    _warn(key, "is not an array", value)
    return None


def raw_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every field's :func:`metadata_value`; never raises.

    Example:
        >>> raw_metadata({"Id": Datum("x", "string"), "DequeueCount": Datum("2", "json")})
        {'Id': 'x', 'DequeueCount': 2}
    """
    if not metadata:
        return {}
    out: dict[str, Any] = {}
    try:
        items = list(metadata.items())
    except Exception:
        return out
    for key, value in items:
        name = key if isinstance(key, str) else str(key)
        try:
            out[name] = _python(value, name)
        except Exception:  # pragma: no cover - _python is total; belt and braces
            out[name] = value
    return out


def _loads_or_keep(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
