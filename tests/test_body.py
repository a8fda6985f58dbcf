"""The one way bodies decode as text and JSON."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc
from azfunc._body import charset_from_content_type, decode_json_body, decode_text_body


@pytest.mark.parametrize(
    ("body", "charset", "expected"),
    [
        (b'{"a": 1}', None, {"a": 1}),
        ('{"a": 1}', None, {"a": 1}),
        (codecs.BOM_UTF8 + b'{"a": "\xc3\xa5"}', None, {"a": "å"}),
        ('{"a": "å"}'.encode("utf-16"), None, {"a": "å"}),
        ('{"a": "å"}'.encode("utf-16-be"), None, {"a": "å"}),
        ('{"a": "å"}'.encode("utf-32-le"), None, {"a": "å"}),
        ('{"a": "å"}'.encode("latin-1"), "iso-8859-1", {"a": "å"}),
        ('{"a": "å"}'.encode("utf-16-le"), "utf-16-le", {"a": "å"}),
    ],
)
def test_json_bodies(body: bytes | str, charset: str | None, expected: object) -> None:
    assert decode_json_body(body, charset) == expected


@pytest.mark.parametrize(
    ("body", "charset", "message"),
    [
        (b"", None, "empty"),
        (b"  \n", None, "empty"),
        ("", None, "empty"),
        (b"{", None, "not valid JSON"),
        (b'"\xff"', None, "not valid utf-8"),
        (b"{}", "no-such-charset", "unknown charset"),
        (b"\xff\xff", "utf-8", "not valid utf-8"),
    ],
)
def test_json_body_errors_say_which(body: bytes | str, charset: str | None, message: str) -> None:
    with pytest.raises(azfunc.BodyDecodeError, match=message):
        decode_json_body(body, charset)


def test_text_body_honours_bom_and_charset() -> None:
    assert decode_text_body(codecs.BOM_UTF8 + b"hi") == "hi"
    assert decode_text_body("å".encode("cp1252"), "cp1252") == "å"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("application/json", None),
        ("text/plain; charset=utf-8", "utf-8"),
        ('text/plain; Charset="ISO-8859-1"', "iso-8859-1"),
        ("text/plain; format=flowed; charset=UTF-16 ", "utf-16"),
        ("text/plain; charset=", None),
    ],
)
def test_charset_from_content_type(header: str | None, expected: str | None) -> None:
    assert charset_from_content_type(header) == expected


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


@given(_json_values, st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-8-sig"]))
def test_json_round_trip_in_any_unicode_charset(value: object, codec: str) -> None:
    body = json.dumps(value).encode(codec)
    charset = None if codec in ("utf-16", "utf-32", "utf-8-sig") else codec
    assert decode_json_body(body, charset) == value


@given(st.binary(), st.sampled_from([None, "utf-8", "latin-1", "ascii", "bogus"]))
def test_arbitrary_bytes_raise_only_body_errors(body: bytes, charset: str | None) -> None:
    try:
        value = decode_json_body(body, charset)
    except azfunc.BodyDecodeError:
        return  # the documented error; any other escapes and fails the test
    else:
        # what parses is JSON: it writes back out and reads back equal (NaN aside)
        text = json.dumps(value)
        assert json.loads(text) == value or text != text.replace("NaN", "")


def test_json_nested_deeper_than_python_can_parse_is_a_body_decode_error() -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(azfunc.BodyDecodeError, match="nests deeper"):
        decode_json_body(deep)
    with pytest.raises(azfunc.BodyDecodeError, match="nests deeper"):
        decode_json_body(deep, "latin-1")
    req = azfunc.HttpRequest("POST", "/", body=deep)
    with pytest.raises(azfunc.BodyDecodeError, match="nests deeper"):
        req.get_json()
