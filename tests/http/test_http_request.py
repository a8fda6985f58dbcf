"""HttpRequest through the public API: construction, params, headers, cookies, bodies."""

from __future__ import annotations

import pytest
from hypothesis import given
from multidict import CIMultiDict, MultiDict

import azfunc as func

from . import strategies as s


def test_seed_unit_test_passes_verbatim() -> None:
    # tests/test_httptrigger.py of the developer guide, verbatim
    req = func.HttpRequest(
            method='GET',
            body=None,
            url='/api/HttpTrigger',
            params={'name': 'Test'})
    assert req.params.get("name") == "Test"
    assert req.get_body() == b""
    assert req.method == "GET"
    assert req.url == "/api/HttpTrigger"


def test_method_is_upper_cased_and_compares_with_the_enum() -> None:
    req = func.HttpRequest("patch", "/x")
    assert req.method == "PATCH"
    assert req.method == func.HttpMethod.PATCH
    assert func.HttpMethod("GET") is func.HttpMethod.GET
    assert str(func.HttpMethod.DELETE) == "DELETE"
    assert isinstance(func.HttpMethod.GET, str)
    assert [m.value for m in func.HttpMethod] == [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "QUERY"
    ]


def test_params_come_from_the_url_with_repeats_and_blanks() -> None:
    req = func.HttpRequest("GET", "https://h/api/x?tag=a&tag=b&empty=&flag&sp=a+b&pct=%C3%A9#frag")
    assert req.params.getall("tag") == ["a", "b"]
    assert req.params["empty"] == ""
    assert req.params["flag"] == ""
    assert req.params["sp"] == "a b"
    assert req.params["pct"] == "é"
    assert "frag" not in req.params
    assert req.url == "https://h/api/x?tag=a&tag=b&empty=&flag&sp=a+b&pct=%C3%A9#frag"


def test_given_params_win_over_the_url_for_their_names() -> None:
    req = func.HttpRequest("GET", "/x?a=url&b=url", params={"a": "given"})
    assert req.params.getall("a") == ["given"]
    assert req.params["b"] == "url"
    pairs = func.HttpRequest("GET", "/x", params=[("t", "1"), ("t", "2")])
    assert pairs.params.getall("t") == ["1", "2"]


def test_params_and_route_params_are_read_only() -> None:
    req = func.HttpRequest("GET", "/x?a=1", route_params={"id": "7"})
    with pytest.raises(TypeError):
        req.params["a"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        req.route_params["id"] = "8"  # type: ignore[index]
    assert dict(req.route_params) == {"id": "7"}


@pytest.mark.parametrize(
    "headers",
    [
        [("Accept", "a/b"), ("accept", "c/d"), ("X-One", "1")],
        CIMultiDict([("Accept", "a/b"), ("accept", "c/d"), ("X-One", "1")]),
        MultiDict([("Accept", "a/b"), ("accept", "c/d"), ("X-One", "1")]),
    ],
    ids=["pairs", "cimultidict", "multidict"],
)
def test_headers_are_case_insensitive_and_multi_valued(headers: object) -> None:
    req = func.HttpRequest("GET", "/x", headers=headers)  # type: ignore[arg-type]
    assert req.headers["ACCEPT"] == "a/b"
    assert req.headers.getall("accept") == ["a/b", "c/d"]
    assert req.headers.getlist("Accept") == ["a/b", "c/d"]
    assert req.headers.getlist("missing") == []
    assert list(req.headers.items()) == [("Accept", "a/b"), ("accept", "c/d"), ("X-One", "1")]
    with pytest.raises(TypeError):
        req.headers["x"] = "y"  # type: ignore[index]


def test_headers_from_a_mapping_keep_their_casing() -> None:
    req = func.HttpRequest("GET", "/x", headers={"Content-Type": "text/plain"})
    assert list(req.headers.items()) == [("Content-Type", "text/plain")]
    assert req.headers.get("content-type") == "text/plain"


@pytest.mark.parametrize(
    "headers",
    [{"a": 1}, [("a",)], 5, [("bad", b"bytes")]],
    ids=["int-value", "not-a-pair", "not-iterable", "bytes-value"],
)
def test_bad_headers_raise_header_error(headers: object) -> None:
    with pytest.raises(func.HeaderError):
        func.HttpRequest("GET", "/x", headers=headers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": 1, "url": "/"},
        {"method": "GET", "url": None},
        {"method": "GET", "url": "/", "body": 3},
        {"method": "GET", "url": "/", "params": {"a": 1}},
        {"method": "GET", "url": "/", "route_params": 7},
        {"method": "GET", "url": "/", "form_limits": {}},
    ],
)
def test_bad_argument_types_raise_argument_type_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(func.ArgumentTypeError):
        func.HttpRequest(**kwargs)  # type: ignore[arg-type]


def test_cookies_are_parsed_from_every_cookie_header() -> None:
    req = func.HttpRequest(
        "GET",
        "/x",
        headers=[("Cookie", 'a=1; b="quoted"'), ("cookie", "c=3, d=4"), ("Cookie", "e")],
    )
    assert dict(req.cookies) == {"a": "1", "b": "quoted", "c": "3", "d": "4", "e": ""}
    assert func.HttpRequest("GET", "/").cookies.get("a") is None


