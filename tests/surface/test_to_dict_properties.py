"""Properties of the 2.x ``to_dict()``/``to_json()`` forms: round trips and only our errors."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc import ConversionError

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(
    allow_nan=False, allow_infinity=False)
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12)
ROWS = st.dictionaries(st.text(), JSON, max_size=6)
#: offsets in whole minutes, as every real time zone (and ISO 8601 text) has them; Python's
#: ``fromisoformat`` reads a sub-second offset back as UTC, which no wire value carries.
TIMES = st.datetimes(timezones=st.none() | st.just(timezone.utc)
                     | st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                                 st.integers(-23 * 60, 23 * 60)))
#: anything the 2.x rules convert, nested in JSON containers
CONVERTIBLE = st.recursive(
    JSON_SCALARS | st.binary(max_size=16) | st.builds(bytearray, st.binary(max_size=8)) | TIMES
    | st.timedeltas() | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)


def _bytes_back(value: Any) -> bytes:
    """Invert the body form: UTF-8 text, or the base64 envelope."""
    if isinstance(value, str):
        return value.encode("utf-8")
    assert set(value) == {"__encoding", "value"}
    assert value["__encoding"] == "base64"
    return base64.b64decode(value["value"], validate=True)


@pytest.mark.parametrize("row_type", [func.SqlRow, func.MySqlRow, func.Document])
@given(row=ROWS)
def test_json_rows_round_trip_through_to_dict_and_to_json(row_type: Any, row: dict[str, Any]
                                                          ) -> None:
    value = row_type.from_dict(row)
    assert row_type.from_dict(value.to_dict()) == row
    assert row_type.from_json(value.to_json()) == row


@pytest.mark.parametrize("list_type", [func.SqlRowList, func.MySqlRowList, func.DocumentList])
@given(rows=st.lists(ROWS | st.none(), max_size=4))
def test_row_lists_round_trip(list_type: Any, rows: list[Any]) -> None:
    value = list_type.from_list(rows)
    assert value.to_dict() == rows
    assert list_type.from_list(value.to_dict()) == value
    assert list_type.from_json(value.to_json()) == value


@given(value=CONVERTIBLE)
def test_sql_row_to_dict_is_always_json(value: Any) -> None:
    row = func.SqlRow(v=value)
    assert json.loads(row.to_json()) == row.to_dict()
    assert json.loads(func.SqlRowList([row]).to_json()) == [row.to_dict()]


@given(value=st.sets(st.integers(), min_size=1) | st.builds(object) | st.complex_numbers())
def test_unserialisable_values_raise_only_conversion_error(value: Any) -> None:
    for holder in (func.SqlRow(v=value), func.Document(v=value),
                   func.TimerRequest(schedule={"v": value}),
                   func.InputStream(data=b"", metadata={"v": value}),
                   func.ServiceBusMessage(application_properties={"v": value})):
        with pytest.raises(ConversionError):
            holder.to_json()


@given(body=st.binary(max_size=64), time=TIMES, count=st.none() | st.integers(0, 10**6))
def test_queue_message_to_dict_keeps_body_and_instant(body: bytes, time: datetime,
                                                      count: int | None) -> None:
    msg = func.QueueMessage(body=body, insertion_time=time, dequeue_count=count)
    data = json.loads(msg.to_json())
    assert data == msg.to_dict()
    assert _bytes_back(data["body"]) == body
    assert datetime.fromisoformat(data["insertion_time"]) == msg.insertion_time
    assert data["dequeue_count"] == count


@given(body=st.binary(max_size=64), time=TIMES, ttl=st.none() | st.timedeltas())
def test_service_bus_and_event_hub_to_dict_keep_body_and_time(
    body: bytes, time: datetime, ttl: timedelta | None
) -> None:
    sb = func.ServiceBusMessage(body=body, enqueued_time_utc=time, time_to_live=ttl)
    data = json.loads(sb.to_json())
    assert _bytes_back(data["body"]) == body
    assert datetime.fromisoformat(data["enqueued_time_utc"]) == sb.enqueued_time_utc
    assert data["time_to_live"] == (None if ttl is None else str(ttl))
    ev = func.EventHubEvent(body=body, enqueued_time=time)
    data = json.loads(ev.to_json())
    assert _bytes_back(data["body"]) == body
    assert datetime.fromisoformat(data["enqueued_time"]) == ev.enqueued_time


def test_input_stream_to_dict_leaves_the_content_out_and_works_closed() -> None:
    blob = func.InputStream(data=b"secret", name="c/b")
    blob.close()
    assert blob.to_dict() == {"name": "c/b", "uri": None, "length": 6,
                              "blob_properties": None, "metadata": None}


def test_timer_to_dict_gives_the_raw_schedule_status() -> None:
    last = datetime(2022, 3, 28, 15, 40, tzinfo=timezone.utc)
    timer = func.TimerRequest(past_due=True, schedule_status=func.ScheduleStatus(last=last))
    assert timer.to_dict() == {"past_due": True,
                               "schedule_status": {"Last": "2022-03-28T15:40:00Z"},
                               "schedule": {}}
