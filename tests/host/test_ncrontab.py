"""NCRONTAB schedules: six fields with seconds, names, steps, day AND weekday."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azfunc import ConfigurationError
from azfunc.host.ncrontab import CronSchedule, resolve_settings

UTC = timezone.utc
START = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)  # a Monday

CASES = [
    ("*/15 * * * * *", ["00:00:15", "00:00:30", "00:00:45"]),
    ("0 */5 * * * *", ["00:05:00", "00:10:00", "00:15:00"]),
    ("0 0 * * * *", ["01:00:00", "02:00:00", "03:00:00"]),
    ("0 30 9 * * 1-5", ["2024-01-01 09:30:00", "2024-01-02 09:30:00", "2024-01-03 09:30:00"]),
    ("0 30 9 * * Sat,Sun", ["2024-01-06 09:30:00", "2024-01-07 09:30:00",
                            "2024-01-13 09:30:00"]),
    ("0 0 12 * * 7", ["2024-01-07 12:00:00", "2024-01-14 12:00:00", "2024-01-21 12:00:00"]),
    ("0 0 0 29 Feb *", ["2024-02-29 00:00:00", "2028-02-29 00:00:00", "2032-02-29 00:00:00"]),
    # day-of-month AND day-of-week (NCrontab), not OR: the 13th that is a Friday
    ("0 0 0 13 * Fri", ["2024-09-13 00:00:00", "2024-12-13 00:00:00", "2025-06-13 00:00:00"]),
    ("5,10 0 10-11 1 1 *", ["10:00:05", "10:00:10", "11:00:05"]),
    ("0 0 */6 * * *", ["06:00:00", "12:00:00", "18:00:00"]),
    ("0 */20 * * * *", ["00:20:00", "00:40:00", "01:00:00"]),
    ("*/20 * * * *", ["00:20:00", "00:40:00", "01:00:00"]),  # five fields: minutes first
    ("00:00:30", ["00:00:30", "00:01:00", "00:01:30"]),
    ("1.00:00:00", ["2024-01-02 00:00:00", "2024-01-03 00:00:00", "2024-01-04 00:00:00"]),
]


def _fmt(moment: datetime, sample: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S" if " " in sample else "%H:%M:%S")


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_next_occurrences(expression: str, expected: list[str]) -> None:
    got = [_fmt(t, expected[0]) for t in CronSchedule(expression).occurrences(START, 3)]
    assert got == expected


@pytest.mark.parametrize(
    "expression",
    ["", "* * * *", "* * * * * * *", "60 * * * * *", "* * 24 * * *", "* * * 0 * *",
     "* * * * 13 *", "*/0 * * * * *", "5-1 * * * * *", "a * * * * *", "00:00:00",
     "* * * * Foo *"],
)
def test_bad_expressions(expression: str) -> None:
    with pytest.raises(ConfigurationError):
        CronSchedule(expression)


def test_impossible_schedule_raises() -> None:
    with pytest.raises(ConfigurationError):
        CronSchedule("0 0 0 30 2 *").next_after(START)


def test_settings_are_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FROM_ENV", "0 0 * * * *")
    assert resolve_settings("%FROM_ENV%") == "0 0 * * * *"
    assert resolve_settings("%A%", {"A": "1 * * * * *"}) == "1 * * * * *"
    with pytest.raises(ConfigurationError, match="NOPE_NOT_SET"):
        resolve_settings("%NOPE_NOT_SET%")


fields = st.tuples(
    st.integers(0, 59), st.integers(0, 59), st.integers(0, 23), st.integers(1, 28),
    st.integers(1, 12),
)


@settings(max_examples=50, deadline=None)
@given(fields=fields, start=st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1)))
def test_next_is_the_first_matching_second(
    fields: tuple[int, int, int, int, int], start: datetime
) -> None:
    sec, minute, hour, day, month = fields
    schedule = CronSchedule(f"{sec} {minute} {hour} {day} {month} *")
    moment = start.replace(tzinfo=UTC)
    found = schedule.next_after(moment)
    assert found > moment
    assert (found.second, found.minute, found.hour, found.day, found.month) == (
        sec, minute, hour, day, month)
    assert schedule.matches(found)
    # nothing earlier in between: the same date one year before is before the start
    assert found - moment <= timedelta(days=366)


@settings(max_examples=40, deadline=None)
@given(step=st.integers(1, 30), start=st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1)))
def test_stepped_seconds_never_skip(step: int, start: datetime) -> None:
    schedule = CronSchedule(f"*/{step} * * * * *")
    moment = start.replace(tzinfo=UTC, microsecond=0)
    brute = moment + timedelta(seconds=1)
    while brute.second % step:
        brute += timedelta(seconds=1)
    assert schedule.next_after(moment) == brute


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A[0-9*/,\-² ]{1,30}\Z"),
    st.from_regex(r"\A[0-9]{1,12}\.[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?\Z"),
))
def test_arbitrary_text_raises_only_configuration_error(text: str) -> None:
    try:
        schedule = CronSchedule(text)
    except ConfigurationError:
        return  # any other exception fails the test
    try:
        after = schedule.next_after(START)
    except ConfigurationError:
        return
    assert after > START


@pytest.mark.parametrize("text", ["² * * * * *", "*/² * * * * *", "99999999999.00:00",
                                  "00:00:00", "-00:00:05", "1.2.3:00"])
def test_malformed_schedules_are_configuration_errors(text: str) -> None:
    with pytest.raises(ConfigurationError):
        CronSchedule(text).next_after(START)


def test_interval_schedules_use_the_one_duration_rule() -> None:
    assert CronSchedule("1.00:00").interval == timedelta(days=1)
    assert CronSchedule("00:00:30.5").interval == timedelta(seconds=30.5)
    assert CronSchedule("00:05").interval == timedelta(minutes=5)
