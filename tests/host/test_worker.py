"""The custom-handler worker: every wire vector posted to a real server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azfunc import AzFuncError, WireFormatError
from azfunc.app.model import BindingInfo
from azfunc.host.worker import CustomHandlerWorker, forwarding_enabled
from azfunc.wire.custom_handler import (
    datum_to_output,
    http_request_datum,
    input_datum,
    metadata_datums,
    read_request,
)
from tests.conftest import VECTORS
from tests.custom_handler.conftest import bindings_of
from tests.custom_handler.host_emulation import HostAnswer, delivered, read_answer

from .conftest import serving

VECTORS = VECTORS / "custom_handler"


def vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return data


def _function(root: Path, name: str, bindings: list[dict[str, Any]], code: str) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "function.json").write_text(json.dumps({"bindings": bindings}))
    (folder / "__init__.py").write_text(textwrap.dedent(code))


def build_app(root: Path, *, forwarding: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    host: dict[str, Any] = {"version": "2.0"}
    if forwarding:
        host["customHandler"] = {"description": {"defaultExecutablePath": "python"},
                                 "enableForwardingHttpRequest": True}
    (root / "host.json").write_text(json.dumps(host))
    _function(root, "order", vector("docs_http_order_request.json")["_function_json"]["bindings"],
              """
              import azfunc as func

              def main(req: func.HttpRequest, res: func.Out[func.HttpResponse],
                       message: func.Out[str]) -> None:
                  order = req.get_json()
                  assert order["id"] == 1005 and req.method == "POST"
                  assert req.headers["content-type"] == "application/json"
                  message.set(req.get_body().decode())
                  res.set(func.HttpResponse("Order enqueued"))
              """)
    _function(root, "QueueTrigger", [
        {"type": "queueTrigger", "direction": "in", "name": "myQueueItem", "queueName": "q",
         "connection": "AzureWebJobsStorage"},
        {"type": "queue", "direction": "out", "name": "myQueueOutput", "queueName": "o",
         "connection": "AzureWebJobsStorage"},
        {"type": "queue", "direction": "out", "name": "seen", "queueName": "s",
         "connection": "AzureWebJobsStorage"},
        {"type": "queue", "direction": "out", "name": "$return", "queueName": "r",
         "connection": "AzureWebJobsStorage"},
    ], """
              import logging
              import azfunc as func

              def main(myQueueItem: func.QueueMessage, myQueueOutput: func.Out[list[str]],
                       seen: func.Out[dict]) -> str:
                  logging.info("Log message 1")
                  logging.info("Log message 2")
                  myQueueOutput.set(["queue message 1", "queue message 2"])
                  seen.set({
                      "body": myQueueItem.get_body().decode(),
                      "id": myQueueItem.id,
                      "dequeue_count": myQueueItem.dequeue_count,
                      "pop_receipt": myQueueItem.pop_receipt,
                      "insertion_time": myQueueItem.insertion_time.isoformat(),
                  })
                  return '{"hello":"world"}'
              """)
    _function(root, "retry", [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"},
        {"type": "http", "direction": "out", "name": "res"},
    ], """
              import azfunc as func

              def main(req: func.HttpRequest, res: func.Out[func.HttpResponse],
                       context: func.Context) -> None:
                  rc = context.retry_context
                  if rc.retry_count < rc.max_retry_count:
                      raise RuntimeError(f"attempt {rc.retry_count} fails on purpose")
                  res.set(func.HttpResponse(
                      f"Retry Count:{rc.retry_count} Max Retry Count:{rc.max_retry_count}"))
              """)
    _function(root, "hello", [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous",
         "methods": ["get"], "route": "hello/{name?}"},
        {"type": "http", "direction": "out", "name": "res"},
    ], """
              import logging
              import azfunc as func

              def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
                  logging.info("invocation log1")
                  logging.info("invocation log2")
                  response = func.HttpResponse("my world", status_code=201)
                  response.set_cookie("a", "1")
                  if not req.params.get("one"):
                      response.set_cookie("b", "2")
                  res.set(response)
              """)
    _function(root, "go", [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"},
        {"type": "http", "direction": "out", "name": "res"},
        {"type": "queue", "direction": "out", "name": "output", "queueName": "a",
         "connection": "C"},
        {"type": "queue", "direction": "out", "name": "output2", "queueName": "b",
         "connection": "C"},
        {"type": "queue", "direction": "out", "name": "$return", "queueName": "c",
         "connection": "C"},
    ], """
              import logging
              import azfunc as func

              def main(req: func.HttpRequest, res: func.Out[func.HttpResponse],
                       output: func.Out[str], output2: func.Out[dict]) -> str:
                  logging.info("test log1")
                  logging.info("test log2")
                  output.set("Mark Taylor")
                  output2.set({"home": "123-466-799", "office": "564-987-654"})
                  res.set(func.HttpResponse("my world", status_code=201,
                                            headers={"header1": "header1Val",
                                                     "header2": "header2Val"}))
                  return "Hello,World"
              """)
    _function(root, "goqueue", [
        {"type": "queueTrigger", "direction": "in", "name": "item", "queueName": "q",
         "connection": "C"},
        {"type": "queue", "direction": "out", "name": "output1", "queueName": "o",
         "connection": "C"},
        {"type": "generic", "direction": "out", "name": "$return"},
    ], """
              import logging
              import azfunc as func

              def main(item: func.QueueMessage, output1: func.Out[str]):
                  logging.info("test log1")
                  logging.info("test log2")
                  if item.get_body() == b"with outputs":
                      output1.set("output from go")
                      return 100
                  return "HelloWorld"
              """)
    _function(root, "plainret", [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"},
        {"type": "http", "direction": "out", "name": "$return"},
    ], """
              import azfunc as func

              def main(req: func.HttpRequest) -> str:
                  return "just text"
              """)
    _function(root, "binary", [
        {"type": "queueTrigger", "direction": "in", "name": "item", "queueName": "q",
         "dataType": "binary", "connection": "C"},
        {"type": "blob", "direction": "out", "name": "out", "path": "c/x", "connection": "C"},
        {"type": "blob", "direction": "out", "name": "text", "path": "c/y", "connection": "C"},
        {"type": "blob", "direction": "out", "name": "raw", "path": "c/z", "dataType": "binary",
         "connection": "C"},
    ], """
              import azfunc as func

              def main(item: func.QueueMessage, out: func.Out[bytes],
                       text: func.Out[str], raw: func.Out[bytes]) -> None:
                  out.set(item.get_body()[::-1])
                  text.set("aGVsbG8=")  # looks like base64, must stay this text
                  if item.get_body()[:1] == b"{":
                      raw.set(item.get_body())  # UTF-8 text: fine even with dataType binary
                  elif item.get_body()[:1] != b"t":
                      raw.set(item.get_body())  # binary bytes cannot pass dataType binary
              """)
    return root


@pytest.fixture(scope="module")
def app_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app(tmp_path_factory.mktemp("worker") / "app")


@pytest.fixture(scope="module")
def worker_url(app_root: Path) -> Iterator[str]:
    with serving(CustomHandlerWorker(app_root)) as base:
        yield base


def host_reads(response: httpx.Response, root: Path, function: str) -> HostAnswer:
    """The answer as the Functions host reads it (``tests/custom_handler/host_emulation``)."""
    return read_answer(response.status_code, response.content, bindings_of(root, function))


def test_docs_http_order(worker_url: str, app_root: Path) -> None:
    request = vector("docs_http_order_request.json")
    expected = vector("docs_http_order_response.json")["payload"]
    response = httpx.post(f"{worker_url}/order", json=request["payload"])
    assert response.status_code == 200
    assert set(response.json()) == {"Outputs", "Logs", "ReturnValue"}
    answer = host_reads(response, app_root, "order")
    # the documented answer sends the text raw; the host then re-parses it as JSON
    (message,) = delivered(answer, "message", "queue")
    assert json.loads(message) == json.loads(expected["Outputs"]["message"])
    assert answer.http["res"].body.decode() == expected["Outputs"]["res"]["body"]
    assert answer.http["res"].status == 200
    assert answer.return_value is None


@pytest.mark.parametrize("name", ["docs_queue_request.json", "host_derived_queue_request.json"])
def test_queue_requests_raw_and_double_encoded(worker_url: str, app_root: Path,
                                               name: str) -> None:
    payload = vector(name)["payload"]
    expected = vector("docs_response_generic.json")["payload"]
    response = httpx.post(f"{worker_url}/QueueTrigger", json=payload)
    assert response.status_code == 200
    body = response.json()
    answer = host_reads(response, app_root, "QueueTrigger")
    assert delivered(answer, "$return", "queue") == [expected["ReturnValue"].encode()]
    assert delivered(answer, "myQueueOutput", "queue") == [
        m.encode() for m in expected["Outputs"]["myQueueOutput"]]
    assert body["Logs"] == expected["Logs"]
    assert body["Outputs"]["seen"] == {
        "body": '{ message: "Message sent" }',
        "id": "800ae4b3-bdd2-4c08-badd-f08e5a34b865",
        "dequeue_count": 1,
        "pop_receipt": "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
        "insertion_time": "2019-10-09T17:58:31+00:00",
    }


def test_function_names_are_case_insensitive(worker_url: str) -> None:
    payload = vector("docs_queue_request.json")["payload"]
    assert httpx.post(f"{worker_url}/queuetrigger", json=payload).status_code == 200


def test_retry_context(worker_url: str) -> None:
    sample = vector("retry_sample.json")
    request = {"Data": {"req": {"Url": "http://localhost:7071/api/retry", "Method": "GET",
                                "Query": {}, "Headers": {}, "Params": {}}},
               **sample["request_metadata_fragment"]}
    failing = httpx.post(f"{worker_url}/retry", json=request)
    assert failing.status_code == 500  # the host treats non-2xx as a failed invocation
    assert "attempt 1 fails on purpose" in " ".join(failing.json()["Logs"])
    request["Metadata"]["RetryContext"]["RetryCount"] = 3
    done = httpx.post(f"{worker_url}/retry", json=request)
    assert done.status_code == 200
    assert done.json()["Outputs"]["res"]["body"] == "Retry Count:3 Max Retry Count:3"
    assert sample["response_from_sample"]["Outputs"]["res"]["body"].startswith("Retry Count:")


def test_host_test_http_output(worker_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="azfunc.host")
    expected = vector("host_test_http_output.json")["payload"]
    request = {"Data": {"req": {"Url": "http://localhost/api/hello", "Method": "GET",
                                "Query": "{}", "Headers": {"Cookie": ["x=1", "y=2"]}}},
               "Metadata": {}}
    response = httpx.post(f"{worker_url}/hello", json=request)
    # two Set-Cookie headers cannot travel in JSON mode: the invocation fails, saying why
    assert response.status_code == 500
    body = response.json()
    assert "enableForwardingHttpRequest" in body["Logs"][-1]
    assert body["Logs"][:-1] == expected["Logs"]
    # the worker's own log shows each record with the function name and invocation id
    printed = [r.getMessage() for r in caplog.records if r.name == "azfunc.host"]
    assert any(re.fullmatch(r"\[hello\] \([0-9a-f-]{36}\) invocation log1", m) for m in printed)


def test_one_cookie_travels_as_a_header(worker_url: str, app_root: Path) -> None:
    expected = vector("host_test_http_output.json")["payload"]["Outputs"]["res"]
    request = {"Data": {"req": {"Url": "http://localhost/api/hello?one=1", "Method": "GET",
                                "Query": {"one": "1"}, "Headers": {}}}, "Metadata": {}}
    response = httpx.post(f"{worker_url}/hello", json=request)
    res = host_reads(response, app_root, "hello").http["res"]
    assert (str(res.status), res.body.decode()) == (expected["statusCode"], expected["body"])
    assert res.headers["Set-Cookie"] == "a=1; Path=/"


def test_go_sample_shapes(worker_url: str, app_root: Path) -> None:
    """What the host delivers for our answer is what it delivers for the Go sample's."""
    expected = vector("sample_go_responses.json")["httpTriggerHandlerStringReturnValue"]
    request = {"Data": {"req": {"Url": "http://localhost/api/go", "Method": "POST",
                                "Query": {"a": "1"}, "Headers": {}, "Body": ""}},
               "Metadata": {}}
    response = httpx.post(f"{worker_url}/go", json=request)
    ours = host_reads(response, app_root, "go")
    theirs = read_answer(200, json.dumps(expected).encode(), bindings_of(app_root, "go"))
    assert response.json()["Logs"] == expected["Logs"]
    for name in ("$return", "output", "output2"):
        assert delivered(ours, name, "queue") == delivered(theirs, name, "queue")
    mine, go = ours.http["res"], theirs.http["res"]
    assert (mine.status, mine.body, mine.headers) == (go.status, go.body, go.headers)


