"""Storage queues: QueueMessage, the queueTrigger decoder and the queue output encoder."""

from __future__ import annotations

import json
import logging
import unittest
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError, BodyDecodeError, ConversionError, Datum
from azfunc.meta import datum_from_typed_data
from tests.conftest import VECTORS

UTC = timezone.utc


def _load(*parts: str) -> Any:
    return json.loads(VECTORS.joinpath(*parts).read_text(encoding="utf-8"))


def _trigger() -> Any:
    return func.get_binding_registry().require("queueTrigger")


def _output() -> Any:
    return func.get_binding_registry().require("queue")


# --- the seed's unit test, verbatim in spirit ------------------------------------------------


def my_function(msg: func.QueueMessage) -> str:
    return f"msg body: {msg.get_body().decode()}"


class TestFunction(unittest.TestCase):
    """The developer guide's queue unit test, as written there (only the import differs)."""

    def test_my_function(self) -> None:
        # Construct a mock Queue message.
        req = func.QueueMessage(body=b"test")

        # Call the function.
        resp = my_function(req)

        # Check the output.
        self.assertEqual(  # noqa: PT009 - the guide's text
            resp,
            "msg body: test",
        )


# --- wire vectors ----------------------------------------------------------------------------

DOCS_VALUES = {
    "id": "800ae4b3-bdd2-4c08-badd-f08e5a34b865",
    "pop_receipt": "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
    "dequeue_count": 1,
    "expiration_time": datetime(2019, 10, 16, 17, 58, 31, tzinfo=UTC),
    "insertion_time": datetime(2019, 10, 9, 17, 58, 31, tzinfo=UTC),
    "time_next_visible": datetime(2019, 10, 9, 18, 8, 32, tzinfo=UTC),
}


def _assert_message(msg: func.QueueMessage, body: bytes, expected: dict[str, Any]) -> None:
    assert isinstance(msg, func.QueueMessage)
    assert msg.get_body() == body
    for name, value in expected.items():
        assert getattr(msg, name) == value, name


def test_pylib_datum_form_vector() -> None:
    case = _load("trigger_payloads", "queue.json")["pylib_test_metadata_datum_form"]
    metadata = {k: Datum(v["value"], v["type"]) for k, v in case["trigger_metadata"].items()}
    data = Datum(case["data"]["value"], case["data"]["type"])
    msg = _trigger().decode(data, trigger_metadata=metadata)
    _assert_message(
        msg,
        b"test_body",
        {
            "id": "1",
            "dequeue_count": 10,
            "expiration_time": datetime(2021, 12, 12, 3, 16, 34, tzinfo=UTC),
            "insertion_time": datetime(2022, 1, 12, 3, 16, 34, tzinfo=UTC),
            "time_next_visible": datetime(2022, 2, 12, 3, 16, 34, tzinfo=UTC),
            "pop_receipt": "dummy_pop_receipt",
        },
    )


def test_wire_form_derived_vector() -> None:
    case = _load("trigger_payloads", "queue.json")["wire_form_derived"]
    metadata = {k: datum_from_typed_data(v) for k, v in case["trigger_metadata"].items()}
    data = datum_from_typed_data(case["input_data"][0]["data"])
    msg = _trigger().decode(data, trigger_metadata=metadata)
    _assert_message(msg, b'{ message: "Message sent" }', DOCS_VALUES)
    assert msg.metadata["QueueTrigger"] == '{ message: "Message sent" }'


def test_grpc_invocation_request_vector() -> None:
    message = _load("grpc", "queue_invocation_request.json")["message"]
    metadata = {k: datum_from_typed_data(v) for k, v in message["triggerMetadata"].items()}
    data = datum_from_typed_data(message["inputData"][0]["data"])
    msg = _trigger().decode(data, trigger_metadata=metadata)
    _assert_message(msg, b'{ message: "Message sent" }', DOCS_VALUES)
    assert msg.metadata["DequeueCount"] == 1


