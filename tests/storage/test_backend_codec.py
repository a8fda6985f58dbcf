"""The queue message codec of the account backend and the host options it reads."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azfunc import AzFuncError, ConfigurationError, WireFormatError
from azfunc.host.local import LocalHost
from azfunc.host.local_bindings import host_id
from azfunc.host.triggers import HostOptions, next_poll_delay
from azfunc.storage.backend import decode_message, encode_message, message_encoding


@given(st.binary(max_size=300))
def test_base64_round_trips_any_bytes(body: bytes) -> None:
    text = encode_message(body, "base64")
    assert base64.b64decode(text) == body
    assert decode_message(text, "base64") == body


@given(st.text(max_size=200))
def test_text_round_trips_in_both_encodings(text: str) -> None:
    for encoding in ("base64", "none"):
        assert decode_message(encode_message(text, encoding), encoding) == text.encode()


@given(st.text(max_size=200))
def test_decoding_raises_only_our_own_error(content: str) -> None:
    try:
        body = decode_message(content, "base64")
    except WireFormatError as exc:
        error: Exception = exc
    else:
        assert decode_message(encode_message(body, "base64"), "base64") == body
        return
    assert isinstance(error, AzFuncError)
    assert "base64" in str(error)


def test_binary_without_encoding_is_a_clear_error() -> None:
    with pytest.raises(WireFormatError, match="messageEncoding 'base64'"):
        encode_message(b"\xff\xfe", "none")


@given(st.one_of(st.none(), st.text(max_size=10), st.integers(), st.booleans()))
def test_message_encoding_setting_is_base64_none_or_a_configuration_error(raw: object) -> None:
    try:
        value = message_encoding(raw)
    except ConfigurationError:
        assert raw is not None
        assert not (isinstance(raw, str) and raw.lower() in {"base64", "none"})
    else:
        assert value in {"base64", "none"}


def test_host_json_batch_settings() -> None:
    options = HostOptions.from_host_json({"extensions": {"queues": {
        "batchSize": 8, "newBatchThreshold": 1, "messageEncoding": "None"}}})
    assert (options.batch_size, options.batch_threshold, options.message_encoding) == (
        8, 1, "none")
    assert HostOptions.from_host_json({}).batch_threshold == 8  # batchSize // 2
    with pytest.raises(ConfigurationError, match="newBatchThreshold"):
        HostOptions.from_host_json({"extensions": {"queues": {"newBatchThreshold": -1}}})


@given(st.floats(0.0, 100.0), st.floats(0.1, 60.0))
def test_backoff_stays_between_the_minimum_and_the_maximum(current: float,
                                                           maximum: float) -> None:
    from datetime import timedelta

    delay = next_poll_delay(timedelta(seconds=current), timedelta(seconds=maximum))
    assert timedelta(milliseconds=100) <= delay <= max(timedelta(milliseconds=100),
                                                       timedelta(seconds=maximum))


@given(st.text(max_size=60))
def test_host_id_is_a_valid_name(name: str) -> None:
    value = host_id({}, name)
    assert 0 < len(value) <= 32
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in value)
    assert value == value.lower()


def test_an_account_connection_without_the_sdk_stops_the_start_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azfunc as func\napp = func.FunctionApp()\n\n"
        "@app.queue_trigger(arg_name='m', queue_name='q', connection='Store')\n"
        "def f(m: func.QueueMessage) -> None:\n    return None\n")
    monkeypatch.setenv("Store", "UseDevelopmentStorage=true")
    monkeypatch.setitem(sys.modules, "azure.storage.queue", None)
    host = LocalHost(tmp_path)
    import asyncio

    with pytest.raises(ConfigurationError, match=r"pip install 'azfunc\[storage\]'"):
        asyncio.run(host.startup())