@pytest.mark.parametrize(("body", "key"), [
    ("with outputs", "queueTriggerWithOutputsHandler"),
    ("plain", "queueTriggerHandler"),
])
def test_go_queue_shapes(worker_url: str, app_root: Path, body: str, key: str) -> None:
    expected = vector("sample_go_responses.json")[key]
    request = {"Data": {"item": json.dumps(body)}, "Metadata": {"DequeueCount": "1"}}
    response = httpx.post(f"{worker_url}/goqueue", json=request)
    ours = host_reads(response, app_root, "goqueue")
    theirs = read_answer(200, json.dumps(expected).encode(), bindings_of(app_root, "goqueue"))
    assert response.json()["Logs"] == expected["Logs"]
    assert delivered(ours, "$return", "queue") == delivered(theirs, "$return", "queue")
    assert set(ours.outputs) == set(theirs.outputs)
    if "output1" in ours.outputs:
        # the Go sample's "output from go" parses as base64 (blanks skipped): the host would
        # write garbage bytes; ours arrives as the text
        assert delivered(ours, "output1", "queue") == [b"output from go"]
        assert delivered(theirs, "output1", "queue") != [b"output from go"]


def test_plain_return_value_becomes_an_http_object(worker_url: str) -> None:
    request = {"Data": {"req": {"Url": "http://h/api/plainret", "Method": "GET"}},
               "Metadata": {}}
    answer = httpx.post(f"{worker_url}/plainret", json=request).json()
    expected = {"statusCode": "200", "headers": {}, "body": "just text"}
    assert answer["ReturnValue"] == expected
    assert answer["Outputs"] == {"$return": expected}


