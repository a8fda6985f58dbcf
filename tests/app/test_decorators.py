"""Decorator apps: FunctionApp/Blueprint, rendering checked against azure-functions 1.26.

The expected bindings in ``fixtures/decorator_cases.json`` were recorded from
``azure-functions`` 1.26 by ``fixtures/record_decorator_cases.py``; this suite does not need
``azure-functions``. ``azure-functions`` writes enum values upper-case (``IN``, ``ANONYMOUS``,
``MANY``) where azfunc writes the lower-case values of the Functions templates; the host reads
both, so string values are compared case-insensitively.
"""

from __future__ import annotations

import inspect
import itertools
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typing_extensions import assert_type

import azfunc as func
from azfunc.app._base import camel_case
from azfunc.app.model import FunctionInfo

CASES = json.loads((Path(__file__).parent / "fixtures" / "decorator_cases.json").read_text())


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [_fold(v) for v in value]
    if isinstance(value, dict):
        return {k: _fold(v) for k, v in value.items()}
    return value


def _build(case: dict[str, Any], app: func.FunctionApp) -> FunctionInfo:
    params = ", ".join(case["params"])
    namespace: dict[str, Any] = {}
    exec(f"def {case['function']}({params}):\n    return None\n", namespace)
    original = target = namespace[case["function"]]
    for method, kwargs in reversed(case["calls"]):
        target = getattr(app, method)(**kwargs)(target)
        assert target is original  # every decorator returns the function itself
    (info,) = [f for f in app.get_functions() if f.func is original]
    return info


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["function"] for c in CASES["cases"]])
def test_rendering_matches_azure_functions(case: dict[str, Any]) -> None:
    info = _build(case, func.FunctionApp(**CASES["app"]))
    assert info.name == case["expected"]["name"]
    ours = {b["name"]: _fold(b) for b in info.to_function_json()["bindings"]}
    theirs = {b["name"]: _fold(b) for b in case["expected"]["bindings"]}
    assert ours == theirs
    rendered = info.to_function_json()
    assert rendered["scriptFile"] == "function_app.py"
    assert rendered["entryPoint"] == case["function"]
    assert rendered["bindings"][0]["type"].lower().endswith("trigger")


def test_decorator_returns_the_function_with_hints_intact() -> None:
    app = func.FunctionApp()

    def handler(req: func.HttpRequest) -> str:
        return "called"

    decorated = app.route(route="x")(handler)
    assert decorated is handler
    # mypy checks this line: a decorator typed to return Any would fail it
    result = assert_type(decorated(func.HttpRequest(method="GET", url="http://h/")), str)
    assert result == "called"
    assert typing.get_type_hints(decorated) == {"req": func.HttpRequest, "return": str}
    assert inspect.signature(decorated) == inspect.signature(handler)


_DECORATORS: list[Callable[[func.FunctionApp], Callable[[Any], Any]]] = [
    lambda app: app.function_name("Stacked"),
    lambda app: app.queue_trigger(arg_name="msg", queue_name="q", connection="S"),
    lambda app: app.queue_output(arg_name="out", queue_name="o", connection="S"),
    lambda app: app.blob_input(arg_name="doc", path="c/{queueTrigger}", connection="S"),
    lambda app: app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:01"),
]


def _stacked(order: tuple[int, ...]) -> dict[str, Any]:
    app = func.FunctionApp()

    def fn(msg: str, out: func.Out[str], doc: bytes) -> None:
        return None

    for index in order:
        assert _DECORATORS[index](app)(fn) is fn
    (info,) = app.get_functions()
    rendered = info.to_function_json()
    rendered["bindings"] = sorted(rendered["bindings"], key=lambda b: b["name"])
    return {"name": info.name, **rendered}


def test_decorators_stack_in_any_order() -> None:
    reference = _stacked(tuple(range(len(_DECORATORS))))
    assert reference["name"] == "Stacked"
    assert reference["retry"] == {
        "strategy": "fixedDelay", "maxRetryCount": 2, "delayInterval": "00:00:01",
    }
    for order in itertools.permutations(range(len(_DECORATORS))):
        assert _stacked(order) == reference


def test_bindings_listed_trigger_first_then_top_to_bottom() -> None:
    app = func.FunctionApp()

    @app.queue_output(arg_name="a", queue_name="a", connection="S")
    @app.blob_output(arg_name="b", path="b", connection="S")
    @app.queue_trigger(arg_name="msg", queue_name="q", connection="S")
    def fn(msg: str, a: func.Out[str], b: func.Out[bytes]) -> None:
        return None

    assert [b.name for b in app.get_functions()[0].bindings] == ["msg", "a", "b"]


def test_blueprint_registration_and_auth_level() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    inherits = func.Blueprint()
    own = func.Blueprint(http_auth_level="admin")

    @inherits.route(route="a")
    def a(req: func.HttpRequest) -> str:
        return "a"

    @own.route(route="b")
    def b(req: func.HttpRequest) -> str:
        return "b"

    @own.route(route="c", auth_level=func.AuthLevel.FUNCTION)
    def c(req: func.HttpRequest) -> str:
        return "c"

    app.register_functions(inherits)
    app.register_blueprint(own)
    app.register_blueprint(own)  # registering twice is harmless
    levels = {f.name: f.trigger.properties["authLevel"] for f in app.get_functions() if f.trigger}
    assert levels == {"a": "anonymous", "b": "admin", "c": "function"}
    assert [f.name for f in inherits.get_functions()] == ["a"]
    assert app.auth_level is func.AuthLevel.ANONYMOUS
    with pytest.raises(func.FunctionLoadError, match="its own functions"):
        app.register_functions(app)
    with pytest.raises(func.ArgumentTypeError, match="takes a Blueprint, got object"):
        app.register_functions(object())  # type: ignore[arg-type]


