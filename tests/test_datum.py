"""Datum and the proto3-JSON TypedData reader."""

from __future__ import annotations

import base64
import json
import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc
from azfunc.meta import Datum, datum_from_typed_data
from azfunc.wire.http import HttpRequestData
from tests.conftest import VECTORS


def test_json_datum_parses_text() -> None:
    assert Datum('{"a": [1, 2]}', "json").python_value == {"a": [1, 2]}


def test_invalid_json_datum_raises_wire_error() -> None:
    with pytest.raises(azfunc.WireFormatError, match="valid JSON"):
        _ = Datum("{nope", "json").python_value


def test_none_type_is_null() -> None:
    datum = Datum(None, None)
    assert datum.type == "null"
    assert datum.python_value is None


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(azfunc.WireFormatError, match="unknown Datum kind 'blob'"):
        Datum(b"", "blob")


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (["a", "b"], "collection_string", ["a", "b"]),
        (SimpleNamespace(string=["a"]), "collection_string", ["a"]),
        (SimpleNamespace(bytes=[b"x"]), "collection_bytes", [b"x"]),
        (SimpleNamespace(double=[1.5]), "collection_double", [1.5]),
        (SimpleNamespace(sint64=[7]), "collection_sint64", [7]),
    ],
)
def test_collections_accept_lists_and_worker_objects(value: Any, kind: str, expected: Any) -> None:
    assert Datum(value, kind).python_value == expected


def test_collection_without_items_raises() -> None:
    with pytest.raises(azfunc.WireFormatError, match=r"\.string list"):
        _ = Datum(SimpleNamespace(), "collection_string").python_value


def test_equality_and_hash() -> None:
    assert Datum("x", "string") == Datum("x", "string")
    assert Datum("x", "string") != Datum("x", "json")
    assert len({Datum("x", "string"), Datum("x", "string")}) == 1
    assert hash(Datum({"a": 1}, "http")) == hash(Datum({"a": 1}, "http"))


def test_repr_is_short_and_readable() -> None:
    assert repr(Datum("x" * 500, "string")).startswith("<Datum string 'xxxx")
    assert len(repr(Datum("x" * 500, "string"))) < 80


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({}, Datum(None, "null")),
        ({"string": "hi"}, Datum("hi", "string")),
        ({"json": "[1]"}, Datum("[1]", "json")),
        ({"bytes": "aGk="}, Datum(b"hi", "bytes")),
        ({"bytes": "aGk"}, Datum(b"hi", "bytes")),
        ({"stream": "-_8="}, Datum(b"\xfb\xff", "stream")),
        ({"int": "47"}, Datum(47, "int")),
        ({"int": 47}, Datum(47, "int")),
        ({"double": "NaN"}, None),
        ({"double": 1.5}, Datum(1.5, "double")),
        ({"collectionString": {"string": ["a", "b"]}}, Datum(["a", "b"], "collection_string")),
        ({"collectionBytes": {"bytes": ["eA=="]}}, Datum([b"x"], "collection_bytes")),
        ({"collectionSint64": {"sint64": ["47", 48]}}, Datum([47, 48], "collection_sint64")),
        ({"collectionDouble": {"double": [1, "2.5"]}}, Datum([1.0, 2.5], "collection_double")),
        ({"collection_string": {}}, Datum([], "collection_string")),
    ],
)
def test_typed_data_reader(typed: dict[str, Any], expected: Datum | None) -> None:
    datum = datum_from_typed_data(typed)
    if expected is None:
        assert datum.type == "double"
        assert math.isnan(datum.value)
    else:
        assert datum == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"bytes": "***"}, "not valid base64"),
        ({"string": 1}, "must be a string"),
        ({"int": "x"}, "must be an integer"),
        ({"int": True}, "boolean"),
        ({"double": "fast"}, "must be a number"),
        ({"string": "a", "json": "1"}, "one field only"),
        ({"blob": "a"}, "unknown TypedData field"),
        ({"http": []}, "RpcHttp"),
        ({"http": {"headers": {"a": 1}}}, "strings to strings"),
        ({"collectionString": {"string": "a"}}, "must be a list"),
        ([], "JSON object"),
    ],
)
def test_typed_data_reader_errors(typed: Any, message: str) -> None:
    with pytest.raises(azfunc.WireFormatError, match=message):
        datum_from_typed_data(typed)


def test_http_typed_data_from_the_wire_vector() -> None:
    vector = json.loads((VECTORS / "grpc" / "http_post_invocation_request.json").read_text())
    typed = vector["message"]["inputData"][0]["data"]
    datum = datum_from_typed_data(typed)
    assert datum.type == "http"
    http = datum.value
    assert isinstance(http, HttpRequestData)
    assert http.method == "POST"
    assert http.url == "http://localhost:7071/api/items/42?name=Azure&tag=a,b"
    assert http.headers["content-type"] == Datum("application/json", "string")
    assert http.params == {"id": Datum("42", "string")}
    assert http.query["tag"].value == "a,b"
    assert http.body == b'{"name":"Azure"}'
    assert http.identities is not None
    assert json.loads(http.identities)[0]["claims"][0]["value"] == "Admin"


def test_http_without_body_gets_empty_bytes_and_nullable_maps_win() -> None:
    datum = datum_from_typed_data(
        {"http": {"method": "GET", "url": "/x", "query": {"a": "1"},
                  "nullableQuery": {"a": {"value": ""}, "b": {}}}}
    )
    assert datum.value.body == b""
    assert {k: v.value for k, v in datum.value.query.items()} == {"a": "", "b": ""}


def test_every_grpc_vector_reads() -> None:
    count = 0
    for path in sorted((VECTORS / "grpc").glob("*invocation_request.json")):
        message = json.loads(path.read_text())["message"]
        for binding in message["inputData"]:
            assert datum_from_typed_data(binding["data"]).type in azfunc.meta.KINDS
            count += 1
        for typed in message.get("triggerMetadata", {}).values():
            datum_from_typed_data(typed)
    assert count >= 4


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary().map(
        lambda b: base64.b64encode(b).decode()
    )
)
_json = st.recursive(_scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                     max_leaves=10)


@given(st.dictionaries(st.sampled_from(
    ["string", "json", "bytes", "stream", "http", "int", "double", "collectionBytes",
     "collectionString", "collectionDouble", "collectionSint64", "other"]), _json, max_size=2))
def test_reader_raises_only_library_errors(typed: dict[str, Any]) -> None:
    try:
        datum = datum_from_typed_data(typed)
    except azfunc.AzFuncError:
        return
    assert datum.type in azfunc.meta.KINDS


@given(st.binary())
def test_bytes_round_trip(data: bytes) -> None:
    typed = {"bytes": base64.b64encode(data).decode()}
    assert datum_from_typed_data(typed).value == data
