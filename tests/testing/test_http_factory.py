"""azfunc.testing.http_request and http_request_payload: what is given comes back."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import testing
from azfunc.testing import strategies as azst

# --- round trips of every argument ---------------------------------------------------------


def test_returns_a_real_request_decoded_by_the_registry() -> None:
    req = testing.http_request("post", "/api/orders/7", route_params={"id": "7"})
    assert isinstance(req, func.HttpRequest)
    assert req.method == "POST"
    assert req.url == "http://localhost/api/orders/7"
    assert req.route_params == {"id": "7"}
    assert req.get_body() == b""


def test_absolute_url_is_kept() -> None:
    req = testing.http_request("GET", "https://example.org:8443/api/x?a=1")
    assert req.url == "https://example.org:8443/api/x?a=1"
    assert req.params["a"] == "1"


def test_params_are_appended_to_the_url_and_keep_repeats_and_blanks() -> None:
    req = testing.http_request("GET", "/api/x?first=0", params=[("t", "a"), ("t", "b"), ("e", "")])
    assert req.url == "http://localhost/api/x?first=0&t=a&t=b&e="
    assert req.params.getall("t") == ["a", "b"]
    assert req.params["e"] == ""
    assert req.params["first"] == "0"


def test_params_mapping_with_list_values() -> None:
    req = testing.http_request("GET", "/", params={"q": ["x y", "&"], "n": "1"})
    assert req.params.getall("q") == ["x y", "&"]
    assert req.params["n"] == "1"


def test_json_body_sets_content_type() -> None:
    req = testing.http_request("POST", "/api/x", json={"name": "Ada", "n": [1, 2.5, None]})
    assert req.get_json() == {"name": "Ada", "n": [1, 2.5, None]}
    assert req.headers["content-type"] == "application/json"
    assert req.headers["content-length"] == str(len(req.get_body()))


def test_json_null_is_a_body() -> None:
    req = testing.http_request("POST", "/", json=None)
    assert req.get_body() == b"null"
    assert req.get_json() is None


def test_raw_bytes_body_is_exact() -> None:
    body = bytes(range(256))
    req = testing.http_request(
        "PUT", "/blob", body=body, headers={"Content-Type": "application/octet-stream"}
    )
    assert req.get_body() == body


def test_str_body_uses_the_content_type_charset() -> None:
    req = testing.http_request(
        "POST", "/", body="åäö", headers={"content-type": "text/plain; charset=latin-1"}
    )
    assert req.get_body() == "åäö".encode("latin-1")


def test_headers_are_case_insensitive_and_repeats_are_comma_joined() -> None:
    req = testing.http_request("GET", "/", headers=[("X-Tag", "a"), ("x-tag", "b"), ("A", "1")])
    assert req.headers["x-tag"] == "a,b"
    assert req.headers["X-TAG"] == "a,b"
    assert req.headers["a"] == "1"


def test_header_list_values() -> None:
    datum, _ = testing.http_request_payload("GET", "/", headers={"Accept": ["a/b", "c/d"]})
    assert datum.value.headers["accept"].value == "a/b,c/d"


def test_cookies() -> None:
    req = testing.http_request("GET", "/", cookies={"sid": "abc", "theme": "dark"})
    assert req.cookies["sid"] == "abc"
    assert req.cookies["theme"] == "dark"
    assert req.headers["cookie"] == "sid=abc; theme=dark"


def test_urlencoded_form() -> None:
    req = testing.http_request("POST", "/f", form={"a": "1 2", "tag": ["x", "y"]})
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.form["a"] == "1 2"
    assert req.form.getall("tag") == ["x", "y"]


def test_multipart_files_with_repeated_names() -> None:
    req = testing.http_request(
        "POST",
        "/upload",
        form={"title": "two files"},
        files=[
            ("doc", ("a.txt", b"first", "text/plain")),
            ("doc", ("b.bin", b"\x00second")),
            ("raw", b"raw bytes"),
        ],
    )
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert req.form["title"] == "two files"
    docs = req.files.getall("doc")
    assert [(f.filename, f.read(), f.content_type) for f in docs] == [
        ("a.txt", b"first", "text/plain"),
        ("b.bin", b"\x00second", "application/octet-stream"),
    ]
    raw = req.files["raw"]
    assert (raw.filename, raw.read()) == ("raw", b"raw bytes")


def test_files_mapping_with_str_content() -> None:
    req = testing.http_request("POST", "/u", files={"note": ("n.txt", "héllo")})
    assert req.files["note"].read() == "héllo".encode()


def test_route_params_in_payload_and_metadata() -> None:
    datum, metadata = testing.http_request_payload("GET", "/api/items/9", route_params={"id": "9"})
    assert datum.type == "http"
    assert datum.value.params["id"] == func.Datum("9", "string")
    assert metadata["id"] == func.Datum("9", "string")
    assert json.loads(metadata["Headers"].value) == {}


def test_query_map_drops_empty_values_like_the_host() -> None:
    datum, metadata = testing.http_request_payload("GET", "/", params=[("a", ""), ("b", "1")])
    assert set(datum.value.query) == {"b"}
    assert json.loads(metadata["Query"].value) == {"b": "1"}
    # ... while the request still sees the blank value through the URL.
    assert testing.http_request("GET", "/", params=[("a", ""), ("b", "1")]).params["a"] == ""


def test_identities_travel_as_json() -> None:
    claims = [{"authentication_type": "aad", "claims": [{"type": "name", "value": "ada"}]}]
    datum, _ = testing.http_request_payload("GET", "/", identities=claims)
    assert json.loads(datum.value.identities) == claims


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"body": b"x", "json": 1},
        {"body": b"x", "form": {"a": "1"}},
        {"json": 1, "files": {"f": b"x"}},
    ],
)
def test_two_body_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(func.ConversionError, match="one body argument"):
        testing.http_request("POST", "/", **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {1, 2}},
        {"body": 12},
        {"files": {"f": 12}},
        {"files": {"f": ("name", 12)}},
        {"headers": [("only-a-name",)]},
        {"params": ["x"]},
        {"body": "å", "headers": {"content-type": "text/plain; charset=ascii"}},
        {"body": "x", "headers": {"content-type": "text/plain; charset=no-such-codec"}},
        {"url": "http://[::1/x"},
    ],
)
def test_bad_arguments_raise_conversion_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(func.ConversionError, match=r"http_request|JSON"):
        testing.http_request(kwargs.pop("method", "POST"), kwargs.pop("url", "/"), **kwargs)


# --- properties ----------------------------------------------------------------------------

_names = st.text(string.ascii_letters + string.digits + "-_.~", min_size=1, max_size=12)
# one source of generators: the strategies the test kit ships
_json = azst.json_values(max_leaves=12)


@settings(max_examples=60)
@given(params=azst.query_pairs(max_size=6))
def test_property_params_round_trip(params: list[tuple[str, str]]) -> None:
    req = testing.http_request("GET", "/api/p", params=params)
    for key in {k for k, _ in params}:
        assert req.params.getall(key) == [v for k, v in params if k == key]


@settings(max_examples=60)
@given(value=_json)
def test_property_json_round_trip(value: Any) -> None:
    assert testing.http_request("POST", "/", json=value).get_json() == value


@settings(max_examples=60)
@given(body=st.binary(max_size=200), method=st.sampled_from(["GET", "POST", "put", "Patch"]))
def test_property_body_round_trip(body: bytes, method: str) -> None:
    req = testing.http_request(method, "/b", body=body)
    assert req.get_body() == body
    assert req.method == method.upper()


_header_values = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=16
)


@settings(max_examples=60)
@given(headers=st.dictionaries(_names, _header_values, max_size=5))
def test_property_header_round_trip(headers: dict[str, str]) -> None:
    merged: dict[str, list[str]] = {}
    for name, value in headers.items():
        merged.setdefault(name.lower(), []).append(value)
    req = testing.http_request("GET", "/", headers=headers)
    for name, values in merged.items():
        assert req.headers[name] == ",".join(values)


@settings(max_examples=80)
@given(
    headers=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    url=st.text(string.printable + "[]:/?#%\x00é", max_size=20),
    body=st.one_of(st.none(), st.binary(max_size=8), st.text(max_size=8), st.integers()),
)
def test_property_arbitrary_input_raises_only_azfunc_errors(
    headers: dict[str, str], url: str, body: Any
) -> None:
    try:
        req = testing.http_request("POST", url, headers=headers, body=body)
        req.get_body()
        dict(req.headers)
        dict(req.params)
    except func.AzFuncError:
        pass
