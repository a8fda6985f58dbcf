"""The host emulation keeps the rules its docstring names (so conformance tests mean something)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .host_emulation import (
    HostInvocationFailed,
    binding_value,
    collector_messages,
    from_base64_string,
    header_to_string,
    read_answer,
    stream_bytes,
)

HTTP = [{"type": "httpTrigger", "direction": "in", "name": "req"},
        {"type": "http", "direction": "out", "name": "res"}]
QUEUE = [{"type": "queueTrigger", "direction": "in", "name": "msg"},
         {"type": "queue", "direction": "out", "name": "out"},
         {"type": "queue", "direction": "out", "name": "raw", "dataType": "binary"},
         {"type": "queue", "direction": "out", "name": "$return"}]


@given(st.binary())
def test_base64_of_any_bytes_is_read_back_exactly(data: bytes) -> None:
    assert from_base64_string(base64.b64encode(data).decode()) == data


@given(st.text())
def test_the_base64_reader_returns_bytes_or_none_for_any_text(text: str) -> None:
    result = from_base64_string(text)
    assert result is None or isinstance(result, bytes)


@pytest.mark.parametrize(("text", "expected"), [
    ("test", b"\xb5\xeb\x2d"), ("", b""), ("dGVz dA==", b"test"), ("abc", None),
    ("hello world", None), ("a===", None),
])
def test_convert_from_base64_string_cases(text: str, expected: bytes | None) -> None:
    assert from_base64_string(text) == expected


def test_binary_data_type_passes_strings_unchanged_others_decode_base64() -> None:
    assert binding_value("dGVzdA==", "binary") == "dGVzdA=="
    assert binding_value("dGVzdA==", None) == b"test"
    assert binding_value({"a": 1}, None) == {"a": 1}


def test_a_non_2xx_answer_fails_before_logs_are_read() -> None:
    with pytest.raises(HostInvocationFailed):
        read_answer(500, b'{"Logs": ["why"]}', QUEUE)


@given(st.lists(st.text(), max_size=5))
def test_a_json_array_output_is_one_message_per_item(items: list[str]) -> None:
    assert collector_messages(items) == [i.encode("utf-8") for i in items]


def test_json_looking_text_is_split_or_reparsed_by_a_collector() -> None:
    assert collector_messages("[1, 2]") == [b"1", b"2"]
    assert json.loads(collector_messages('{"a":1}')[0]) == {"a": 1}
    assert collector_messages(b"\x00") == [b"\x00"]


def test_stream_outputs_write_bytes_text_and_json() -> None:
    assert stream_bytes(b"\xff") == b"\xff"
    assert stream_bytes("é") == "é".encode()
    assert stream_bytes({"a": 1}) == b'{"a":1}'


def test_header_values_use_dotnet_to_string() -> None:
    assert header_to_string(["a=1", "b=2"]) == '[\r\n  "a=1",\r\n  "b=2"\r\n]'
    assert header_to_string(True) == "True"
    assert header_to_string("x") == "x"


def test_http_output_status_comes_from_status_code_only_and_body_is_text() -> None:
    answer = read_answer(200, json.dumps({"Outputs": {"res": {
        "status": 404, "headers": {"X": ["1", "2"]}, "body": "dGVzdA=="}}}).encode(), HTTP)
    response = answer.http["res"]
    assert (response.status, response.body) == (200, b"dGVzdA==")
    assert "\n" in response.headers["X"]


def test_an_http_output_that_is_not_an_object_fails() -> None:
    with pytest.raises(HostInvocationFailed):
        read_answer(200, b'{"Outputs": {"res": "hello"}}', HTTP)


def test_return_value_without_a_return_binding_passes_unchanged() -> None:
    answer = read_answer(200, b'{"ReturnValue": "dGVzdA=="}', QUEUE[:1])
    assert answer.return_value == "dGVzdA=="
    answer = read_answer(200, b'{"ReturnValue": "dGVzdA=="}', QUEUE)
    assert answer.return_value == b"test"
