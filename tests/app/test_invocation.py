"""Invocation: inputs of every form, Out capture, return encoding, logs, errors."""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.app.invocation import invoke_function, to_datum
from azfunc.app.model import BindingInfo, FunctionInfo

QUEUE = BindingInfo("msg", "queueTrigger", "in", properties={"queueName": "q"})


@pytest.fixture
def folder_app(fixtures: Path) -> Any:
    return func.load_app(fixtures / "folder_app")


@pytest.fixture
def decorator_app(fixtures: Path) -> Any:
    return func.load_app(fixtures / "decorator_app")


@pytest.mark.parametrize(
    "msg",
    [
        "hello",  # raw str -> string Datum
        b"hello",  # raw bytes -> bytes Datum
        func.Datum("hello", "string"),
        func.Datum(b"hello", "bytes"),
        func.QueueMessage(body="hello"),  # a binding object, passed through
    ],
    ids=["raw-str", "raw-bytes", "datum-string", "datum-bytes", "object"],
)
def test_sync_function_with_every_input_form(folder_app: Any, msg: Any) -> None:
    result = folder_app.invoke("my_second_function", msg=msg)
    expected = "hello|my_second_function|from-local-settings"
    assert result.outputs == {"out": expected}
    assert result.output_data == {"out": func.Datum(expected, "string")}
    assert result.return_value is None
    assert result.return_data is None
    assert result.function_name == "my_second_function"
    assert len(result.invocation_id) == 36


def test_object_input_is_passed_through_unchanged() -> None:
    seen: list[Any] = []

    def main(msg: func.QueueMessage) -> None:
        seen.append(msg)

    message = func.QueueMessage(body="x", id="abc")
    asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": message}))
    assert seen == [message]
    assert seen[0] is message


def test_trigger_metadata_reaches_the_converter() -> None:
    seen: list[func.QueueMessage] = []

    def main(msg: func.QueueMessage) -> None:
        seen.append(msg)

    info = FunctionInfo("f", main, (QUEUE,))
    metadata = {"Id": "m-1", "DequeueCount": 3, "PopReceipt": func.Datum("pr", "string")}
    asyncio.run(invoke_function(info, {"msg": "body"}, trigger_metadata=metadata))
    assert (seen[0].id, seen[0].dequeue_count, seen[0].pop_receipt) == ("m-1", 3, "pr")


def test_async_function_runs_on_the_loop_and_sync_in_a_thread(decorator_app: Any) -> None:
    threads: dict[str, str] = {}

    async def amain(msg: str) -> None:
        threads["async"] = threading.current_thread().name

    def smain(msg: str) -> None:
        threads["sync"] = threading.current_thread().name

    async def run() -> None:
        threads["loop"] = threading.current_thread().name
        await invoke_function(FunctionInfo("a", amain, (QUEUE,)), {"msg": "x"})
        await invoke_function(FunctionInfo("s", smain, (QUEUE,)), {"msg": "x"})

    asyncio.run(run())
    assert threads["async"] == threads["loop"]
    assert threads["sync"] != threads["loop"]
    result = decorator_app.invoke("Renamed", msg="abc")
    assert result.outputs == {"out": "cba"}
    assert [r.getMessage() for r in result.logs] == ["renamed got abc"]


def test_callable_object_with_async_call_is_awaited() -> None:
    class Handler:
        async def __call__(self, msg: str) -> str:
            return msg.upper()

    info = FunctionInfo("f", Handler(), (QUEUE, BindingInfo("$return", "queue", "out")))
    assert info.is_async
    result = asyncio.run(invoke_function(info, {"msg": "abc"}))
    assert result.return_value == "ABC"


def test_executor_is_used_for_sync_functions() -> None:
    from concurrent.futures import ThreadPoolExecutor

    names: list[str] = []

    def main(msg: str) -> None:
        names.append(threading.current_thread().name)

    with ThreadPoolExecutor(1, thread_name_prefix="azfunc-test-pool") as pool:
        asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"},
                                    executor=pool))
    assert names[0].startswith("azfunc-test-pool")


def test_return_value_is_encoded(folder_app: Any, decorator_app: Any) -> None:
    result = folder_app.invoke("custom_entry", msg="shout")
    assert result.return_value == "SHOUT"
    assert result.return_data == func.Datum("SHOUT", "string")
    http = decorator_app.invoke("hello", req=func.HttpRequest(
        method="GET", url="http://h/api/hello/ada", route_params={"name": "ada"}))
    assert isinstance(http.return_value, func.HttpResponse)
    assert http.return_value.get_body() == b"hello ada decorated"
    assert http.return_data is not None
    assert http.return_data.type == "http"


def test_out_values_list_and_unset_outputs(folder_app: Any, decorator_app: Any) -> None:
    result = folder_app.invoke("outputs_fn", msg="v")
    assert result.outputs == {"first": "v", "second": None}  # "third" never set
    assert list(result.output_data) == ["first"]  # None-valued outputs are not sent
    bp = decorator_app.invoke("from_blueprint", msg="ab")
    assert bp.outputs == {"done": ["ab", "AB"]}
    assert bp.output_data["done"].type in {"json", "collection_string"}


