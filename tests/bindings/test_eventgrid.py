"""Event Grid and CloudEvents: wire vectors, schema choice, annotations, output."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum
from tests.conftest import VECTORS

REG = func.get_binding_registry()
TRIGGER = REG.require("eventGridTrigger")
OUTPUT = REG.require("eventGrid")
UTC = timezone.utc


def _vectors() -> dict[str, Any]:
    return json.loads((VECTORS / "trigger_payloads" / "eventgrid.json").read_text())


def test_pylib_test_event_vector() -> None:
    value = _vectors()["pylib_test_event"]["value"]
    event = TRIGGER.decode(Datum(json.dumps(value), "json"))
    assert isinstance(event, func.EventGridEvent)
    assert event.id == "00010001-0001-0001-0001-000100010001"
    assert event.topic == "/TestTopic/namespaces/test"
    assert event.subject == "eventhubs/test"
    assert event.event_type == "captureFileCreated"
    assert event.event_time == datetime(2017, 7, 14, 23, 10, 27, 768966, tzinfo=UTC)
    assert event.get_json() == value["data"]
    assert event.data_version == ""
    assert event.metadata_version == "1"


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("docs_blob_created_eventgrid_schema", func.EventGridEvent),
        ("docs_blob_created_cloudevents_schema", func.CloudEvent),
        ("docs_custom_topic_2017", func.EventGridEvent),
    ],
)
def test_docs_vectors_one_invocation_per_element(name: str, cls: type) -> None:
    (element,) = _vectors()[name]["value"]
    event = TRIGGER.decode(Datum(json.dumps(element), "json"), pytype=cls)
    assert isinstance(event, cls)
    assert event.get_json() == element["data"]
    assert event.subject == element["subject"]
    # the whole delivery array decodes to a list when asked for one
    events = TRIGGER.decode(Datum(json.dumps([element]), "json"), pytype=list[cls])
    assert [type(e) for e in events] == [cls]


def test_cloudevent_vector_and_extensions() -> None:
    case = _vectors()["cloudevent_v1_from_sdist_1_26_0_test"]
    body = {**case["value"], **case["with_extensions_variant_adds"]}
    event = TRIGGER.decode(Datum(json.dumps(body), "json"), pytype=func.CloudEvent)
    assert event.id == "A234-1234-1234"
    assert event.source == "/mycontext/subcontext"
    assert event.type == "com.example.type"
    assert event.specversion == "1.0"
    assert event.time == datetime(2018, 4, 5, 17, 31, tzinfo=UTC)
    assert event.subject == "mysubject"
    assert event.datacontenttype == "application/json"
    assert event.get_json() == {"key": "value"}
    assert event.extension_attrs == {"customext": "extvalue"}


@pytest.mark.parametrize(
    ("pytype", "check"),
    [
        (dict, lambda v: v == {"id": "1", "data": {"a": 1}}),
        (str, lambda v: json.loads(v) == {"id": "1", "data": {"a": 1}}),
        (bytes, lambda v: json.loads(v) == {"id": "1", "data": {"a": 1}}),
        (func.EventGridEvent | func.CloudEvent, lambda v: isinstance(v, func.EventGridEvent)),
    ],
)
def test_annotation_forms(pytype: Any, check: Any) -> None:
    assert check(TRIGGER.decode(Datum('{"id": "1", "data": {"a": 1}}', "json"), pytype=pytype))


def test_schema_mismatch_and_bad_payloads_are_clear_errors() -> None:
    with pytest.raises(func.ConversionError, match="CloudEvent"):
        TRIGGER.decode(
            Datum('{"specversion": "1.0", "id": "1"}', "json"), pytype=func.EventGridEvent
        )
    with pytest.raises(func.ConversionError, match="not JSON"):
        TRIGGER.decode(Datum("nope", "string"))
    with pytest.raises(func.ConversionError, match="JSON object"):
        TRIGGER.decode(Datum("[1]", "json"))
    with pytest.raises(func.ConversionError, match="list"):
        TRIGGER.decode(Datum("[{}]", "json"), pytype=func.EventGridEvent)
    with pytest.raises(func.ConversionError, match="single"):
        TRIGGER.decode(Datum("{}", "json"), pytype=list[func.EventGridEvent])
    with pytest.raises(func.ConversionError, match="eventGridTrigger"):
        TRIGGER.decode(Datum(1, "int"))


def test_annotation_checks() -> None:
    assert TRIGGER.check_input_type_annotation(func.EventGridEvent)
    assert TRIGGER.check_input_type_annotation(func.CloudEvent | func.EventGridEvent)
    assert not TRIGGER.check_input_type_annotation(int)
    assert OUTPUT.check_output_type_annotation(list[func.EventGridOutputEvent])
    assert OUTPUT.check_output_type_annotation(func.CloudEvent)


def test_cloudevent_binary_data() -> None:
    event = func.CloudEvent(id="1", source="/s", type="t", data_base64="eyJhIjogMX0=")
    assert event.get_body() == b'{"a": 1}'
    assert event.get_json() == {"a": 1}
    with pytest.raises(func.BodyDecodeError):
        func.CloudEvent(data_base64="!!!").get_body()
    assert func.CloudEvent.from_dict(event.to_dict()) == event


def test_types_construct_with_defaults() -> None:
    assert func.EventGridEvent().get_body() == b""
    assert func.EventGridOutputEvent(data="x").get_body() == b"x"
    assert func.CloudEvent().specversion == "1.0"
    naive = func.EventGridOutputEvent(event_time=datetime(2024, 1, 1))
    assert naive.event_time == datetime(2024, 1, 1, tzinfo=UTC)


def test_output_encodings() -> None:
    out = func.EventGridOutputEvent(
        id="1",
        subject="s",
        event_type="t",
        event_time=datetime(2024, 1, 1, tzinfo=UTC),
        data={"a": 1},
        data_version="1.0",
        topic="/topic",
    )
    datum = OUTPUT.encode(out)
    assert datum is not None
    assert json.loads(datum.value) == {
        "id": "1",
        "subject": "s",
        "eventType": "t",
        "eventTime": "2024-01-01T00:00:00Z",
        "data": {"a": 1},
        "dataVersion": "1.0",
        "topic": "/topic",
    }
    assert OUTPUT.encode("x") == Datum("x", "string")
    assert OUTPUT.encode(b"x") == Datum(b"x", "bytes")
    assert OUTPUT.encode(None) is None
    with pytest.raises(func.ConversionError):
        OUTPUT.encode([1])
    with pytest.raises(func.ConversionError):
        OUTPUT.encode(3)
    with pytest.raises(func.ConversionError):
        OUTPUT.encode({"x": object()})


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_times = st.none() | st.datetimes(timezones=st.just(UTC))
_ce_ext_names = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8).filter(
    lambda s: (
        s
        not in {
            "id",
            "source",
            "type",
            "specversion",
            "time",
            "subject",
            "datacontenttype",
            "dataschema",
            "data",
        }
    )
)


@settings(max_examples=60)
@given(
    st.lists(
        st.one_of(
            st.builds(
                func.EventGridEvent,
                id=_text,
                topic=st.none() | _text,
                subject=_text,
                event_type=_text,
                event_time=_times,
                data=_json,
                data_version=_text,
                metadata_version=st.none() | _text,
            ),
            st.builds(
                func.CloudEvent,
                id=_text,
                source=_text,
                type=_text,
                data=_json,
                time=_times,
                subject=st.none() | _text,
                datacontenttype=st.none() | _text,
                extensions=st.dictionaries(_ce_ext_names, _text, max_size=2),
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_output_round_trips_through_the_trigger(events: list[Any]) -> None:
    datum = OUTPUT.encode(events)
    assert datum is not None
    assert TRIGGER.decode(datum, pytype=list[func.EventGridEvent | func.CloudEvent]) == events


#: text with lone surrogates too: not encodable, must still give an azfunc error
_wild = st.text(st.characters(categories=["Cs", "Ll", "Nd", "Po"]), max_size=10)
_values = st.one_of(
    _wild, st.none(), st.binary(max_size=10), _text, st.integers(), st.lists(_text, max_size=3)
)
_datums = st.builds(Datum, _values | _json.map(json.dumps), st.sampled_from(sorted(KINDS)))


@settings(max_examples=150)
@given(
    _datums,
    st.sampled_from([None, func.EventGridEvent, func.CloudEvent, dict, list[func.CloudEvent]]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(datum: Datum, pytype: Any) -> None:
    try:
        result = TRIGGER.decode(datum, pytype=pytype)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    events = (func.EventGridEvent, func.CloudEvent)
    if pytype is None:
        assert result is None or isinstance(result, (*events, dict, list))
    elif pytype == list[func.CloudEvent]:
        assert isinstance(result, list)
        assert all(isinstance(item, func.CloudEvent) for item in result)
    else:
        assert result is None or isinstance(result, pytype)
