"""Tolerant parsing of the datetimes and durations found in trigger metadata.

Rules this module keeps:

* :func:`parse_datetime` and :func:`parse_duration` never raise: a value they cannot read
  gives ``None``. Callers keep the raw value themselves.
* Every datetime returned is timezone-aware and normalised to UTC. A value without an offset
  is taken to be UTC already (the host writes UTC times; a naive ``datetime`` is read the same
  way).
* Accepted datetime text: ISO 8601 with ``Z``, any ``+hh:mm``/``+hhmm``/``+hh`` offset or no
  offset; any number of fractional digits (beyond microseconds they are truncated, never
  rounded); fields that are not zero-padded (``2022-1-12T03:16:34Z``); a space instead of
  ``T``; and the .NET forms ``MM/dd/yyyy HH:mm:ss`` and ``M/d/yyyy h:mm:ss tt`` (``AM``/``PM``),
  with or without an offset. ``24:00:00`` is the end of the day. Numbers (``int``/``float``)
  are Unix epoch seconds.
* Accepted durations: ``hh:mm``, ``hh:mm:ss``, ``d.hh:mm:ss.fffffff``, ``d:hh:mm:ss`` (the
  .NET ``TimeSpan`` forms), with a leading ``-`` sign; ISO 8601 ``P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S``
  (a year is 365 days and a month 30 days, as .NET ``XmlConvert`` reads them); plain seconds
  as a number or a numeric string.
* The common forms are read by ``datetime.fromisoformat`` or one precompiled regular
  expression; ``python-dateutil`` is imported lazily and only tried for text none of those
  read (RFC 1123 dates, ISO week dates, ...). Fallback results for text with an unknown
  time-zone name are refused (``None``) rather than guessed.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Final

from ._errors import ConversionError

__all__ = ["format_datetime", "parse_datetime", "parse_duration"]

UTC: Final = timezone.utc
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

_OFFSET = r"(?:\s*(?P<z>[Zz]|UTC|GMT)|\s*(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?"

_ISO_RE: Final = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[Tt ]+(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:[.,](?P<f>\d+))?)?)?" + _OFFSET
)

_DOTNET_RE: Final = re.compile(
    r"(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:[Tt ]+(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d+))?)?"
    r"(?:\s*(?P<ampm>[AaPp][Mm]))?)?" + _OFFSET
)

_TIMESPAN_RE: Final = re.compile(
    r"(?P<neg>[+-])?(?:(?P<d>\d+)[.:](?=\d{1,2}:\d{1,2}:))?"
    r"(?P<h>\d+):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d+))?)?"
)

_NUM = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION_RE: Final = re.compile(
    rf"(?P<neg>[+-])?P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?",
    re.IGNORECASE,
)

_SECONDS_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

#: seconds per unit of the ISO 8601 duration groups, in order (Y, M, W, D, H, M, S).
_ISO_UNITS: Final = (365 * 86400.0, 30 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0)


def parse_datetime(value: object) -> datetime | None:
    """Read a datetime from trigger metadata, normalised to an aware UTC datetime.

    Accepts ``str`` (see the module rules), ``datetime`` (naive means UTC), ``date``
    (midnight UTC) and ``int``/``float`` Unix epoch seconds. Anything else, or text that
    cannot be read, gives ``None``.

    Example:
        >>> parse_datetime("2022-03-28T15:40:00.0105419-05:00")
        datetime.datetime(2022, 3, 28, 20, 40, 0, 10541, tzinfo=datetime.timezone.utc)
        >>> parse_datetime("3/28/2022 3:45:00 PM").isoformat()
        '2022-03-28T15:45:00+00:00'
        >>> parse_datetime("not a date") is None
        True
    """
    try:
        if type(value) is str:
            text = value
            # Fast path: the canonical ISO shape; fromisoformat is C code on every version.
            if len(text) >= 19 and text[4] == "-" and text[7] == "-" and text[10] in "T ":
                try:
                    return _to_utc(datetime.fromisoformat(text))
                except ValueError:
                    pass
            return _parse_text(value)
        if isinstance(value, str):
            return _parse_text(value)
        if isinstance(value, datetime):
            return _to_utc(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                return None
            return _EPOCH + timedelta(seconds=value)
    except (ValueError, OverflowError, TypeError):
        return None
    return None


def _to_utc(dt: datetime) -> datetime:
    tz = dt.tzinfo
    if tz is UTC:
        return dt
    if tz is None:
        return dt.replace(tzinfo=UTC)
    offset = dt.utcoffset()
    if offset is None:
        return dt.replace(tzinfo=UTC)
    if not offset:
        return dt.replace(tzinfo=UTC)
    return (dt.replace(tzinfo=None) - offset).replace(tzinfo=UTC)


def _parse_text(value: str) -> datetime | None:
    text = value.strip()
    n = len(text)
    # Fast path: the canonical ISO shape; fromisoformat is C code on every version.
    if n >= 19 and text[4] == "-" and text[7] == "-" and text[10] in "T ":
        try:
            return _to_utc(datetime.fromisoformat(text))
        except ValueError:
            pass
    match = _ISO_RE.fullmatch(text)
    if match is None:
        match = _DOTNET_RE.fullmatch(text)
    if match is not None:
        return _from_match(match)
    return _parse_fallback(text)


def _from_match(match: re.Match[str]) -> datetime | None:
    group = match.group
    hour = int(group("h") or 0)
    ampm = match.groupdict().get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm in ("PM", "pm", "Pm", "pM") else 0)
    minute = int(group("mi") or 0)
    second = int(group("s") or 0)
    fraction = group("f")
    micro = int((fraction + "00000")[:6]) if fraction else 0
    extra = timedelta(0)
    if hour == 24 and not (minute or second or micro):
        hour = 0
        extra = timedelta(days=1)
    dt = datetime(int(group("y")), int(group("mo")), int(group("d")), hour, minute, second, micro)
    sign = group("sign")
    if sign is not None:
        offset = timedelta(hours=int(group("oh")), minutes=int(group("om") or 0))
        if offset >= timedelta(hours=24):
            return None
        extra -= offset if sign == "+" else -offset
    if extra:
        dt = dt + extra
    return dt.replace(tzinfo=UTC)


def _parse_fallback(text: str) -> datetime | None:
    """dateutil, for rarer shapes; only tried on text that has a 4-digit year in it."""
    if not re.search(r"\d{4}", text) or len(text) > 64:
        return None
    from dateutil import parser as du_parser  # rare: imported only when needed
    from dateutil.tz import tzoffset

    unknown: list[str] = []

    def tzinfos(name: str | None, offset: int | None) -> tzinfo | None:
        if name and name.upper() in ("Z", "UTC", "GMT", "UT"):
            return UTC
        if offset is not None:
            return tzoffset(name, offset)
        unknown.append(name or "")
        return None

    try:
        parsed = du_parser.isoparse(text)
    except (ValueError, OverflowError, TypeError):
        try:
            parsed = du_parser.parse(text, default=datetime(2000, 1, 1), tzinfos=tzinfos)
        except Exception:  # dateutil raises assorted types on odd text; never propagate
            return None
    if unknown:
        return None
    return _to_utc(parsed)


def format_datetime(dt: datetime) -> str:
    """Format ``dt`` as ISO 8601 in UTC with a ``Z`` suffix (naive means UTC).

    Microseconds are written only when non-zero.

    Example:
        >>> from datetime import datetime, timedelta, timezone
        >>> format_datetime(datetime(2022, 3, 28, 15, 40, tzinfo=timezone(timedelta(hours=-5))))
        '2022-03-28T20:40:00Z'

    Raises:
        ConversionError: if ``dt`` is not a datetime.
    """
    if not isinstance(dt, datetime):
        raise ConversionError(f"format_datetime expects a datetime, got {type(dt).__name__}")
    utc = _to_utc(dt)
    text = utc.replace(tzinfo=None).isoformat()
    return text + "Z"


def parse_duration(value: object) -> timedelta | None:
    """Read a duration (a .NET ``TimeSpan``, ISO 8601 or seconds) as a ``timedelta``.

    Never raises: text that cannot be read, or a value out of ``timedelta``'s range, gives
    ``None``.

    Example:
        >>> parse_duration("1.02:03:04.5")
        datetime.timedelta(days=1, seconds=7384, microseconds=500000)
        >>> parse_duration("PT1M30S")
        datetime.timedelta(seconds=90)
        >>> parse_duration("-00:00:05")
        datetime.timedelta(days=-1, seconds=86395)
        >>> parse_duration("soon") is None
        True
    """
    try:
        if isinstance(value, timedelta):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                return None
            return timedelta(seconds=value)
        if isinstance(value, str):
            return _parse_duration_text(value.strip())
    except (ValueError, OverflowError, TypeError):
        return None
    return None


def _parse_duration_text(text: str) -> timedelta | None:
    match = _TIMESPAN_RE.fullmatch(text)
    if match is not None:
        minute = int(match["mi"])
        second = int(match["s"] or 0)
        if minute >= 60 or second >= 60 or (match["d"] and int(match["h"]) >= 24):
            return None
        fraction = match["f"]
        result = timedelta(
            days=int(match["d"] or 0),
            hours=int(match["h"]),
            minutes=minute,
            seconds=second,
            microseconds=int((fraction + "00000")[:6]) if fraction else 0,
        )
        return -result if match["neg"] == "-" else result
    if _SECONDS_RE.fullmatch(text):
        seconds = float(text)
        return timedelta(seconds=seconds) if math.isfinite(seconds) else None
    match = _ISO_DURATION_RE.fullmatch(text)
    if match is None:
        return None
    groups: tuple[Any, ...] = match.groups()[1:]
    if all(part is None for part in groups) or text.upper().endswith("T"):
        return None
    total = timedelta(0)
    for part, unit in zip(groups, _ISO_UNITS, strict=True):
        if part is not None:
            total += timedelta(seconds=float(part.replace(",", ".")) * unit)
    return -total if match["neg"] == "-" else total
