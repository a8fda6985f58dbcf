"""The worker-Datum codec (azfunc/wire/python_worker.py) and the bridge's keys, without the
worker: round trips, and only azfunc errors on arbitrary input."""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError, ConversionError, Datum
from azfunc.msworker.converters import BindingKey, is_azfunc_annotation, is_azfunc_value
from azfunc.wire.python_worker import (
    WorkerDatum,
    datum_from_worker,
    datum_to_worker,
    metadata_from_worker,
)

PLAIN = st.one_of(
    st.builds(Datum, st.text(), st.just("string")),
    st.builds(Datum, st.binary(), st.just("bytes")),
    st.builds(Datum, st.integers(), st.just("int")),
    st.builds(Datum, st.floats(allow_nan=False), st.just("double")),
    st.builds(Datum, st.text().map(lambda t: f'"{t}"'), st.just("json")),
)


def test_json_bytes_go_out_as_text_and_non_utf8_fails() -> None:
    assert datum_to_worker(Datum(b'{"a": 1}', "json")).value == '{"a": 1}'
    with pytest.raises(ConversionError, match="UTF-8"):
        datum_to_worker(Datum(b"\xff", "json"))


@given(PLAIN)
def test_plain_datums_round_trip(datum: Datum) -> None:
    out = datum_to_worker(datum)
    assert (out.type, out.value) == (datum.type, datum.value)
    assert type(out.value) is type(datum.value)
    assert datum_from_worker(out) == datum


def test_null_goes_out_as_no_value_and_comes_back_as_null() -> None:
    assert datum_to_worker(None).type is None
    assert datum_to_worker(Datum(None, "null")).type is None
    assert datum_from_worker(None).type == "null"
    assert datum_from_worker(WorkerDatum(None, None)).type == "null"


def test_stream_and_bytearray_go_out_as_bytes() -> None:
    assert datum_to_worker(Datum(bytearray(b"ab"), "bytes")).value == b"ab"
    out = datum_to_worker(Datum(memoryview(b"cd"), "stream"))
    assert (out.type, out.value) == ("bytes", b"cd")


NAMES = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
#: cookie names SimpleCookie reads as attributes (``expires=a`` is no cookie to it), so the
#: worker cannot send a cookie of that name; that case has its own test below.
COOKIE_NAMES = NAMES.filter(lambda name: name not in Morsel._reserved)


@given(st.lists(st.tuples(COOKIE_NAMES, NAMES), min_size=1, max_size=4))
def test_every_set_cookie_goes_out_as_one_cookie_in_order(pairs: list[tuple[str, str]]) -> None:
    resp = func.HttpResponse("x")
    for name, value in pairs:
        resp.headers.add("Set-Cookie", f"{name}={value}; Path=/")
    encoded = func.get_binding_registry().require("http").encode(resp)
    out = datum_to_worker(encoded)
    cookies = out.value["cookies"]
    assert all(isinstance(c, SimpleCookie) and len(c) == 1 for c in cookies)
    assert [(k, m.value) for c in cookies for k, m in c.items()] == pairs
    assert out.value["status_code"].value == "200"
    assert out.value["body"].value == b"x"


@pytest.mark.parametrize("name", ["expires", "path", "max-age", "samesite"])
def test_a_cookie_named_like_an_attribute_fails_instead_of_being_dropped(name: str) -> None:
    resp = func.HttpResponse("x")
    resp.headers.add("Set-Cookie", f"{name}=a; Path=/")
    encoded = func.get_binding_registry().require("http").encode(resp)
    with pytest.raises(ConversionError, match="exactly one cookie"):
        datum_to_worker(encoded)


def test_a_set_cookie_that_is_not_one_cookie_fails_instead_of_being_dropped() -> None:
    resp = func.HttpResponse("x")
    resp.headers.add("Set-Cookie", "no-equals-sign-here")
    encoded = func.get_binding_registry().require("http").encode(resp)
    with pytest.raises(ConversionError, match="exactly one cookie"):
        datum_to_worker(encoded)


def test_http_request_datum_is_converted_all_the_way_down() -> None:
    value = {"method": WorkerDatum("GET", "string"), "url": WorkerDatum("/x?a=1", "string"),
             "headers": {"accept": WorkerDatum("*/*", "string")}, "query": {},
             "params": {"id": WorkerDatum("7", "string")},
             "body": WorkerDatum(b"", "bytes")}
    datum = datum_from_worker(WorkerDatum(value, "http"))
    assert type(datum.value.headers["accept"]) is Datum
    assert dict(datum.value.params) == {"id": Datum("7", "string")}
    assert dict(datum.value.query) == {}
    assert (datum.value.method, datum.value.url, datum.value.body) == ("GET", "/x?a=1", b"")
    req = func.get_binding_registry().require("httpTrigger").decode(datum)
    assert isinstance(req, func.HttpRequest)
    assert req.route_params["id"] == "7"
    assert req.params["a"] == "1"


