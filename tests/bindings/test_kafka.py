"""Kafka: single records, batches with short arrays, forms, output."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum

REG = func.get_binding_registry()
TRIGGER = REG.require("kafkaTrigger")
OUTPUT = REG.require("kafka")
UTC = timezone.utc

HEADERS = [{"Key": "test", "Value": "cHl0aG9u"}]


def test_single_record_metadata() -> None:
    md = {
        "Key": Datum("k1", "string"),
        "Offset": Datum("42", "json"),
        "Partition": Datum("3", "json"),
        "Topic": Datum("orders", "string"),
        "Timestamp": Datum('"2022-04-09T03:20:06.591Z"', "json"),
        "Headers": Datum(json.dumps(HEADERS), "json"),
    }
    event = TRIGGER.decode(Datum('{"v": 1}', "string"), trigger_metadata=md)
    assert isinstance(event, func.KafkaEvent)
    assert event.get_json() == {"v": 1}
    assert (event.key, event.offset, event.partition, event.topic) == ("k1", 42, 3, "orders")
    assert event.timestamp == "2022-04-09T03:20:06.591Z"
    assert event.timestamp_utc == datetime(2022, 4, 9, 3, 20, 6, 591000, tzinfo=UTC)
    assert event.headers == HEADERS
    assert event.metadata is not None
    assert event.metadata["Topic"] == "orders"


def test_batch_with_arrays_in_pylib_kinds() -> None:
    md = {
        "KeyArray": Datum(json.dumps(["a", None]), "json"),
        "OffsetArray": Datum([1, 2], "collection_sint64"),
        "PartitionArray": Datum(json.dumps([0, 1]), "json"),
        "TopicArray": Datum(["t1"], "collection_string"),  # short: a null was dropped
        "TimestampArray": Datum(
            json.dumps(["2022-01-01T00:00:00Z", "2022-01-02T00:00:00Z"]), "json"
        ),
        "HeadersArray": Datum(json.dumps([HEADERS, []]), "json"),
    }
    events = TRIGGER.decode(Datum([b"x", b"y"], "collection_bytes"), trigger_metadata=md)
    assert [e.get_body() for e in events] == [b"x", b"y"]
    assert [e.key for e in events] == ["a", None]
    assert [e.offset for e in events] == [1, 2]
    assert [e.partition for e in events] == [0, 1]
    assert [e.topic for e in events] == [None, None]
    assert [e.headers for e in events] == [HEADERS, []]
    assert events[1].timestamp_utc == datetime(2022, 1, 2, tzinfo=UTC)
    meta = events[0].metadata
    assert meta is not None
    assert meta["Offset"] == 1
    assert "OffsetArray" not in meta


def test_forms_and_cardinality() -> None:
    assert TRIGGER.decode(Datum(["a", "b"], "collection_string"), pytype=list[str]) == ["a", "b"]
    assert TRIGGER.decode(Datum(b"a", "bytes"), pytype=bytes) == b"a"
    with pytest.raises(func.ConversionError, match="batch"):
        TRIGGER.decode(Datum(["a"], "collection_string"), pytype=func.KafkaEvent)
    with pytest.raises(func.ConversionError):
        TRIGGER.decode(Datum(1, "int"))
    assert TRIGGER.check_input_type_annotation(list[func.KafkaEvent])
    assert not TRIGGER.check_input_type_annotation(int)


def test_event_construction() -> None:
    event = func.KafkaEvent()
    assert event.get_body() == b""
    assert event.metadata is None
    assert event.timestamp_utc is None
    with pytest.raises(TypeError):
        func.KafkaEvent(body=1)  # type: ignore[arg-type]


def test_output() -> None:
    assert OUTPUT.encode("v") == Datum("v", "string")
    assert OUTPUT.encode(b"\x00") == Datum(b"\x00", "bytes")
    datum = OUTPUT.encode(func.KafkaEvent(body="v", key="k", headers=[{"Key": "h", "Value": "x"}]))
    assert datum is not None
    assert json.loads(datum.value) == {
        "Key": "k",
        "Value": "v",
        "Headers": [{"Key": "h", "Value": "x"}],
    }
    many = OUTPUT.encode(["a", func.KafkaEvent(body="b")])
    assert many is not None
    assert json.loads(many.value) == ["a", {"Value": "b"}]
    assert OUTPUT.encode(None) is None
    with pytest.raises(func.ConversionError):
        OUTPUT.encode(func.KafkaEvent(body=b"\xff"))
    with pytest.raises(func.ConversionError):
        OUTPUT.encode(3)
    assert OUTPUT.check_output_type_annotation(list[func.KafkaEvent])


_text = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=50)
@given(
    st.lists(
        st.builds(func.KafkaEvent, body=_text, key=st.none() | _text), min_size=1, max_size=20
    )
)
def test_output_round_trips(events: list[func.KafkaEvent]) -> None:
    datum = OUTPUT.encode(events)
    assert datum is not None
    back = [
        func.KafkaEvent(body=d["Value"], key=d.get("Key"), headers=d.get("Headers"))
        for d in json.loads(datum.value)
    ]
    assert back == events


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[bytes], dict[str, Datum], list[str | None]]:
    n = draw(st.integers(1, 500))
    keys = [draw(st.none() | st.just(f"k{i}")) if i < 3 else f"k{i}" for i in range(n)]
    md = {
        "OffsetArray": Datum(list(range(n)), "collection_sint64"),
        "KeyArray": Datum([k for k in keys if k is not None], "collection_string"),
        "PartitionArray": Datum(json.dumps([i % 4 for i in range(n)]), "json"),
    }
    return [str(i).encode() for i in range(n)], md, keys


@settings(max_examples=15)
@given(_batches())
def test_generated_batches(batch: tuple[list[bytes], dict[str, Datum], list[str | None]]) -> None:
    bodies, md, keys = batch
    events = TRIGGER.decode(
        Datum(bodies, "collection_bytes"), trigger_metadata=md, pytype=list[func.KafkaEvent]
    )
    assert [e.get_body() for e in events] == bodies
    assert [e.offset for e in events] == list(range(len(bodies)))
    assert [e.partition for e in events] == [i % 4 for i in range(len(bodies))]
    assert [e.key for e in events] == (keys if None not in keys else [None] * len(keys))


_wild = st.text(st.characters(categories=["Cs", "Ll", "Nd"]), max_size=8)
_datums = st.builds(
    Datum,
    st.one_of(
        st.none(), _wild, st.binary(max_size=8), _text, st.integers(), st.lists(_text, max_size=3)
    ),
    st.sampled_from(sorted(KINDS)),
)


@settings(max_examples=150)
@given(
    _datums,
    st.dictionaries(
        st.sampled_from(["Offset", "KeyArray", "HeadersArray", "Headers", "Topic"]),
        _datums,
        max_size=3,
    ),
    st.sampled_from([None, func.KafkaEvent, list[func.KafkaEvent], str]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(
    datum: Datum, md: dict[str, Datum], pytype: Any
) -> None:
    try:
        result = TRIGGER.decode(datum, trigger_metadata=md, pytype=pytype)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    if pytype is str:
        assert isinstance(result, (str, list))
    elif pytype is func.KafkaEvent:
        assert isinstance(result, func.KafkaEvent)
        assert isinstance(result.get_body(), bytes)
    else:
        events = result if isinstance(result, list) else [result]
        assert all(isinstance(ev, func.KafkaEvent) for ev in events)
        assert all(isinstance(ev.get_body(), bytes) for ev in events)