def test_binary_bindings(worker_url: str, app_root: Path) -> None:
    data = b"t" + bytes(range(200))
    request = {"Data": {"item": base64.b64encode(data).decode()}, "Metadata": {}}
    answer = host_reads(httpx.post(f"{worker_url}/binary", json=request), app_root, "binary")
    assert delivered(answer, "out", "blob") == data[::-1]
    # a text output that looks like base64 still arrives as this text
    assert delivered(answer, "text", "blob") == b"aGVsbG8="
    # text reaches a dataType binary blob as itself, JSON-looking or not
    request = {"Data": {"item": base64.b64encode(b'{"a": 1}').decode()}, "Metadata": {}}
    answer = host_reads(httpx.post(f"{worker_url}/binary", json=request), app_root, "binary")
    assert delivered(answer, "raw", "blob") == b'{"a": 1}'


def test_bytes_cannot_pass_a_binary_data_type_output(worker_url: str) -> None:
    request = {"Data": {"item": base64.b64encode(b"\x00\xff").decode()}, "Metadata": {}}
    failed = httpx.post(f"{worker_url}/binary", json=request)
    assert failed.status_code == 500
    assert 'remove dataType "binary"' in failed.json()["Logs"][-1]


@pytest.mark.parametrize(("path", "status"), [("/nosuch", 404), ("/a/b", 404)])
def test_unknown_functions(worker_url: str, path: str, status: int) -> None:
    assert httpx.post(f"{worker_url}{path}", json={}).status_code == status