def test_context_is_filled_in(decorator_app: Any) -> None:
    contexts: list[func.Context] = []

    def main(msg: str, context: func.Context) -> None:
        contexts.append(context)

    info = FunctionInfo("ctx", main, (QUEUE,), directory=Path("/srv/app/ctx"))
    result = asyncio.run(invoke_function(info, {"msg": "x"}))
    ctx = contexts[0]
    assert (ctx.function_name, ctx.function_directory) == ("ctx", str(Path("/srv/app/ctx")))
    assert ctx.invocation_id == result.invocation_id
    given_ctx = func.Context(invocation_id="given-id")
    result = asyncio.run(invoke_function(info, {"msg": "x"}, context=given_ctx))
    assert result.invocation_id == "given-id"
    assert contexts[1].function_name == "ctx"
    tick = decorator_app.invoke("tick", timer=func.TimerRequest())
    assert [r.getMessage() for r in tick.logs] == ["tick tick"]


def test_user_traceback_is_preserved(folder_app: Any) -> None:
    with pytest.raises(KeyError, match="user code failed on boom") as info:
        folder_app.invoke("outputs_fn", msg="boom")
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-2:] == ["main", "raise_user_error"]
    assert "user code failed on boom" in str(info.value)


def test_return_without_return_binding_is_dropped_with_a_warning() -> None:
    def main(msg: str) -> str:
        return "dropped"

    result = asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"}))
    assert result.return_value == "dropped"
    assert result.return_data is None
    assert result.output_data == {}
    warnings = [r for r in result.logs if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert 'has no "$return" binding' in warnings[0].getMessage()


def _queue_fn(msg: str) -> None: ...


def _http_fn(req: func.HttpRequest) -> None: ...


@pytest.mark.parametrize(
    ("info", "inputs", "fragment"),
    [
        (FunctionInfo("f", _queue_fn, (QUEUE,)), {}, "no value given for the 'msg' input"),
        (FunctionInfo("f", _queue_fn, (QUEUE,)), {"msg": "x", "other": 1},
         "no input binding named 'other'"),
        (FunctionInfo("h", _http_fn, (BindingInfo("req", "httpTrigger"),)),
         {"req": {"not": "http"}}, "cannot decode the 'req' input \\(httpTrigger\\)"),
    ],
)
def test_input_problems_name_the_binding(
    info: FunctionInfo, inputs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(func.ConversionError, match=fragment):
        asyncio.run(invoke_function(info, inputs))


def test_output_encoding_problem_names_the_binding() -> None:
    def main(msg: str, out: func.Out[Any]) -> None:
        out.set(object())

    info = FunctionInfo("f", main, (QUEUE, BindingInfo("out", "queue", "out")))
    with pytest.raises(func.ConversionError, match="cannot encode the 'out' output"):
        asyncio.run(invoke_function(info, {"msg": "x"}))


def test_invoke_inside_a_running_loop_says_to_use_invoke_async(folder_app: Any) -> None:
    async def inside() -> None:
        with pytest.raises(RuntimeError, match="invoke_async"):
            folder_app.invoke("custom_entry", msg="x")
        result = await folder_app.invoke_async("custom_entry", msg="x")
        assert result.return_value == "X"

    asyncio.run(inside())


def test_logs_are_isolated_between_concurrent_invocations(folder_app: Any) -> None:
    async def run() -> list[func.InvocationResult]:
        calls = [folder_app.invoke_async("logging_fn", msg=f"m{i}") for i in range(8)]
        calls += [folder_app.invoke_async("outputs_fn", msg=f"s{i}") for i in range(4)]
        return list(await asyncio.gather(*calls))

    results = asyncio.run(run())
    for i, result in enumerate(results[:8]):
        assert [r.getMessage() for r in result.logs] == [f"start m{i}", f"end m{i}"]
        assert [r.levelno for r in result.logs] == [logging.INFO, logging.WARNING]
    for i, result in enumerate(results[8:]):
        assert [r.getMessage() for r in result.logs] == [f"sync s{i}"]
    assert results[0].messages == ["start m0", "end m0"]


def test_logs_outside_invocations_are_not_captured(folder_app: Any) -> None:
    logging.getLogger("outside").warning("before")
    result = folder_app.invoke("outputs_fn", msg="inside")
    logging.getLogger("outside").warning("after")
    assert result.messages == ["sync inside"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("s", "string"), (b"b", "bytes"), (bytearray(b"b"), "bytes"), (1, "int"),
     (1.5, "double"), (True, "json"), ({"a": 1}, "json"), ([1], "json"), (None, "null")],
)
def test_raw_values_become_datums(value: Any, kind: str) -> None:
    datum = to_datum(value)
    assert datum is not None
    assert datum.type == kind


_raw = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    | st.binary(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=3),
    max_leaves=8,
)


@given(_raw, st.sampled_from(["queueTrigger", "httpTrigger", "blobTrigger", "timerTrigger",
                              "eventHubTrigger", "serviceBusTrigger", "eventGridTrigger"]))
