"""Wire helpers shared by the test-kit factories: build what the host sends, then decode it.

Rules this module keeps:

* A factory's payload is a :data:`Payload`: the trigger's :class:`~azfunc.meta.Datum` and the
  trigger metadata as a ``dict`` of name -> Datum, in the form the Functions host sends over
  gRPC (strings as ``string``; numbers, booleans, times and objects as ``json`` text).
* Times are written the way the host's JSON serializer writes them: ``DateTimeOffset`` values
  as ISO 8601 with ``+00:00``, ``DateTime`` values without a zone, fractional seconds trimmed of
  trailing zeros. Naive datetimes given by a test are taken as UTC.
* Decoding always goes through the converter registered for the binding type, so a factory
  exercises the same code a worker runs in production.
* A factory that is called with inconsistent arguments raises
  :class:`~azfunc.ConversionError` saying which arguments disagree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeAlias

from .._datum import Datum
from .._errors import ConversionError
from .._registry import get_binding_registry

__all__ = [
    "Payload",
    "body_datum",
    "decode",
    "json_datum",
    "json_metadata",
    "json_text",
    "net_datetime",
    "string_metadata",
    "timespan",
    "utc",
    "utcnow",
]

#: What every ``*_payload`` factory returns: the trigger Datum and its trigger metadata.
Payload: TypeAlias = tuple[Datum, dict[str, Datum]]


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive value is taken as UTC already.

    Example:
        >>> utc(datetime(2024, 1, 2, 3, 4, 5)).isoformat()
        '2024-01-02T03:04:05+00:00'
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time in UTC, truncated to whole milliseconds (as the host reports it)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def net_datetime(value: datetime, *, zone: bool = True) -> str:
    """Format ``value`` the way the host's JSON serializer does.

    ``zone=True`` writes a ``DateTimeOffset`` (``+00:00``), ``zone=False`` a ``DateTime`` of
    unspecified kind (no zone). The value is converted to UTC first.

    Example:
        >>> when = datetime(2020, 7, 14, 1, 27, 55, 627000, tzinfo=timezone.utc)
        >>> net_datetime(when)
        '2020-07-14T01:27:55.627+00:00'
        >>> net_datetime(when, zone=False)
        '2020-07-14T01:27:55.627'
    """
    moment = utc(value)
    text = moment.replace(tzinfo=None, microsecond=0).isoformat()
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "+00:00" if zone else text


def json_text(value: Any) -> str:
    """Compact JSON text, as the host writes it (``datetime`` values as ``DateTimeOffset``).

    Raises:
        ConversionError: if ``value`` is not JSON-serialisable.
    """

    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return net_datetime(obj)
        if isinstance(obj, timedelta):
            return timespan(obj)
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    try:
        return json.dumps(value, separators=(",", ":"), default=default, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"cannot write {value!r} as JSON: {exc}") from None


def json_datum(value: Any) -> Datum:
    """A ``json`` Datum holding ``value`` as JSON text.

    Example:
        >>> json_datum({"a": [1, True]})
        <Datum json '{"a":[1,true]}'>

    Raises:
        ConversionError: if ``value`` is not JSON-serialisable.
    """
    return Datum(json_text(value), "json")


def timespan(value: timedelta) -> str:
    """A ``TimeSpan`` as .NET writes it: ``[d.]hh:mm:ss[.fffffff]``.

    Example:
        >>> timespan(timedelta(days=1, hours=2, seconds=3))
        '1.02:00:03'
    """
    negative = value < timedelta(0)
    total = -value if negative else value
    days = total.days
    seconds = total.seconds
    text = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if days:
        text = f"{days}.{text}"
    if total.microseconds:
        text += f".{total.microseconds * 10:07d}"
    return "-" + text if negative else text


def body_datum(body: Any) -> Datum:
    """The Datum a message body travels as: bytes, string, JSON for anything else, or null.

    Example:
        >>> body_datum(b"hi"), body_datum("hi"), body_datum({"n": 1}), body_datum(None)
        (<Datum bytes b'hi'>, <Datum string 'hi'>, <Datum json '{"n":1}'>, <Datum null None>)

    Raises:
        ConversionError: if ``body`` is neither bytes, str nor JSON-serialisable.
    """
    if body is None:
        return Datum(None, "null")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return Datum(bytes(body), "bytes")
    if isinstance(body, str):
        return Datum(body, "string")
    return json_datum(body)


def string_metadata(values: Mapping[str, str | None]) -> dict[str, Datum]:
    """``string`` Datums for every value that is not ``None`` (the host omits nulls)."""
    return {key: Datum(value, "string") for key, value in values.items() if value is not None}


def json_metadata(values: Mapping[str, Any]) -> dict[str, Datum]:
    """``json`` Datums for every value that is not ``None`` (the host omits nulls).

    Raises:
        ConversionError: if a value is not JSON-serialisable.
    """
    return {key: json_datum(value) for key, value in values.items() if value is not None}


def decode(
    binding: str,
    datum: Datum,
    metadata: Mapping[str, Datum] | None = None,
    *,
    pytype: Any = None,
) -> Any:
    """Decode ``datum`` with the converter registered for ``binding``, as a worker would.

    Raises:
        BindingNotFoundError: if no converter is registered for ``binding``.
        ConversionError: if the converter rejects the payload.
    """
    converter = get_binding_registry().require(binding)
    return converter.decode(datum, trigger_metadata=dict(metadata or {}), pytype=pytype)