def test_malformed_requests_are_400(worker_url: str) -> None:
    assert httpx.post(f"{worker_url}/order", content=b"{nope").status_code == 400
    assert httpx.post(f"{worker_url}/order", json={"Data": []}).status_code == 400
    assert httpx.get(f"{worker_url}/order").status_code == 405


def test_forwarding(tmp_path: Path) -> None:
    root = build_app(tmp_path / "app", forwarding=True)
    with serving(CustomHandlerWorker(root)) as base:
        direct = httpx.get(f"{base}/api/hello/x")
        assert direct.status_code == 201
        assert direct.text == "my world"
        assert direct.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
        # functions with other bindings still get the JSON protocol
        payload = vector("docs_http_order_request.json")["payload"]
        assert httpx.post(f"{base}/order", json=payload).status_code == 200


def test_host_json_variants() -> None:
    variants = vector("host_json_variants.json")
    assert forwarding_enabled(variants["go_sample_forwarding"])
    assert forwarding_enabled(variants["host_repo_sample"])
    # the docs' enableProxyingHttpRequest is no key the host binds (HttpWorkerOptions)
    assert not forwarding_enabled(variants["docs_current_http_only"])
    assert not forwarding_enabled(variants["docs_minimal"])
    assert not forwarding_enabled(variants["docs_bundle"])


