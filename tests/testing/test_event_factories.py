"""Event Hubs, Service Bus and Event Grid factories: single events, batches, round trips."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import testing

UTC = timezone.utc
WHEN = datetime(2020, 7, 14, 1, 27, 55, 627000, tzinfo=UTC)
_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
_props = st.dictionaries(
    st.text(max_size=8), st.one_of(st.integers(-1000, 1000), st.text(max_size=8)), max_size=3
)

# --- Event Hubs ----------------------------------------------------------------------------


def test_event_hub_event_round_trip() -> None:
    event = testing.event_hub_event(
        b'{"t": 21.5}',
        partition_key="dev-1",
        sequence_number=47,
        offset=3696,
        enqueued_time=WHEN,
        properties={"kind": "reading"},
        system_properties={"iothub-connection-device-id": "awesome-device-id"},
    )
    assert isinstance(event, func.EventHubEvent)
    assert event.get_body() == b'{"t": 21.5}'
    assert event.get_json() == {"t": 21.5}
    assert event.partition_key == "dev-1"
    assert event.sequence_number == 47
    assert event.offset == "3696"
    assert event.enqueued_time == WHEN
    assert event.properties == {"kind": "reading"}
    assert event.iothub_metadata == {"connection-device-id": "awesome-device-id"}


def test_event_hub_text_and_json_bodies() -> None:
    assert testing.event_hub_event("héllo").get_body() == "héllo".encode()
    assert testing.event_hub_event({"a": [1]}).get_json() == {"a": [1]}


def test_event_hub_payload_kinds_follow_the_extension() -> None:
    datum, md = testing.event_hub_event_payload(b"x", sequence_number=3, offset="12")
    assert datum.type == "bytes"
    assert md["SequenceNumber"] == func.Datum("3", "json")
    assert md["Offset"] == func.Datum("12", "json")
    assert "PartitionKey" not in md  # None values are left out, as the host does
    assert md["EnqueuedTimeUtc"].python_value.count("+") == 0  # DateTime: no zone
    assert md["PartitionContext"].python_value["PartitionId"] == "0"


def test_event_hub_batch_of_plain_bodies() -> None:
    events = testing.event_hub_events([b"a", b"b", b"c"])
    assert [e.get_body() for e in events] == [b"a", b"b", b"c"]
    assert [e.sequence_number for e in events] == [0, 1, 2]
    assert [e.offset for e in events] == ["0", "1", "2"]


def test_event_hub_batch_with_per_event_properties() -> None:
    first = testing.event_hub_event_payload(
        b"1", partition_key="k1", sequence_number=10, enqueued_time=WHEN
    )
    second = testing.event_hub_event_payload(
        b"2", sequence_number=11, enqueued_time=WHEN + timedelta(seconds=1),
        properties={"p": 2},
    )
    datum, md = testing.event_hub_events_payload([first, second])
    assert datum == func.Datum([b"1", b"2"], "collection_bytes")
    # the host drops null entries from string collections: one key for two events
    assert md["PartitionKeyArray"] == func.Datum(["k1"], "collection_string")
    assert md["SequenceNumberArray"] == func.Datum([10, 11], "collection_sint64")
    assert md["OffsetArray"] == func.Datum(["0", "0"], "collection_string")
    assert md["PropertiesArray"].python_value == [{}, {"p": 2}]
    assert "PartitionContext" in md
    assert "PartitionContextArray" not in md

    events = testing.event_hub_events([first, second])
    assert [e.sequence_number for e in events] == [10, 11]
    assert [e.enqueued_time for e in events] == [WHEN, WHEN + timedelta(seconds=1)]
    # the per-event SystemProperties carry the keys the short array cannot align
    assert [e.partition_key for e in events] == ["k1", None]
    assert [e.properties for e in events] == [{}, {"p": 2}]


def test_event_hub_batch_body_kinds() -> None:
    assert testing.event_hub_events_payload(["a", "b"])[0].type == "collection_string"
    datum, _ = testing.event_hub_events_payload([{"id": 1}, "x"])
    assert datum == func.Datum('[{"id":1},"x"]', "json")
    assert [e.get_json() for e in testing.event_hub_events([{"id": 1}, {"id": 2}])] == [
        {"id": 1},
        {"id": 2},
    ]
    with pytest.raises(func.ConversionError, match="mixes bytes"):
        testing.event_hub_events_payload([b"a", "b"])


@settings(max_examples=40)
@given(
    body=st.binary(max_size=64),
    key=st.none() | st.text(min_size=1, max_size=10),
    seq=st.integers(0, 2**62),
    when=_times,
    props=_props,
)
def test_property_event_hub_round_trip(
    body: bytes, key: str | None, seq: int, when: datetime, props: dict[str, Any]
) -> None:
    event = testing.event_hub_event(
        body, partition_key=key, sequence_number=seq, enqueued_time=when, properties=props
    )
    assert event.get_body() == body
    assert event.partition_key == key
    assert event.sequence_number == seq
    assert event.enqueued_time == when
    assert event.properties == props


@settings(max_examples=30)
@given(bodies=st.lists(st.binary(max_size=16), max_size=6))
def test_property_event_hub_batch_round_trip(bodies: list[bytes]) -> None:
    events = testing.event_hub_events(bodies)
    assert [e.get_body() for e in events] == bodies


# --- Service Bus ---------------------------------------------------------------------------


def test_service_bus_message_round_trip() -> None:
    msg = testing.service_bus_message(
        {"lucky_number": 23},
        message_id="abcee183",
        content_type="application/json",
        correlation_id="87c66eaf",
        delivery_count=571,
        enqueued_time_utc=WHEN,
        expires_at_utc=WHEN + timedelta(days=1),
        sequence_number=38291,
        lock_token="87931fd2",
        locked_until=WHEN + timedelta(minutes=1),
        session_id="s1",
        partition_key="pk",
        reply_to="r",
        reply_to_session_id="rs",
        subject="orders",
        to="t",
        transaction_partition_key="tpk",
        application_properties={"application": "value"},
        dead_letter_source="dls",
        dead_letter_reason="why",
        dead_letter_error_description="desc",
        enqueued_sequence_number=15,
        scheduled_enqueue_time_utc=WHEN + timedelta(hours=1),
        time_to_live=timedelta(hours=11, minutes=22, seconds=33),
        state=1,
    )
    assert isinstance(msg, func.ServiceBusMessage)
    assert msg.get_json() == {"lucky_number": 23}
    assert msg.message_id == "abcee183"
    assert msg.content_type == "application/json"
    assert msg.correlation_id == "87c66eaf"
    assert msg.delivery_count == 571
    assert msg.enqueued_time_utc == WHEN
    assert msg.expires_at_utc == WHEN + timedelta(days=1)
    assert msg.sequence_number == 38291
    assert msg.lock_token == "87931fd2"
    assert msg.locked_until == WHEN + timedelta(minutes=1)
    assert msg.session_id == "s1"
    assert msg.partition_key == "pk"
    assert msg.reply_to == "r"
    assert msg.reply_to_session_id == "rs"
    assert msg.subject == "orders"
    assert msg.label == "orders"
    assert msg.to == "t"
    assert msg.transaction_partition_key == "tpk"
    assert msg.application_properties == {"application": "value"}
    assert msg.user_properties == {"application": "value"}
    assert msg.dead_letter_source == "dls"
    assert msg.dead_letter_reason == "why"
    assert msg.dead_letter_error_description == "desc"
    assert msg.enqueued_sequence_number == 15
    assert msg.scheduled_enqueue_time_utc == WHEN + timedelta(hours=1)
    assert msg.time_to_live == timedelta(hours=11, minutes=22, seconds=33)
    assert msg.state == 1


def test_service_bus_defaults() -> None:
    msg = testing.service_bus_message(b"hi")
    assert msg.get_body() == b"hi"
    assert msg.delivery_count == 1
    assert msg.message_id
    assert msg.lock_token
    assert msg.enqueued_time_utc is not None
    assert msg.expires_at_utc == msg.enqueued_time_utc + timedelta(days=14)
    assert msg.application_properties == {}


def test_service_bus_unknown_keyword() -> None:
    with pytest.raises(TypeError):
        testing.service_bus_message(b"x", no_such_property=1)  # type: ignore[call-arg]


def test_service_bus_batch() -> None:
    first = testing.service_bus_message_payload(b"a", message_id="m1", session_id="s")
    datum, md = testing.service_bus_messages_payload([first, b"b"])
    assert datum == func.Datum([b"a", b"b"], "collection_bytes")
    assert md["MessageIdArray"].type == "collection_string"
    assert md["SessionIdArray"] == func.Datum(["s"], "collection_string")
    assert md["SequenceNumberArray"] == func.Datum([1, 2], "collection_sint64")
    assert md["DeliveryCountArray"] == func.Datum("[1,1]", "json")
    assert md["UserPropertiesArray"].type == "json"

    messages = testing.service_bus_messages([first, b"b"])
    assert [m.get_body() for m in messages] == [b"a", b"b"]
    assert messages[0].message_id == "m1"
    assert [m.sequence_number for m in messages] == [1, 2]


@settings(max_examples=40)
@given(
    body=st.binary(max_size=64),
    message_id=st.text(min_size=1, max_size=12),
    count=st.integers(1, 2**31),
    when=_times,
    props=_props,
)
def test_property_service_bus_round_trip(
    body: bytes, message_id: str, count: int, when: datetime, props: dict[str, Any]
) -> None:
    msg = testing.service_bus_message(
        body,
        message_id=message_id,
        delivery_count=count,
        enqueued_time_utc=when,
        application_properties=props,
    )
    assert msg.get_body() == body
    assert msg.message_id == message_id
    assert msg.delivery_count == count
    assert msg.enqueued_time_utc == when
    assert msg.application_properties == props


# --- Event Grid ----------------------------------------------------------------------------


def test_event_grid_event_round_trip() -> None:
    event = testing.event_grid_event(
        {"fileUrl": "https://x/y.txt", "sizeInBytes": 0},
        id="00010001",
        subject="eventhubs/test",
        event_type="captureFileCreated",
        topic="/TestTopic/namespaces/test",
        event_time=WHEN,
        data_version="",
        metadata_version="1",
    )
    assert isinstance(event, func.EventGridEvent)
    assert event.get_json() == {"fileUrl": "https://x/y.txt", "sizeInBytes": 0}
    assert event.id == "00010001"
    assert event.subject == "eventhubs/test"
    assert event.event_type == "captureFileCreated"
    assert event.topic == "/TestTopic/namespaces/test"
    assert event.event_time == WHEN
    assert event.data_version == ""
    assert event.metadata_version == "1"


def test_event_grid_payload_has_data_metadata() -> None:
    datum, md = testing.event_grid_event_payload({"k": 1})
    assert datum.type == "json"
    assert md["data"].python_value == {"k": 1}
    _, md = testing.event_grid_event_payload(None)
    assert "data" not in md


def test_cloud_event_round_trip() -> None:
    event = testing.cloud_event(
        {"key": "value"},
        id="A234-1234-1234",
        source="/mycontext/subcontext",
        type="com.example.type",
        subject="mysubject",
        time=WHEN,
        dataschema="https://schema",
        extensions={"customext": "extvalue"},
    )
    assert isinstance(event, func.CloudEvent)
    assert event.get_json() == {"key": "value"}
    assert event.id == "A234-1234-1234"
    assert event.source == "/mycontext/subcontext"
    assert event.type == "com.example.type"
    assert event.subject == "mysubject"
    assert event.time == WHEN
    assert event.datacontenttype == "application/json"
    assert event.dataschema == "https://schema"
    assert event.specversion == "1.0"
    assert event.extension_attrs == {"customext": "extvalue"}


@settings(max_examples=40)
@given(
    data=st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=6), max_size=4),
    subject=st.text(max_size=20),
    when=_times,
)
def test_property_event_grid_round_trip(
    data: dict[str, Any], subject: str, when: datetime
) -> None:
    event = testing.event_grid_event(data, subject=subject, event_time=when)
    assert event.get_json() == data
    assert event.subject == subject
    assert event.event_time == when
    cloud = testing.cloud_event(data, subject=subject or None, time=when)
    assert cloud.get_json() == data
    assert cloud.time == when


@settings(max_examples=60)
@given(
    body=st.one_of(
        st.none(), st.binary(max_size=8), st.text(max_size=8), st.integers(), st.floats(),
        st.sets(st.integers(), max_size=2), st.builds(object),
    )
)
def test_property_arbitrary_bodies_raise_only_azfunc_errors(body: Any) -> None:
    for factory in (testing.event_hub_event, testing.service_bus_message,
                    testing.event_grid_event, testing.cloud_event):
        try:
            event = factory(body)
        except func.AzFuncError:  # the property: nothing but azfunc errors escape
            continue
        assert isinstance(event.get_body(), bytes)
