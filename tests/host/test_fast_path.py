"""The frontend's direct path (an ``httpTrigger`` and a ``$return`` ``http`` binding only):
the same answers as the general path, and the general path whenever it must be taken."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc._registry import BindingRegistry
from azfunc.app.invocation import direct_call
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host.http_frontend import HttpFrontend, streaming_registry
from azfunc.host.runtime import Runtime
from azfunc.http._converters import HttpRequestConverter, HttpResponseConverter

RETURN = BindingInfo("$return", "http", "out")


def _trigger(route: str, methods: list[str] | None = None) -> BindingInfo:
    props: dict[str, Any] = {"route": route}
    if methods:
        props["methods"] = methods
    return BindingInfo("req", "httpTrigger", "in", properties=props)


def _serve(
    functions: list[FunctionInfo],
    requests: list[dict[str, Any]],
    *,
    registry: BindingRegistry | None = None,
    max_body_size: int = 1 << 20,
    root: str | None = None,
    before: Callable[[int], None] | None = None,
    runtime_set: Callable[[Runtime], None] | None = None,
    **options: Any,
) -> list[list[dict[str, Any]]]:
    """The messages sent for each request (scope overrides: path, method, headers, body...);
    ``before(i)`` runs before the i-th request, on the same frontend; ``runtime_set`` sees
    the runtime first; ``options`` go to the frontend (``on_outputs``, ``data_names``...)."""
    runtime = Runtime(threads=2, registry=registry or streaming_registry(), root=root)
    if runtime_set is not None:
        runtime_set(runtime)
    frontend = HttpFrontend(functions, runtime=runtime, max_body_size=max_body_size,
                            **options)
    answers: list[list[dict[str, Any]]] = []

    async def main() -> None:
        for index, spec in enumerate(requests):
            if before is not None:
                before(index)
            body = spec.pop("body", b"")
            path = spec.get("path", "/api/x")
            scope = {"type": "http", "method": "GET", "path": path,
                     "raw_path": path.encode(), "query_string": b"", "scheme": "http",
                     "server": ("127.0.0.1", 7071), "headers": [(b"host", b"h")], **spec}
            sent: list[dict[str, Any]] = []

            async def receive(body: bytes = body) -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
                sent.append(dict(message))

            await frontend(scope, receive, send)
            answers.append(sent)

    try:
        asyncio.run(main())
    finally:
        runtime.close()
    return answers


def _body(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages[1:])


def _headers(messages: list[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    return list(messages[0]["headers"])


class _CountingRequests(HttpRequestConverter):
    """A user converter for httpTrigger: the built-in one, counting its calls."""

    def __init__(self) -> None:
        self.metadata: list[Any] = []

    def decode(self, datum: func.Datum, *, trigger_metadata: Any = None,
               pytype: Any = None) -> Any:
        self.metadata.append(trigger_metadata)
        return super().decode(datum, trigger_metadata=trigger_metadata, pytype=pytype)


def _general_registry() -> tuple[BindingRegistry, _CountingRequests]:
    registry = streaming_registry()
    counting = _CountingRequests()
    registry.register("httpTrigger", counting)
    return registry, counting


# --- which functions take it ----------------------------------------------------------------


def test_direct_call_is_made_only_for_one_input_and_an_optional_context() -> None:
    def plain(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    def with_context(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        return func.HttpResponse("")

    def with_extra(req: func.HttpRequest, other: str) -> func.HttpResponse:
        return func.HttpResponse("")

    assert direct_call(FunctionInfo("a", plain, (_trigger("a"), RETURN)), "req") is not None
    call = direct_call(FunctionInfo("b", with_context, (_trigger("b"), RETURN)), "req")
    assert call is not None
    assert call.context_name == "context"
    assert direct_call(FunctionInfo("c", with_extra, (_trigger("c"), RETURN)), "req") is None
    assert direct_call(FunctionInfo("d", plain, (_trigger("d"),)), "req") is None


def test_a_replanned_function_gets_a_new_direct_call() -> None:
    def plain(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    info = FunctionInfo("a", plain, (_trigger("a"), RETURN))
    first = direct_call(info, "req")
    assert direct_call(info, "req") is first
    plain.__annotations__ = {"req": func.HttpRequest, "return": str}
    second = direct_call(info, "req")
    assert second is not None
    assert second is not first


# --- same answers as the general path -------------------------------------------------------

_token = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
_value = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=16).map(str.strip)


@settings(max_examples=40, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    headers=st.lists(st.tuples(_token.filter(lambda t: t not in ("host", "content-length",
                                                                  "transfer-encoding")),
                               _value), max_size=5),
    query=st.lists(st.tuples(_token, st.text("ab%+= 1", max_size=4)), max_size=3),
    body=st.binary(max_size=32),
    name=_token,
)
def test_the_function_sees_the_request_the_general_path_builds(
    method: str, headers: list[tuple[str, str]], query: list[tuple[str, str]], body: bytes,
    name: str,
) -> None:
    seen: list[tuple[Any, ...]] = []

    def handler(req: func.HttpRequest) -> func.HttpResponse:
        seen.append((req.method, req.url, sorted(req.headers.items()),
                     list(req.params.items()), dict(req.route_params), req.get_body(),
                     req.headers.get("x-missing")))
        return func.HttpResponse("ok")

    info = FunctionInfo("f", handler, (_trigger("items/{name}"), RETURN))
    query_string = "&".join(f"{k}={v}" for k, v in query).encode("latin-1")
    raw = [(b"host", b"h:1"), *((k.encode(), v.encode("latin-1")) for k, v in headers),
           (b"content-length", str(len(body)).encode())]
    spec = {"method": method, "path": f"/api/items/{name}", "headers": raw,
            "query_string": query_string, "body": body}
    registry, counting = _general_registry()
    direct = _serve([info], [dict(spec)])
    general = _serve([info], [dict(spec)], registry=registry)
    assert counting.metadata, "the general path was taken"
    assert direct[0][0]["status"] == general[0][0]["status"] == 200
    assert seen[0] == seen[1]


def test_a_converter_registered_for_http_trigger_is_used_with_the_metadata() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.params["q"])

    registry, counting = _general_registry()
    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))],
                     [{"query_string": b"q=1"}], registry=registry)
    assert _body(answers[0]) == b"1"
    (metadata,) = counting.metadata
    assert metadata["Query"].value == '{"q": "1"}'
    assert "Headers" in metadata


def test_a_converter_registered_for_the_http_output_is_used() -> None:
    class Shouting(HttpResponseConverter):
        def encode(self, obj: Any, *, expected_type: Any = None) -> Any:
            return super().encode(func.HttpResponse(obj.get_body().upper()),
                                  expected_type=expected_type)

    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("hello")

    registry = streaming_registry()
    registry.register("http", Shouting())
    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}],
                     registry=registry)
    assert _body(answers[0]) == b"HELLO"


class _Shouting(HttpResponseConverter):
    def encode(self, obj: Any, *, expected_type: Any = None) -> Any:
        return super().encode(func.HttpResponse(obj.get_body().upper()),
                              expected_type=expected_type)


def test_converters_registered_or_removed_after_serving_began_are_seen_next_request() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("hello")

    registry = streaming_registry()
    counting = _CountingRequests()
    deferring = registry.get("http")
    assert deferring is not None

    def before(index: int) -> None:
        if index == 1:  # after a request served on the direct path
            registry.register("httpTrigger", counting)
            registry.register("http", _Shouting())
        elif index == 2:
            registry.unregister("httpTrigger")
            registry.register("http", deferring)

    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}, {}, {}],
                     registry=registry, before=before)
    assert [_body(a) for a in answers] == [b"hello", b"HELLO", b"hello"]
    assert len(counting.metadata) == 1  # the second request only took the general path


def test_a_request_annotation_changed_after_serving_began_is_seen_next_request() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(type(req).__name__)

    def before(index: int) -> None:
        if index == 1:
            handler.__annotations__ = {"req": MyRequest, "return": func.HttpResponse}

    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}, {}],
                     before=before)
    assert [_body(a) for a in answers] == [b"HttpRequest", b"MyRequest"]


def test_a_response_subclass_is_sent_with_its_own_body() -> None:
    class Shouted(func.HttpResponse):
        def get_body(self) -> bytes:
            return super().get_body().upper()

    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return Shouted("hello")

    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert _body(answers[0]) == b"HELLO"
    assert (b"content-length", b"5") in _headers(answers[0])


@pytest.mark.parametrize("charset", [None, "latin-1"])
def test_a_text_body_its_charset_cannot_encode_answers_500(
    charset: str | None, caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("\ud800 \u20ac", charset=charset)

    with caplog.at_level(logging.ERROR, logger="azfunc.host"):
        answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert answers[0][0]["status"] == 500
    assert any("not encodable" in r.getMessage() or r.exc_info for r in caplog.records)


class MyRequest(func.HttpRequest):
    def shout(self) -> str:
        return self.method + "!"


def test_a_request_subclass_annotation_gets_the_subclass() -> None:
    def handler(req: MyRequest) -> func.HttpResponse:
        return func.HttpResponse(req.shout())

    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert _body(answers[0]) == b"GET!"


def test_a_str_return_is_answered_as_the_converter_encoded_it() -> None:
    async def handler(req: func.HttpRequest) -> str:
        return "plain"

    answers = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert answers[0][0]["status"] == 200
    assert (b"content-type", b"text/plain; charset=utf-8") in _headers(answers[0])
    assert _body(answers[0]) == b"plain"


# --- what an answer keeps ------------------------------------------------------------------


@pytest.mark.parametrize("asynchronous", [False, True])
def test_streams_stream_and_cookies_stay_separate_lines(asynchronous: bool) -> None:
    def stream() -> Any:
        yield b"a"
        yield "b"

    def handler(req: func.HttpRequest) -> func.HttpResponse:
        response = func.HttpResponse(stream(), headers={"Content-Length": "2"})
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    async def async_handler(req: func.HttpRequest) -> func.HttpResponse:
        return handler(req)

    info = FunctionInfo("f", async_handler if asynchronous else handler,
                        (_trigger("x"), RETURN))
    (messages,) = _serve([info], [{}])
    assert [m.get("body") for m in messages[1:]] == [b"a", b"b", b""]
    headers = _headers(messages)
    assert [v for k, v in headers if k == b"set-cookie"] == [b"a=1; Path=/", b"b=2; Path=/"]
    assert all(k != b"content-length" for k, _ in headers)


def test_a_sized_answer_has_one_content_length_and_head_has_no_body() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        response = func.HttpResponse("héllo", headers={"X-Note": "ü"})
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    info = FunctionInfo("f", handler, (_trigger("x"), RETURN))
    get, head = _serve([info], [{}, {"method": "HEAD"}])
    headers = _headers(get)
    assert (b"content-length", b"6") in headers
    assert (b"x-note", "ü".encode("latin-1")) in headers
    assert [v for k, v in headers if k == b"set-cookie"] == [b"a=1; Path=/", b"b=2; Path=/"]
    assert _body(get) == "héllo".encode()
    assert _headers(head) == headers
    assert _body(head) == b""


def test_a_failure_answers_500_with_the_invocation_id_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        logging.getLogger("user").warning("about to fail")
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="azfunc.host")
    (messages,) = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert messages[0]["status"] == 500

    answer = json.loads(messages[1]["body"])
    assert "boom" not in answer["error"]  # the client never sees the exception's text
    assert "invocation id" in answer["error"]
    assert answer["function"] == "f"
    failed = [r for r in caplog.records if "failed after" in r.getMessage()]
    assert len(failed) == 1
    assert answer["invocationId"] in failed[0].getMessage()
    assert failed[0].exc_info is not None
    assert failed[0].exc_info[1] is not None


def test_an_unencodable_answer_answers_500(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="azfunc.host")
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("ü", charset="ascii")

    (messages,) = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert messages[0]["status"] == 500
    assert b"ConversionError" not in messages[1]["body"]  # the log has it, the client not
    assert any("ConversionError" in f"{r.exc_info[1]!r} {r.exc_info[1]}"
               for r in caplog.records if r.exc_info)


def test_logs_are_captured_per_invocation_and_the_context_names_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids: list[str] = []
    directories: set[str] = set()

    def handler(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        ids.append(context.invocation_id)
        directories.add(context.function_directory)
        logging.getLogger("user").info("serving %s", context.function_name)
        return func.HttpResponse("ok")

    caplog.set_level(logging.INFO)
    _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}, {}], root="/app")
    lines = [r.getMessage() for r in caplog.records if r.name == "azfunc.host"]
    assert len(set(ids)) == 2
    assert directories == {"/app"}
    assert lines == [f"[f] ({i}) serving f" for i in ids]


def test_unresolvable_annotations_answer_500(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="azfunc.host")
    def handler(req: NoSuchType) -> func.HttpResponse:  # type: ignore[name-defined]  # noqa: F821
        return func.HttpResponse("never")

    (messages,) = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert messages[0]["status"] == 500
    assert b"AnnotationError" not in messages[1]["body"]  # the log has it, the client not
    assert any("AnnotationError" in f"{r.exc_info[1]!r} {r.exc_info[1]}"
               for r in caplog.records if r.exc_info)


def test_an_unbound_parameter_still_fails_as_the_general_path_says(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="azfunc.host")
    def handler(req: func.HttpRequest, other: str) -> func.HttpResponse:
        return func.HttpResponse("never")

    (messages,) = _serve([FunctionInfo("f", handler, (_trigger("x"), RETURN))], [{}])
    assert messages[0]["status"] == 500
    assert b"'other' has no binding" not in messages[1]["body"]  # the log has it, the client not
    assert any("'other' has no binding" in f"{r.exc_info[1]!r} {r.exc_info[1]}"
               for r in caplog.records if r.exc_info)


def test_the_body_is_read_and_limited() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.get_body())

    info = FunctionInfo("f", handler, (_trigger("x"), RETURN))
    small, chunked, large = _serve([info], [
        {"method": "POST", "headers": [(b"content-length", b"3")], "body": b"abc"},
        {"method": "POST", "headers": [(b"transfer-encoding", b"chunked")], "body": b"de"},
        {"method": "POST", "headers": [(b"content-length", b"99")], "body": b"x" * 99},
    ], max_body_size=10)
    assert _body(small) == b"abc"
    assert _body(chunked) == b"de"
    assert large[0]["status"] == 413



def test_a_request_without_a_length_or_chunks_has_no_body_and_is_not_read() -> None:
    """RFC 9112 6.3: no Content-Length and no Transfer-Encoding means no body; the direct
    path then never asks ``receive`` (whose messages may belong to a disconnect)."""
    seen: list[bytes] = []

    def handler(req: func.HttpRequest) -> func.HttpResponse:
        seen.append(req.get_body())
        return func.HttpResponse("ok")

    info = FunctionInfo("f", handler, (_trigger("x"), RETURN))
    runtime = Runtime(threads=1, registry=streaming_registry())
    frontend = HttpFrontend([info], runtime=runtime)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("a request without a body must not be read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/x", "raw_path": b"/api/x",
             "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 7071),
             "headers": [(b"host", b"h")]}
    try:
        asyncio.run(frontend(scope, receive, send))
    finally:
        runtime.close()
    assert sent[0]["status"] == 200
    assert seen == [b""]


def test_a_given_content_length_is_kept_once_and_unencodable_values_go_as_utf8() -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(b"abc", headers={"Content-Length": "3", "X-Price": "5 €"})

    info = FunctionInfo("f", handler, (_trigger("x"), RETURN))
    (messages,) = _serve([info], [{}])
    headers = _headers(messages)
    assert [v for k, v in headers if k == b"content-length"] == [b"3"]
    assert (b"x-price", "5 €".encode()) in headers
    assert _body(messages) == b"abc"



@pytest.mark.parametrize("touch", ["none", "read", "write", "charset", "cookie"])
def test_a_default_response_sends_its_content_type_however_its_headers_were_used(
    touch: str,
) -> None:
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        response = func.HttpResponse("é")
        if touch == "read":
            assert response.headers["content-type"] == "text/plain; charset=utf-8"
        elif touch == "write":
            response.headers["X-A"] = "1"
        elif touch == "charset":
            response.charset = "latin-1"
        elif touch == "cookie":
            response.set_cookie("a", "1")
        return response

    info = FunctionInfo("f", handler, (_trigger("x"), RETURN))
    (messages,) = _serve([info], [{}])
    headers = _headers(messages)
    charset = "latin-1" if touch == "charset" else "utf-8"
    body = "é".encode(charset)
    expected = [(b"content-type", f"text/plain; charset={charset}".encode())]
    expected += {"write": [(b"x-a", b"1")], "cookie": [(b"set-cookie", b"a=1; Path=/")]
                 }.get(touch, [])
    assert headers == [*expected, (b"content-length", str(len(body)).encode())]
    assert _body(messages) == body


# --- routing ----------------------------------------------------------------------------


def test_remembered_routes_answer_as_the_router_does() -> None:
    def literal(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("literal")

    def by_id(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("id " + req.route_params["id"])

    functions = [
        FunctionInfo("literal", literal, (_trigger("items/new", ["GET"]), RETURN)),
        FunctionInfo("by_id", by_id, (_trigger("items/{id}"), RETURN)),
    ]
    paths = ["/api/items/new", "/api/items/7", "/api/items/8"]
    answers = _serve(functions, [
        *({"path": p} for p in paths), *({"path": p} for p in paths),
        {"path": "/api/items/new", "method": "POST"}, {"path": "/api/ITEMS/NEW"},
    ])
    bodies = [_body(a) for a in answers]
    assert bodies == [b"literal", b"id 7", b"id 8"] * 2 + [b"id new", b"literal"]


def test_extension_hooks_run_on_the_direct_path_too() -> None:
    from azfunc.app.extensions import HOOKS

    seen: list[Any] = []

    def hello(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("hi")

    info = FunctionInfo("Hello", hello, (_trigger("x"), RETURN))
    assert direct_call(info, "req") is not None  # the function takes the direct path
    HOOKS.clear()
    try:
        class Recorder(func.AppExtensionBase):
            @classmethod
            def pre_invocation_app_level(cls, logger: Any, context: Any,
                                         func_args: Any = None, *a: Any, **k: Any) -> None:
                seen.append(("pre", context.function_name, sorted(func_args)))

            @classmethod
            def post_invocation_app_level(cls, logger: Any, context: Any, func_args: Any = None,
                                          func_ret: Any = None, *a: Any, **k: Any) -> None:
                seen.append(("post", type(func_ret).__name__))

        (answer,) = _serve([info], [{}])
    finally:
        HOOKS.clear()
    assert answer[0]["status"] == 200
    assert seen == [("pre", "Hello", ["req"]), ("post", "HttpResponse")]


# --- functions with output bindings ---------------------------------------------------------

QUEUE_OUT = BindingInfo("msg", "queue", "out", properties={"queueName": "out"})


class _Outputs:
    """An ``on_outputs`` hook and ``data_names`` answer recording what they were given; the
    messages sent so far are marked in ``events`` so the order can be checked."""

    def __init__(self, names: frozenset[str] = frozenset(), fail: bool = False) -> None:
        self.names, self.fail = names, fail
        self.applied: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = []

    async def on_outputs(self, info: FunctionInfo, result: Any, data: Any) -> None:
        self.applied.append((info.name, dict(result.outputs),
                             {k: (d.type, d.value) for k, d in result.output_data.items()},
                             dict(data)))
        if self.fail:
            raise OSError("the queue is full")

    def data_names(self, info: FunctionInfo) -> frozenset[str]:
        return self.names


def _both_paths(info: FunctionInfo, spec: dict[str, Any], outputs: _Outputs
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The answer on the direct path and on the general path (forced by a registered
    ``httpTrigger`` converter), each applying its outputs into ``outputs``."""
    direct = _serve([info], [dict(spec)], on_outputs=outputs.on_outputs,
                    data_names=outputs.data_names)
    registry, counting = _general_registry()
    general = _serve([info], [dict(spec)], registry=registry, on_outputs=outputs.on_outputs,
                     data_names=outputs.data_names)
    assert counting.metadata, "the general path was taken"
    return direct[0], general[0]