@pytest.mark.parametrize("name", ["docs_queue_request.json", "host_derived_queue_request.json"])
def test_custom_handler_vectors(name: str) -> None:
    payload = _load("custom_handler", name)["payload"]
    (raw_body,) = payload["Data"].values()
    # the host JSON-encodes Data values a second time; a json Datum carries that text as is
    kind = "json" if raw_body.startswith('"') else "string"
    msg = _trigger().decode(Datum(raw_body, kind), trigger_metadata=payload["Metadata"])
    _assert_message(msg, b'{ message: "Message sent" }', DOCS_VALUES)
    assert msg.metadata["sys"]["MethodName"] == "QueueTrigger"


def test_registry_serves_both_bindings_case_insensitively() -> None:
    registry = func.get_binding_registry()
    assert registry.get("QUEUETRIGGER") is _trigger()
    assert _trigger().has_trigger_support() is True
    assert _output().has_trigger_support() is False


# --- decoding ---------------------------------------------------------------------------------


def test_annotations_choose_the_form() -> None:
    conv = _trigger()
    assert conv.decode(Datum("héllo", "string"), pytype=str) == "héllo"
    assert conv.decode(Datum("héllo", "string"), pytype=bytes) == "héllo".encode()
    assert conv.decode(Datum(b"\x00\xff", "bytes"), pytype=bytes) == b"\x00\xff"
    assert conv.decode(Datum(b"abc", "bytes"), pytype=str | None) == "abc"
    assert isinstance(
        conv.decode(Datum(b"abc", "bytes"), pytype=func.QueueMessage), func.QueueMessage
    )
    with pytest.raises(ConversionError, match="not UTF-8"):
        conv.decode(Datum(b"\xff", "bytes"), pytype=str)
    for ok in (func.QueueMessage, str, bytes, func.QueueMessage | None):
        assert conv.check_input_type_annotation(ok)
    for bad in (int, dict, list[str], "QueueMessage"):
        assert not conv.check_input_type_annotation(bad)


def test_json_kind_body_is_the_json_text() -> None:
    msg = _trigger().decode(Datum('{"a": 1}', "json"))
    assert msg.get_body() == b'{"a": 1}'
    assert msg.get_json() == {"a": 1}


def test_no_metadata_gives_empty_properties() -> None:
    msg = _trigger().decode(Datum("x", "string"))
    assert (msg.id, msg.dequeue_count, msg.insertion_time, dict(msg.metadata)) == (
        None,
        None,
        None,
        {},
    )


def test_bad_metadata_never_fails_the_decode(caplog: pytest.LogCaptureFixture) -> None:
    metadata = {
        "Id": Datum('{"not": "an id"}', "json"),
        "DequeueCount": Datum('"lots"', "json"),
        "ExpirationTime": Datum('"31/31/2019 99:00"', "json"),
        "InsertionTime": "yesterday-ish",
        "NextVisibleTime": Datum("{broken", "json"),
        "PopReceipt": Datum(None, "null"),
    }
    with caplog.at_level(logging.WARNING, logger="azfunc.metadata"):
        msg = _trigger().decode(Datum("x", "string"), trigger_metadata=metadata)
        values = (
            msg.id,
            msg.dequeue_count,
            msg.expiration_time,
            msg.insertion_time,
            msg.time_next_visible,
            msg.pop_receipt,
        )
    assert values == (None, None, None, None, None, None)
    assert msg.metadata["DequeueCount"] == "lots"
    assert msg.metadata["InsertionTime"] == "yesterday-ish"
    assert msg.metadata["ExpirationTime"] == "31/31/2019 99:00"
    assert any(r.name == "azfunc.metadata" for r in caplog.records)


@pytest.mark.parametrize(
    "datum",
    [
        Datum(None, "null"),
        Datum(1, "int"),
        Datum(1.5, "double"),
        Datum(["a"], "collection_string"),
    ],
)
def test_unsupported_kinds_raise_conversion_error(datum: Datum) -> None:
    with pytest.raises(ConversionError, match="queueTrigger"):
        _trigger().decode(datum)


