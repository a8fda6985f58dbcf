"""NCRONTAB schedules of timer triggers: six fields, seconds first.

Rules this module keeps:

* ``{second} {minute} {hour} {day} {month} {day-of-week}``; five fields (no seconds) are
  accepted too and mean second 0. A field is ``*``, ``n``, ``a-b``, ``*/s``, ``a-b/s``,
  ``n/s`` or a comma list of those; months take ``Jan``..``Dec``, days of week
  ``Sun``..``Sat`` (0 or 7 is Sunday).
* Like NCrontab (and unlike Vixie cron) a time matches only if *both* day-of-month and
  day-of-week match.
* A TimeSpan (``hh:mm:ss``, ``d.hh:mm:ss``: any text with a ``:``) is an interval
  schedule, as on App Service, read by the one duration rule
  (:func:`azfunc._timeparse.parse_duration`).
* ``%NAME%`` references are resolved by :func:`resolve_settings` before parsing.
* Malformed expressions (and unset settings) raise :class:`~azfunc.ConfigurationError`,
  never a builtin. Times are timezone-aware; naive inputs are taken as UTC.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Final

from .._errors import ConfigurationError
from .._timeparse import duration_setting

__all__ = ["CronSchedule", "resolve_settings"]

_MONTHS: Final = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS: Final = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
#: (name, low, high, names)
_FIELDS: Final[tuple[tuple[str, int, int, Mapping[str, int]], ...]] = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _DAYS),
)
_SETTING_RE: Final = re.compile(r"%([^%\s]+)%")


def resolve_settings(text: str, settings: Mapping[str, str] | None = None) -> str:
    """Replace ``%NAME%`` with the app setting or environment variable ``NAME``.

    Example:
        >>> resolve_settings("%SCHED%", {"SCHED": "0 */5 * * * *"})
        '0 */5 * * * *'

    Raises:
        ConfigurationError: if a referenced setting is not defined.
    """

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if settings is not None and name in settings:
            return settings[name]
        value = os.environ.get(name)
        if value is None:
            raise ConfigurationError(f"the app setting {name!r} referenced by {text!r} is not set")
        return value

    return _SETTING_RE.sub(lookup, text)


def _parse_value(token: str, field: str, names: Mapping[str, int], low: int, high: int) -> int:
    key = token.strip().lower()
    if key in names:
        return names[key]
    if not (key.isascii() and key.isdigit()):
        raise ConfigurationError(f"NCRONTAB {field} field: {token!r} is not a number")
    value = int(key)
    if not low <= value <= high:
        raise ConfigurationError(f"NCRONTAB {field} field: {value} is outside {low}-{high}")
    return value


def _parse_field(text: str, index: int) -> frozenset[int]:
    field, low, high, names = _FIELDS[index]
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                raise ConfigurationError(f"NCRONTAB {field} field: bad step in {item!r}")
            step = int(step_text)
        if base == "*":
            start, stop = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _parse_value(first, field, names, low, high)
            stop = _parse_value(last, field, names, low, high)
            if stop < start:
                raise ConfigurationError(f"NCRONTAB {field} field: empty range {item!r}")
        else:
            start = _parse_value(base, field, names, low, high)
            stop = high if slash else start
        values.update(range(start, stop + 1, step))
    if index == 5 and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values)


class CronSchedule:
    """A parsed NCRONTAB expression or TimeSpan interval.

    Example:
        >>> s = CronSchedule("0 */5 * * * *")
        >>> start = datetime(2024, 1, 1, 10, 2, tzinfo=timezone.utc)
        >>> [t.strftime("%H:%M:%S") for t in s.occurrences(start, 2)]
        ['10:05:00', '10:10:00']
        >>> CronSchedule("00:00:30").next_after(start).strftime("%H:%M:%S")
        '10:02:30'

    Raises:
        ConfigurationError: if the expression is malformed.
    """

    __slots__ = ("_fields", "expression", "interval")

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.interval: timedelta | None = None
        self._fields: tuple[frozenset[int], ...] = ()
        text = expression.strip()
        if ":" in text:
            self.interval = duration_setting(text, "timer schedule", negative=True)
            if self.interval <= timedelta(0):
                raise ConfigurationError(f"timer interval {expression!r} must be positive")
            return
        parts = text.split()
        if len(parts) == 5:
            parts = ["0", *parts]
        if len(parts) != 6:
            raise ConfigurationError(
                f"NCRONTAB expression {expression!r} needs 6 fields "
                "({second} {minute} {hour} {day} {month} {day-of-week})"
            )
        self._fields = tuple(_parse_field(part, i) for i, part in enumerate(parts))

    def matches(self, moment: datetime) -> bool:
        """Whether ``moment`` (to the second) is an occurrence of a cron schedule."""
        if self.interval is not None:
            return False
        sec, minute, hour, day, month, dow = self._fields
        return (
            moment.second in sec
            and moment.minute in minute
            and moment.hour in hour
            and moment.day in day
            and moment.month in month
            and (moment.weekday() + 1) % 7 in dow
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment``.

        Raises:
            ConfigurationError: if the schedule has no occurrence in the next 10 years
                (``0 0 0 30 2 *``).
        """
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if self.interval is not None:
            try:
                return moment + self.interval
            except OverflowError:
                raise ConfigurationError(
                    f"timer interval {self.expression!r} reaches past the year 9999"
                ) from None
        sec, minute, hour, day, month, dow = self._fields
        t = moment.replace(microsecond=0) + timedelta(seconds=1)
        limit = t.year + 10
        while t.year <= limit:
            if t.month not in month:
                year, mon = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
                t = t.replace(year=year, month=mon, day=1, hour=0, minute=0, second=0)
                continue
            if t.day not in day or (t.weekday() + 1) % 7 not in dow:
                t = (t + timedelta(days=1)).replace(hour=0, minute=0, second=0)
                continue
            if t.hour not in hour:
                t = (t + timedelta(hours=1)).replace(minute=0, second=0)
                continue
            if t.minute not in minute:
                t = (t + timedelta(minutes=1)).replace(second=0)
                continue
            if t.second not in sec:
                t += timedelta(seconds=1)
                continue
            return t
        raise ConfigurationError(f"NCRONTAB expression {self.expression!r} never occurs")

    def occurrences(self, start: datetime, count: int) -> Iterator[datetime]:
        """The next ``count`` occurrences after ``start``."""
        moment = start
        for _ in range(count):
            moment = self.next_after(moment)
            yield moment

    def __repr__(self) -> str:
        return f"CronSchedule({self.expression!r})"
