"""Durable Functions: contexts, activity JSON, durable client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum

REG = func.get_binding_registry()
ORCH = REG.require("orchestrationTrigger")
ENTITY = REG.require("entityTrigger")
ACTIVITY = REG.require("activityTrigger")
CLIENT = REG.require("durableClient")


@pytest.mark.parametrize(
    ("conv", "cls"), [(ORCH, func.OrchestrationContext), (ENTITY, func.EntityContext)]
)
def test_context_triggers(conv: Any, cls: type) -> None:
    body = '{"history": [], "input": {"n": 1}}'
    for datum in (Datum(body, "string"), Datum(body, "json"), Datum(body.encode(), "bytes")):
        ctx = conv.decode(datum)
        assert type(ctx) is cls
        assert ctx.body == body
        assert str(ctx) == body
        assert ctx.get_json()["input"] == {"n": 1}
        assert ctx.get_body() == body.encode()
    assert conv.decode(Datum(body, "string"), pytype=str) == body
    assert conv.has_implicit_output()
    assert conv.has_trigger_support()
    assert conv.check_input_type_annotation(cls)
    assert not conv.check_input_type_annotation(int)
    assert conv.encode('{"done": true}') == Datum('{"done": true}', "json")
    assert conv.encode({"done": True}) == Datum('{"done": true}', "json")
    with pytest.raises(func.ConversionError):
        conv.encode(object())
    with pytest.raises(func.ConversionError):
        conv.decode(Datum(b"\xff", "bytes"))


def test_context_types() -> None:
    assert func.OrchestrationContext().body == ""
    assert func.EntityContext(body=b"{}") == func.EntityContext(body="{}")
    with pytest.raises(func.BodyDecodeError):
        func.OrchestrationContext(body="").get_json()
    with pytest.raises(func.ArgumentTypeError, match="body"):
        func.EntityContext(body=3)  # type: ignore[arg-type]


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    @staticmethod
    def to_json(obj: Point) -> dict[str, int]:
        return {"x": obj.x}


def test_activity() -> None:
    assert ACTIVITY.decode(Datum('{"city": "Oslo"}', "json")) == {"city": "Oslo"}
    assert ACTIVITY.decode(Datum('"Tokyo"', "string")) == "Tokyo"
    assert ACTIVITY.decode(Datum("Tokyo", "string")) == "Tokyo"
    assert ACTIVITY.decode(Datum(None, "null")) is None
    assert ACTIVITY.encode("Tokyo") == Datum('"Tokyo"', "json")
    envelope = json.loads(ACTIVITY.encode(Point(3)).value)  # type: ignore[union-attr]
    assert envelope == {"__class__": "Point", "__module__": __name__, "__data__": {"x": 3}}
    with pytest.raises(func.ConversionError):
        ACTIVITY.encode(object())
    with pytest.raises(func.ConversionError):
        ACTIVITY.decode(Datum(1, "int"))


def test_durable_client() -> None:
    client = '{"taskHubName": "hub", "creationUrls": {}}'
    assert CLIENT.decode(Datum(client, "string")) == client
    assert CLIENT.decode(Datum(client, "json")) == client
    assert CLIENT.decode(Datum(client, "string"), pytype=bytes) == client.encode()
    assert CLIENT.check_input_type_annotation(str)
    assert not CLIENT.check_input_type_annotation(int)
    assert CLIENT.encode("x") == Datum("x", "string")
    assert CLIENT.encode(None) is None
    with pytest.raises(func.ConversionError):
        CLIENT.encode(1)


_text = st.text(st.characters(codec="utf-8"), max_size=10)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=80)
@given(_json)
def test_activity_round_trip(value: Any) -> None:
    datum = ACTIVITY.encode(value)
    assert datum is not None
    assert ACTIVITY.decode(datum) == value


@settings(max_examples=150)
@given(
    st.sampled_from([ORCH, ENTITY, ACTIVITY, CLIENT]),
    st.builds(
        Datum,
        st.one_of(
            st.none(),
            st.text(st.characters(categories=["Cs", "Ll"]), max_size=5),
            st.binary(max_size=8),
            _text,
            st.integers(),
            st.lists(_text, max_size=2),
        ),
        st.sampled_from(sorted(KINDS)),
    ),
)
def test_arbitrary_datums_raise_only_azfunc_errors(conv: Any, datum: Datum) -> None:
    try:
        result = conv.decode(datum)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    if isinstance(result, (func.OrchestrationContext, func.EntityContext)):
        assert isinstance(result.body, str)
