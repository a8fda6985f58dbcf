"""Service Bus: wire vectors, every property, batches with short arrays, output shapes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum, datum_from_typed_data
from tests.conftest import VECTORS

REG = func.get_binding_registry()
TRIGGER = REG.require("serviceBusTrigger")
OUTPUT = REG.require("serviceBus")
UTC = timezone.utc


def _vectors() -> dict[str, Any]:
    return json.loads((VECTORS / "trigger_payloads" / "servicebus.json").read_text())


def _datum_form(raw: dict[str, Any]) -> dict[str, Datum]:
    return {k: Datum(v["value"], v["type"]) for k, v in raw.items()}


def test_pylib_single_trigger_metadata_vector() -> None:
    case = _vectors()["pylib_single_trigger_metadata"]
    md = _datum_form(case["trigger_metadata"])
    msg = TRIGGER.decode(Datum(case["data"]["value"], case["data"]["type"]), trigger_metadata=md)
    expected = case["expected_subset"]
    assert isinstance(msg, func.ServiceBusMessage)
    assert msg.get_json() == {"lucky_number": 23}
    assert msg.message_id == expected["message_id"]
    assert msg.content_type == expected["content_type"]
    assert msg.delivery_count == expected["delivery_count"]
    assert msg.time_to_live == timedelta(seconds=expected["time_to_live_seconds"])
    assert msg.user_properties == expected["user_properties"]
    assert msg.application_properties == expected["application_properties"]
    # every other field of the vector
    when = datetime(2020, 6, 18, 5, 39, 12, 123456, tzinfo=UTC)
    assert msg.enqueued_time_utc == when
    assert msg.expires_at_utc == when
    assert msg.expiration_time == when
    assert msg.locked_until == when
    assert msg.scheduled_enqueue_time_utc == when
    assert msg.scheduled_enqueue_time == when
    assert msg.correlation_id == "87c66eaf88e84119b66a26278a7b4149"
    assert msg.dead_letter_error_description == "mocked_dead_letter_error_description"
    assert msg.dead_letter_reason == "mocked_dead_letter_reason"
    assert msg.dead_letter_source == "mocked_dead_letter_source"
    assert msg.enqueued_sequence_number == 15
    assert msg.label == "mocked_label"
    assert msg.subject == "mocked_subject"
    assert msg.lock_token == "87931fd2-39f4-415a-9fdc-adfdcbed3148"
    assert msg.partition_key == "mocked_partition_key"
    assert msg.reply_to == "mocked_reply_to"
    assert msg.reply_to_session_id == "mocked_reply_to_session_id"
    assert msg.sequence_number == 38291
    assert msg.session_id == "mocked_session_id"
    assert msg.state == 1
    assert msg.to == "mocked_to"
    assert msg.transaction_partition_key == "mocked_transaction_partition_key"
    assert msg.metadata is not None
    assert msg.metadata["MessageReceiver"]["Path"] == "testqueue"


def test_wire_form_derived_single_vector() -> None:
    case = _vectors()["wire_form_derived_single"]
    data = datum_from_typed_data(case["input_data"][0]["data"])
    md = {k: datum_from_typed_data(v) for k, v in case["trigger_metadata"].items()}
    msg = TRIGGER.decode(data, trigger_metadata=md, pytype=func.ServiceBusMessage)
    assert msg.get_json() == {"lucky_number": 23}
    assert msg.delivery_count == 1
    assert msg.sequence_number == 38291
    assert msg.expires_at_utc == datetime(2024, 1, 15, 10, 0, 0, 123000, tzinfo=UTC)
    assert msg.enqueued_time_utc == datetime(2024, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert msg.application_properties == {"application": "value"}
    assert msg.lock_token == "87931fd2-39f4-415a-9fdc-adfdcbed3148"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-01T10:00:00.1234567+02:00", datetime(2024, 1, 1, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T10:00:00.1234567", datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T10:00:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("01/15/2024 10:00:00", datetime(2024, 1, 15, 10, tzinfo=UTC)),
        ("not a time", None),
    ],
)
def test_service_bus_times_parse(raw: str, expected: datetime | None) -> None:
    md = {"EnqueuedTimeUtc": Datum(json.dumps(raw), "json"), "MessageId": Datum("m", "string")}
    assert TRIGGER.decode(Datum("x", "string"), trigger_metadata=md).enqueued_time_utc == expected


def test_many_array_kinds_vector_and_short_arrays() -> None:
    kinds = _vectors()["pylib_many_array_kinds"]
    n = 3
    md: dict[str, Datum] = {}
    for key in kinds["collection_string"]:
        md[key] = Datum([f"{key}-{i}" for i in range(n)], "collection_string")
    md["SessionIdArray"] = Datum(["only-one"], "collection_string")  # nulls dropped
    md["TimeToLiveArray"] = Datum(["00:00:01", "00:00:02", "00:00:03"], "collection_string")
    md["ScheduledEnqueueTimeUtcArray"] = Datum(
        [f"2024-01-01T00:00:0{i}" for i in range(n)], "collection_string"
    )
    for key in kinds["collection_sint64"]:
        md[key] = Datum(list(range(10, 10 + n)), "collection_sint64")
    md["ApplicationPropertiesArray"] = Datum(json.dumps([{"i": i} for i in range(n)]), "json")
    md["UserPropertiesArray"] = Datum(json.dumps([{"i": i} for i in range(n)]), "json")
    md["EnqueuedTimeUtcArray"] = Datum(json.dumps(["2024-01-01T00:00:00.1234567"] * n), "json")
    md["ExpiresAtUtcArray"] = Datum(json.dumps(["bad"] * n), "json")
    md["LockedUntilArray"] = Datum(json.dumps(["2024-01-01T00:00:00+01:00"] * n), "json")
    md["DeliveryCountArray"] = Datum(json.dumps([1, 2, 3]), "json")
    data = Datum(['{"n": 0}', '{"n": 1}', '{"n": 2}'], "collection_string")
    msgs = TRIGGER.decode(data, trigger_metadata=md, pytype=list[func.ServiceBusMessage])
    assert [m.get_json() for m in msgs] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [m.message_id for m in msgs] == [
        "MessageIdArray-0",
        "MessageIdArray-1",
        "MessageIdArray-2",
    ]
    assert [m.session_id for m in msgs] == [None, None, None]  # short array: not shifted
    assert [m.sequence_number for m in msgs] == [10, 11, 12]
    assert [m.state for m in msgs] == [10, 11, 12]
    assert [m.delivery_count for m in msgs] == [1, 2, 3]
    assert [m.time_to_live for m in msgs] == [timedelta(seconds=s) for s in (1, 2, 3)]
    assert msgs[2].scheduled_enqueue_time_utc == datetime(2024, 1, 1, 0, 0, 2, tzinfo=UTC)
    assert [m.application_properties for m in msgs] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert msgs[0].enqueued_time_utc == datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert msgs[0].expires_at_utc is None
    assert msgs[0].locked_until == datetime(2023, 12, 31, 23, tzinfo=UTC)
    meta = msgs[1].metadata
    assert meta is not None
    assert meta["MessageId"] == "MessageIdArray-1"
    assert not any(k.endswith("Array") for k in meta)


def test_empty_body_message() -> None:
    msg = TRIGGER.decode(None, trigger_metadata={"MessageId": Datum("m", "string")})
    assert msg.get_body() == b""
    with pytest.raises(func.BodyDecodeError):
        msg.get_json()


def test_cardinality_disagreement() -> None:
    with pytest.raises(func.ConversionError, match="list"):
        TRIGGER.decode(Datum([b"a"], "collection_bytes"), pytype=func.ServiceBusMessage)
    with pytest.raises(func.ConversionError, match="single item"):
        TRIGGER.decode(
            Datum("a", "string"),
            trigger_metadata={"MessageId": Datum("m", "string")},
            pytype=list[func.ServiceBusMessage],
        )


def test_message_is_keyword_constructible() -> None:
    msg = func.ServiceBusMessage(
        body="x",
        label="l",
        user_properties={"a": 1},
        enqueued_time_utc=datetime(2024, 1, 1),
        content_type="application/json; charset=latin-1",
    )
    assert (msg.subject, msg.label) == ("l", "l")
    assert msg.application_properties == {"a": 1}
    assert msg.enqueued_time_utc == datetime(2024, 1, 1, tzinfo=UTC)
    assert msg.metadata is None
    assert (
        func.ServiceBusMessage(
            body=b'"\xe9"', content_type="text/json; charset=latin-1"
        ).get_json()
        == "é"
    )
    with pytest.raises(func.ArgumentTypeError, match="body"):
        func.ServiceBusMessage(body=3)  # type: ignore[arg-type]
    with pytest.raises(func.ArgumentTypeError, match="body"):
        func.ServiceBusOutputMessage(body=3)  # type: ignore[arg-type]


# --- output --------------------------------------------------------------------------------


def test_output_message_shape() -> None:
    out = func.ServiceBusOutputMessage(
        body="hello",
        message_id="m1",
        session_id="s1",
        correlation_id="c1",
        content_type="text/plain",
        subject="greeting",
        application_properties={"k": "v"},
        scheduled_enqueue_time=datetime(2024, 1, 1, 12, tzinfo=UTC),
        time_to_live=timedelta(days=1, minutes=5, microseconds=5),
    )
    datum = OUTPUT.encode(out)
    assert datum is not None
    assert datum.type == "json"
    assert json.loads(datum.value) == {
        "Body": "hello",
        "MessageId": "m1",
        "SessionId": "s1",
        "CorrelationId": "c1",
        "ContentType": "text/plain",
        "Subject": "greeting",
        "ApplicationProperties": {"k": "v"},
        "ScheduledEnqueueTime": "2024-01-01T12:00:00Z",
        "TimeToLive": "1.00:05:00.0000050",
    }
    assert func.ServiceBusOutputMessage.from_dict(json.loads(datum.value)) == out


def test_output_encodings() -> None:
    assert OUTPUT.encode("x") == Datum("x", "string")
    assert OUTPUT.encode(b"\x00") == Datum(b"\x00", "bytes")
    assert OUTPUT.encode({"a": 1}) == Datum('{"a": 1}', "json")
    assert OUTPUT.encode(None) is None
    listed = OUTPUT.encode(["a", {"b": 1}, func.ServiceBusOutputMessage(body=b"\xff")])
    assert listed is not None
    assert json.loads(listed.value) == ["a", {"b": 1}, {"Body": "/w==", "BodyEncoding": "base64"}]
    with pytest.raises(func.ConversionError):
        OUTPUT.encode(object())
    with pytest.raises(func.ConversionError):
        OUTPUT.encode([object()])
    with pytest.raises(func.ConversionError):
        func.ServiceBusOutputMessage.from_dict({"Body": "!!", "BodyEncoding": "base64"})
    assert OUTPUT.check_output_type_annotation(list[func.ServiceBusOutputMessage])
    assert not OUTPUT.check_output_type_annotation(int)


_text = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60)
@given(
    body=st.binary(max_size=20) | _text,
    message_id=st.none() | _text,
    session_id=st.none() | _text,
    subject=st.none() | _text,
    props=st.dictionaries(_text, st.integers() | _text, max_size=3),
    when=st.none() | st.datetimes(timezones=st.just(UTC)),
    ttl=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9999)),
)
def test_output_message_round_trips(
    body: bytes | str,
    message_id: str | None,
    session_id: str | None,
    subject: str | None,
    props: dict[str, Any],
    when: datetime | None,
    ttl: timedelta | None,
) -> None:
    out = func.ServiceBusOutputMessage(
        body=body,
        message_id=message_id,
        session_id=session_id,
        subject=subject,
        application_properties=props,
        scheduled_enqueue_time=when,
        time_to_live=ttl,
    )
    datum = OUTPUT.encode([out])
    assert datum is not None
    (back,) = [func.ServiceBusOutputMessage.from_dict(d) for d in json.loads(datum.value)]
    assert back == out


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[str], dict[str, Datum], list[str | None]]:
    n = draw(st.integers(1, 500))
    bodies = [f"body-{i}" for i in range(n)]
    ids = [f"id-{i}" for i in range(n)]
    sessions = [draw(st.none() | st.just(f"s{i}")) if i < 5 else f"s{i}" for i in range(n)]
    md = {
        "MessageIdArray": Datum(ids, "collection_string"),
        # the host drops nulls from string collections
        "SessionIdArray": Datum([s for s in sessions if s is not None], "collection_string"),
        "SequenceNumberArray": Datum(list(range(n)), "collection_sint64"),
        "EnqueuedTimeUtcArray": Datum(json.dumps(["2024-05-01T00:00:00.1234567Z"] * n), "json"),
        "UserPropertiesArray": Datum(json.dumps([{"i": i} for i in range(n)]), "json"),
    }
    return bodies, md, sessions


@settings(max_examples=15)
@given(_batches())
def test_generated_batches(batch: tuple[list[str], dict[str, Datum], list[str | None]]) -> None:
    bodies, md, sessions = batch
    msgs = TRIGGER.decode(Datum(bodies, "collection_string"), trigger_metadata=md)
    assert [m.get_body().decode() for m in msgs] == bodies
    assert [m.message_id for m in msgs] == [f"id-{i}" for i in range(len(bodies))]
    assert [m.sequence_number for m in msgs] == list(range(len(bodies)))
    if None in sessions:
        assert all(m.session_id is None for m in msgs)
    else:
        assert [m.session_id for m in msgs] == sessions
    assert [m.user_properties for m in msgs] == [{"i": i} for i in range(len(bodies))]
    assert msgs[-1].enqueued_time_utc == datetime(2024, 5, 1, 0, 0, 0, 123456, tzinfo=UTC)


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
    st.dictionaries(_text, _text, max_size=2),
)
_datums = st.builds(Datum, _values, st.sampled_from(sorted(KINDS)))
_md = st.dictionaries(
    st.sampled_from(
        [
            "MessageId",
            "UserPropertiesArray",
            "SessionIdArray",
            "EnqueuedTimeUtc",
            "TimeToLive",
            "TimeToLiveArray",
            "DeliveryCount",
            "ApplicationProperties",
            "x",
        ]
    ),
    _datums,
    max_size=4,
)


@settings(max_examples=150)
@given(
    _datums,
    _md,
    st.sampled_from([None, func.ServiceBusMessage, list[func.ServiceBusMessage], str]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(
    datum: Datum, md: dict[str, Datum], pytype: Any
) -> None:
    try:
        result = TRIGGER.decode(datum, trigger_metadata=md, pytype=pytype)
    except func.AzFuncError:
        return
    for msg in result if isinstance(result, list) else [result]:
        if isinstance(msg, func.ServiceBusMessage):
            assert msg.metadata is not None