def test_collections_cannot_go_out() -> None:
    with pytest.raises(ConversionError, match="cannot send"):
        datum_to_worker(Datum(["a"], "collection_string"))


ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=8,
)


@given(st.one_of(st.none(), st.text(max_size=12), st.sampled_from(sorted(
    ["http", "string", "bytes", "json", "collection_string", "collection_model_binding_data"]))),
    ANY)
def test_arbitrary_worker_datums_give_a_datum_or_an_azfunc_error(kind: Any, value: Any) -> None:
    try:
        out = datum_from_worker(WorkerDatum(value, kind))
    except AzFuncError:
        return
    assert isinstance(out, Datum)


@given(st.dictionaries(st.text(max_size=6), st.builds(WorkerDatum, ANY, st.just("string")),
                       max_size=4))
def test_metadata_maps_every_key(md: dict[str, WorkerDatum]) -> None:
    out = metadata_from_worker(md)
    assert set(out) == set(md)
    assert all(isinstance(v, Datum) for v in out.values())


def test_binding_key_is_its_type_in_text_but_equal_only_to_itself() -> None:
    key = BindingKey("queueTrigger")
    table: dict[Any, str] = {"queueTrigger": "original", key: "mine"}
    assert str(key) == "queueTrigger"
    assert table["queueTrigger"] == "original"
    assert table[key] == "mine"
    assert BindingKey("queueTrigger") not in table


def test_azfunc_annotations_and_values_are_told_apart() -> None:
    import typing

    assert is_azfunc_annotation(func.QueueMessage)
    assert is_azfunc_annotation(typing.List[func.EventHubEvent])  # noqa: UP006
    assert is_azfunc_annotation(func.Out[func.QueueMessage])
    assert not is_azfunc_annotation(dict)
    assert not is_azfunc_annotation(None)
    assert is_azfunc_value(func.HttpResponse("x"))
    assert not is_azfunc_value({"a": 1})


def test_binding_key_hashes_by_identity_in_c() -> None:
    # The worker hashes the key on each registry lookup, several times per invocation: the
    # hash is object's own (no Python frame), and still by identity.
    key = BindingKey("httpTrigger")
    assert BindingKey.__hash__ is object.__hash__
    assert hash(key) == object.__hash__(key) != hash("httpTrigger")


NAMES = st.text(max_size=6)


@given(st.dictionaries(NAMES, st.text(max_size=6), max_size=5),
       st.dictionaries(NAMES, st.text(max_size=6), max_size=3),
       st.dictionaries(NAMES, st.text(max_size=6), max_size=3),
       st.one_of(st.binary(max_size=8), st.text(max_size=8)))
def test_http_maps_round_trip_into_plain_dicts_of_datums(
    headers: dict[str, str], query: dict[str, str], params: dict[str, str], body: bytes | str,
) -> None:
    from azfunc.wire.http import HttpRequestData

    def worker_map(m: dict[str, str]) -> dict[str, WorkerDatum]:
        return {k: WorkerDatum(v, "string") for k, v in m.items()}

    value = {"method": WorkerDatum("POST", "string"), "url": WorkerDatum("/u", "string"),
             "headers": worker_map(headers), "query": worker_map(query),
             "params": worker_map(params),
             "body": WorkerDatum(body, "bytes" if isinstance(body, bytes) else "string")}
    data = datum_from_worker(WorkerDatum(value, "http")).value
    expected = HttpRequestData(
        method="POST", url="/u", body=body,
        headers={k: Datum(v, "string") for k, v in headers.items()},
        query={k: Datum(v, "string") for k, v in query.items()},
        params={k: Datum(v, "string") for k, v in params.items()},
    )
    assert type(data) is HttpRequestData
    assert data == expected
    assert all(type(m) is dict or not m for m in (data.headers, data.query, data.params))


@given(st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), ANY, max_size=4))
def test_malformed_http_maps_give_only_azfunc_errors(raw: dict[Any, Any]) -> None:
    value = {"method": WorkerDatum("GET", "string"), "url": WorkerDatum("/", "string"),
             "headers": raw, "body": WorkerDatum(b"", "bytes")}
    try:
        datum = datum_from_worker(WorkerDatum(value, "http"))
        req = func.get_binding_registry().require("httpTrigger").decode(datum)
        dict(req.headers)
    except AzFuncError:
        return
    assert all(isinstance(k, str) for k in raw)


def test_a_header_name_that_is_not_text_fails_the_decode() -> None:
    value = {"method": WorkerDatum("GET", "string"), "url": WorkerDatum("/", "string"),
             "headers": {1: WorkerDatum("x", "string")}}
    with pytest.raises(ConversionError, match="headers has a name that is a int"):
        datum_from_worker(WorkerDatum(value, "http"))
