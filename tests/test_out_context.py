"""Out[T] and the invocation Context: concrete, constructible in tests, read-only."""

from __future__ import annotations

import json
import threading
import typing
import uuid

import pytest

import azfunc as func
from azfunc import WireFormatError
from azfunc._context import RpcException

from .conftest import VECTORS


def test_out_starts_unset() -> None:
    out: func.Out[str] = func.Out()
    assert out.get() is None
    assert out.is_set is False
    assert repr(out) == "<Out unset>"


def test_out_set_none_is_not_unset() -> None:
    out: func.Out[str | None] = func.Out()
    out.set(None)
    assert out.get() is None
    assert out.is_set is True
    out.reset()
    assert out.is_set is False


def test_out_set_replaces_and_repr() -> None:
    out: func.Out[str] = func.Out()
    out.set("a")
    out.set("b")
    assert out.get() == "b"
    assert repr(out) == "<Out 'b'>"
    out.set("x" * 100)
    assert len(repr(out)) < 70


def test_out_is_subscriptable_with_binding_types() -> None:
    alias = func.Out[list[func.QueueMessage]]
    assert typing.get_origin(alias) is func.Out
    assert typing.get_args(alias) == (list[func.QueueMessage],)
    msgs: func.Out[list[func.QueueMessage]] = func.Out()
    msgs.set([func.QueueMessage(body="a")])
    value = msgs.get()
    assert value is not None
    assert value[0].get_body() == b"a"


def test_context_defaults() -> None:
    ctx = func.Context()
    assert uuid.UUID(ctx.invocation_id).version == 4
    assert func.Context().invocation_id != ctx.invocation_id
    assert ctx.function_name == ""
    assert ctx.function_directory == ""
    assert ctx.trace_context == func.TraceContext()
    assert ctx.retry_context == func.RetryContext()
    assert isinstance(ctx.thread_local_storage, threading.local)
    assert ctx.thread_local_storage.invocation_id == ctx.invocation_id


def test_context_keywords_and_read_only() -> None:
    tls = threading.local()
    trace = func.TraceContext("00-ab-cd-01", "k=v", {"a": "b"})
    retry = func.RetryContext(2, 5, RpcException(message="boom"))
    ctx = func.Context(
        invocation_id="id-1",
        function_name="hello",
        function_directory="/home/site/wwwroot/hello",
        trace_context=trace,
        retry_context=retry,
        thread_local_storage=tls,
    )
    assert (ctx.invocation_id, ctx.function_name) == ("id-1", "hello")
    assert ctx.function_directory == "/home/site/wwwroot/hello"
    assert ctx.trace_context.trace_state == "k=v"
    assert ctx.trace_context.attributes == {"a": "b"}
    assert ctx.retry_context.exception == RpcException(message="boom")
    assert ctx.thread_local_storage is tls
    with pytest.raises(AttributeError):
        ctx.invocation_id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        func.Context("positional")  # type: ignore[call-arg]


def test_trace_attributes_are_a_copy_and_read_only() -> None:
    attrs = {"a": "b"}
    trace = func.TraceContext(attributes=attrs)
    attrs["a"] = "changed"
    assert trace.attributes["a"] == "b"
    with pytest.raises(TypeError):
        trace.attributes["a"] = "c"  # type: ignore[index]


def test_seed_context_example() -> None:
    def main(req: func.HttpRequest, context: func.Context) -> str:
        return f"{context.invocation_id}"

    ctx = func.Context(invocation_id="abc")
    assert main(None, ctx) == "abc"  # type: ignore[arg-type]


def test_contexts_from_the_grpc_vector() -> None:
    vector = VECTORS / "grpc" / "queue_invocation_request.json"
    message = json.loads(vector.read_text())["message"]
    trace = func.TraceContext.from_wire(message["traceContext"])
    assert trace.trace_parent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert trace.trace_state == ""
    retry = func.RetryContext.from_wire(message["retryContext"])
    assert (retry.retry_count, retry.max_retry_count) == (1, 3)
    assert retry.exception is not None
    assert retry.exception.source == "Microsoft.Azure.WebJobs.Host"
    assert retry.exception.message.startswith("Exception while executing function")


def test_retry_context_from_the_custom_handler_vector() -> None:
    sample = json.loads((VECTORS / "custom_handler" / "retry_sample.json").read_text())
    retry = func.RetryContext.from_wire(
        sample["request_metadata_fragment"]["Metadata"]["RetryContext"]
    )
    assert (retry.retry_count, retry.max_retry_count, retry.exception) == (1, 3, None)


def test_from_wire_tolerates_odd_fields_and_rejects_non_objects() -> None:
    assert func.RetryContext.from_wire({"retryCount": "x", "maxRetryCount": "4"}) == (
        func.RetryContext(0, 4)
    )
    assert func.RetryContext.from_wire(None) == func.RetryContext()
    assert func.TraceContext.from_wire({"attributes": "nope"}).attributes == {}
    with pytest.raises(WireFormatError):
        func.RetryContext.from_wire([1, 2])  # type: ignore[arg-type]
    with pytest.raises(WireFormatError):
        func.TraceContext.from_wire("00-ab")  # type: ignore[arg-type]
