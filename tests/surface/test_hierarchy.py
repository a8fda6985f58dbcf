"""azfunc's decorator classes carry upstream's names and meaning, checked by running both.

``describe_hierarchy.py`` describes the class hierarchy (``DecoratorApi``, ``TriggerApi``,
``BindingApi``, ``SettingsApi``, ``FunctionRegister``, ``Function``, ``FunctionBuilder``, ...)
in azfunc and in ``azure-functions`` 1.26 and 2.3; the subclass relations, the methods and
the top-level names must agree, but for the deliberate differences listed here (each also in
``docs/migration.md``). The rest tests the behaviour behind the names, and the 2.4 names
(``DeliveryMode``, ``connector_trigger``'s keywords) from what 2.4.0b1 does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc.app.decorators import FunctionBuilder
from azfunc.app.model import BindingInfo

HERE = Path(__file__).resolve().parent
DESCRIBE = HERE / "describe_hierarchy.py"

#: azfunc's web-framework apps are FunctionApps too (their other decorators work there).
EXTRA_BASES = {(name, "FunctionApp") for name in
               ("ExternalHttpFunctionApp", "AsgiFunctionApp", "WsgiFunctionApp")}
#: upstream methods azfunc leaves out: a built ``Function`` is immutable (add bindings and
#: settings through the decorators or the ``FunctionBuilder``), and settings are dicts
#: (``get_settings_dict``), not upstream's ``Setting`` objects.
LEFT_OUT = {
    "Function": {"add_binding", "add_setting", "add_trigger", "get_setting", "set_http_type"},
    "FunctionBuilder": {"add_setting"},
}


def _describe(python: Path | str, package: str, module: str) -> dict[str, Any]:
    done = subprocess.run([str(python), str(DESCRIBE), package, module],
                          capture_output=True, text=True, check=False, cwd=HERE)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


Described = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module", params=["1.26", "2.3"])
def described(request: pytest.FixtureRequest) -> Described:
    """(azfunc's description, upstream's) for each upstream version."""
    python = request.getfixturevalue("upstream" if request.param == "1.26" else "upstream2")
    return (_describe(sys.executable, "azfunc", "azfunc.app.decorators"),
            _describe(python, "azure.functions", "azure.functions.decorators.function_app"))


def test_the_subclass_relations_are_upstreams(described: Described) -> None:
    ours, theirs = described
    for name, bases in theirs["subclass_of"].items():
        extra = {base for (cls, base) in EXTRA_BASES if cls == name}
        assert set(ours["subclass_of"][name]) == set(bases) | extra, name


def test_every_upstream_method_exists_on_the_same_class(described: Described) -> None:
    ours, theirs = described
    missing = {
        name: sorted(set(methods) - set(ours["methods"][name]) - LEFT_OUT.get(name, set()))
        for name, methods in theirs["methods"].items()
    }
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_left_out_methods_are_really_left_out(described: Described) -> None:
    ours, theirs = described
    for name, methods in LEFT_OUT.items():
        assert methods <= set(theirs["methods"][name])
        assert not methods & set(ours["methods"][name])


def test_every_upstream_top_level_name_exists(described: Described) -> None:
    ours, theirs = described
    assert ours["top_level"] == theirs["top_level"]
    assert set(theirs["all"]) - set(ours["all"]) == set()


def test_an_mcp_content_result_is_answered_as_upstream_answers_it(
    described: Described,
) -> None:
    ours, theirs = described
    assert ours["structured_tool"] == theirs["structured_tool"]
    assert json.loads(ours["structured_tool"]["structuredContent"]) == {
        "city": "Oslo", "degrees": 21}


# --- the behaviour behind the names ---------------------------------------------------------


def _queue_app() -> tuple[func.FunctionApp, Any]:
    app = func.FunctionApp()

    @app.function_name("Work", setting_extra_fields={"note": 1})
    @app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:01")
    @app.queue_trigger(arg_name="msg", queue_name="jobs", connection="Storage")
    @app.queue_output(arg_name="out", queue_name="done", connection="Storage")
    def work(msg: str, out: func.Out[str]) -> str:
        return msg.upper()

    return app, work


def test_apps_and_blueprints_are_instances_of_upstreams_bases() -> None:
    app, bp = func.FunctionApp(), func.Blueprint()
    for base in (func.DecoratorApi, func.TriggerApi, func.BindingApi, func.SettingsApi):
        assert isinstance(app, base)
        assert isinstance(bp, base)
    assert isinstance(app, func.FunctionRegister)
    assert not isinstance(bp, func.FunctionRegister)
    assert hasattr(func.TriggerApi, "queue_trigger")
    assert not hasattr(func.TriggerApi, "queue_output")
    assert hasattr(func.BindingApi, "queue_output")
    assert not hasattr(func.BindingApi, "route")
    assert hasattr(func.SettingsApi, "retry")
    assert not hasattr(func.SettingsApi, "route")


def test_get_functions_gives_function_objects_with_upstreams_accessors() -> None:
    app, work = _queue_app()
    (function,) = app.get_functions()
    assert isinstance(function, func.Function)
    assert function("hi", None) == "HI"
    assert function.get_function_name() == "Work"
    assert function.get_user_function() is work
    assert function.get_trigger() is not None
    assert function.get_trigger().name == "msg"
    assert [b.name for b in function.get_bindings()] == ["msg", "out"]
    assert [json.loads(raw)["name"] for raw in function.get_raw_bindings()] == ["msg", "out"]
    assert function.get_dict_repr() == {"scriptFile": "function_app.py",
                                        **function.get_bindings_dict()}
    assert json.loads(str(function)) == json.loads(function.get_function_json())
    assert function.get_settings_dict("function_name") == {
        "setting_name": "function_name", "function_name": "Work", "note": 1}
    assert function.get_settings_dict("retry_policy") == {
        "setting_name": "retry_policy", "strategy": "fixed_delay", "max_retry_count": "2",
        "delay_interval": "00:00:01"}
    assert function.get_settings_dict("nothing") is None
    assert function.function_script_file == "function_app.py"
    assert not function.is_http_function()


def test_build_checks_the_trigger_as_upstreams_builder_does() -> None:
    app = func.FunctionApp()

    @app.queue_output(arg_name="out", queue_name="q", connection="c")
    def lonely(out: func.Out[str]) -> None: ...

    with pytest.raises(func.FunctionLoadError, match="no trigger") as caught:
        lonely.build()  # type: ignore[attr-defined]
    assert isinstance(caught.value, ValueError)


def test_a_builder_takes_bindings_in_order_and_one_trigger() -> None:
    def handler(msg: str, extra: str) -> str:
        return msg + extra

    builder = FunctionBuilder(handler, "function_app.py")
    builder.add_trigger(BindingInfo("msg", "queueTrigger", properties={"queueName": "q"}))
    builder.add_binding(BindingInfo("extra", "blob", properties={"path": "a/b"}))
    builder.add_binding(BindingInfo("$return", "queue", "out"))
    assert builder("a", "b") == "ab"
    with pytest.raises(func.FunctionLoadError, match="one trigger"):
        builder.add_trigger(BindingInfo("other", "timerTrigger"))
    with pytest.raises(func.FunctionLoadError, match="not a trigger"):
        builder.add_trigger(BindingInfo("other", "blob"))
    with pytest.raises(func.ArgumentTypeError):
        builder.add_binding({"name": "x"})  # type: ignore[arg-type]
    built = builder.configure_http_type("asgi").build()
    assert [b.name for b in built.get_bindings()] == ["msg", "extra", "$return"]
    assert built.http_type == "asgi"
    assert built.get_function_name() == "handler"


def test_an_http_function_is_one_and_gets_the_app_auth_level() -> None:
    app = func.FunctionApp(http_auth_level="anonymous")

    @app.route(route="hi")
    def hi(req: func.HttpRequest) -> str:
        return "hi"

    built = hi.build()  # type: ignore[attr-defined]
    assert built.is_http_function()
    assert built.get_trigger().properties["authLevel"] == "anonymous"
    assert hi.build("admin").get_trigger().properties["authLevel"] == "admin"  # type: ignore[attr-defined]
    with pytest.raises(func.FunctionLoadError, match="auth_level"):
        hi.build("nobody")  # type: ignore[attr-defined]


def test_register_functions_takes_any_decorator_api_but_not_other_objects() -> None:
    app, bp = func.FunctionApp(), func.Blueprint()

    @bp.queue_trigger(arg_name="msg", queue_name="q", connection="c")
    def from_bp(msg: str) -> None: ...

    app.register_functions(bp)
    assert [f.get_function_name() for f in app.get_functions()] == ["from_bp"]
    with pytest.raises(func.ArgumentTypeError):
        app.register_functions(object())  # type: ignore[arg-type]


# --- 2.4: DeliveryMode and connector_trigger (facts from azure-functions 2.4.0b1) ------------


def _connector(**kwargs: Any) -> dict[str, Any]:
    app = func.FunctionApp()

    @app.connector_trigger(arg_name="payload", **kwargs)
    def conn(payload: str) -> None: ...

    trigger = app.get_functions()[0].trigger
    assert trigger is not None
    return trigger.to_json()


def test_delivery_mode_has_the_extensions_spelling() -> None:
    assert [m.value for m in func.DeliveryMode] == ["Poll", "Webhook"]
    assert str(func.DeliveryMode.POLL) == "Poll"
    assert func.DeliveryMode("webhook") is func.DeliveryMode.WEBHOOK


def test_connector_trigger_writes_the_2_4_keywords() -> None:
    rendered = _connector(delivery_mode=func.DeliveryMode.POLL, connection="Conn",
                          trigger_config_name="Cfg", cardinality="many", max_batch_size=10,
                          max_concurrent_calls=2, target_pending_event_threshold=100)
    assert rendered == {
        "name": "payload", "type": "connectorTrigger", "direction": "in",
        "deliveryMode": "Poll", "connection": "Conn", "triggerConfigName": "Cfg",
        "cardinality": "many", "maxBatchSize": 10, "maxConcurrentCalls": 2,
        "targetPendingEventThreshold": 100,
    }
    assert _connector(delivery_mode="webhook")["deliveryMode"] == "Webhook"
    assert "deliveryMode" not in _connector()


@pytest.mark.parametrize("kwargs", [{}, {"connection": "C"}, {"trigger_config_name": "T"}])
def test_poll_needs_a_connection_and_a_trigger_config(kwargs: dict[str, Any]) -> None:
    with pytest.raises(func.FunctionLoadError, match="Poll needs") as caught:
        _connector(delivery_mode="Poll", **kwargs)
    assert isinstance(caught.value, ValueError)


def test_an_unknown_delivery_mode_is_refused() -> None:
    with pytest.raises(func.FunctionLoadError, match="delivery_mode"):
        _connector(delivery_mode="push")


def test_mcp_content_marks_classes_only() -> None:
    with pytest.raises(func.ArgumentTypeError):
        func.mcp_content(42)  # type: ignore[type-var]