def test_direct_call_accepts_out_holders_of_output_bindings() -> None:
    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        return func.HttpResponse("")

    call = direct_call(FunctionInfo("a", handler, (_trigger("a"), QUEUE_OUT, RETURN)), "req")
    assert call is not None
    assert [p.name for p in call.outputs] == ["msg"]


def test_invoke_direct_without_a_result_for_the_outputs_is_refused() -> None:
    from azfunc._errors import ArgumentValueError, AzFuncError
    from azfunc.app.invocation import invoke_direct

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        return func.HttpResponse("")

    info = FunctionInfo("a", handler, (_trigger("a"), QUEUE_OUT, RETURN))
    call = direct_call(info, "req")
    assert call is not None
    with pytest.raises(ArgumentValueError, match="into=") as caught:
        asyncio.run(invoke_direct(info, call, func.HttpRequest("GET", "http://h/"),
                                  invocation_id="1"))
    assert isinstance(caught.value, AzFuncError)
    assert isinstance(caught.value, ValueError)


_output_value = st.one_of(st.text(max_size=20), st.binary(max_size=20),
                          st.dictionaries(_token, st.integers(), max_size=3), st.none())


@settings(max_examples=30, deadline=None)
@given(value=_output_value, is_set=st.booleans(), asynchronous=st.booleans(),
       body=st.binary(max_size=16))
