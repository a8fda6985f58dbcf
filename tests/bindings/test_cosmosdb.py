"""Cosmos DB documents: wire vectors, annotation forms, output, round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum
from tests.conftest import VECTORS

REG = func.get_binding_registry()
TRIGGER = REG.require("cosmosDBTrigger")
INOUT = REG.require("cosmosDB")


def _vectors() -> dict[str, Any]:
    return json.loads((VECTORS / "trigger_payloads" / "cosmosdb.json").read_text())


def test_single_doc_json_vector() -> None:
    for kind, value in (
        ("json", _vectors()["single_doc_json"]),
        ("bytes", _vectors()["single_doc_json"].encode()),
    ):
        docs = INOUT.decode(Datum(value, kind))
        assert isinstance(docs, func.DocumentList)
        assert docs == [{"id": "1", "name": "awesome_name"}]
        assert isinstance(docs[0], func.Document)


def test_doc_with_system_fields_vector() -> None:
    doc = _vectors()["doc_with_system_fields"]
    (got,) = TRIGGER.decode(Datum(json.dumps([doc]), "json"))
    assert got.to_dict() == doc
    assert got["_ts"] == 1650036720
    assert got["name"] is None


def test_multiple_docs_vector() -> None:
    docs = TRIGGER.decode(Datum(json.dumps(_vectors()["multiple_docs"]), "string"))
    assert [d["name"] for d in docs] == ["awesome_name", "bossy_name"]


def test_null_entry_array_vector() -> None:
    assert list(TRIGGER.decode(Datum(_vectors()["null_entry_array_json"], "json"))) == [None]
    assert TRIGGER.decode(Datum(None, "null")) is None


def test_annotation_forms() -> None:
    payload = Datum('[{"id": "1"}]', "json")
    assert INOUT.decode(payload, pytype=func.Document) == {"id": "1"}
    assert INOUT.decode(payload, pytype=str) == '[{"id": "1"}]'
    assert INOUT.decode(payload, pytype=bytes) == b'[{"id": "1"}]'
    assert INOUT.decode(payload, pytype=list[dict[str, Any]]) == [{"id": "1"}]
    assert INOUT.decode(payload, pytype=dict) == {"id": "1"}
    with pytest.raises(func.ConversionError, match="DocumentList"):
        INOUT.decode(Datum("[{}, {}]", "json"), pytype=func.Document)
    with pytest.raises(func.ConversionError, match="not JSON"):
        INOUT.decode(Datum("{", "json"))
    with pytest.raises(func.ConversionError, match="JSON array of objects"):
        INOUT.decode(Datum("3", "json"))
    with pytest.raises(func.ConversionError):
        INOUT.decode(Datum("[3]", "json"))
    assert TRIGGER.has_trigger_support()
    assert not INOUT.has_trigger_support()
    assert INOUT.check_input_type_annotation(func.DocumentList)
    assert INOUT.check_output_type_annotation(func.Document)
    assert not INOUT.check_output_type_annotation(int)
    assert not TRIGGER.check_output_type_annotation(func.Document)


def test_types() -> None:
    doc = func.Document.from_json('{"a": 1}')
    assert isinstance(doc, dict)
    assert doc.to_json() == '{"a": 1}'
    assert func.Document.from_dict({"b": 2}) == {"b": 2}
    assert repr(doc) == "Document({'a': 1})"
    docs = func.DocumentList.from_json('[{"a": 1}]')
    assert isinstance(docs, list)
    assert docs.to_list() == [{"a": 1}]
    with pytest.raises(func.BodyDecodeError):
        func.Document.from_json("")
    with pytest.raises(func.ConversionError):
        func.Document.from_json("[1]")
    with pytest.raises(func.ConversionError):
        func.Document(x=object()).to_json()


def test_output() -> None:
    assert INOUT.encode(func.Document(id="1")) == Datum('[{"id": "1"}]', "json")
    assert INOUT.encode([{"id": "1"}, func.Document(id="2")]) == Datum(
        '[{"id": "1"}, {"id": "2"}]', "json"
    )
    assert INOUT.encode('[{"id": "1"}]') == Datum('[{"id": "1"}]', "json")
    assert INOUT.encode(None) is None
    with pytest.raises(func.ConversionError):
        INOUT.encode([1])
    with pytest.raises(func.ConversionError):
        INOUT.encode(1)
    with pytest.raises(func.ConversionError):
        INOUT.encode({"x": {1, 2}})


_text = st.text(st.characters(codec="utf-8"), max_size=10)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60)
@given(st.lists(st.dictionaries(_text, _json, max_size=4).map(func.Document), max_size=6))
def test_documents_round_trip(docs: list[func.Document]) -> None:
    datum = INOUT.encode(func.DocumentList(docs))
    assert datum is not None
    back = INOUT.decode(datum)
    assert back == docs
    assert all(type(d) is func.Document for d in back)


@settings(max_examples=150)
@given(
    st.builds(
        Datum,
        st.one_of(
            st.none(),
            st.text(st.characters(categories=["Cs", "Ll"]), max_size=5),
            st.binary(max_size=10),
            _text,
            st.integers(),
            _json.map(json.dumps),
        ),
        st.sampled_from(sorted(KINDS)),
    ),
    st.sampled_from([None, func.Document, func.DocumentList, str, dict, list]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(datum: Datum, pytype: Any) -> None:
    try:
        result = INOUT.decode(datum, pytype=pytype)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    if result is None:
        return
    assert isinstance(result, func.DocumentList if pytype is None else pytype)
    if isinstance(result, func.DocumentList):
        assert all(doc is None or isinstance(doc, func.Document) for doc in result)