def test_cookies_keep_repeated_names_in_order() -> None:
    req = func.HttpRequest("GET", "/x", headers={"cookie": "a=1; a=2"})
    assert req.cookies["a"] == "1"
    assert req.cookies.getall("a") == ["1", "2"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, b""),
        ("héllo", "héllo".encode()),
        (b"\x00\xff", b"\x00\xff"),
        (bytearray(b"ab"), b"ab"),
    ],
)
def test_get_body_returns_the_bytes(body: object, expected: bytes) -> None:
    assert func.HttpRequest("POST", "/", body=body).get_body() == expected  # type: ignore[arg-type]


def test_every_byte_value_survives() -> None:
    data = bytes(range(256)) * 3
    assert func.HttpRequest("POST", "/", body=data).get_body() == data


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        (None, b'{"n": "\xc3\xa9"}', {"n": "é"}),
        ("application/json; charset=latin-1", b'{"n": "\xe9"}', {"n": "é"}),
        ("application/json; charset=utf-8", b'\xef\xbb\xbf{"n": 1}', {"n": 1}),
        ("application/json", '{"n": 2}'.encode("utf-16"), {"n": 2}),
        ("application/json; charset=UTF-8", b"[1, 2]", [1, 2]),
    ],
)
def test_get_json_honours_the_charset(
    content_type: str | None, raw: bytes, expected: object
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    assert func.HttpRequest("POST", "/", headers=headers, body=raw).get_json() == expected


@pytest.mark.parametrize(
    ("headers", "raw", "reason"),
    [
        (None, b"", "empty"),
        (None, b"   ", "empty"),
        (None, b"{nope", "not valid JSON"),
        (None, b'{"a": "\xff"}', "utf-8"),
        ({"content-type": "application/json; charset=nope"}, b"{}", "unknown charset"),
        ({"content-type": "application/json; charset=ascii"}, b'"\xc3\xa9"', "ascii"),
    ],
)
def test_get_json_raises_one_documented_error(
    headers: dict[str, str] | None, raw: bytes, reason: str
) -> None:
    req = func.HttpRequest("POST", "/", headers=headers, body=raw)
    with pytest.raises(func.BodyDecodeError, match=reason) as info:
        req.get_json()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1}',
        b' {"a": 1}',
        b'{"a": 1}\n',
        b"\t[1, 2] \r\n",
        b"7",
        b"-0.5e3",
        b'"text"',
        b"null",
        b"NaN",
        b"[[[[[]]]]]",
        '{"n": 2}'.encode("utf-16-le"),
        rb'["\ud83d\ude00", "\ud800"]',
    ],
)
def test_get_json_agrees_with_json_loads(raw: bytes) -> None:
    import json
    import math

    got = func.HttpRequest("POST", "/", body=raw).get_json()
    want = json.loads(raw)
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": 1} x', "Extra data"),
        (b'{"a": 1}{}', "Extra data"),
        (b"1 2", "Extra data"),
        (b" ", "empty"),
        (b"\n\t", "empty"),
        (b"x", "Expecting value"),
        (b' {"a": }', "Expecting value"),
        (b'{"a": 1', "Expecting"),
    ],
)
def test_get_json_rejects_what_json_loads_rejects(raw: bytes, reason: str) -> None:
    req = func.HttpRequest("POST", "/", body=raw)
    with pytest.raises(func.BodyDecodeError, match=reason):
        req.get_json()


@given(value=s.json_values)
def test_get_json_round_trips_generated_values(value: object) -> None:
    import json

    for raw in (json.dumps(value), json.dumps(value, indent=1) + "\n", f" {json.dumps(value)}"):
        assert func.HttpRequest("POST", "/", body=raw.encode()).get_json() == value


def test_get_json_is_computed_once() -> None:
    req = func.HttpRequest("POST", "/", body=b'{"a": [1]}')
    first = req.get_json()
    assert first == {"a": [1]}
    assert req.get_json() is first


def test_urlencoded_form() -> None:
    body, ctype = func.http.forms.encode_urlencoded([("a", "1"), ("a", "two words"), ("e", "")])
    req = func.HttpRequest("POST", "/", headers={"content-type": ctype}, body=body)
    assert req.form.getall("a") == ["1", "two words"]
    assert req.form["e"] == ""
    assert len(req.files) == 0
    assert req.form is req.form


def test_form_of_other_content_types_is_empty() -> None:
    req = func.HttpRequest("POST", "/", headers={"content-type": "application/json"}, body=b"{}")
    assert len(req.form) == 0
    assert len(req.files) == 0
    assert len(func.HttpRequest("POST", "/", body=b"a=1").form) == 0


def test_repr_names_method_and_url() -> None:
    assert repr(func.HttpRequest("get", "/x")) == "<HttpRequest GET '/x'>"


@given(method=s.methods, path=s.text, pairs=s.query_pairs, body=s.bodies)
def test_constructed_requests_keep_what_was_given(
    method: str, path: str, pairs: list[tuple[str, str]], body: bytes
) -> None:
    from urllib.parse import quote, urlencode

    url = "/" + quote(path) + ("?" + urlencode(pairs) if pairs else "")
    req = func.HttpRequest(method, url, body=body)
    assert req.method == method.upper()
    assert req.url == url
    assert list(req.params.items()) == pairs
    assert req.get_body() == body