def test_outputs_are_applied_as_the_general_path_applies_them_before_the_answer(
    value: Any, is_set: bool, asynchronous: bool, body: bytes,
) -> None:
    outputs = _Outputs()

    def handler(req: func.HttpRequest, msg: func.Out[Any]) -> func.HttpResponse:
        if is_set:
            msg.set(value)
        return func.HttpResponse(req.get_body(), status_code=201)

    async def async_handler(req: func.HttpRequest, msg: func.Out[Any]) -> func.HttpResponse:
        return handler(req, msg)

    info = FunctionInfo("f", async_handler if asynchronous else handler,
                        (_trigger("x"), QUEUE_OUT, RETURN))
    spec = {"method": "POST", "body": body,
            "headers": [(b"host", b"h"), (b"content-length", str(len(body)).encode())]}
    direct, general = _both_paths(info, spec, outputs)
    assert direct[0]["status"] == general[0]["status"] == 201
    assert _body(direct) == _body(general) == body
    assert len(outputs.applied) == 2
    assert outputs.applied[0] == (*outputs.applied[1][:3], {})  # no binding data needed
    assert ("msg" in outputs.applied[0][1]) is is_set


def test_the_outputs_are_applied_before_the_answer_is_sent() -> None:
    order: list[str] = []

    async def on_outputs(info: FunctionInfo, result: Any, data: Any) -> None:
        order.append(f"applied {result.outputs['msg']}")

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set("hello")
        return func.HttpResponse("sent")

    info = FunctionInfo("f", handler, (_trigger("x"), QUEUE_OUT, RETURN))
    runtime = Runtime(threads=1, registry=streaming_registry())
    frontend = HttpFrontend([info], runtime=runtime, on_outputs=on_outputs,
                            data_names=lambda info: frozenset())

    async def main() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            order.append(message["type"])

        await frontend({"type": "http", "method": "GET", "path": "/api/x",
                        "query_string": b"", "headers": [(b"host", b"h")]}, receive, send)

    try:
        asyncio.run(main())
    finally:
        runtime.close()
    assert order == ["applied hello", "http.response.start", "http.response.body"]