# --- wire helpers, directly -------------------------------------------------------------

def test_http_request_query_forms() -> None:
    as_string = http_request_datum({"Url": "u", "Method": "get", "Query": "{}"})
    as_object = http_request_datum({"Url": "u", "Method": "GET", "Query": {"a": ["1", "2"]}})
    assert as_string.value.query == {}
    assert as_string.value.method == "GET"
    assert as_object.value.query["a"].value == "1,2"
    with pytest.raises(WireFormatError):
        http_request_datum({"Url": "u", "Query": "not json"})


def test_metadata_double_encoding() -> None:
    raw = vector("docs_queue_request.json")["payload"]["Metadata"]
    doubled = vector("host_derived_queue_request.json")["payload"]["Metadata"]
    assert metadata_datums(raw)["DequeueCount"].python_value == 1
    assert metadata_datums(doubled)["DequeueCount"].python_value == 1
    assert metadata_datums(raw)["Id"] == metadata_datums(doubled)["Id"]
    assert metadata_datums(raw)["PopReceipt"] == metadata_datums(doubled)["PopReceipt"]
    assert metadata_datums({"x": None}) == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None)
@given(value=json_values, binary=st.booleans())
def test_arbitrary_data_raises_only_azfunc_errors(value: Any, binary: bool) -> None:
    binding = BindingInfo("x", "queueTrigger", "in", "binary" if binary else None)
    try:
        datum = input_datum(value, binding)
        datum_to_output(datum, binding)
        if isinstance(value, dict):
            metadata_datums(value)
            http_request_datum(value)
    except AzFuncError:
        pass


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40))
def test_double_encoded_strings_round_trip(text: str) -> None:
    assert input_datum(json.dumps(text)).value == text
    assert metadata_datums({"k": json.dumps(text)})["k"].python_value == text


@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=200))
def test_arbitrary_request_bodies(body: bytes) -> None:
    with contextlib.suppress(WireFormatError):
        read_request(body)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> CustomHandlerWorker:
    return CustomHandlerWorker(build_app(tmp_path_factory.mktemp("inproc") / "app"))


