"""Tolerant parsing of the datetimes and durations found in trigger metadata.

Rules this module keeps:

* :func:`parse_datetime` and :func:`parse_duration` never raise: a value they cannot read
  gives ``None``. Callers keep the raw value themselves. :func:`duration_setting` is the
  same rule for configuration (``host.json``, a timer interval): a value it cannot read
  raises :class:`~azfunc.ConfigurationError` naming the setting.
* :func:`parse_duration` is the one duration rule of azfunc: trigger metadata, the local
  host's ``host.json`` durations and NCRONTAB TimeSpan intervals all use it, and
  :func:`format_duration` writes the canonical .NET ``TimeSpan`` text it reads back.
* Every datetime returned is timezone-aware and normalised to UTC. A value without an offset
  is taken to be UTC already (the host writes UTC times; a naive ``datetime`` is read the same
  way).
* Accepted datetime text: ISO 8601 with ``Z``, any ``+hh:mm``/``+hhmm``/``+hh`` offset or no
  offset; any number of fractional digits (beyond microseconds they are truncated, never
  rounded); fields that are not zero-padded (``2022-1-12T03:16:34Z``); a space instead of
  ``T``; and the .NET forms ``MM/dd/yyyy HH:mm:ss`` and ``M/d/yyyy h:mm:ss tt`` (``AM``/``PM``),
  with or without an offset. ``24:00:00`` is the end of the day. Numbers (``int``/``float``)
  are Unix epoch seconds.
* Accepted durations: ``hh:mm``, ``hh:mm:ss``, ``d.hh:mm``, ``d.hh:mm:ss.fffffff``,
  ``d:hh:mm:ss`` (the .NET ``TimeSpan`` forms), with a leading ``-`` sign; ISO 8601
  ``P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S`` (a year is 365 days and a month 30 days, as .NET
  ``XmlConvert`` reads them); plain **seconds** as a number or a numeric string (``250``
  is 250 s, never milliseconds). Decimal seconds are read exactly to the microsecond.
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

from ._errors import ConfigurationError, ConversionError

__all__ = [
    "duration_setting",
    "format_datetime",
    "format_duration",
    "parse_datetime",
    "parse_duration",
]

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
    r"(?P<neg>[+-])?(?:(?P<d>\d+)(?:\.(?=\d{1,2}:\d{1,2})|:(?=\d{1,2}:\d{1,2}:)))?"
    r"(?P<h>\d+):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d+))?)?"
)

_NUM = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION_RE: Final = re.compile(
    rf"(?P<neg>[+-])?P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?",
    re.IGNORECASE,
)

_SECONDS_RE: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_RE: Final = re.compile(r"(?P<neg>[+-])?(?P<i>\d*)(?:[.,](?P<f>\d*))?")

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

    A number (``int``/``float``, or text that is only a number) is a count of **seconds**.
    Never raises: text that cannot be read, or a value out of ``timedelta``'s range, gives
    ``None``.

    Example:
        >>> parse_duration("1.02:03:04.5")
        datetime.timedelta(days=1, seconds=7384, microseconds=500000)
        >>> parse_duration("PT1M30S")
        datetime.timedelta(seconds=90)
        >>> parse_duration("-00:00:05")
        datetime.timedelta(days=-1, seconds=86395)
        >>> parse_duration(250).total_seconds()
        250.0
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
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        return None
    return None


def duration_setting(value: object, setting: str, *, negative: bool = False) -> timedelta:
    """:func:`parse_duration` for configuration: a value it cannot read is an error.

    ``setting`` names the value in the message (``host.json extensions.queues.batchSize``).
    A negative duration is refused unless ``negative`` is true.

    Example:
        >>> duration_setting("00:00:30", "functionTimeout").total_seconds()
        30.0
        >>> duration_setting("soon", "functionTimeout")
        Traceback (most recent call last):
        ...
        azfunc._errors.ConfigurationError: functionTimeout: 'soon' is not a duration \
(use "hh:mm:ss", ISO 8601 "PT30S" or a number of seconds)

    Raises:
        ConfigurationError: if the value is not a duration (or is negative).
    """
    result = parse_duration(value)
    if result is None:
        raise ConfigurationError(
            f"{setting}: {value!r} is not a duration "
            '(use "hh:mm:ss", ISO 8601 "PT30S" or a number of seconds)'
        )
    if result < timedelta(0) and not negative:
        raise ConfigurationError(f"{setting}: {value!r} is negative")
    return result


def format_duration(td: timedelta) -> str:
    """The canonical .NET ``TimeSpan`` text of ``td``: ``[-][d.]hh:mm:ss[.fffffff]``.

    :func:`parse_duration` reads it back exactly.

    Example:
        >>> format_duration(timedelta(days=1, hours=2, seconds=4.5))
        '1.02:00:04.5000000'
        >>> format_duration(timedelta(seconds=-5))
        '-00:00:05'

    Raises:
        ConversionError: if ``td`` is not a timedelta.
    """
    if not isinstance(td, timedelta):
        raise ConversionError(f"format_duration expects a timedelta, got {type(td).__name__}")
    sign = "-" if td < timedelta(0) else ""
    td = -td if sign else td
    hours, rest = divmod(td.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    days = f"{td.days}." if td.days else ""
    fraction = f".{td.microseconds:06d}0" if td.microseconds else ""
    return f"{sign}{days}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"


def _exact(number: str, unit_us: int) -> int:
    """Microseconds in ``number`` units of ``unit_us`` microseconds, without float rounding."""
    match = _DECIMAL_RE.fullmatch(number)
    if match is None or not (match["i"] or match["f"]):
        raise ValueError(number)
    whole = int(match["i"] or 0) * unit_us
    fraction = match["f"] or ""
    if fraction:
        whole += int(fraction) * unit_us // 10 ** len(fraction)
    return -whole if match["neg"] == "-" else whole


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
        if "e" in text or "E" in text:
            seconds = float(text)
            return timedelta(seconds=seconds) if math.isfinite(seconds) else None
        return timedelta(microseconds=_exact(text, 1_000_000))
    match = _ISO_DURATION_RE.fullmatch(text)
    if match is None:
        return None
    groups: tuple[Any, ...] = match.groups()[1:]
    if all(part is None for part in groups) or text.upper().endswith("T"):
        return None
    total = 0
    for part, unit in zip(groups, _ISO_UNITS, strict=True):
        if part is not None:
            total += _exact(part, int(unit) * 1_000_000)
    result = timedelta(microseconds=total)
    return -result if match["neg"] == "-" else result