def test_an_output_naming_request_data_gets_it_from_the_general_path() -> None:
    outputs = _Outputs(names=frozenset({"id"}))

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set("m")
        return func.HttpResponse("ok")

    named = BindingInfo("msg", "queue", "out", properties={"queueName": "out-{id}"})
    info = FunctionInfo("f", handler, (_trigger("items/{id}"), named, RETURN))
    (answer,) = _serve([info], [{"path": "/api/items/7", "query_string": b"q=1"}],
                       on_outputs=outputs.on_outputs, data_names=outputs.data_names)
    assert answer[0]["status"] == 200
    ((_, _, _, data),) = outputs.applied
    assert data["id"] == "7"
    assert data["q"] == "1"


def test_a_function_run_in_a_worker_process_takes_the_general_path() -> None:
    outputs = _Outputs()
    sent: list[str] = []

    class Processes:
        """Worker processes that take every ``def`` function and send none of them (the
        runtime then runs it here): what is asked of them shows the path taken."""

        def runs(self, info: FunctionInfo) -> bool:
            return True

        async def invoke(self, info: FunctionInfo, inputs: Any, **kwargs: Any) -> None:
            sent.append(info.name)

        async def invoke_direct(self, info: FunctionInfo, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("a function with outputs is never sent down the direct path")

        def shutdown(self) -> None:
            pass

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set("m")
        return func.HttpResponse("ok")

    def use_processes(runtime: Runtime) -> None:
        runtime.processes = Processes()  # type: ignore[assignment]

    info = FunctionInfo("f", handler, (_trigger("x"), QUEUE_OUT, RETURN))
    (answer,) = _serve([info], [{}], runtime_set=use_processes,
                       on_outputs=outputs.on_outputs, data_names=outputs.data_names)
    assert answer[0]["status"] == 200
    assert sent == ["f"]
    assert [applied[2] for applied in outputs.applied] == [{"msg": ("string", "m")}]


def test_a_failing_output_answers_500_naming_the_logged_invocation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="azfunc.host")
    outputs = _Outputs(fail=True)

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set("m")
        return func.HttpResponse("never sent")

    info = FunctionInfo("f", handler, (_trigger("x"), QUEUE_OUT, RETURN))
    direct, general = _both_paths(info, {}, outputs)
    for messages in (direct, general):
        assert messages[0]["status"] == 500
        answer = json.loads(messages[1]["body"])
        assert "full" not in answer["error"]
        logged = [r for r in caplog.records if answer["invocationId"] in r.getMessage()]
        assert len(logged) == 1
        assert "an output binding could not be applied" in logged[0].getMessage()


