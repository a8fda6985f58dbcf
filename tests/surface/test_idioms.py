"""Idioms ported code relies on: ``build().get_user_function()``, indexing errors, names."""

from __future__ import annotations

import json
from typing import Any

import pytest

import azfunc as func
from azfunc import FunctionLoadError


def test_build_get_user_function_is_the_docs_unit_test_pattern() -> None:
    app = func.FunctionApp()

    @app.route(route="hello")
    def hello(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"Hello {req.params['name']}")

    call = hello.build().get_user_function()  # type: ignore[attr-defined]
    response = call(func.HttpRequest("GET", "/api/hello", params={"name": "Ada"}))
    assert response.get_body() == b"Hello Ada"
    assert call is hello
    built = hello.build()  # type: ignore[attr-defined]
    assert built.get_function_name() == "hello"
    assert [b.type for b in built.get_bindings()] == ["httpTrigger", "http"]
    assert built.trigger.properties["authLevel"] == "function"


def test_the_decorated_function_stays_plain() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def work(msg: str) -> str:
        return msg.upper()

    assert work("x") == "X"
    assert work.__name__ == "work"


def test_two_functions_of_one_name_fail_indexing() -> None:
    app = func.FunctionApp()

    @app.function_name("Same")
    @app.queue_trigger(arg_name="msg", queue_name="a", connection="C")
    def one(msg: str) -> None: ...

    @app.function_name("same")
    @app.queue_trigger(arg_name="msg", queue_name="b", connection="C")
    def two(msg: str) -> None: ...

    with pytest.raises(FunctionLoadError, match="unique") as info:
        app.get_functions()
    assert info.value.function == "same"
    assert len(app.collect_functions()) == 2


def test_a_function_without_a_trigger_fails_indexing() -> None:
    app = func.FunctionApp()

    @app.queue_output(arg_name="out", queue_name="q", connection="C")
    def lonely(out: func.Out[str]) -> None: ...

    with pytest.raises(FunctionLoadError, match="has no trigger") as info:
        app.get_functions()
    assert info.value.function == "lonely"


def test_a_function_with_two_triggers_fails_indexing() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="a", queue_name="q", connection="C")
    @app.timer_trigger(arg_name="b", schedule="0 * * * * *")
    def both(a: str, b: Any) -> None: ...

    with pytest.raises(FunctionLoadError, match="2 triggers"):
        app.get_functions()


def test_validate_function_names_checks_the_list_it_is_given_only() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
    def only(msg: str) -> None: ...

    functions = app.get_functions()
    app.validate_function_names(functions)  # no state kept between calls
    assert app.get_functions()[0].name == "only"
    with pytest.raises(FunctionLoadError):
        app.validate_function_names(functions * 2)


def test_http_type_and_app_script_file() -> None:
    app = func.FunctionApp()

    @app.http_type(http_type="asgi")
    @app.route(route="{*route}")
    def asgi(req: Any) -> Any: ...

    assert app.app_script_file == "function_app.py"
    assert app.get_functions()[0].http_type == "asgi"


def test_change_feed_mode_is_written_as_its_value() -> None:
    app = func.FunctionApp()

    @app.cosmos_db_trigger(arg_name="docs", connection="C", database_name="d",
                           container_name="c",
                           change_feed_mode=func.CosmosDBChangeFeedMode.ALL_VERSIONS_AND_DELETES)
    def feed(docs: Any) -> None: ...

    @app.cosmos_db_trigger(arg_name="docs", connection="C", database_name="d",
                           container_name="c", change_feed_mode="latest_version")
    def latest(docs: Any) -> None: ...

    modes = [f.trigger.properties["changeFeedMode"] for f in app.get_functions()]
    assert modes == ["AllVersionsAndDeletes", "LatestVersion"]
    with pytest.raises(FunctionLoadError, match="change_feed_mode"):
        app.cosmos_db_trigger(arg_name="d", connection="C", database_name="d",
                              container_name="c", change_feed_mode="sometimes")


def test_register_converter_registers_in_the_default_registry() -> None:
    class Shout(func.Converter):
        binding = "shoutSurface"

        def decode(self, datum: func.Datum, *, trigger_metadata: Any = None,
                   pytype: Any = None) -> Any:
            return str(self.expect(datum, "string")).upper()

    func.register_converter("shoutSurface", Shout())
    try:
        assert func.get_binding_registry().require("shoutsurface").decode(
            func.Datum("hi", "string")) == "HI"
    finally:
        func.get_binding_registry().unregister("shoutSurface")


