"""Event Hubs: wire vectors, cardinality, short metadata arrays, properties, output."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum, datum_from_typed_data
from tests.conftest import VECTORS

REG = func.get_binding_registry()
TRIGGER = REG.require("eventHubTrigger")
OUTPUT = REG.require("eventHub")
UTC = timezone.utc


def _vectors() -> dict[str, Any]:
    return json.loads((VECTORS / "trigger_payloads" / "eventhub.json").read_text())


def _datum(entry: dict[str, Any]) -> Datum:
    """A vector entry in Datum form ({type, value}/value_utf8) or proto-JSON form."""
    if "type" in entry:
        if "value_utf8" in entry:
            return Datum(entry["value_utf8"].encode(), entry["type"])
        return Datum(entry["value"], entry["type"])
    if "collectionBytes" in entry and "bytes_utf8" in entry["collectionBytes"]:
        items = [s.encode() for s in entry["collectionBytes"]["bytes_utf8"]]
        return Datum(items, "collection_bytes")
    return datum_from_typed_data(entry)


def _metadata(raw: dict[str, Any]) -> dict[str, Datum]:
    return {k: _datum(v) for k, v in raw.items()}


# --- wire vectors -------------------------------------------------------------------------


def test_pylib_full_single_metadata_vector() -> None:
    case = _vectors()["pylib_full_single_metadata"]
    event = TRIGGER.decode(
        _datum(case["data"]), trigger_metadata=_metadata(case["trigger_metadata"])
    )
    expected = case["expected"]
    assert isinstance(event, func.EventHubEvent)
    assert event.get_body() == expected["body"].encode()
    assert event.partition_key == expected["partition_key"]
    assert event.iothub_metadata == expected["iothub_metadata"]
    assert event.sequence_number == expected["sequence_number"]
    assert event.offset == expected["offset"]
    assert event.enqueued_time is not None
    assert event.enqueued_time.isoformat() == expected["enqueued_time_isoformat"]
    assert event.system_properties["x-opt-sequence-number"] == 47
    assert event.metadata is not None
    assert event.metadata["PartitionContext"]["ConsumerGroupName"] == "$Default"


def test_python_worker_mock_iot_single_vector() -> None:
    case = _vectors()["python_worker_mock_iot_single"]
    data = datum_from_typed_data(case["input_data"][0]["data"])
    md = _metadata(case["trigger_metadata"])
    event = TRIGGER.decode(data, trigger_metadata=md, pytype=func.EventHubEvent)
    assert event.get_json() == {"id": "foo"}
    assert event.iothub_metadata == {
        "device-id": "mock-iothub-device-id",
        "auth-data": "mock-iothub-auth-data",
    }
    # EnqueuedTimeUtc only inside SystemProperties, 7 fractional digits: still read.
    assert event.enqueued_time == datetime(2020, 2, 18, 21, 28, 42, 588853, tzinfo=UTC)
    # Without an annotation the single-event metadata decides: one event.
    assert isinstance(TRIGGER.decode(data, trigger_metadata=md), func.EventHubEvent)


def test_python_worker_mock_many_vector() -> None:
    case = _vectors()["python_worker_mock_many"]
    data = datum_from_typed_data(case["input_data"][0]["data"])
    md = _metadata(case["trigger_metadata"])
    events = TRIGGER.decode(data, trigger_metadata=md)
    assert isinstance(events, list)
    assert len(events) == 1
    assert events[0].get_json() == {"id": "cardinality_many"}
    assert events[0].iothub_metadata == {
        "device-id": "mock-iothub-device-id",
        "auth-data": "mock-iothub-auth-data",
    }
    assert events[0].enqueued_time == datetime(2020, 2, 18, 21, 28, 42, 588853, tzinfo=UTC)


def test_pylib_many_collection_bytes_vector() -> None:
    case = _vectors()["pylib_many_collection_bytes"]
    md = _metadata(case["trigger_metadata"])
    events = TRIGGER.decode(
        _datum(case["data"]), trigger_metadata=md, pytype=list[func.EventHubEvent]
    )
    assert [e.get_json() for e in events] == [
        {"device-status": "good1"},
        {"device-status": "good2"},
    ]
    assert [e.iothub_metadata for e in events] == [
        {"connection-device-id": "MyTestDevice1"},
        {"connection-device-id": "MyTestDevice2"},
    ]
    # the placeholder times of the vector are not datetimes: None, never an exception
    assert [e.enqueued_time for e in events] == [None, None]


def test_grpc_many_invocation_request() -> None:
    message = json.loads((VECTORS / "grpc" / "eventhub_many_invocation_request.json").read_text())[
        "message"
    ]
    data = datum_from_typed_data(message["inputData"][0]["data"])
    md = {k: datum_from_typed_data(v) for k, v in message["triggerMetadata"].items()}
    events = TRIGGER.decode(data, trigger_metadata=md, pytype=list[func.EventHubEvent])
    assert [e.get_body() for e in events] == [
        b'{"device-status": "good1"}',
        b'{"device-status": "good2"}',
    ]
    assert [e.sequence_number for e in events] == [47, 48]
    assert [e.offset for e in events] == ["3696", "3800"]
    assert [e.partition_key for e in events] == [None, None]
    assert [e.enqueued_time for e in events] == [
        datetime(2020, 7, 14, 1, 27, 55, 627000, tzinfo=UTC),
        datetime(2020, 7, 14, 1, 27, 55, 900000, tzinfo=UTC),
    ]
    assert [e.properties for e in events] == [{}, {}]
    meta = events[1].metadata
    assert meta is not None
    assert meta["PartitionContext"]["EventHubName"] == "myhub"
    assert events[0].partition_context == {
        "FullyQualifiedNamespace": "myns.servicebus.windows.net",
        "EventHubName": "myhub",
        "ConsumerGroup": "$Default",
        "PartitionId": "0",
    }
    assert meta["SequenceNumber"] == 48
    assert "SystemPropertiesArray" not in meta
    assert "OffsetArray" not in meta
    # the batch-wide part is parsed once and shared, not copied per event
    assert events[0]._shared is events[1]._shared


# --- batches without SystemPropertiesArray; short arrays -----------------------------------


def test_short_partition_key_array_is_not_misassigned() -> None:
    md = {
        "PartitionKeyArray": Datum(["k2"], "collection_string"),  # the host dropped a null
        "SequenceNumberArray": Datum([1, 2, 3], "collection_sint64"),
        "OffsetArray": Datum(["10", "20", "30"], "collection_string"),
        "EnqueuedTimeUtcArray": Datum(json.dumps(["2024-01-01T00:00:00"] * 3), "json"),
    }
    events = TRIGGER.decode(Datum([b"a", b"b", b"c"], "collection_bytes"), trigger_metadata=md)
    assert [e.partition_key for e in events] == [None, None, None]
    assert [e.sequence_number for e in events] == [1, 2, 3]
    assert [e.offset for e in events] == ["10", "20", "30"]
    assert all(e.enqueued_time == datetime(2024, 1, 1, tzinfo=UTC) for e in events)


def test_full_partition_key_array_is_used() -> None:
    md = {"PartitionKeyArray": Datum(["a", "b"], "collection_string")}
    events = TRIGGER.decode(Datum(["x", "y"], "collection_string"), trigger_metadata=md)
    assert [e.partition_key for e in events] == ["a", "b"]
    assert [e.get_body() for e in events] == [b"x", b"y"]


def test_system_properties_win_over_arrays() -> None:
    md = {
        "SystemPropertiesArray": Datum(
            json.dumps([{"PartitionKey": "p0", "SequenceNumber": 5}]), "json"
        ),
        "PartitionKeyArray": Datum(["wrong"], "collection_string"),
        "SequenceNumberArray": Datum([99], "collection_sint64"),
    }
    (event,) = TRIGGER.decode(Datum([b"x"], "collection_bytes"), trigger_metadata=md)
    assert (event.partition_key, event.sequence_number) == ("p0", 5)


def test_collection_object_shape_from_the_worker() -> None:
    data = Datum(SimpleNamespace(bytes=[b"1", b"2"]), "collection_bytes")
    events = TRIGGER.decode(data, trigger_metadata={})
    assert [e.get_body() for e in events] == [b"1", b"2"]


# --- cardinality and forms ---------------------------------------------------------------


def test_annotation_one_but_batch_payload_is_a_clear_error() -> None:
    with pytest.raises(func.ConversionError, match="batch"):
        TRIGGER.decode(Datum([b"a"], "collection_bytes"), pytype=func.EventHubEvent)


def test_annotation_many_but_single_payload_is_a_clear_error() -> None:
    md = {"SystemProperties": Datum("{}", "json")}
    with pytest.raises(func.ConversionError, match="single"):
        TRIGGER.decode(Datum(b"a", "bytes"), trigger_metadata=md, pytype=list[func.EventHubEvent])


def test_json_array_body_with_single_annotation_is_one_event() -> None:
    event = TRIGGER.decode(Datum("[1, 2]", "json"), pytype=func.EventHubEvent)
    assert event.get_json() == [1, 2]


def test_json_array_without_annotation_is_a_batch() -> None:
    events = TRIGGER.decode(Datum('[{"a": 1}, "t"]', "json"))
    assert [e.get_body() for e in events] == [b'{"a": 1}', b"t"]


@pytest.mark.parametrize(
    ("pytype", "expected"),
    [(str, "hi"), (bytes, b"hi"), (list[str], ["hi"]), (list[bytes], [b"hi"])],
)
def test_str_and_bytes_forms(pytype: Any, expected: Any) -> None:
    data = (
        Datum(["hi"], "collection_string") if expected.__class__ is list else Datum("hi", "string")
    )
    assert TRIGGER.decode(data, pytype=pytype) == expected


def test_annotation_checks() -> None:
    assert TRIGGER.check_input_type_annotation(func.EventHubEvent)
    assert TRIGGER.check_input_type_annotation(list[func.EventHubEvent])
    assert not TRIGGER.check_input_type_annotation(int)
    assert OUTPUT.check_output_type_annotation(list[str])
    assert not OUTPUT.check_output_type_annotation(int)
    assert TRIGGER.has_trigger_support()
    assert not OUTPUT.has_trigger_support()


def test_unsupported_kind_is_conversion_error() -> None:
    with pytest.raises(func.ConversionError, match="eventHubTrigger"):
        TRIGGER.decode(Datum(1.5, "double"))


# --- the type ------------------------------------------------------------------------------


def test_event_is_keyword_constructible_and_typed() -> None:
    event = func.EventHubEvent()
    assert event.get_body() == b""
    assert event.metadata is None
    assert event.iothub_metadata is None
    naive = func.EventHubEvent(body="x", enqueued_time=datetime(2024, 1, 1))
    assert naive.enqueued_time == datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(func.BodyDecodeError):
        func.EventHubEvent(body=b"\xff").get_json()
    with pytest.raises(TypeError):
        func.EventHubEvent(body=1)  # type: ignore[arg-type]


# --- output --------------------------------------------------------------------------------


def test_output_encodings() -> None:
    assert OUTPUT.encode("x") == Datum("x", "string")
    assert OUTPUT.encode(b"\x00") == Datum(b"\x00", "bytes")
    assert OUTPUT.encode({"a": 1}) == Datum('{"a": 1}', "json")
    assert OUTPUT.encode(func.EventHubEvent(body=b"e")) == Datum(b"e", "bytes")
    assert OUTPUT.encode(None) is None
    with pytest.raises(func.ConversionError):
        OUTPUT.encode([b"\xff"])
    with pytest.raises(func.ConversionError):
        OUTPUT.encode(object())


# --- properties ------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8"), max_size=20)
_json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[bytes], list[dict[str, Any]], dict[str, Datum]]:
    n = draw(st.integers(1, 500))
    bodies = [draw(st.binary(max_size=8)) for _ in range(min(n, 3))] * (n // min(n, 3) + 1)
    bodies = bodies[:n]
    base = datetime(2020, 1, 1, tzinfo=UTC)
    step = draw(st.integers(0, 10**6))
    system = [
        {
            "SequenceNumber": i,
            "Offset": str(i * 10),
            "PartitionKey": None if i % 3 == 0 else f"k{i}",
            "EnqueuedTimeUtc": (base + timedelta(microseconds=step * i)).strftime(
                "%Y-%m-%dT%H:%M:%S.%f"
            ),
            "iothub-connection-device-id": f"d{i}",
        }
        for i in range(n)
    ]
    md = {
        "SystemPropertiesArray": Datum(json.dumps(system), "json"),
        "PropertiesArray": Datum(json.dumps([{"i": i} for i in range(n)]), "json"),
        "PartitionContext": Datum(json.dumps(draw(_json_value)), "json"),
    }
    return bodies, system, md


@settings(max_examples=15)
@given(_batches(), st.sampled_from(["collection_bytes", "json_b64"]))
def test_generated_batches_round_trip(
    batch: tuple[list[bytes], list[dict[str, Any]], dict[str, Datum]], shape: str
) -> None:
    bodies, system, md = batch
    if shape == "collection_bytes":
        data = Datum(bodies, "collection_bytes")
    else:  # the same batch through proto-JSON
        data = datum_from_typed_data(
            {"collectionBytes": {"bytes": [base64.b64encode(b).decode() for b in bodies]}}
        )
    events = TRIGGER.decode(data, trigger_metadata=md, pytype=list[func.EventHubEvent])
    assert [e.get_body() for e in events] == bodies
    assert [e.sequence_number for e in events] == [s["SequenceNumber"] for s in system]
    assert [e.offset for e in events] == [s["Offset"] for s in system]
    assert [e.partition_key for e in events] == [s["PartitionKey"] for s in system]
    assert [e.iothub_metadata for e in events] == [
        {"connection-device-id": f"d{i}"} for i in range(len(bodies))
    ]
    assert [e.properties for e in events] == [{"i": i} for i in range(len(bodies))]
    assert [
        e.enqueued_time.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")
        for e in events
        if e.enqueued_time
    ] == [s["EnqueuedTimeUtc"] for s in system]


@settings(max_examples=40)
@given(
    st.lists(
        st.one_of(_text, st.dictionaries(_text, _json_value, max_size=3)), min_size=1, max_size=20
    )
)
def test_output_round_trips_through_the_trigger(items: list[Any]) -> None:
    datum = OUTPUT.encode(items)
    assert datum is not None
    assert datum.type == "json"
    events = TRIGGER.decode(datum, pytype=list[func.EventHubEvent])
    expected = [i.encode() if isinstance(i, str) else json.dumps(i).encode() for i in items]
    assert [e.get_body() for e in events] == expected


_KINDS = sorted(KINDS)
#: text with lone surrogates too: not encodable, must still give an azfunc error
_wild = st.text(st.characters(categories=["Cs", "Ll", "Nd", "Po"]), max_size=10)
_values = st.one_of(
    _wild,
    st.none(),
    st.binary(max_size=10),
    _text,
    st.integers(),
    st.floats(),
    st.lists(_text, max_size=3),
    st.lists(st.binary(max_size=4), max_size=3),
    st.dictionaries(_text, _text, max_size=2),
)
_datums = st.builds(Datum, _values, st.sampled_from(_KINDS))
_md = st.dictionaries(
    st.sampled_from(
        [
            "SystemProperties",
            "SystemPropertiesArray",
            "PartitionKeyArray",
            "EnqueuedTimeUtc",
            "Offset",
            "SequenceNumber",
            "PropertiesArray",
            "EnqueuedTimeUtcArray",
            "iothub-x",
            "Other",
        ]
    ),
    _datums,
    max_size=4,
)
_pytypes = st.sampled_from(
    [None, func.EventHubEvent, list[func.EventHubEvent], str, bytes, list[str]]
)


@settings(max_examples=150)
@given(_datums, _md, _pytypes)
def test_arbitrary_datums_raise_only_azfunc_errors(
    datum: Datum, md: dict[str, Datum], pytype: Any
) -> None:
    try:
        result = TRIGGER.decode(datum, trigger_metadata=md, pytype=pytype)
    except func.AzFuncError:
        return
    for event in result if isinstance(result, list) else [result]:
        if isinstance(event, func.EventHubEvent):
            _ = (event.enqueued_time, event.metadata, event.iothub_metadata, event.properties)


def test_a_batch_does_not_copy_the_metadata_per_event() -> None:
    import tracemalloc

    n = 1000
    big_context = {f"key{i}": "x" * 40 for i in range(1000)}  # ~50 KB of JSON
    md = {
        "PartitionContext": Datum(json.dumps(big_context), "json"),
        "SystemPropertiesArray": Datum(
            json.dumps([{"SequenceNumber": i} for i in range(n)]), "json"
        ),
    }
    data = Datum([b"x"] * n, "collection_bytes")
    tracemalloc.start()
    try:
        events = TRIGGER.decode(data, trigger_metadata=md, pytype=list[func.EventHubEvent])
        _ = [e.metadata for e in events]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # one copy of the context per event would be ~50 MB; the shared parse is ~0.1 MB
    assert peak < 5_000_000
    assert events[0].metadata is not None
    assert events[-1].metadata is not None
    assert events[0].metadata["PartitionContext"] is events[-1].metadata["PartitionContext"]
    assert events[-1].metadata["SequenceNumber"] == n - 1


@pytest.mark.parametrize("body", [1, 1.5, object(), ["x"]])
def test_a_body_of_the_wrong_type_is_an_argument_type_error(body: object) -> None:
    with pytest.raises(func.ArgumentTypeError, match="EventHubEvent body"):
        func.EventHubEvent(body=body)  # type: ignore[arg-type]
    with pytest.raises(func.ArgumentTypeError, match="KafkaEvent body"):
        func.KafkaEvent(body=body)  # type: ignore[arg-type]
    with pytest.raises(func.ArgumentTypeError, match="ServiceBusMessage body"):
        func.ServiceBusMessage(body=body)  # type: ignore[arg-type]


def test_batch_properties_parsed_on_first_read_and_aligned() -> None:
    # PropertiesArray is parsed once, when some event's properties are first read; each
    # event then gets its own entry (a non-object entry reads as {}), and metadata agrees.
    n = 3
    md = {
        "SequenceNumberArray": Datum([1, 2, 3], "collection_sint64"),
        "PropertiesArray": Datum(json.dumps([{"a": 1}, None, {"c": 3}]), "json"),
    }
    events = TRIGGER.decode(
        Datum([b"x"] * n, "collection_bytes"), trigger_metadata=md,
        pytype=list[func.EventHubEvent],
    )
    assert (events[2].metadata or {})["Properties"] == {"c": 3}
    assert "Properties" not in (events[1].metadata or {})
    assert [e.properties for e in events] == [{"a": 1}, {}, {"c": 3}]
    assert events[0] == func.EventHubEvent(body=b"x", sequence_number=1, properties={"a": 1})


def test_batch_properties_of_wrong_length_are_not_misassigned() -> None:
    md = {"PropertiesArray": Datum(json.dumps([{"a": 1}]), "json")}
    events = TRIGGER.decode(
        Datum([b"x", b"y"], "collection_bytes"), trigger_metadata=md,
        pytype=list[func.EventHubEvent],
    )
    assert [e.properties for e in events] == [{}, {}]
