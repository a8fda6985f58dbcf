"""Durable functions through ``LoadedApp.invoke``: activity results as the implicit output,
the ``context`` binding name, without the Durable SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func


def _loaded(app: func.FunctionApp) -> func.LoadedApp:
    return func.LoadedApp(root=Path("."), kind="decorator", functions=app.get_functions())


def _app() -> func.FunctionApp:
    app = func.FunctionApp()

    @app.activity_trigger(input_name="city")
    def say_hello(city: str) -> str:
        return f"Hello {city}"

    @app.orchestration_trigger(context_name="context")
    def plain_orchestrator(context: func.OrchestrationContext) -> dict[str, Any]:
        return {"input": context.get_json()["input"]}

    @app.entity_trigger(context_name="context")
    def counter(context: func.EntityContext) -> dict[str, Any]:
        return {"seen": context.get_json()["self"]["name"]}

    return app


def test_an_activity_result_is_the_implicit_output() -> None:
    result = _loaded(_app()).invoke("say_hello", city="Oslo")
    assert result.return_value == "Hello Oslo"
    assert result.return_data == func.Datum('"Hello Oslo"', "json")
    assert not any("dropped" in m for m in result.messages)


def test_a_binding_named_context_takes_the_context_keyword() -> None:
    loaded = _loaded(_app())
    result = loaded.invoke("plain_orchestrator", context='{"history": [], "input": 7}')
    assert result.return_value == {"input": 7}
    assert json.loads(result.return_data.value) == {"input": 7}  # type: ignore[union-attr]
    entity = loaded.invoke("counter", context=json.dumps({"self": {"name": "c1"}}))
    assert entity.return_value == {"seen": "c1"}


def test_an_invocation_context_is_still_a_context() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(msg: str, context: func.Context) -> str:
        return context.invocation_id

    result = _loaded(app).invoke("work", msg="x", context=func.Context(invocation_id="id-1"))
    assert result.return_value == "id-1"


def test_a_function_without_an_implicit_output_still_drops_its_value() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(msg: str) -> str:
        return "kept nowhere"

    result = _loaded(app).invoke("work", msg="x")
    assert result.return_data is None
    assert any("dropped" in m for m in result.messages)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda kids: st.lists(kids) | st.dictionaries(st.text(), kids),
                    max_leaves=10))
def test_activity_results_round_trip_as_json(value: Any) -> None:
    app = func.FunctionApp()

    @app.activity_trigger(input_name="payload")
    def echo(payload: Any) -> Any:
        return value

    result = _loaded(app).invoke("echo", payload="{}")
    if value is None:
        assert result.return_data is None
    else:
        assert json.loads(result.return_data.value) == value  # type: ignore[union-attr]


def test_an_activity_result_that_is_not_json_is_a_conversion_error() -> None:
    app = func.FunctionApp()

    @app.activity_trigger(input_name="payload")
    def bad(payload: Any) -> Any:
        return object()

    with pytest.raises(func.ConversionError) as info:
        _loaded(app).invoke("bad", payload="1")
    assert info.value.function == "bad"


def test_the_sdk_handles_annotation_with_upstreams_context_is_accepted() -> None:
    """``Orchestrator.create``'s handle is annotated ``azure.functions.OrchestrationContext``;
    azfunc's context (same ``body``) is what it receives."""
    from azfunc.bindings.durable import OrchestrationTriggerConverter

    upstream = type("OrchestrationContext", (), {"__module__": "azure.functions._durable"})
    impostor = type("OrchestrationContext", (), {"__module__": "elsewhere"})
    converter = OrchestrationTriggerConverter()
    assert converter.check_input_type_annotation(upstream)
    assert not converter.check_input_type_annotation(impostor)
    decoded = converter.decode(func.Datum('{"history": []}', "string"), pytype=upstream)
    assert decoded.body == '{"history": []}'
