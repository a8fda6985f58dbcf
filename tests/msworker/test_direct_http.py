"""The bridge's direct HTTP paths (a plain HttpRequest in, a plain HttpResponse out) give
exactly what the general path (worker Datum -> azfunc Datum -> converter, and back) gives,
without the worker: properties over arbitrary requests and responses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError
from azfunc.msworker.converters import ParamBridge
from azfunc.wire.python_worker import WorkerDatum, datum_from_worker, datum_to_worker


def _bridge(binding: str, pytype: Any, *, output: bool = False) -> ParamBridge:
    bridge = ParamBridge(binding, func.get_binding_registry().require(binding), None)
    check = bridge.check_output_type_annotation if output else bridge.check_input_type_annotation
    assert check(pytype)
    return bridge


def _worker_map(m: dict[str, str]) -> dict[str, WorkerDatum]:
    return {k: WorkerDatum(v, "string") for k, v in m.items()}


def _seen(req: func.HttpRequest) -> tuple[Any, ...]:
    return (type(req), req.method, req.url, sorted(req.headers.items()),
            list(req.params.items()), dict(req.route_params), req.get_body())


NAMES = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=6)
TEXT = st.text(max_size=6)


@given(st.sampled_from(["get", "POST"]),
       st.builds(lambda q: "/api/x" + (f"?{q}" if q else ""),
                 st.sampled_from(["", "a=1", "a=1&a=2&b=", "a=%20x+y", "c=3#f"])),
       st.dictionaries(NAMES, TEXT, max_size=5),
       st.dictionaries(NAMES, TEXT, max_size=3),
       st.dictionaries(NAMES, TEXT, max_size=3),
       st.one_of(st.none(), st.binary(max_size=8), st.text(max_size=8)))
def test_a_plain_request_is_what_the_converter_builds(
    method: str, url: str, headers: dict[str, str], query: dict[str, str],
    params: dict[str, str], body: bytes | str | None,
) -> None:
    value: dict[str, Any] = {
        "method": WorkerDatum(method, "string"), "url": WorkerDatum(url, "string"),
        "headers": _worker_map(headers), "query": _worker_map(query),
        "params": _worker_map(params)}
    if body is not None:
        value["body"] = WorkerDatum(body, "bytes" if isinstance(body, bytes) else "string")
    data = WorkerDatum(value, "http")
    general = func.get_binding_registry().require("httpTrigger").decode(datum_from_worker(data))
    for pytype in (func.HttpRequest, None):
        bridge = ParamBridge("httpTrigger", func.get_binding_registry().require("httpTrigger"),
                             None)
        if pytype is not None:
            assert bridge.check_input_type_annotation(pytype)
        assert _seen(bridge.decode(data, trigger_metadata={})) == _seen(general)


def test_a_request_subclass_still_goes_through_the_converter() -> None:
    class Mine(func.HttpRequest):
        __slots__ = ()

    value = {"method": WorkerDatum("GET", "string"), "url": WorkerDatum("/x?a=1", "string")}
    req = _bridge("httpTrigger", Mine).decode(WorkerDatum(value, "http"), trigger_metadata={})
    assert type(req) is Mine
    assert req.params["a"] == "1"


def test_an_http_trigger_does_not_convert_the_trigger_metadata_it_never_reads() -> None:
    # The host sends the request's parts again as metadata; a kind azfunc cannot read there
    # used to fail the invocation though the HTTP converter never looks at it.
    value = {"method": WorkerDatum("GET", "string"), "url": WorkerDatum("/x", "string")}
    metadata = {"Headers": WorkerDatum("{}", "json"),
                "odd": WorkerDatum(object(), "collection_model_binding_data")}
    req = _bridge("httpTrigger", func.HttpRequest).decode(
        WorkerDatum(value, "http"), trigger_metadata=metadata)
    assert req.url == "/x"


ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.binary(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["method", "url", "headers", "query", "params", "body"]),
                       st.one_of(ANY, st.builds(WorkerDatum, ANY, st.sampled_from(
                           ["string", "bytes", "json", "http", "int"]))), max_size=6))
def test_a_malformed_request_gives_only_azfunc_errors(value: dict[str, Any]) -> None:
    bridge = _bridge("httpTrigger", func.HttpRequest)
    try:
        req = bridge.decode(WorkerDatum(value, "http"), trigger_metadata={})
        _seen(req)
    except AzFuncError:
        return


HEADER_NAMES = st.sampled_from(["X-A", "x-a", "X-B", "Content-Type", "Set-Cookie", "set-cookie"])


@given(st.lists(st.tuples(HEADER_NAMES, st.sampled_from(["1", "v w", "a=b; Path=/"])).map(
           lambda t: (t[0], f"s={t[1][0]}; Path=/") if t[0].lower() == "set-cookie" else t),
                max_size=6),
       st.integers(100, 599), st.one_of(st.binary(max_size=8), st.text(max_size=8)))
def test_a_plain_response_goes_out_as_the_general_path_sends_it(
    lines: list[tuple[str, str]], status: int, body: bytes | str,
) -> None:
    resp = func.HttpResponse(body, status_code=status)
    for name, text in lines:
        resp.headers.add(name, text)
    general = datum_to_worker(func.get_binding_registry().require("http").encode(resp))
    direct = _bridge("http", func.HttpResponse, output=True).encode(resp)

    def seen(out: Any) -> tuple[Any, ...]:
        v = out.value
        cookies = [(k, m.OutputString()) for c in v["cookies"] or () for k, m in c.items()]
        return (out.type, v["status_code"].value, list(v["headers"]),
                [d.value for d in v["headers"].values()], cookies, v["body"].value)

    assert seen(direct) == seen(general)


def test_a_bad_set_cookie_fails_the_direct_path_too() -> None:
    resp = func.HttpResponse("x")
    resp.headers.add("Set-Cookie", "no-equals-sign-here")
    with pytest.raises(func.ConversionError, match="exactly one cookie"):
        _bridge("http", func.HttpResponse, output=True).encode(resp)
