"""Property tests for every codec in azfunc.wire: round trips, and only azfunc errors."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import Datum, get_binding_registry
from azfunc.http.forms import parse_form
from azfunc.wire import asgi, custom_handler, testkit
from azfunc.wire.http import DeferredHttpResponse, HttpRequestData, HttpResponseData
from azfunc.wire.typed_data import datum_from_typed_data

IN = get_binding_registry().require("httpTrigger")
OUT = get_binding_registry().require("http")

_token = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_value = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20).map(str.strip)
_headers = st.dictionaries(_token, _value, max_size=5)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=10,
)


def _request_of(datum: Datum) -> func.HttpRequest:
    request = IN.decode(datum)
    assert isinstance(request, func.HttpRequest)
    return request


# --- gRPC TypedData -----------------------------------------------------------------------


@given(method=st.sampled_from(["GET", "POST", "put"]), path=_token, headers=_headers,
       route=st.dictionaries(_token, _token, max_size=3), body=st.binary(max_size=64))
def test_typed_data_http_round_trips_through_the_converter(
    method: str, path: str, headers: dict[str, str], route: dict[str, str], body: bytes
) -> None:
    rpc = {"http": {"method": method, "url": f"http://h/api/{path}", "headers": headers,
                    "params": route, "body": {"bytes": base64.b64encode(body).decode()}}}
    datum = datum_from_typed_data(rpc)
    assert isinstance(datum.value, HttpRequestData)
    request = _request_of(datum)
    assert request.method == method.upper()
    assert request.url == f"http://h/api/{path}"
    assert {k: request.headers[k] for k in headers} == headers
    assert dict(request.route_params) == route
    assert request.get_body() == body


@settings(max_examples=200)
@given(typed=st.dictionaries(
    st.sampled_from(["string", "json", "bytes", "int", "double", "http", "collectionString",
                     "collectionSint64", "modelBindingData", "other"]), _json, max_size=2))
def test_typed_data_reader_raises_only_wire_format_errors(typed: dict[str, Any]) -> None:
    try:
        datum = datum_from_typed_data(typed)
    except func.WireFormatError:
        return  # the documented error; any other escapes and fails the test
    assert datum.type in func.meta.KINDS
    if datum.type == "http":
        assert isinstance(datum.value, HttpRequestData)


# --- custom handler -------------------------------------------------------------------------


@given(method=st.sampled_from(["GET", "POST"]), headers=_headers,
       query=st.dictionaries(_token, _token, max_size=3), body=st.text(max_size=40))
def test_custom_handler_http_round_trips_through_the_converter(
    method: str, headers: dict[str, str], query: dict[str, str], body: str
) -> None:
    raw = {"Url": "http://h/api/x", "Method": method, "Query": query,
           "Headers": {k: [v] for k, v in headers.items()}, "Body": body}
    request = _request_of(custom_handler.http_request_datum(raw))
    assert request.method == method
    assert {k: request.headers[k] for k in headers} == headers
    assert {k: request.params[k] for k in query} == query
    assert request.get_body() == body.encode("utf-8", "surrogatepass")


@settings(max_examples=200)
@given(body=st.one_of(st.binary(max_size=80), _json.map(lambda v: json.dumps(v).encode())))
def test_custom_handler_reader_raises_only_wire_format_errors(body: bytes) -> None:
    try:
        data, metadata = custom_handler.read_request(body)
        inputs = [custom_handler.input_datum(value) for value in data.values()]
        meta = custom_handler.metadata_datums(metadata)
    except func.WireFormatError:
        return  # the documented error; any other escapes and fails the test
    assert all(isinstance(d, Datum) for d in inputs)
    assert all(isinstance(d, Datum) for d in meta.values())


def test_deeply_nested_json_is_a_wire_format_error() -> None:
    deep = b'{"Data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(func.WireFormatError, match="too deep"):
        custom_handler.read_request(deep)
    text = "[" * 200_000 + "]" * 200_000
    with pytest.raises(func.WireFormatError, match="deeper"):
        _ = Datum(text, "json").python_value


@given(status=st.integers(100, 599), headers=st.lists(st.tuples(_token, _value), max_size=4),
       cookies=st.lists(_token, max_size=3), body=st.binary(max_size=40))
def test_custom_handler_http_output_is_exact_or_says_to_forward(
    status: int, headers: list[tuple[str, str]], cookies: list[str], body: bytes
) -> None:
    """JSON mode: one string per header (repeats joined), the body as its UTF-8 text; an
    answer it cannot carry (two Set-Cookie lines, a non-UTF-8 body) raises instead."""
    data = HttpResponseData(status_code=status, headers=tuple(headers), cookies=tuple(cookies),
                            body=body)
    try:
        body.decode("utf-8")
        carried = len(cookies) <= 1
    except UnicodeDecodeError:
        carried = False
    if not carried:
        with pytest.raises(func.ForwardingRequiredError, match="enableForwardingHttpRequest"):
            custom_handler.HttpOutput.from_datum(Datum(data, "http"), binary=True)
        return
    out = custom_handler.HttpOutput.from_datum(Datum(data, "http"), binary=True)
    assert out["statusCode"] == str(status)
    assert out["body"].encode("utf-8") == body
    assert all(isinstance(v, str) for v in out["headers"].values())
    expected: dict[str, list[str]] = {}
    for name, value in [*headers, *(("Set-Cookie", c) for c in cookies)]:
        expected.setdefault(name.lower(), []).append(value)
    assert {k.lower(): v for k, v in out["headers"].items()} == {
        k: ", ".join(v) for k, v in expected.items()}


def test_custom_handler_refuses_an_http_datum_that_holds_no_response() -> None:
    with pytest.raises(func.WireFormatError, match="HttpResponseData"):
        custom_handler.datum_to_output(Datum({"status_code": "200"}, "http"))


# --- ASGI ------------------------------------------------------------------------------------


@given(method=st.sampled_from(["GET", "POST"]),
       # the scope's own Host header is the one the URL is built from: none generated
       headers=_headers.map(lambda h: {k: v for k, v in h.items() if k != "host"}),
       body=st.binary(max_size=64), query=st.lists(st.tuples(_token, _token), max_size=4))
def test_asgi_request_round_trips_through_the_converter(
    method: str, headers: dict[str, str], body: bytes, query: list[tuple[str, str]]
) -> None:
    query_string = "&".join(f"{k}={v}" for k, v in query)
    scope = {"type": "http", "method": method, "path": "/api/x", "scheme": "http",
             "query_string": query_string.encode(),
             "headers": [(b"host", b"h"), *((k.encode(), v.encode()) for k, v in headers.items())]}
    request = _request_of(asgi.request_datum(scope, body, {"id": "1"}))
    assert request.method == method
    assert {k: request.headers[k] for k in headers if k != "host"} == {
        k: v for k, v in headers.items() if k != "host"}
    assert list(request.params.items()) == query
    assert request.route_params == {"id": "1"}
    assert request.get_body() == body
    metadata = asgi.request_metadata(*asgi.request_parts(scope)[:2])
    assert all(isinstance(d.value, str) for d in metadata.values())  # JSON text, always
    assert json.loads(metadata["Headers"].value)["host"] == "h"


@given(status=st.integers(200, 599), headers=st.lists(st.tuples(_token, _value), max_size=4),
       cookies=st.lists(st.tuples(_token, _token), max_size=3), body=st.binary(max_size=40))
def test_asgi_response_round_trips_from_the_encoder(
    status: int, headers: list[tuple[str, str]], cookies: list[tuple[str, str]], body: bytes
) -> None:
    headers = [(k, v) for k, v in headers if k not in ("content-type", "set-cookie")]
    response = func.HttpResponse(body, status_code=status, headers=headers)
    for name, value in cookies:
        response.set_cookie(name, value)
    datum = OUT.encode(response)
    assert datum is not None
    got_status, pairs, payload = asgi.response_parts(datum)
    assert (got_status, payload) == (status, body)
    assert [p for p in pairs if p[0] != "Content-Type" and p[0] != "set-cookie"] == headers
    assert [v for k, v in pairs if k == "set-cookie"] == [f"{n}={v}; Path=/" for n, v in cookies]
    # the deferred form (the local hosts) sends the same answer from the object
    deferred = asgi.response_parts(Datum(DeferredHttpResponse(response), "http"))
    assert deferred[0] == status
    assert deferred[2] == body


def test_asgi_streams_a_deferred_response_chunk_by_chunk() -> None:
    response = func.HttpResponse(iter([b"a", b"b"]))
    driven: list[bool] = []

    async def driver(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
        driven.append(True)  # the host's pool would call next() off the loop
        for chunk in chunks:
            yield chunk

    status, _, body = asgi.response_parts(Datum(DeferredHttpResponse(response), "http"),
                                          threaded=driver)
    assert status == 200
    assert not isinstance(body, bytes)

    async def collect() -> list[bytes]:
        return [chunk async for chunk in body]

    assert asyncio.run(collect()) == [b"a", b"b"]
    assert driven == [True]


@settings(max_examples=100)
@given(value=_json)
def test_asgi_response_parts_raise_only_wire_format_errors(value: Any) -> None:
    # an http Datum that holds no response is refused with the documented error only
    with pytest.raises(func.WireFormatError, match="HttpResponseData"):
        asgi.response_parts(Datum(value, "http"))


# --- test kit builders ------------------------------------------------------------------------


@given(fields=st.lists(st.tuples(_token, st.text(max_size=20)), max_size=4),
       files=st.lists(st.tuples(_token, _token, st.binary(max_size=40)), max_size=3))
def test_testkit_multipart_round_trips_through_the_parser(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> None:
    body, content_type = testkit.encode_multipart(fields, files)
    form, uploads = parse_form(body, content_type)
    assert list(form.items()) == fields
    assert [(k, f.filename, f.read()) for k, f in uploads.items()] == files


@given(method=st.sampled_from(["GET", "POST"]), value=_json, headers=_headers)
def test_testkit_http_request_round_trips_through_the_converter(
    method: str, value: Any, headers: dict[str, str]
) -> None:
    headers.pop("content-type", None)
    headers.pop("content-length", None)
    request = func.testing.http_request(method, "/api/x", json=value, headers=headers)
    assert request.method == method
    assert request.get_json() == value
    assert {k: request.headers[k] for k in headers} == headers


@settings(max_examples=100)
@given(fields=st.lists(st.tuples(st.text(max_size=6), st.one_of(st.text(max_size=6),
                                                               st.integers())), max_size=3))
def test_testkit_encoders_raise_only_conversion_errors(fields: list[tuple[str, Any]]) -> None:
    try:
        body, content_type = testkit.encode_urlencoded(fields)
    except func.ConversionError:
        return  # the documented error; any other escapes and fails the test
    assert isinstance(body, bytes)
    assert content_type == "application/x-www-form-urlencoded"
