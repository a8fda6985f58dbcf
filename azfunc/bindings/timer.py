"""The ``timerTrigger``: ``TimerRequest`` and ``ScheduleStatus``.

Rules this module keeps:

* ``TimerRequest`` is concrete; ``TimerRequest()`` is an on-time tick with no schedule status.
* ``ScheduleStatus`` is both an object with ``last``, ``next`` and ``last_updated`` as aware
  UTC datetimes (``None`` when absent or unreadable; never an exception) and a read-only
  mapping of the raw keys (``Last``, ``Next``, ``LastUpdated``) that code written for
  ``azure-functions`` reads with ``schedule_status["Last"]``.
* The trigger payload is the host's ``TimerInfo`` JSON (``Schedule``, ``ScheduleStatus``,
  ``IsPastDue``) in a ``json`` or ``string`` Datum, or already parsed into a dict (custom
  handlers). Key case does not matter. A payload that is not a JSON object raises
  :class:`~azfunc.ConversionError`; odd field values fall back to defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from .._datum import Datum
from .._errors import ConversionError
from .._registry import Converter
from .._timeparse import format_datetime, parse_datetime
from ._trigger import ClassTriggerConverter
from ._value import BindingValue, json_safe, json_text

__all__ = ["CONVERTERS", "ScheduleStatus", "TimerRequest", "TimerTriggerConverter"]


_RAW_KEYS: Final = (("last", "Last"), ("next", "Next"), ("last_updated", "LastUpdated"))


def _get_ci(mapping: Mapping[str, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    folded = key.lower()
    for name, value in mapping.items():
        if isinstance(name, str) and name.lower() == folded:
            return value
    return None


class ScheduleStatus(Mapping[str, Any]):
    """When a timer last fired and fires next.

    Example:
        >>> status = ScheduleStatus({"Last": "2016-10-04T10:15:00+00:00",
        ...                          "Next": "2016-10-04T10:20:00+00:00"})
        >>> status.next.isoformat(), status["Last"], status.last_updated
        ('2016-10-04T10:20:00+00:00', '2016-10-04T10:15:00+00:00', None)
        >>> ScheduleStatus(last=status.last)["Last"]
        '2016-10-04T10:15:00Z'
    """

    __slots__ = ("_last", "_last_updated", "_next", "_raw")

    def __init__(
        self,
        raw: Mapping[str, Any] | None = None,
        /,
        *,
        last: datetime | str | None = None,
        next: datetime | str | None = None,  # noqa: A002 - the property's name
        last_updated: datetime | str | None = None,
    ) -> None:
        data: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
        given = {"last": last, "next": next, "last_updated": last_updated}
        for attr, key in _RAW_KEYS:
            value = given[attr]
            if value is not None:
                data[key] = format_datetime(value) if isinstance(value, datetime) else value
        self._raw: dict[str, Any] = data
        self._last = parse_datetime(_get_ci(data, "Last"))
        self._next = parse_datetime(_get_ci(data, "Next"))
        self._last_updated = parse_datetime(_get_ci(data, "LastUpdated"))

    @property
    def last(self) -> datetime | None:
        """When the timer last fired (aware, UTC)."""
        return self._last

    @property
    def next(self) -> datetime | None:
        """When the timer fires next (aware, UTC)."""
        return self._next

    @property
    def last_updated(self) -> datetime | None:
        """When the schedule status was last written (aware, UTC)."""
        return self._last_updated

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"ScheduleStatus({self._raw!r})"


class TimerRequest(BindingValue):
    """What a ``timerTrigger`` function receives.

    Example:
        >>> timer = TimerRequest(past_due=True, schedule_status={"Last": "2022-03-28T15:40:00Z"})
        >>> timer.past_due, timer.schedule_status.last.isoformat(), timer.schedule
        (True, '2022-03-28T15:40:00+00:00', {})
    """

    __slots__ = ("_past_due", "_schedule", "_schedule_status")

    def __init__(
        self,
        *,
        past_due: bool = False,
        schedule_status: ScheduleStatus | Mapping[str, Any] | None = None,
        schedule: Mapping[str, Any] | None = None,
    ) -> None:
        self._past_due = bool(past_due)
        if isinstance(schedule_status, ScheduleStatus):
            self._schedule_status = schedule_status
        else:
            self._schedule_status = ScheduleStatus(schedule_status)
        self._schedule: dict[str, Any] = dict(schedule) if isinstance(schedule, Mapping) else {}

    @property
    def past_due(self) -> bool:
        """Whether this invocation is later than scheduled."""
        return self._past_due

    @property
    def schedule_status(self) -> ScheduleStatus:
        """Last/next fire times; empty when schedule monitoring is off."""
        return self._schedule_status

    @property
    def schedule(self) -> dict[str, Any]:
        """The schedule as the host describes it (e.g. ``{"AdjustForDST": True}``)."""
        return self._schedule

    def to_dict(self) -> dict[str, Any]:
        """The tick as azure-functions 2.x writes it: ``past_due``, ``schedule_status`` (the
        raw ``Last``/``Next``/``LastUpdated`` entries) and ``schedule``."""
        return {
            "past_due": self._past_due,
            "schedule_status": json_safe(self._schedule_status),
            "schedule": json_safe(self._schedule),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if a schedule value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), "TimerRequest")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimerRequest):
            return NotImplemented
        return (self._past_due, dict(self._schedule_status), self._schedule) == (
            other._past_due,
            dict(other._schedule_status),
            other._schedule,
        )

    def __repr__(self) -> str:
        return f"<TimerRequest past_due={self._past_due} next={self._schedule_status.next!r}>"


def _past_due(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().strip('"').lower() == "true"
    if isinstance(value, (int, float)):
        return value == 1
    return False


class TimerTriggerConverter(ClassTriggerConverter):
    """Decodes a ``timerTrigger`` payload into a :class:`TimerRequest`.

    Example:
        >>> TimerTriggerConverter().decode(Datum('{"IsPastDue": true}', "json")).past_due
        True
    """

    binding = "timerTrigger"
    accepts = (TimerRequest,)

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> TimerRequest:
        """The :class:`TimerRequest` of the payload.

        Raises:
            ConversionError: if the payload is not a JSON object.
        """
        value = self.expect(datum, "json", "string", "bytes")
        if isinstance(value, (str, bytes, bytearray)):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError) as exc:
                raise ConversionError(
                    f"the timerTrigger payload is not valid JSON: {exc}"
                ) from None
        if not isinstance(value, Mapping):
            raise ConversionError(
                f"the timerTrigger payload must be a JSON object, got {type(value).__name__}"
            )
        status = _get_ci(value, "ScheduleStatus")
        schedule = _get_ci(value, "Schedule")
        return TimerRequest(
            past_due=_past_due(_get_ci(value, "IsPastDue")),
            schedule_status=status if isinstance(status, Mapping) else None,
            schedule=schedule if isinstance(schedule, Mapping) else None,
        )


CONVERTERS: dict[str, Converter] = {"timerTrigger": TimerTriggerConverter()}