def test_arbitrary_raw_inputs_raise_only_azfunc_errors(value: Any, kind: str) -> None:
    def main(x: Any) -> None:
        return None

    info = FunctionInfo("fuzz", main, (BindingInfo("x", kind),))
    outcome: Any
    try:
        outcome = asyncio.run(invoke_function(info, {"x": value}))
    except func.AzFuncError as exc:
        outcome = exc
    if isinstance(outcome, func.AzFuncError):
        assert "the fuzz function" in str(outcome)
    else:
        assert outcome.function_name == "fuzz"


@given(st.dictionaries(st.text(max_size=5), _raw, max_size=4))
def test_arbitrary_metadata_raises_only_azfunc_errors(metadata: dict[str, Any]) -> None:
    def main(msg: func.QueueMessage) -> None:
        return None

    outcome: Any
    try:
        outcome = asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"},
                                              trigger_metadata=metadata))
    except func.AzFuncError as exc:
        outcome = exc
    if isinstance(outcome, func.AzFuncError):
        assert "trigger metadata" in str(outcome) or "the f function" in str(outcome)
    else:
        assert outcome.function_name == "f"


class _LoggingConverter(func.Converter):
    binding = "loggingTrigger"

    def check_input_type_annotation(self, pytype: Any) -> bool:
        return pytype is str

    def has_trigger_support(self) -> bool:
        return True

    def decode(self, datum: func.Datum, *, trigger_metadata: Any = None,
               pytype: Any = None) -> Any:
        logging.getLogger("converter").warning("decoding %s", datum.value)
        return str(self.expect(datum, "string")).upper()


def test_custom_registry_and_conversion_logs_are_captured() -> None:
    registry = func.get_binding_registry().copy()
    registry.register("loggingTrigger", _LoggingConverter())
    seen: list[str] = []

    def main(x: str) -> None:
        seen.append(x)

    info = FunctionInfo("f", main, (BindingInfo("x", "loggingTrigger"),))
    result = asyncio.run(invoke_function(info, {"x": "hi"}, registry=registry))
    assert seen == ["HI"]
    assert result.messages == ["decoding hi"]
    assert "loggingtrigger" not in func.get_binding_registry().bindings()


def test_invocation_id_is_used_when_no_context_is_given() -> None:
    contexts: list[func.Context] = []

    def main(msg: str, context: func.Context) -> None:
        contexts.append(context)

    info = FunctionInfo("f", main, (QUEUE,), directory=Path("/srv/f"))
    result = asyncio.run(invoke_function(info, {"msg": "x"}, invocation_id="chosen"))
    assert result.invocation_id == contexts[0].invocation_id == "chosen"
    assert contexts[0].function_directory == str(Path("/srv/f"))
    fresh = asyncio.run(invoke_function(info, {"msg": "x"}))
    assert uuid.UUID(fresh.invocation_id).version == 4
    assert str(uuid.UUID(fresh.invocation_id)) == fresh.invocation_id
    assert fresh.invocation_id != "chosen"


def test_replaced_annotations_are_planned_again() -> None:
    seen: list[Any] = []

    def main(msg: str) -> None:
        seen.append(msg)

    info = FunctionInfo("f", main, (QUEUE,))
    asyncio.run(invoke_function(info, {"msg": b"abc"}))
    main.__annotations__ = {"msg": bytes}
    asyncio.run(invoke_function(info, {"msg": b"abc"}))
    assert seen == ["abc", b"abc"]


def test_a_converter_registered_after_the_first_call_is_used() -> None:
    class Upper(func.Converter):
        binding = "shout"

        def decode(self, datum: func.Datum, *, trigger_metadata: Any = None,
                   pytype: Any = None) -> Any:
            return str(datum.value).upper()

    class Lower(Upper):
        def decode(self, datum: func.Datum, *, trigger_metadata: Any = None,
                   pytype: Any = None) -> Any:
            return str(datum.value).lower()

    def main(msg: Any) -> Any:
        return msg

    registry = func.get_binding_registry().copy()
    info = FunctionInfo("f", main, (BindingInfo("msg", "shout"),
                                    BindingInfo("$return", "queue", "out")))
    registry.register("shout", Upper())
    first = asyncio.run(invoke_function(info, {"msg": "Hi"}, registry=registry))
    registry.register("shout", Lower())
    second = asyncio.run(invoke_function(info, {"msg": "Hi"}, registry=registry))
    assert (first.return_value, second.return_value) == ("HI", "hi")


def test_an_executor_with_run_async_gets_the_call() -> None:
    from azfunc.host.runtime import InvocationPool

    names: list[str] = []

    def main(msg: str) -> None:
        names.append(threading.current_thread().name)

    pool = InvocationPool(1, thread_name_prefix="azfunc-plan-pool")
    try:
        asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"},
                                    executor=pool))
    finally:
        pool.shutdown()
    assert names[0].startswith("azfunc-plan-pool")


def test_is_async_is_cached_per_function_info() -> None:
    async def amain(msg: str) -> None: ...

    info = FunctionInfo("a", amain, (QUEUE,))
    assert info.is_async is True
    assert "is_async" in vars(info)
    assert info == FunctionInfo("a", amain, (QUEUE,))  # the cache is not a field