# --- QueueMessage -------------------------------------------------------------------------------


def test_constructor_takes_every_property() -> None:
    msg = func.QueueMessage(
        id="abc",
        body="héllo",
        pop_receipt="pr",
        dequeue_count=3,
        expiration_time="2019-10-16T19:58:31+02:00",
        insertion_time=datetime(2019, 10, 9, 17, 58, 31),
        time_next_visible=datetime(2019, 10, 9, 18, 8, 32, tzinfo=UTC),
    )
    _assert_message(
        msg,
        "héllo".encode(),
        {**DOCS_VALUES, "id": "abc", "pop_receipt": "pr", "dequeue_count": 3},
    )
    assert msg.metadata == {}
    assert "abc" in repr(msg)


def test_constructor_defaults_and_validation() -> None:
    msg = func.QueueMessage()
    assert msg.get_body() == b""
    assert msg.id is None
    assert msg.time_next_visible is None
    with pytest.raises(func.ArgumentTypeError, match="body"):
        func.QueueMessage(body=123)  # type: ignore[arg-type]
    with pytest.raises(func.ArgumentTypeError, match="dequeue_count"):
        func.QueueMessage(dequeue_count="1")  # type: ignore[arg-type]
    with pytest.raises(ConversionError):
        func.QueueMessage(insertion_time="not a time")
    with pytest.raises(TypeError):
        func.QueueMessage(b"positional")  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize("body", [b"", b"   ", b"{oops", b"\xff\xfe{"])
def test_get_json_errors_are_body_decode_errors(body: bytes) -> None:
    with pytest.raises(BodyDecodeError):
        func.QueueMessage(body=body).get_json()


def test_properties_are_read_only() -> None:
    msg = func.QueueMessage(id="a")
    with pytest.raises(AttributeError):
        msg.id = "b"  # type: ignore[misc]


# --- encoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hi", Datum("hi", "string")),
        (b"\x00\xff", Datum(b"\x00\xff", "bytes")),
        (bytearray(b"ab"), Datum(b"ab", "bytes")),
        (func.QueueMessage(body="héllo"), Datum("héllo", "string")),
        (func.QueueMessage(body=b"\xff"), Datum(b"\xff", "bytes")),
        ({"a": 1}, Datum('{"a": 1}', "json")),
        (["a", b"b", func.QueueMessage(body="c")], Datum('["a", "b", "c"]', "json")),
        ([{"a": 1}, [1, 2]], Datum('[{"a": 1}, [1, 2]]', "json")),
        (("x", "y"), Datum('["x", "y"]', "json")),
        ([], Datum("[]", "json")),
        (None, None),
    ],
)
def test_encode_table(value: Any, expected: Datum | None) -> None:
    assert _output().encode(value) == expected


@pytest.mark.parametrize(
    "value", [1, 2.5, object(), [b"\xff"], [1], [None], [{"a": float("nan")}]]
)
def test_encode_rejects_with_conversion_error(value: Any) -> None:
    with pytest.raises(ConversionError):
        _output().encode(value)


def test_output_annotations() -> None:
    conv = _output()
    for ok in (
        str,
        bytes,
        func.QueueMessage,
        dict,
        list[str],
        list[func.QueueMessage],
        str | None,
    ):
        assert conv.check_output_type_annotation(ok), ok
    for bad in (int, list[int], float):
        assert not conv.check_output_type_annotation(bad), bad


def test_seed_output_example_with_out() -> None:
    msg: func.Out[func.QueueMessage] = func.Out()

    def main(body: str, msg: func.Out[func.QueueMessage]) -> str:
        msg.set(body)  # type: ignore[arg-type]
        return body

    assert main("hello", msg) == "hello"
    assert _output().encode(msg.get()) == Datum("hello", "string")


