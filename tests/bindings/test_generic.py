"""The generic converter: plain values for unknown bindings, both directions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum

REG = func.get_binding_registry()
GENERIC = REG.require("generic")


def test_unknown_bindings_fall_back_to_generic() -> None:
    assert REG.get_or_generic("someNewBinding") is GENERIC


@pytest.mark.parametrize(
    ("datum", "pytype", "expected"),
    [
        (Datum("hi", "string"), None, "hi"),
        (Datum("hi", "string"), bytes, b"hi"),
        (Datum(b"hi", "bytes"), None, b"hi"),
        (Datum(b"hi", "stream"), str, "hi"),
        (Datum('{"a": 1}', "json"), None, '{"a": 1}'),
        (Datum('{"a": 1}', "json"), dict, {"a": 1}),
        (Datum("[1]", "json"), list[int], [1]),
        (Datum(b"[1]", "bytes"), list, [1]),
        (Datum("[1]", "string"), list, [1]),
        (Datum(3, "int"), None, 3),
        (Datum(2.5, "double"), None, 2.5),
        (Datum(["a"], "collection_string"), None, ["a"]),
        (Datum(None, "null"), str, None),
    ],
)
def test_decode(datum: Datum, pytype: Any, expected: Any) -> None:
    assert GENERIC.decode(datum, pytype=pytype) == expected


def test_decode_errors() -> None:
    with pytest.raises(func.ConversionError, match="http"):
        GENERIC.decode(Datum({}, "http"))
    with pytest.raises(func.ConversionError, match="bytes"):
        GENERIC.decode(Datum(b"\xff", "bytes"), pytype=str)
    with pytest.raises(func.ConversionError, match="dict"):
        GENERIC.decode(Datum("[1]", "json"), pytype=dict)
    with pytest.raises(func.ConversionError):
        GENERIC.decode(Datum("x", "int"))


def test_annotations() -> None:
    for ok in (None, str, bytes, dict, list, object, Any, dict[str, Any], str | None):
        assert GENERIC.check_input_type_annotation(ok)
    assert not GENERIC.check_input_type_annotation(int)
    assert GENERIC.check_output_type_annotation(int)
    assert not GENERIC.check_output_type_annotation(set)


def test_encode() -> None:
    assert GENERIC.encode("x") == Datum("x", "string")
    assert GENERIC.encode(b"x") == Datum(b"x", "bytes")
    assert GENERIC.encode(True) == Datum("true", "json")
    assert GENERIC.encode(3) == Datum(3, "int")
    assert GENERIC.encode(1.5) == Datum(1.5, "double")
    assert GENERIC.encode({"a": [1]}) == Datum('{"a": [1]}', "json")
    assert GENERIC.encode(None) is None
    with pytest.raises(func.ConversionError):
        GENERIC.encode({1, 2})
    with pytest.raises(func.ConversionError):
        GENERIC.encode({"a": object()})


_text = st.text(st.characters(codec="utf-8"), max_size=10)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=80)
@given(
    st.one_of(
        _text,
        st.binary(max_size=10),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False),
        st.dictionaries(_text, _json, max_size=3),
        st.lists(_json, max_size=3),
    )
)
def test_round_trip(value: Any) -> None:
    datum = GENERIC.encode(value)
    assert datum is not None
    pytype = type(value) if isinstance(value, (dict, list)) else None
    assert GENERIC.decode(datum, pytype=pytype) == value


@settings(max_examples=150)
@given(
    st.builds(
        Datum,
        st.one_of(
            st.none(),
            st.text(st.characters(categories=["Cs", "Ll"]), max_size=5),
            st.binary(max_size=8),
            _text,
            st.integers(),
            st.floats(),
            st.lists(_text, max_size=2),
            _json.map(json.dumps),
        ),
        st.sampled_from(sorted(KINDS)),
    ),
    st.sampled_from([None, str, bytes, dict, list]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(datum: Datum, pytype: Any) -> None:
    try:
        result = GENERIC.decode(datum, pytype=pytype)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    assert result is None or isinstance(result, (str, bytes, int, float, list, dict))