def test_an_unencodable_output_answers_500_and_applies_nothing() -> None:
    outputs = _Outputs()

    def handler(req: func.HttpRequest, msg: func.Out[Any]) -> func.HttpResponse:
        msg.set(object())
        return func.HttpResponse("never sent")

    info = FunctionInfo("f", handler, (_trigger("x"), QUEUE_OUT, RETURN))
    direct, general = _both_paths(info, {}, outputs)
    assert direct[0]["status"] == general[0]["status"] == 500
    assert outputs.applied == []



def test_a_function_with_an_output_takes_the_direct_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from azfunc.app.invocation import invoke_function

    general: list[str] = []

    def counted(info: FunctionInfo, *args: Any, **kwargs: Any) -> Any:
        general.append(info.name)
        return invoke_function(info, *args, **kwargs)

    monkeypatch.setattr("azfunc.host.runtime.invoke_function", counted)
    outputs = _Outputs()

    def handler(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
        msg.set("m")
        return func.HttpResponse("ok")

    info = FunctionInfo("f", handler, (_trigger("x"), QUEUE_OUT, RETURN))
    direct, _ = _both_paths(info, {}, outputs)
    assert _body(direct) == b"ok"
    assert general == ["f"]  # the general run only
    assert [applied[2] for applied in outputs.applied] == [{"msg": ("string", "m")}] * 2