def test_route_defaults() -> None:
    app = func.FunctionApp()

    @app.route()
    def plain(req: func.HttpRequest) -> str:
        return ""

    (info,) = app.get_functions()
    assert info.trigger is not None
    assert dict(info.trigger.properties) == {"route": "plain", "authLevel": "function"}
    assert info.trigger.name == "req"
    assert info.return_binding is not None
    assert info.return_binding.type == "http"


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda app: app.queue_trigger(arg_name="m", queue_name="q", connection="S",
                                       data_type="int"), "data_type"),
        (lambda app: app.event_hub_message_trigger(arg_name="e", connection="S",
                                                   event_hub_name="h", cardinality="lots"),
         "cardinality"),
        (lambda app: app.service_bus_queue_output(arg_name="o", connection="S", queue_name="q",
                                                  access_rights="all"), "access_rights"),
        (lambda app: app.route(auth_level="root"), "auth_level"),
        (lambda app: app.retry(strategy="linear", max_retry_count="1"), "strategy"),
        (lambda app: app.retry(strategy="fixed_delay", max_retry_count="x"), "max_retry_count"),
        (lambda app: app.function_name("1 bad name"), "function name"),
        (lambda app: app.queue_trigger(arg_name="", queue_name="q", connection="S"), "arg_name"),
        (lambda app: app.generic_trigger(arg_name="g", type="t", direction="out"), "direction"),
        (lambda app: app.generic_input_binding(arg_name="g", type="t", name="x"), "name"),
    ],
)
def test_invalid_keyword_values_raise_load_errors(
    call: Callable[[func.FunctionApp], Any], fragment: str
) -> None:
    with pytest.raises(func.FunctionLoadError, match=fragment):
        call(func.FunctionApp())


def test_invalid_app_auth_level() -> None:
    with pytest.raises(func.FunctionLoadError, match="http_auth_level"):
        func.FunctionApp(http_auth_level="root")


@pytest.mark.parametrize(
    ("enum", "spellings", "value"),
    [
        (func.AuthLevel, ["ANONYMOUS", "anonymous", " Anonymous "], "anonymous"),
        (func.DataType, ["STRING", "string"], "string"),
        (func.Cardinality, ["MANY", "many"], "many"),
        (func.AccessRights, ["MANAGE", "manage"], "manage"),
    ],
)
def test_enums_accept_any_spelling(enum: Any, spellings: list[str], value: str) -> None:
    for spelling in spellings:
        assert enum(spelling).value == value
        assert str(enum(spelling)) == value
    with pytest.raises(ValueError, match="'no-such-member' is not a valid"):
        enum("no-such-member")


def test_keywords_naming_one_property_twice_are_refused() -> None:
    app = func.FunctionApp()
    with pytest.raises(func.FunctionLoadError, match="a_0= and a0= both name"):
        app.generic_trigger(arg_name="g", type="customTrigger", a_0=1, a0=2)


@given(st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,6}){0,3}", fullmatch=True).filter(
        lambda k: k not in {"name", "type", "direction", "arg_name", "data_type"}
    ),
    st.one_of(st.integers(), st.text(max_size=5), st.booleans()),
    max_size=5,
))
def test_generic_keywords_become_camel_case_properties(extra: dict[str, Any]) -> None:
    app = func.FunctionApp()

    def fn(g: Any) -> None:
        return None

    camel = [camel_case(key) for key in extra]
    if len(set(camel)) < len(camel):  # e.g. a_0= and a0= name the same property
        with pytest.raises(func.FunctionLoadError, match="both name the binding property"):
            app.generic_trigger(arg_name="g", type="customTrigger", **extra)(fn)
        return
    app.generic_trigger(arg_name="g", type="customTrigger", **extra)(fn)
    (info,) = app.get_functions()
    assert info.trigger is not None
    props = dict(info.trigger.properties)
    assert len(props) == len(extra)
    for key, value in extra.items():
        head, *rest = key.split("_")
        assert props[head + "".join(p.capitalize() for p in rest)] == value


def test_decorator_errors_name_the_binding_and_type_errors_are_type_errors() -> None:
    app = func.FunctionApp()
    with pytest.raises(func.FunctionLoadError, match="cardinality") as info:
        app.event_hub_message_trigger(arg_name="events", connection="S", event_hub_name="h",
                                      cardinality="lots")
    assert info.value.binding == "events"
    with pytest.raises(func.ArgumentTypeError, match="arg_name must be a non-empty string"):
        app.queue_trigger(arg_name=1, queue_name="q", connection="S")  # type: ignore[arg-type]
    with pytest.raises(func.ArgumentTypeError, match="which is not callable"):
        app.queue_trigger(arg_name="m", queue_name="q", connection="S")(42)  # type: ignore[type-var]
    with pytest.raises(func.FunctionLoadError, match="function name") as named:
        app.function_name("1 bad")
    assert named.value.function == "1 bad"