@settings(max_examples=25, deadline=None)
@given(payload=json_values)
def test_arbitrary_payloads_never_crash_the_worker(
    in_process: CustomHandlerWorker, payload: Any
) -> None:
    async def call() -> int:
        transport = httpx.ASGITransport(app=in_process)
        async with httpx.AsyncClient(transport=transport, base_url="http://w") as client:
            response = await client.post("/QueueTrigger", json={"Data": {"myQueueItem": payload},
                                                                "Metadata": {}})
            assert set(response.json()) == {"Outputs", "Logs", "ReturnValue"}
            return response.status_code

    assert asyncio.run(call()) in {200, 400, 500}


def test_forwarded_streaming_response(tmp_path: Path) -> None:
    root = build_app(tmp_path / "app", forwarding=True)
    _function(root, "streamed", [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous",
         "route": "streamed"},
        {"type": "http", "direction": "out", "name": "$return"},
    ], """
              import azfunc as func

              def main(req: func.HttpRequest) -> func.HttpResponse:
                  return func.HttpResponse(iter([b"a", b"b", b"c"]))
              """)
    with serving(CustomHandlerWorker(root)) as base, httpx.stream(
        "GET", f"{base}/api/streamed"
    ) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        assert b"".join(response.iter_raw()) == b"abc"


def _stream_app(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "host.json").write_text(json.dumps({"version": "2.0"}))
    http = [{"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"},
            {"type": "http", "direction": "out", "name": "$return"}]
    _function(root, "agenfails", http, """
              import azfunc as func

              async def body():
                  yield b"partial"
                  raise RuntimeError("the body failed on purpose")

              async def main(req: func.HttpRequest) -> func.HttpResponse:
                  return func.HttpResponse(body())
              """)
    _function(root, "syncstream", http, """
              import threading
              import azfunc as func

              def body():
                  yield threading.current_thread().name.encode()

              def main(req: func.HttpRequest) -> func.HttpResponse:
                  return func.HttpResponse(body())
              """)
    return root


def _request(body: bytes = b"") -> dict[str, Any]:
    return {"Data": {"req": {"Url": "http://localhost/api/x", "Method": "GET", "Query": {},
                             "Headers": {}, "Params": {}, "Body": body.decode()}},
            "Metadata": {}}


def test_a_failing_async_body_is_a_500_naming_the_invocation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _stream_app(tmp_path / "app")
    with caplog.at_level(logging.ERROR, logger="azfunc.host"), serving(
        CustomHandlerWorker(root)
    ) as base:
        response = httpx.post(f"{base}/agenfails", json=_request())
    assert response.status_code == 500
    logs = response.json()["Logs"]
    found = re.search(r"agenfails \(([0-9a-f-]{36})\)", logs[0])
    assert found, logs
    assert "the body failed on purpose" in logs[0]
    records = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert records
    assert records[0].exc_info is not None


def test_a_sync_body_is_collected_on_the_invocation_pool(tmp_path: Path) -> None:
    root = _stream_app(tmp_path / "app")
    with serving(CustomHandlerWorker(root)) as base:
        response = httpx.post(f"{base}/syncstream", json=_request())
    assert response.status_code == 200
    body = response.json()["Outputs"]["$return"]["body"]
    assert body.startswith("azfunc-invoke")  # a pool thread, not the loop's


def test_a_body_over_the_limit_is_413_from_its_http_status(tmp_path: Path) -> None:
    root = _stream_app(tmp_path / "app")
    worker = CustomHandlerWorker(root, max_body_size=100)
    with serving(worker) as base:
        response = httpx.post(f"{base}/syncstream", json=_request(b"x" * 200))
    assert response.status_code == 413


def test_startup_warns_about_functions_that_need_forwarding(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    (tmp_path / "function_app.py").write_text(textwrap.dedent('''
        import azfunc as func

        app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

        @app.route(route="chunks")
        def chunks(req):
            yield b"chunk"
        '''))
    worker = CustomHandlerWorker(tmp_path, environ={})
    caplog.set_level(logging.WARNING, logger="azfunc.host")

    async def cycle() -> None:
        await worker.startup()
        await worker.shutdown()

    asyncio.run(cycle())
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("chunks:") and "enableForwardingHttpRequest" in m for m in warned)
