"""The tolerant datetime/duration parser: every accepted shape, and never an exception."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azfunc import ConfigurationError, ConversionError
from azfunc._timeparse import (
    duration_setting,
    format_datetime,
    format_duration,
    parse_datetime,
    parse_duration,
)

UTC = timezone.utc


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


DATETIME_CASES = [
    ("2021-12-12T03:16:34Z", utc(2021, 12, 12, 3, 16, 34)),
    ("2022-1-12T03:16:34Z", utc(2022, 1, 12, 3, 16, 34)),
    ("2022-2-12T3:6:4Z", utc(2022, 2, 12, 3, 6, 4)),
    ("2019-10-16T17:58:31+00:00", utc(2019, 10, 16, 17, 58, 31)),
    ("2019-10-16T17:58:31-00:00", utc(2019, 10, 16, 17, 58, 31)),
    ("2022-03-28T15:40:00.0105419-05:00", utc(2022, 3, 28, 20, 40, 0, 10541)),
    ("2022-03-28T15:45:00-05:00", utc(2022, 3, 28, 20, 45)),
    ("2022-03-28T15:45:00+05:30", utc(2022, 3, 28, 10, 15)),
    ("2022-03-28T15:45:00+0530", utc(2022, 3, 28, 10, 15)),
    ("2022-03-28T15:45:00+05", utc(2022, 3, 28, 10, 45)),
    ("2022-03-28T15:45:00", utc(2022, 3, 28, 15, 45)),
    ("2022-03-28 15:45:00", utc(2022, 3, 28, 15, 45)),
    ("2022-03-28 15:45:00 +01:00", utc(2022, 3, 28, 14, 45)),
    ("2022-03-28T15:45", utc(2022, 3, 28, 15, 45)),
    ("2022-03-28", utc(2022, 3, 28)),
    ("2022-03-28T15:45:00.1Z", utc(2022, 3, 28, 15, 45, 0, 100000)),
    ("2022-03-28T15:45:00.123456789Z", utc(2022, 3, 28, 15, 45, 0, 123456)),
    ("2022-03-28T15:45:00,5Z", utc(2022, 3, 28, 15, 45, 0, 500000)),
    ("2022-03-28T24:00:00Z", utc(2022, 3, 29)),
    ("  2022-03-28T15:45:00Z  ", utc(2022, 3, 28, 15, 45)),
    ("2018-08-07T23:17:57.461050Z", utc(2018, 8, 7, 23, 17, 57, 461050)),
    ("03/28/2022 15:45:00", utc(2022, 3, 28, 15, 45)),
    ("3/28/2022 3:45:00 PM", utc(2022, 3, 28, 15, 45)),
    ("3/28/2022 3:45:00 AM", utc(2022, 3, 28, 3, 45)),
    ("3/28/2022 12:00:00 AM", utc(2022, 3, 28, 0, 0)),
    ("3/28/2022 12:30:00 PM", utc(2022, 3, 28, 12, 30)),
    ("03/28/2022 15:45:00 +02:00", utc(2022, 3, 28, 13, 45)),
    ("03/28/2022 15:45:00Z", utc(2022, 3, 28, 15, 45)),
    ("03/28/2022 15:45:00.25", utc(2022, 3, 28, 15, 45, 0, 250000)),
    ("03/28/2022", utc(2022, 3, 28)),
    # rarer shapes through the dateutil fallback
    ("Mon, 28 Mar 2022 15:45:00 GMT", utc(2022, 3, 28, 15, 45)),
    ("2022-W13-1", utc(2022, 3, 28)),
]


@pytest.mark.parametrize(("text", "expected"), DATETIME_CASES)
def test_parse_datetime_accepts(text: str, expected: datetime) -> None:
    got = parse_datetime(text)
    assert got == expected
    assert got is not None
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a date",
        "2022-13-01T00:00:00Z",
        "2022-02-30T00:00:00Z",
        "2022-03-28T25:00:00Z",
        "2022-03-28T15:45:00+24:00",
        "3/28/2022 13:00:00 PM",
        "0001-01-01T00:00:00+01:00",  # before datetime.min in UTC
        "9999-12-31T23:59:59-01:00",  # after datetime.max in UTC
        "Mar 28 2022 10:00 EST",  # unknown zone name: refused, not guessed
        '"2019-10-16T17:58:31+00:00"',
        "12345",
    ],
)
def test_parse_datetime_refuses(text: str) -> None:
    assert parse_datetime(text) is None


def test_parse_datetime_other_types() -> None:
    naive = datetime(2022, 3, 28, 15, 45)
    assert parse_datetime(naive) == utc(2022, 3, 28, 15, 45)
    plus2 = datetime(2022, 3, 28, 15, 45, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime(plus2) == utc(2022, 3, 28, 13, 45)
    assert parse_datetime(date(2022, 3, 28)) == utc(2022, 3, 28)
    assert parse_datetime(0) == utc(1970, 1, 1)
    assert parse_datetime(1.5) == utc(1970, 1, 1, 0, 0, 1, 500000)
    bads: list[object] = [None, True, float("nan"), float("inf"), 1e300, b"2022-03-28", [], {}]
    for bad in bads:
        assert parse_datetime(bad) is None


def test_common_forms_do_not_import_dateutil() -> None:
    code = (
        "import sys\n"
        "from azfunc._timeparse import parse_datetime, parse_duration\n"
        "for s in ['2019-10-16T17:58:31+00:00', '2022-1-12T03:16:34Z',\n"
        "          '2022-03-28T15:40:00.0105419-05:00', '3/28/2022 3:45:00 PM',\n"
        "          '03/28/2022 15:45:00 +02:00', '2022-03-28 15:45:00']:\n"
        "    assert parse_datetime(s) is not None, s\n"
        "assert parse_duration('1.02:03:04.5') is not None\n"
        "assert parse_duration('PT5M') is not None\n"
        "assert 'dateutil' not in sys.modules, 'dateutil imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --- property tests -----------------------------------------------------------------------

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(9998, 12, 30), timezones=offsets
)


def _offset_text(dt: datetime) -> str:
    offset = dt.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _dotnet_12h(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    tt = "PM" if dt.hour >= 12 else "AM"
    return f"{dt.month}/{dt.day}/{dt.year} {hour}:{dt.minute:02d}:{dt.second:02d} {tt}"


RENDERINGS: dict[str, tuple[Callable[[datetime], str], bool]] = {
    # name: (render, keeps microseconds)
    "iso-offset": (lambda d: d.isoformat(), True),
    "iso-Z": (
        lambda d: d.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z",
        True,
    ),
    "iso-7-digits": (
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f") + "9" + _offset_text(d),
        True,
    ),
    "iso-no-offset": (
        lambda d: d.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "),
        True,
    ),
    "iso-unpadded": (
        lambda d: (
            f"{d.year:04d}-{d.month}-{d.day}T{d.hour}:{d.minute}:{d.second}"
            + _offset_text(d).replace(":", "")
        ),
        False,
    ),
    "dotnet-24h": (lambda d: d.strftime("%m/%d/%Y %H:%M:%S ") + _offset_text(d), False),
    "dotnet-12h": (lambda d: _dotnet_12h(d) + " " + _offset_text(d), False),
    "dotnet-12h-utc": (lambda d: _dotnet_12h(d.astimezone(UTC)), False),
}


@pytest.mark.parametrize("form", sorted(RENDERINGS))
@settings(max_examples=60)
@given(dt=aware)
def test_rendered_datetimes_round_trip(form: str, dt: datetime) -> None:
    render, keeps_micro = RENDERINGS[form]
    expected = dt if keeps_micro else dt.replace(microsecond=0)
    got = parse_datetime(render(dt))
    assert got == expected
    assert got is not None
    assert got.utcoffset() == timedelta(0)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(text: str) -> None:
    got = parse_datetime(text)
    assert got is None or (isinstance(got, datetime) and got.tzinfo is UTC)
    span = parse_duration(text)
    assert span is None or isinstance(span, timedelta)


@settings(max_examples=200)
@given(
    st.from_regex(
        r"\A[0-9]{1,4}[-/][0-9]{1,2}[-/][0-9]{1,4}[T ]?[0-9]{0,2}:?[0-9]{0,2}:?[0-9]{0,2}"
        r"(\.[0-9]{0,9})? ?([AP]M)? ?(Z|[+-][0-9]{1,2}:?[0-9]{0,2})?\Z"
    )
)
def test_near_miss_text_never_raises(text: str) -> None:
    got = parse_datetime(text)
    assert got is None or got.tzinfo is UTC


@settings(max_examples=100)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.binary(max_size=10),
        st.lists(st.integers(), max_size=2),
    )
)
def test_arbitrary_objects_never_raise(value: object) -> None:
    got = parse_datetime(value)
    assert got is None or got.tzinfo is UTC
    assert parse_duration(value) is None or isinstance(parse_duration(value), timedelta)


@settings(max_examples=100)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_format_datetime_round_trips(dt: datetime) -> None:
    text = format_datetime(dt)
    assert text.endswith("Z")
    assert parse_datetime(text) == dt.replace(tzinfo=UTC)


def test_format_datetime_converts_to_utc_and_rejects_non_datetimes() -> None:
    minus5 = timezone(timedelta(hours=-5))
    assert format_datetime(datetime(2022, 3, 28, 15, 40, 0, 10541, tzinfo=minus5)) == (
        "2022-03-28T20:40:00.010541Z"
    )
    with pytest.raises(ConversionError):
        format_datetime("2022-03-28")  # type: ignore[arg-type]


# --- durations ------------------------------------------------------------------------------

DURATION_CASES = [
    ("00:00:05", timedelta(seconds=5)),
    ("01:02:03", timedelta(hours=1, minutes=2, seconds=3)),
    ("1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("1.02:03:04.5", timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
    ("1.02:03:04.1234567", timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=123456)),
    ("1:02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("-00:00:05", timedelta(seconds=-5)),
    ("-1.00:00:00", timedelta(days=-1)),
    ("12:34", timedelta(hours=12, minutes=34)),
    ("36:00:00", timedelta(hours=36)),
    ("PT5M", timedelta(minutes=5)),
    ("PT1M30S", timedelta(seconds=90)),
    ("P1DT2H", timedelta(days=1, hours=2)),
    ("P2W", timedelta(weeks=2)),
    ("P1Y", timedelta(days=365)),
    ("P1M", timedelta(days=30)),
    ("PT0.5S", timedelta(seconds=0.5)),
    ("-PT5S", timedelta(seconds=-5)),
    ("90", timedelta(seconds=90)),
    ("1.5", timedelta(seconds=1.5)),
    (" 42 ", timedelta(seconds=42)),
]


@pytest.mark.parametrize(("text", "expected"), DURATION_CASES)
def test_parse_duration_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "P", "PT", "P1DT", "00:60:00", "00:00:60", "1.24:00:00", "1e400", "::"]
)
def test_parse_duration_refuses(text: str) -> None:
    assert parse_duration(text) is None


def test_parse_duration_numbers() -> None:
    assert parse_duration(90) == timedelta(seconds=90)
    assert parse_duration(0.25) == timedelta(seconds=0.25)
    assert parse_duration(timedelta(hours=1)) == timedelta(hours=1)
    for bad in (True, None, float("nan"), 1e300, b"00:00:05"):
        assert parse_duration(bad) is None


def _dotnet_timespan(td: timedelta) -> str:
    sign = "-" if td < timedelta(0) else ""
    td = abs(td)
    hours, rest = divmod(td.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{td.days}.{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{td.microseconds:06d}0" if td.microseconds else "")


def _iso_duration(td: timedelta) -> str:
    sign = "-" if td < timedelta(0) else ""
    td = abs(td)
    return f"{sign}P{td.days}DT{td.seconds}S"


@settings(max_examples=100)
@given(st.timedeltas(min_value=timedelta(days=-99999), max_value=timedelta(days=99999)))
def test_duration_renderings_round_trip(td: timedelta) -> None:
    assert parse_duration(_dotnet_timespan(td)) == td
    whole = timedelta(days=td.days, seconds=td.seconds) if td >= timedelta(0) else -abs(td)
    whole = timedelta(seconds=int(whole.total_seconds()))
    assert parse_duration(_iso_duration(whole)) == whole
    assert parse_duration(str(int(whole.total_seconds()))) == whole


def _iso_exact(td: timedelta) -> str:
    sign = "-" if td < timedelta(0) else ""
    td = abs(td)
    fraction = f".{td.microseconds:06d}" if td.microseconds else ""
    return f"{sign}P{td.days}DT{td.seconds}{fraction}S"


def _seconds_exact(td: timedelta) -> str:
    sign = "-" if td < timedelta(0) else ""
    td = abs(td)
    return f"{sign}{td.days * 86400 + td.seconds}.{td.microseconds:06d}"


@settings(max_examples=200)
@given(st.timedeltas(min_value=timedelta(days=-99999), max_value=timedelta(days=99999)))
def test_every_form_round_trips_through_one_formatter(td: timedelta) -> None:
    canonical = format_duration(td)
    assert parse_duration(canonical) == td
    for form in (canonical, _iso_exact(td), _seconds_exact(td), _dotnet_timespan(td)):
        parsed = parse_duration(form)
        assert parsed == td, form
        assert format_duration(parsed) == canonical


def test_format_duration_shapes() -> None:
    assert format_duration(timedelta(0)) == "00:00:00"
    assert format_duration(timedelta(days=2, microseconds=1)) == "2.00:00:00.0000010"
    with pytest.raises(ConversionError):
        format_duration(5)  # type: ignore[arg-type]


def test_numbers_are_seconds_everywhere() -> None:
    assert parse_duration(250) == timedelta(seconds=250)
    assert parse_duration("250") == timedelta(seconds=250)
    assert duration_setting(250, "x") == timedelta(seconds=250)
    assert parse_duration("1.02:03") == timedelta(days=1, hours=2, minutes=3)
    assert parse_duration("0.000001") == timedelta(microseconds=1)


@pytest.mark.parametrize("value", ["soon", "99999999999.00:00", True, None, "-00:00:01", [1]])
def test_duration_setting_names_the_setting(value: object) -> None:
    with pytest.raises(ConfigurationError, match=r"^host\.json functionTimeout: "):
        duration_setting(value, "host.json functionTimeout")


@settings(max_examples=300)
@given(st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A-?[0-9]{1,14}[.:][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3}(\.[0-9]{0,9})?)?\Z"),
    st.from_regex(r"\A-?P([0-9.]{1,12}[YMWD])*(T([0-9.,]{1,12}[HMS])*)?\Z"),
))
def test_settings_give_a_duration_or_a_configuration_error(text: str) -> None:
    parsed = parse_duration(text)
    if parsed is None or parsed < timedelta(0):
        with pytest.raises(ConfigurationError, match=r"^setting: "):
            duration_setting(text, "setting")
    else:
        assert duration_setting(text, "setting") == parsed