# --- properties ---------------------------------------------------------------------------------

times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=75)
@given(
    body=st.text(max_size=50),
    msg_id=st.text(max_size=20),
    count=st.integers(min_value=0, max_value=2**40),
    when=times,
)
def test_decode_of_host_shapes_round_trips(
    body: str, msg_id: str, count: int, when: datetime
) -> None:
    iso = when.isoformat()
    shapes = [
        {
            "Id": Datum(msg_id, "string"),
            "DequeueCount": Datum(str(count), "json"),
            "InsertionTime": Datum(json.dumps(iso), "json"),
        },
        {
            "Id": Datum(msg_id, "string"),
            "DequeueCount": Datum(count, "int"),
            "InsertionTime": Datum(iso, "string"),
        },
        {"Id": json.dumps(msg_id), "DequeueCount": str(count), "InsertionTime": iso},
    ]
    for metadata in shapes:
        msg = _trigger().decode(Datum(body, "string"), trigger_metadata=metadata)
        assert (msg.get_body(), msg.id, msg.dequeue_count, msg.insertion_time) == (
            body.encode(),
            msg_id,
            count,
            when,
        )


@settings(max_examples=75)
@given(st.one_of(st.text(max_size=40), st.binary(max_size=40)))
def test_encode_decode_round_trip(body: str | bytes) -> None:
    datum = _output().encode(body)
    assert datum is not None
    msg = _trigger().decode(datum)
    expected = body.encode() if isinstance(body, str) else body
    assert msg.get_body() == expected
    again = _output().encode(func.QueueMessage(body=body))
    assert again is not None
    assert _trigger().decode(again).get_body() == expected


@settings(max_examples=75)
@given(
    st.lists(
        st.one_of(st.text(max_size=10), st.dictionaries(st.text(max_size=3), st.integers())),
        max_size=5,
    )
)
def test_several_messages_round_trip_as_a_json_array(items: list[Any]) -> None:
    datum = _output().encode(items)
    assert datum is not None
    assert datum.type == "json"
    assert json.loads(datum.value) == items


datums = st.one_of(
    st.builds(Datum, st.text(max_size=20), st.sampled_from(["string", "json"])),
    st.builds(Datum, st.binary(max_size=20), st.sampled_from(["bytes", "stream"])),
    st.builds(Datum, st.integers(), st.sampled_from(["int", "json", "string"])),
    st.builds(Datum, st.none(), st.sampled_from(["null", "json", "string"])),
    st.builds(
        Datum, st.lists(st.text(max_size=3)), st.sampled_from(["collection_string", "http"])
    ),
)
metadata_values = st.one_of(datums, st.text(max_size=20), st.integers(), st.none(), st.floats())


@settings(max_examples=150)
@given(
    datum=datums,
    metadata=st.dictionaries(
        st.sampled_from(
            [
                "Id",
                "DequeueCount",
                "ExpirationTime",
                "InsertionTime",
                "NextVisibleTime",
                "PopReceipt",
                "Other",
            ]
        ),
        metadata_values,
    ),
    pytype=st.sampled_from([None, func.QueueMessage, str, bytes]),
)
def test_arbitrary_input_raises_only_azfunc_errors(
    datum: Datum, metadata: dict[str, Any], pytype: Any
) -> None:
    try:
        msg = _trigger().decode(datum, trigger_metadata=metadata, pytype=pytype)
    except AzFuncError:
        return
    if isinstance(msg, func.QueueMessage):
        assert msg.dequeue_count is None or isinstance(msg.dequeue_count, int)
        for when in (msg.expiration_time, msg.insertion_time, msg.time_next_visible):
            assert when is None or when.tzinfo is UTC
        assert msg.id is None or isinstance(msg.id, str)
        assert msg.pop_receipt is None or isinstance(msg.pop_receipt, str)
        assert set(msg.metadata) == set(metadata)
    else:
        assert isinstance(msg, (str, bytes))
