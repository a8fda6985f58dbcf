"""The metadata model: BindingInfo/FunctionInfo, function.json entries and rendering."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo

ENTRIES = [
    # (function.json entry, name, type, direction, data_type, properties)
    ({"name": "req", "type": "httpTrigger", "direction": "in", "authLevel": "anonymous",
      "methods": ["get"]}, "req", "httpTrigger", "in", None,
     {"authLevel": "anonymous", "methods": ["get"]}),
    ({"name": "$return", "type": "http", "direction": "OUT"}, "$return", "http", "out", None, {}),
    ({"name": "b", "type": "blob", "direction": "inout", "dataType": "BINARY", "path": "c/x"},
     "b", "blob", "inout", "binary", {"path": "c/x"}),
    ({"name": "m", "type": "queueTrigger"}, "m", "queueTrigger", "in", None, {}),
    ({"name": "t", "type": "timerTrigger", "dataType": "undefined", "schedule": "*"},
     "t", "timerTrigger", "in", None, {"schedule": "*"}),
]


@pytest.mark.parametrize(("entry", "name", "kind", "direction", "data_type", "props"), ENTRIES)
def test_binding_from_json(
    entry: dict[str, Any], name: str, kind: str, direction: str, data_type: str | None,
    props: dict[str, Any],
) -> None:
    binding = BindingInfo.from_json(entry)
    assert (binding.name, binding.type, binding.direction, binding.data_type) == (
        name, kind, direction, data_type,
    )
    assert dict(binding.properties) == props
    assert BindingInfo.from_json(binding.to_json()) == binding


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ([], "JSON object"),
        ({"type": "queue"}, "\"name\""),
        ({"name": "x"}, "\"type\""),
        ({"name": "x", "type": "queue", "direction": "sideways"}, "direction"),
        ({"name": "x", "type": "queue", "direction": 3}, "direction"),
        ({"name": "x", "type": "queue", "dataType": "int"}, "dataType"),
    ],
)
def test_binding_from_json_rejects(entry: Any, fragment: str) -> None:
    with pytest.raises(func.FunctionLoadError, match=fragment):
        BindingInfo.from_json(entry)


def test_binding_flags() -> None:
    assert BindingInfo("x", "QUEUETRIGGER").is_trigger
    assert not BindingInfo("x", "queue", "out").is_trigger
    assert BindingInfo("$return", "http", "out").is_return
    assert BindingInfo("e", "eventHubTrigger", properties={"cardinality": "MANY"}).cardinality == (
        "many"
    )
    with pytest.raises(func.FunctionLoadError, match="cannot be a property"):
        BindingInfo("x", "queue", properties={"name": "y"})


def test_binding_properties_are_read_only() -> None:
    props = {"queueName": "q"}
    binding = BindingInfo("m", "queueTrigger", properties=props)
    props["queueName"] = "changed"
    assert binding.properties["queueName"] == "q"
    with pytest.raises(TypeError, match="does not support item assignment"):
        binding.properties["queueName"] = "x"  # type: ignore[index]


def _main(req: func.HttpRequest, out: func.Out[str]) -> str:
    return "x"


async def _amain(msg: str) -> None:
    return None


def test_function_info_views_and_rendering() -> None:
    info = FunctionInfo(
        name="f",
        func=_main,
        bindings=(
            BindingInfo("req", "httpTrigger", "in"),
            BindingInfo("out", "queue", "out", properties={"queueName": "q"}),
            BindingInfo("$return", "http", "out"),
        ),
        directory=None,
        script_file="main.py",
        entry_point="_main",
        disabled=True,
        retry={"strategy": "fixedDelay", "maxRetryCount": 2},
    )
    assert info.trigger is not None
    assert info.trigger.name == "req"
    assert info.return_binding is not None
    assert info.return_binding.type == "http"
    assert [b.name for b in info.input_bindings] == ["req"]
    assert [b.name for b in info.output_bindings] == ["out"]
    assert not info.is_async
    assert FunctionInfo("g", _amain).is_async
    rendered = info.to_function_json()
    assert rendered == {
        "scriptFile": "main.py",
        "entryPoint": "_main",
        "bindings": [
            {"name": "req", "type": "httpTrigger", "direction": "in"},
            {"name": "out", "type": "queue", "direction": "out", "queueName": "q"},
            {"name": "$return", "type": "http", "direction": "out"},
        ],
        "disabled": True,
        "retry": {"strategy": "fixedDelay", "maxRetryCount": 2},
    }
    json.dumps(rendered)  # JSON-serialisable as is


_names = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
_json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
_bindings = st.builds(
    BindingInfo,
    name=_names,
    type=_names,
    direction=st.sampled_from(["in", "out", "inout", "IN", "Out"]),
    data_type=st.sampled_from([None, "string", "binary", "stream", "STRING"]),
    properties=st.dictionaries(
        _names.filter(lambda k: k not in {"name", "type", "direction", "dataType"}),
        _json_scalars | st.lists(_json_scalars, max_size=3),
        max_size=4,
    ),
)


@given(_bindings)
def test_binding_json_round_trip(binding: BindingInfo) -> None:
    text = json.dumps(binding.to_json())
    assert BindingInfo.from_json(json.loads(text)) == binding


_json = st.recursive(
    _json_scalars | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=10,
)


@given(_json | st.fixed_dictionaries({"name": _json, "type": _json, "direction": _json,
                                      "dataType": _json}))
def test_binding_from_arbitrary_json_raises_only_load_errors(entry: Any) -> None:
    try:
        binding = BindingInfo.from_json(entry)
    except func.FunctionLoadError:
        return
    assert binding.direction in {"in", "out", "inout"}


def test_azure_functions_style_accessors() -> None:
    trigger = BindingInfo("req", "httpTrigger")
    info = FunctionInfo("f", _main, (trigger, BindingInfo("$return", "http", "out")))
    assert info.get_function_name() == "f"
    assert info.get_user_function() is _main
    assert info.get_trigger() == trigger
    assert info.get_bindings() == list(info.bindings)
    assert json.loads(info.get_function_json()) == info.to_function_json()
