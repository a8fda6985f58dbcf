"""HttpResponse through the public API: content type, bodies, streaming, headers, cookies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func

from . import strategies as s


def test_defaults_match_azure_functions() -> None:
    r = func.HttpResponse()
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    assert r.charset == "utf-8"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.get_body() == b""
    assert not r.is_streaming


def test_mimetype_charset_and_header_are_one_source_of_truth() -> None:
    r = func.HttpResponse("é", mimetype="text/html", charset="latin-1")
    assert r.headers["content-type"] == "text/html; charset=latin-1"
    assert r.get_body() == b"\xe9"
    r.mimetype = "text/csv"
    assert r.headers["content-type"] == "text/csv; charset=latin-1"
    r.headers["Content-Type"] = "application/xml; charset=utf-16"
    assert (r.mimetype, r.charset) == ("application/xml", "utf-16")
    r.charset = "utf-8"
    assert r.headers["content-type"] == "application/xml; charset=utf-8"
    assert r.get_body() == "é".encode()
    del r.headers["content-type"]
    assert (r.mimetype, r.charset) == ("text/plain", "utf-8")


def test_non_text_types_carry_no_default_charset() -> None:
    r = func.HttpResponse(b"\x00", mimetype="application/octet-stream")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.charset == "utf-8"


def test_a_content_type_header_is_kept_unless_mimetype_or_charset_is_given() -> None:
    kept = func.HttpResponse("x", headers={"content-type": "application/json"})
    assert kept.mimetype == "application/json"
    assert kept.headers.getall("Content-Type") == ["application/json"]
    replaced = func.HttpResponse("x", headers={"content-type": "a/b"}, mimetype="c/d")
    assert replaced.headers.getall("content-type") == ["c/d"]


def test_json_serialises_and_sets_the_type() -> None:
    r = func.HttpResponse(json={"a": [1, "é"]}, status_code=HTTPStatus.CREATED)
    assert r.status_code == 201
    assert type(r.status_code) is int
    assert r.mimetype == "application/json"
    assert r.get_json() == {"a": [1, "é"]}
    assert r.get_body() == '{"a": [1, "é"]}'.encode()
    assert func.HttpResponse(json=None).get_body() == b"null"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"body": "x", "json": 1}, func.ArgumentValueError),
        ({"json": object()}, func.ConversionError),
        ({"body": {"a": 1}}, func.ArgumentTypeError),
        ({"body": 12}, func.ArgumentTypeError),
        ({"status_code": 99}, func.ArgumentValueError),
        ({"status_code": 600}, func.ArgumentValueError),
        ({"status_code": True}, func.ArgumentTypeError),
        ({"status_code": "200"}, func.ArgumentTypeError),
    ],
)
def test_bad_arguments_raise_the_azfunc_argument_errors(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        func.HttpResponse(**kwargs)  # type: ignore[arg-type]


def test_a_positional_non_body_is_a_type_error() -> None:
    with pytest.raises(func.ArgumentTypeError, match="body must be"):
        func.HttpResponse(1)  # type: ignore[arg-type]
    assert issubclass(func.ArgumentTypeError, TypeError)


def test_status_code_is_settable_and_validated() -> None:
    r = func.HttpResponse()
    r.status_code = HTTPStatus.NOT_FOUND
    assert r.status_code == 404
    with pytest.raises(func.ArgumentValueError):
        r.status_code = 1000
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-Bad", "a\r\nInjected: 1"), ("X-Bad", "a\nb"), ("X-Bad", "a\x00"), ("Bad Name", "v"),
     ("Bad\r\nName", "v"), ("", "v"), ("X-Ok", 1)],
)
def test_invalid_headers_are_rejected_on_every_write(name: str, value: str) -> None:
    with pytest.raises(func.HeaderError):
        func.HttpResponse(headers={name: value})
    r = func.HttpResponse()
    writes = [
        lambda: r.headers.__setitem__(name, value),
        lambda: r.headers.add(name, value),
        lambda: r.headers.extend([(name, value)]),
        lambda: r.headers.update({name: value}),
        lambda: r.headers.setdefault(name, value),
    ]
    for write in writes:
        with pytest.raises(func.HeaderError):
            write()
    assert list(r.headers.items()) == [("Content-Type", "text/plain; charset=utf-8")]


def test_headers_are_mutable_and_multi_valued() -> None:
    r = func.HttpResponse(headers=[("X-A", "1"), ("x-a", "2")])
    assert r.headers.getall("X-A") == ["1", "2"]
    r.headers["x-a"] = "3"
    assert r.headers.getall("X-A") == ["3"]
    r.headers.update({"X-B": "b"})
    assert r.headers.setdefault("x-b", "ignored") == "b"
    assert r.headers.pop("x-b") == "b"
    assert r.headers.popall("missing", []) == []
    r.headers["Tab"] = "a\tb"
    assert r.headers.get("tab") == "a\tb"
    assert "TAB" in r.headers
    assert r.headers == func.HttpResponse(headers=r.headers.copy()).headers
    assert r.headers == func.HttpResponse(headers=r.headers).headers
    assert func.HttpRequest("GET", "/", headers=r.headers).headers.getall("x-a") == ["3"]


def test_set_cookie_keeps_several_cookies() -> None:
    r = func.HttpResponse()
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    r.set_cookie("a", "1")
    r.set_cookie("b", '"q"', max_age=timedelta(hours=1), expires=when, path=None,
                 domain="example.org", secure=True, httponly=True, samesite="strict")
    r.delete_cookie("c", path="/p")
    assert r.headers.getall("Set-Cookie") == [
        "a=1; Path=/",
        'b="q"; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.org; '
        "Secure; HttpOnly; SameSite=Strict",
        "c=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/p",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "bad name", "value": "v"},
        {"name": "a", "value": "has space"},
        {"name": "a", "value": "semi;colon"},
        {"name": "a", "value": "v", "path": "/x;Secure"},
        {"name": "a", "value": "v", "domain": "a\r\nb"},
        {"name": "a", "value": "v", "samesite": "sometimes"},
        {"name": "a", "value": "v", "max_age": "10"},
        {"name": "a", "value": "v", "expires": "Thu;"},
        {"name": "a", "value": "v", "expires": True},
        {"name": "a", "value": "v", "expires": 1e300},
    ],
)
def test_invalid_cookies_raise_header_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(func.HeaderError):
        func.HttpResponse().set_cookie(**kwargs)  # type: ignore[arg-type]


def test_text_not_encodable_in_the_charset_raises_conversion_error() -> None:
    r = func.HttpResponse("€", charset="latin-1")
    with pytest.raises(func.ConversionError):
        r.get_body()


def test_every_byte_value_survives() -> None:
    data = bytes(range(256))
    assert func.HttpResponse(data).get_body() == data
    assert func.HttpResponse(memoryview(data)).get_body() == data


def _chunks() -> Iterator[bytes | bytearray | str]:
    yield b"a"
    yield bytearray(b"b")
    yield "é"


async def _achunks() -> AsyncIterator[bytes]:
    for part in (b"x", b"y"):
        await asyncio.sleep(0)
        yield part


def test_sync_streaming_body() -> None:
    r = func.HttpResponse(_chunks())
    assert r.is_streaming
    assert list(r.iter_body()) == [b"a", b"b", "é".encode()]
    with pytest.raises(func.ConversionError):
        r.get_body()


def test_get_body_collects_a_stream_once_and_keeps_it() -> None:
    r = func.HttpResponse(_chunks())
    assert r.get_body() == "abé".encode()
    assert not r.is_streaming
    assert r.get_body() == "abé".encode()
    assert list(r.iter_body()) == ["abé".encode()]


def test_async_streaming_body_from_sync_code() -> None:
    r = func.HttpResponse(_achunks())
    assert r.is_streaming
    assert list(r.iter_body()) == [b"x", b"y"]


def test_async_streaming_body_on_a_loop() -> None:
    async def main() -> tuple[list[bytes], bytes, list[bytes]]:
        r = func.HttpResponse(_achunks())
        with pytest.raises(func.ConversionError, match="running event loop"):
            r.get_body()
        assert await r.aget_body() == b"xy"
        collected = [c async for c in func.HttpResponse(_achunks()).aiter_body()]
        body = await func.HttpResponse(_achunks()).aget_body()
        plain = [c async for c in func.HttpResponse(b"p").aiter_body()]
        return collected, body, plain

    assert asyncio.run(main()) == ([b"x", b"y"], b"xy", [b"p"])


def test_a_stream_yielding_other_things_raises_conversion_error() -> None:
    r = func.HttpResponse(iter([b"ok", 3]))  # type: ignore[arg-type]
    with pytest.raises(func.ConversionError):
        r.get_body()


def test_get_json_errors_are_body_decode_errors() -> None:
    with pytest.raises(func.BodyDecodeError):
        func.HttpResponse("not json").get_json()


def test_repr() -> None:
    assert repr(func.HttpResponse(status_code=404)) == "<HttpResponse 404 text/plain>"


@given(
    status=s.status_codes,
    headers=st.lists(st.tuples(s.tokens, s.header_values), max_size=6),
    body=s.bodies,
)
def test_generated_responses_keep_status_headers_and_bytes(
    status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    r = func.HttpResponse(body, status_code=status, headers=headers, mimetype="x/y")
    assert r.status_code == status
    assert r.get_body() == body
    expected = [(k, v) for k, v in headers if k.lower() != "content-type"]
    got = [(k, v) for k, v in r.headers.items() if k.lower() != "content-type"]
    assert got == expected


def test_headers_are_collections_abc_mappings() -> None:
    from collections.abc import Mapping, MutableMapping

    from multidict import MultiMapping, MutableMultiMapping

    resp = func.HttpResponse(headers={"X-A": "1"})
    assert isinstance(resp.headers, MutableMapping)
    assert isinstance(resp.headers, MutableMultiMapping)
    req = func.HttpRequest("GET", "/x?a=1", headers={"X-A": "1"})
    assert isinstance(req.headers, Mapping)
    assert isinstance(req.headers, MultiMapping)
    assert isinstance(req.params, Mapping)


_BAD = "x\r\nInjected: 1"


@pytest.mark.parametrize(
    "write",
    [
        lambda h: h.__setitem__("X-A", _BAD),
        lambda h: h.add("X-A", _BAD),
        lambda h: h.extend({"X-A": _BAD}),
        lambda h: h.extend(X_A=_BAD),
        lambda h: h.merge({"X-New": _BAD}),
        lambda h: h.update([("X-A", "ok"), ("X-B", _BAD)]),
        lambda h: h.setdefault("X-New", _BAD),
        lambda h: h.add("Bad Name", "v"),
        lambda h: h.extend([("X-A", 1)]),
        lambda h: h.extend(["not a pair"]),
    ],
)
def test_every_header_write_is_validated_and_all_or_nothing(write: Any) -> None:
    resp = func.HttpResponse(headers={"X-A": "1"})
    before = list(resp.headers.items())
    with pytest.raises(func.HeaderError):
        write(resp.headers)
    assert list(resp.headers.items()) == before


def test_response_headers_keep_several_set_cookie_and_replace_on_update() -> None:
    h = func.HttpResponse().headers
    h.add("Set-Cookie", "a=1")
    h.add("set-cookie", "b=2")
    assert h.getall("SET-COOKIE") == ["a=1", "b=2"] == h.getlist("set-cookie")
    assert h.getlist("x-missing") == []
    h.update({"Set-Cookie": "c=3"})
    assert h.getall("set-cookie") == ["c=3"]
    assert h.pop("set-cookie") == "c=3"
    assert "set-cookie" not in h
    assert h.setdefault("X-D", "4") == "4"
    assert h.setdefault("x-d", "5") == "4"


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=4))
def test_header_writes_round_trip_or_raise_header_error(pairs: list[tuple[str, str]]) -> None:
    h = func.HttpResponse().headers
    before = list(h.items())
    try:
        h.extend(pairs)
    except func.HeaderError:
        assert list(h.items()) == before  # all or nothing
        return
    assert list(h.items())[len(before) :] == pairs
    for name, value in pairs:
        assert value in h.getall(name)


def test_default_headers_are_one_object_holding_the_default_content_type() -> None:
    response = func.HttpResponse("x")
    headers = response.headers
    assert headers is response.headers
    assert list(headers.items()) == [("Content-Type", "text/plain; charset=utf-8")]
    headers["X-A"] = "1"
    assert response.headers.getall("x-a") == ["1"]
    assert response.charset == "utf-8"
    assert response.mimetype == "text/plain"
    assert repr(func.HttpResponse(b"")) == "<HttpResponse 200 text/plain>"
