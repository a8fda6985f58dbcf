"""Queue, blob and timer factories: real instances carrying exactly the values given."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import testing

UTC = timezone.utc
_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)

# --- queue ---------------------------------------------------------------------------------


def test_queue_message_round_trip() -> None:
    inserted = datetime(2019, 10, 9, 17, 58, 31, tzinfo=UTC)
    msg = testing.queue_message(
        "hello",
        id="800ae4b3",
        dequeue_count=4,
        insertion_time=inserted,
        expiration_time=inserted + timedelta(days=1),
        time_next_visible=inserted + timedelta(minutes=1),
        pop_receipt="AgAAAAMAAAAAAAAA",
    )
    assert isinstance(msg, func.QueueMessage)
    assert msg.get_body() == b"hello"
    assert msg.id == "800ae4b3"
    assert msg.dequeue_count == 4
    assert msg.insertion_time == inserted
    assert msg.expiration_time == inserted + timedelta(days=1)
    assert msg.time_next_visible == inserted + timedelta(minutes=1)
    assert msg.pop_receipt == "AgAAAAMAAAAAAAAA"


def test_queue_message_defaults_are_consistent() -> None:
    before = datetime.now(UTC) - timedelta(seconds=2)
    msg = testing.queue_message(b"\x00\xff")
    assert msg.get_body() == b"\x00\xff"
    assert msg.dequeue_count == 1
    assert msg.id
    assert msg.pop_receipt
    assert msg.insertion_time is not None
    assert msg.insertion_time >= before
    assert msg.expiration_time == msg.insertion_time + timedelta(days=7)
    assert msg.time_next_visible == msg.insertion_time + timedelta(minutes=10)


def test_queue_payload_uses_the_host_kinds() -> None:
    datum, md = testing.queue_message_payload(b"raw", id="1", dequeue_count=2)
    assert datum == func.Datum(b"raw", "bytes")
    assert md["Id"] == func.Datum("1", "string")
    assert md["DequeueCount"] == func.Datum("2", "json")
    assert md["QueueTrigger"] == func.Datum("raw", "string")
    assert {md[k].type for k in ("InsertionTime", "ExpirationTime", "NextVisibleTime")} == {
        "json"
    }
    # Binary that is not text has no QueueTrigger value, as with the host.
    _, md = testing.queue_message_payload(b"\xff")
    assert "QueueTrigger" not in md


def test_queue_json_body() -> None:
    assert testing.queue_message('{"job": 1}').get_json() == {"job": 1}


@pytest.mark.parametrize("body", [None, 12, {"a": 1}, ["x"]])
def test_queue_bad_body(body: Any) -> None:
    with pytest.raises(func.ConversionError, match="queue_message"):
        testing.queue_message(body)


@settings(max_examples=50)
@given(
    body=st.binary(max_size=64) | st.text(max_size=32),
    count=st.integers(0, 2**31),
    inserted=_times,
    ident=st.text(min_size=1, max_size=20),
)
def test_property_queue_round_trip(
    body: bytes | str, count: int, inserted: datetime, ident: str
) -> None:
    msg = testing.queue_message(body, id=ident, dequeue_count=count, insertion_time=inserted)
    expected = body.encode("utf-8") if isinstance(body, str) else body
    assert msg.get_body() == expected
    assert msg.id == ident
    assert msg.dequeue_count == count
    assert msg.insertion_time == inserted


# --- blob ----------------------------------------------------------------------------------


def test_input_stream_round_trip() -> None:
    blob = testing.input_stream(
        b"id,name\n1,ada\n",
        name="samples/people.csv",
        uri="https://acct.blob.core.windows.net/samples/people.csv",
        content_type="text/csv",
        metadata={"owner": "ada"},
    )
    assert isinstance(blob, func.InputStream)
    assert blob.read() == b"id,name\n1,ada\n"
    assert blob.name == "samples/people.csv"
    assert blob.uri == "https://acct.blob.core.windows.net/samples/people.csv"
    assert blob.length == 14
    assert blob.metadata == {"owner": "ada"}
    assert blob.blob_properties is not None
    assert blob.blob_properties["ContentType"] == "text/csv"
    blob.seek(0)
    assert io.TextIOWrapper(blob, encoding="utf-8").readline() == "id,name\n"


def test_input_stream_defaults_and_text() -> None:
    blob = testing.input_stream("héllo")
    assert blob.read() == "héllo".encode()
    assert blob.length == len("héllo".encode())
    assert blob.uri == "http://127.0.0.1:10000/devstoreaccount1/samples-workitems/blob.txt"


def test_input_stream_properties_override() -> None:
    blob = testing.input_stream(b"abc", blob_properties={"ContentLength": 99, "ETag": "0x1"})
    assert blob.length == 99
    assert blob.blob_properties is not None
    assert blob.blob_properties["ETag"] == "0x1"


def test_blob_input_payload_goes_through_the_blob_converter() -> None:
    datum, _ = testing.input_stream_payload(b"body")
    converter = func.get_binding_registry().require("blob")
    stream = converter.decode(datum, pytype=func.InputStream)
    assert stream.read() == b"body"


@settings(max_examples=50)
@given(data=st.binary(max_size=300), name=st.text(min_size=1, max_size=30))
def test_property_blob_round_trip(data: bytes, name: str) -> None:
    blob = testing.input_stream(data, name=name)
    assert blob.read() == data
    assert blob.name == name
    assert blob.length == len(data)


# --- timer ---------------------------------------------------------------------------------


def test_timer_round_trip() -> None:
    last = datetime(2016, 10, 4, 10, 15, tzinfo=UTC)
    following = datetime(2016, 10, 4, 10, 20, tzinfo=UTC)
    updated = datetime(2016, 10, 4, 10, 16, tzinfo=UTC)
    timer = testing.timer_request(
        past_due=True,
        schedule={"AdjustForDST": False},
        last=last,
        next=following,
        last_updated=updated,
    )
    assert isinstance(timer, func.TimerRequest)
    assert timer.past_due is True
    assert timer.schedule_status.last == last
    assert timer.schedule_status.next == following
    assert timer.schedule_status.last_updated == updated
    assert timer.schedule == {"AdjustForDST": False}


def test_timer_defaults() -> None:
    timer = testing.timer_request()
    assert timer.past_due is False
    status = timer.schedule_status
    assert status.last is not None
    assert status.next is not None
    assert status.next - status.last == timedelta(minutes=10)
    assert status.last_updated == status.last


def test_timer_without_monitor_sends_null_status() -> None:
    datum, md = testing.timer_request_payload(monitor=False)
    assert datum.python_value["ScheduleStatus"] is None
    assert md["TimerTrigger"].type == "string"
    assert testing.timer_request(monitor=False).schedule_status.last is None


@settings(max_examples=50)
@given(past_due=st.booleans(), last=_times, gap=st.timedeltas(timedelta(0), timedelta(days=400)))
def test_property_timer_round_trip(past_due: bool, last: datetime, gap: timedelta) -> None:
    timer = testing.timer_request(past_due=past_due, last=last, next=last + gap)
    assert timer.past_due is past_due
    assert timer.schedule_status.last == last
    assert timer.schedule_status.next == last + gap


_anything = st.one_of(
    st.none(),
    st.binary(max_size=8),
    st.text(max_size=8),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.floats() | st.builds(object), max_size=2),
)


@settings(max_examples=60)
@given(body=_anything, extra=_anything)
def test_property_arbitrary_input_raises_only_azfunc_errors(body: Any, extra: Any) -> None:
    mapping = extra if isinstance(extra, dict) else None
    calls = [
        lambda: testing.queue_message(body, id=extra if isinstance(extra, str) else None),
        lambda: testing.input_stream(body),
        lambda: testing.input_stream(b"x", blob_properties=mapping),
        lambda: testing.timer_request(schedule=mapping),
    ]
    kinds = (func.QueueMessage, func.InputStream, func.InputStream, func.TimerRequest)
    for call, kind in zip(calls, kinds, strict=True):
        try:
            value = call()
        except func.AzFuncError:  # the property: nothing but azfunc errors escape
            continue
        assert isinstance(value, kind)