def test_mcp_tool_is_invoked_with_the_request_arguments() -> None:
    app = func.FunctionApp()

    @app.mcp_tool()
    @app.mcp_tool_property(arg_name="count", description="How many",
                           property_type=func.McpPropertyType.INTEGER)
    def add(name: str, count: int, context: func.MCPToolContext) -> str:
        """Add items."""
        return f"{name}:{count}:{context['name']}"

    info = app.get_functions()[0]
    trigger = info.trigger
    assert trigger is not None
    assert trigger.name == "context"
    assert trigger.properties["description"] == "Add items."
    properties = json.loads(trigger.properties["toolProperties"])
    assert [p["propertyName"] for p in properties] == ["name", "count"]
    assert properties[1]["description"] == "How many"
    loaded = func.LoadedApp(root=__import__("pathlib").Path("."), kind="decorator",
                            functions=[info])
    request = {"name": "add", "arguments": {"name": "pen", "count": 2}}
    result = loaded.invoke("add", context=json.dumps(request))
    assert result.return_value == "pen:2:add"
    assert result.return_data == func.Datum("pen:2:add", "string")
    assert add("a", 1, func.MCPToolContext(name="x")) == "a:1:x"


def test_prompt_arguments_are_written_as_the_json_list_the_host_reads() -> None:
    app = func.FunctionApp()

    @app.mcp_prompt_trigger(arg_name="context", prompt_name="greet",
                            prompt_arguments=[func.PromptArgument("who", "Who", True)])
    def greet(context: func.PromptInvocationContext) -> str:
        return f"Hello {context.arguments['who']}"

    info = app.get_functions()[0]
    assert json.loads(info.trigger.properties["promptArguments"]) == [
        {"name": "who", "description": "Who", "required": True}]
    loaded = func.LoadedApp(root=__import__("pathlib").Path("."), kind="decorator",
                            functions=[info])
    result = loaded.invoke("greet", context='{"name": "greet", "arguments": {"who": "Ada"}}')
    assert result.return_data == func.Datum("Hello Ada", "string")
    with pytest.raises(func.ConversionError):
        loaded.invoke("greet", context="not json")


def test_load_app_keeps_neither_of_two_functions_of_one_name(tmp_path: Any) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azfunc as func\n"
        "app = func.FunctionApp()\n"
        "@app.function_name('Same')\n"
        "@app.queue_trigger(arg_name='msg', queue_name='a', connection='C')\n"
        "def one(msg: str) -> str:\n    return 'one'\n"
        "@app.function_name('same')\n"
        "@app.queue_trigger(arg_name='msg', queue_name='b', connection='C')\n"
        "def two(msg: str) -> str:\n    return 'two'\n"
    )
    with func.load_app(tmp_path, apply_settings=False) as app:
        assert list(app.functions) == []
        with pytest.raises(FunctionLoadError, match="2 functions have this name"):
            app.invoke("Same", msg="x")
        assert [f.code for f in app.check()] == ["duplicate-function"]


# --- small idioms ported code relies on -------------------------------------------------------


def test_input_stream_read_takes_size_as_a_keyword() -> None:
    stream = func.InputStream(data=b"abcdef")
    assert stream.read(size=2) == b"ab"
    assert stream.read1(size=2) == b"cd"


def test_service_bus_properties_default_to_empty_dicts_and_dates_are_accepted() -> None:
    import datetime

    msg = func.ServiceBusMessage(body=b"x", enqueued_time_utc=datetime.date(2024, 1, 2))
    assert msg.application_properties == {}
    assert msg.user_properties == {}
    assert msg.enqueued_time_utc == datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
    with pytest.raises(func.ArgumentTypeError, match="datetime or date"):
        func.ServiceBusMessage(body=b"x", enqueued_time_utc="2024-01-02")  # type: ignore[arg-type]


def test_get_json_errors_are_also_json_decode_errors() -> None:
    import json

    req = func.HttpRequest("POST", "http://h/", body=b'{"a": 1,,}')
    with pytest.raises(json.JSONDecodeError) as info:
        req.get_json()
    error = info.value
    assert isinstance(error, func.BodyDecodeError)
    assert isinstance(error, ValueError)
    assert (error.doc, error.pos, error.lineno) == ('{"a": 1,,}', 8, 1)
    with pytest.raises(json.JSONDecodeError, match="empty"):
        func.HttpRequest("POST", "http://h/").get_json()


def test_the_2x_names_exist() -> None:
    assert func.HttpMethod.QUERY == "QUERY"
    assert func.KafkaTriggerConverter.binding == "kafkaTrigger"
    assert func.KafkaConverter.binding == "kafka"
    with pytest.raises(func.ArgumentTypeError):
        func.HttpResponse(1)  # type: ignore[arg-type]
