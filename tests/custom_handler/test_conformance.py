"""Conformance of ``azfunc worker``/``export``/``check`` with the Functions host's own rules.

Every test is one rule read from Azure/azure-functions-host 4.1037 (see
``docs/custom-handler-rules.md``). Requests are host-shaped envelopes from
``tests/vectors/custom_handler_host``; the worker is the real one (uvicorn on 127.0.0.1, httpx)
and its answers are read the way the host reads them (``host_emulation``). The user's function
records what it received into a queue output named ``seen``.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from azfunc.cli import main as azfunc_main
from tests.host.conftest import serving, wait_for

from .conftest import FAMILIES, bindings_of, vector
from .host_emulation import (
    HostAnswer,
    HostInvocationFailed,
    delivered,
    from_base64_string,
    read_answer,
)

#: Utility.cs BindingNameValidationRegex (4.1037): what every host version accepts
BINDING_NAME = re.compile(r"^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$")


def post(base: str, function: str, document: dict[str, Any]) -> httpx.Response:
    """POST a vector's envelope (and its host headers) to ``/<function>``."""
    return httpx.post(f"{base}/{function}", json=document["request"],
                      headers=document.get("headers") or {}, timeout=30)


def host_reads(base: str, name: str, function: str | None = None) -> HostAnswer:
    """Send one vector and read the answer as the host would."""
    document = vector(name)
    target = function or document["function"]
    response = post(base, target, document)
    return read_answer(response.status_code, response.content, bindings_of(FAMILIES, target))


def seen(answer: HostAnswer) -> dict[str, Any]:
    """What the function recorded (its one ``seen`` queue message, as JSON)."""
    messages = delivered(answer, "seen", "queue")
    assert isinstance(messages, list)
    assert len(messages) == 1
    recorded: dict[str, Any] = json.loads(messages[0])
    return recorded


def assert_saw(base: str, name: str) -> dict[str, Any]:
    """The function saw every value the vector's ``expect_seen`` lists."""
    got = seen(host_reads(base, name))
    expected = vector(name)["expect_seen"]
    assert {k: got.get(k) for k in expected} == expected
    return got


# --------------------------------------------------------------------------------------------
# What the host sends: HTTP requests (HttpRequestExtensions.GetRequestAsJObject)


def test_http_json_body_arrives_as_the_request_text(worker_url: str) -> None:
    assert_saw(worker_url, "http_json_post.json")


def test_http_text_body_that_is_valid_base64_stays_text(worker_url: str) -> None:
    assert_saw(worker_url, "http_text_post.json")


def test_http_octet_stream_body_arrives_as_base64(worker_url: str) -> None:
    assert_saw(worker_url, "http_octet_stream_post.json")


def test_http_multipart_body_arrives_as_base64(worker_url: str) -> None:
    assert_saw(worker_url, "http_multipart_post.json")


def test_http_query_strings_and_header_arrays(worker_url: str) -> None:
    got = assert_saw(worker_url, "http_get_query.json")
    assert got["params"].get("b") == ""
    assert got["params"].get("c") == "x y"


def test_http_request_without_content_length_has_no_body(worker_url: str) -> None:
    assert_saw(worker_url, "http_chunked_post.json")


def test_invocation_id_header_is_the_context_invocation_id(worker_url: str) -> None:
    for name in ("http_json_post.json", "queue_text.json"):
        document = vector(name)
        got = seen(host_reads(worker_url, name))
        assert got["invocation_id"] == document["headers"]["X-Azure-Functions-InvocationId"]


# --------------------------------------------------------------------------------------------
# What the host sends: trigger values and metadata (ScriptInvocationContextExtensions)


def test_queue_text_is_json_encoded_twice_and_metadata_lacks_the_trigger_key(
    worker_url: str,
) -> None:
    assert "QueueTrigger" not in vector("queue_text.json")["request"]["Metadata"]
    assert_saw(worker_url, "queue_text.json")


def test_queue_json_message(worker_url: str) -> None:
    assert_saw(worker_url, "queue_json.json")


def test_queue_binary_message_arrives_as_base64(worker_url: str) -> None:
    assert_saw(worker_url, "queue_bytes.json")


def test_blob_bytes_and_its_path_from_uri_without_blobtrigger_metadata(worker_url: str) -> None:
    assert "BlobTrigger" not in vector("blob_bytes.json")["request"]["Metadata"]
    assert_saw(worker_url, "blob_bytes.json")


def test_blob_text(worker_url: str) -> None:
    assert_saw(worker_url, "blob_text.json")


def test_event_hubs_single_event(worker_url: str) -> None:
    assert_saw(worker_url, "eventhub_one.json")


def test_event_hubs_batch_arrives_as_one_json_string(worker_url: str) -> None:
    assert isinstance(vector("eventhub_many.json")["request"]["Data"]["events"], str)
    assert_saw(worker_url, "eventhub_many.json")


def test_service_bus_single_message(worker_url: str) -> None:
    assert_saw(worker_url, "servicebus_one.json")


def test_service_bus_batch_arrives_as_one_json_string(worker_url: str) -> None:
    assert_saw(worker_url, "servicebus_many.json")


def test_event_grid_event_arrives_as_an_object(worker_url: str) -> None:
    assert_saw(worker_url, "eventgrid.json")


def test_cosmos_db_batch_arrives_as_one_json_string(worker_url: str) -> None:
    assert_saw(worker_url, "cosmosdb.json")


def test_timer_info_arrives_as_an_object(worker_url: str) -> None:
    assert_saw(worker_url, "timer.json")


def test_sql_changes_arrive_json_encoded_twice(worker_url: str) -> None:
    assert_saw(worker_url, "sql.json")


def test_kafka_event(worker_url: str) -> None:
    assert_saw(worker_url, "kafka.json")


def test_retry_context_exception_is_a_serialised_dotnet_exception(worker_url: str) -> None:
    assert_saw(worker_url, "queue_retry.json")


# --------------------------------------------------------------------------------------------
# What the host does with the answer: outputs (HttpScriptInvocationResultExtensions)


@pytest.fixture(scope="module")
def queue_answer(worker_url: str) -> HostAnswer:
    return host_reads(worker_url, "queue_text.json")


def test_text_output_reaches_its_binding_as_text(queue_answer: HostAnswer) -> None:
    # "test" is valid base64: sent as is, the host would write three garbage bytes
    assert from_base64_string("test") == b"\xb5\xeb\x2d"
    assert delivered(queue_answer, "outText", "queue") == [b"test"]


def test_json_output_reaches_its_binding_as_json(queue_answer: HostAnswer) -> None:
    messages = delivered(queue_answer, "outJson", "queue")
    assert isinstance(messages, list)
    assert len(messages) == 1
    assert json.loads(messages[0]) == {"a": 1, "b": [True, None]}


def test_bytes_output_reaches_its_binding_byte_exact(queue_answer: HostAnswer) -> None:
    assert delivered(queue_answer, "outBytes", "queue") == [b"\x00\xff\x10binary"]


def test_collection_output_is_one_message_per_item(queue_answer: HostAnswer) -> None:
    assert delivered(queue_answer, "outList", "queue") == [b"first", b"test"]


def test_text_return_value_reaches_its_return_binding_as_text(queue_answer: HostAnswer) -> None:
    assert delivered(queue_answer, "$return", "queue") == [b"1234"]


@pytest.fixture(scope="module")
def blob_answer(worker_url: str) -> HostAnswer:
    return host_reads(worker_url, "blob_bytes.json")


def test_blob_bytes_output_is_byte_exact(blob_answer: HostAnswer) -> None:
    assert delivered(blob_answer, "copy", "blob") == b"\x89PNG\r\n\x1a\n\x00\x00\xff\xff"


def test_blob_text_output_is_the_text(blob_answer: HostAnswer) -> None:
    assert delivered(blob_answer, "note", "blob") == b"test"


def test_durable_activity_return_value_passes_unchanged(worker_url: str) -> None:
    # no $return binding: the host hands ReturnValue to Durable as it is (a JSON value)
    assert host_reads(worker_url, "durable_activity.json").return_value == "Hello Tokyo"
    answer = host_reads(worker_url, "durable_activity.json", "ActivityJson")
    assert answer.return_value == {"greeting": "Hello Tokyo", "n": 2}


# --------------------------------------------------------------------------------------------
# What the host does with the answer: HTTP outputs (RawScriptResult, HttpBinding)


def test_http_answer_in_json_mode(worker_url: str) -> None:
    answer = host_reads(worker_url, "http_json_post.json")
    response = answer.http["res"]
    assert (response.status, response.content_type, response.body) == (
        201, "application/json", b'{"ok": true}')
    assert response.headers.get("X-One") == "1"


def test_http_header_values_are_strings_and_one_cookie_is_a_header(worker_url: str) -> None:
    raw = post(worker_url, "HttpText", vector("http_get_simple.json"))
    headers = raw.json()["Outputs"]["res"]["headers"]
    assert all(isinstance(value, str) for value in headers.values())
    response = read_answer(raw.status_code, raw.content, bindings_of(FAMILIES, "HttpText")).http[
        "res"]
    assert (response.status, response.body) == (202, b"test")  # body text is never decoded
    cookies = {k: v for k, v in response.headers.items() if k.lower() == "set-cookie"}
    assert len(cookies) == 1
    assert next(iter(cookies.values())).startswith("session=abc")
    assert "\n" not in next(iter(cookies.values()))


def test_http_answer_through_a_return_binding(worker_url: str) -> None:
    answer = host_reads(worker_url, "http_get_simple.json", "HttpReturn")
    response = answer.http["$return"]
    assert (response.status, response.body, response.headers.get("X-A")) == (201, b"abcd", "1")


@pytest.mark.parametrize("function", ["HttpBinaryOut", "HttpTwoCookies"])
def test_answers_json_mode_cannot_carry_fail_and_say_to_enable_forwarding(
    worker_url: str, function: str
) -> None:
    with pytest.raises(HostInvocationFailed) as failed:
        host_reads(worker_url, "http_get_simple.json", function)
    assert "enableForwardingHttpRequest" in failed.value.body.decode("utf-8", "replace")


def test_a_failed_invocation_is_a_non_2xx_answer(worker_url: str) -> None:
    with pytest.raises(HostInvocationFailed):
        host_reads(worker_url, "queue_fails.json")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_failure_logs_also_reach_the_worker_stdout_or_stderr() -> None:
    """The host reads no ``Logs`` of a non-2xx answer; it does capture the process output."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "FUNCTIONS_CUSTOMHANDLER_PORT"}
    process = subprocess.Popen(
        [sys.executable, "-m", "azfunc", "worker", str(FAMILIES), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    try:
        def up() -> bool:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            except httpx.TransportError:
                return False
            return True

        wait_for(up, timeout=30)
        response = post(f"http://127.0.0.1:{port}", "QueueFails", vector("queue_fails.json"))
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert not 200 <= response.status_code < 300
    output = (out + err).decode("utf-8", "replace")
    assert "marker-failure-9c1e" in output
    assert "marker-log-7f3a" in output


# --------------------------------------------------------------------------------------------
# Configuration (HttpWorkerOptionsSetup: case-insensitive keys, app-setting overrides)

_FORWARDED_APP = '''
import azfunc as func


def main(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    response = func.HttpResponse(f"hi {req.route_params.get('name')}")
    if req.params.get("cookies"):
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
    res.set(response)
'''


def _forwarding_app(root: Path, host_json: dict[str, Any]) -> Path:
    (root / "Fwd").mkdir(parents=True)
    (root / "host.json").write_text(json.dumps(host_json))
    (root / "Fwd" / "function.json").write_text(json.dumps({"bindings": [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous",
         "methods": ["get"], "route": "fwd/{name}"},
        {"type": "http", "direction": "out", "name": "res"},
    ]}))
    (root / "Fwd" / "__init__.py").write_text(_FORWARDED_APP)
    return root


def _config_variants(kind: str) -> list[dict[str, Any]]:
    variants: list[dict[str, Any]] = vector("host_config_variants.json")[kind]
    return variants


@pytest.fixture
def config_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment without any host-configuration app setting of the test run's own."""
    for name in list(os.environ):
        if name.lower().startswith("azurefunctionsjobhost__"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("variant", _config_variants("forwarding_on"),
                         ids=lambda v: str(v["id"]))
def test_forwarding_is_enabled_by_any_key_case_and_by_app_setting(
    tmp_path: Path, config_env: pytest.MonkeyPatch, variant: dict[str, Any]
) -> None:
    from azfunc.host.worker import CustomHandlerWorker

    for name, value in variant["env"].items():
        config_env.setenv(name, value)
    root = _forwarding_app(tmp_path / "app", variant["host_json"])
    with serving(CustomHandlerWorker(root)) as base:
        response = httpx.get(f"{base}/api/fwd/bob?cookies=2", timeout=30)
    assert (response.status_code, response.text) == (200, "hi bob")
    assert len(response.headers.get_list("set-cookie")) == 2


@pytest.mark.parametrize("variant", _config_variants("forwarding_off"),
                         ids=lambda v: str(v["id"]))
def test_forwarding_is_not_enabled_by_keys_the_host_does_not_bind(
    tmp_path: Path, config_env: pytest.MonkeyPatch, variant: dict[str, Any]
) -> None:
    from azfunc.host.worker import CustomHandlerWorker

    root = _forwarding_app(tmp_path / "app", variant["host_json"])
    envelope = vector("http_get_simple.json")
    envelope["request"]["Data"]["req"]["Params"] = {"name": "bob"}
    with serving(CustomHandlerWorker(root)) as base:
        forwarded = httpx.get(f"{base}/api/fwd/bob", timeout=30)
        json_mode = post(base, "Fwd", envelope)
    assert forwarded.status_code == 404
    assert json_mode.status_code == 200
    assert read_answer(200, json_mode.content, bindings_of(root, "Fwd")).http["res"].body == (
        b"hi bob")


# --------------------------------------------------------------------------------------------
# Names (Utility.cs FunctionNameValidationRegex / BindingNameValidationRegex)


def _check(path: Path) -> tuple[int, str]:
    from azfunc.app.cli import check_main

    out, err = io.StringIO(), io.StringIO()
    code = check_main([str(path)], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def _folder_app(root: Path, function: str, binding: str) -> Path:
    (root / function).mkdir(parents=True)
    (root / "host.json").write_text('{"version": "2.0"}')
    (root / function / "function.json").write_text(json.dumps({"bindings": [
        {"type": "queueTrigger", "direction": "in", "name": binding, "queueName": "jobs",
         "connection": "AzureWebJobsStorage"},
    ]}))
    (root / function / "__init__.py").write_text(f"def main({binding}: str) -> None:\n    pass\n")
    return root


@pytest.mark.parametrize("binding", ["in_msg", "a__b", "x" * 129])
def test_check_refuses_binding_names_the_host_refuses(tmp_path: Path, binding: str) -> None:
    assert not BINDING_NAME.match(binding)
    code, output = _check(_folder_app(tmp_path / "app", "fine", binding))
    assert code == 1
    assert binding[:40] in output


@pytest.mark.parametrize("function", ["host", "HOST", "my.func", "-dash", "9lives"])
def test_check_refuses_function_names_the_host_refuses(tmp_path: Path, function: str) -> None:
    code, output = _check(_folder_app(tmp_path / "app", function, "msg"))
    assert code == 1
    assert function in output


def test_check_accepts_the_names_the_host_accepts(tmp_path: Path) -> None:
    code, _ = _check(_folder_app(tmp_path / "app", "Fine_name-2", "msg"))
    assert code == 0


_SNAKE_APP = '''
import azfunc as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="in_msg", queue_name="q", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out_msg", queue_name="o", connection="AzureWebJobsStorage")
def relay(in_msg: func.QueueMessage, out_msg: func.Out[str]) -> None:
    out_msg.set("relayed:" + in_msg.get_body().decode())
'''


def test_export_maps_python_parameter_names_the_host_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every exported name is valid on every host, export says so, and the worker maps it
    back (names it cannot map are refused: ``test_export_refuses_names_it_cannot_map``)."""
    from azfunc.host.worker import CustomHandlerWorker

    app, out = tmp_path / "app", tmp_path / "out"
    app.mkdir()
    (app / "function_app.py").write_text(_SNAKE_APP)
    code = azfunc_main(["export", str(app), str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "'in_msg' of relay is 'inMsg'" in captured.out
    bindings = bindings_of(out, "relay")
    assert all(BINDING_NAME.match(b["name"]) for b in bindings)
    trigger = next(b["name"] for b in bindings if b["type"] == "queueTrigger")
    output = next(b["name"] for b in bindings if b["direction"] == "out")
    with serving(CustomHandlerWorker(out)) as base:
        response = httpx.post(f"{base}/relay", timeout=30, json={
            "Data": {trigger: json.dumps("hi")}, "Metadata": {"DequeueCount": "1"}})
    answer = read_answer(response.status_code, response.content, bindings)
    assert delivered(answer, output, "queue") == [b"relayed:hi"]


# --------------------------------------------------------------------------------------------
# azfunc export


def test_export_refuses_a_broken_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app, out = tmp_path / "app", tmp_path / "out"
    app.mkdir()
    (app / "function_app.py").write_text("import azfunc_no_such_module_4711\n")
    code = azfunc_main(["export", str(app), str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "azfunc_no_such_module_4711" in captured.out + captured.err
    assert not (out / "host.json").exists()
    assert not (app / "host.json").exists()


_GOOD_APP = '''
import azfunc as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="q", connection="AzureWebJobsStorage")
def first(msg: func.QueueMessage) -> None:
    pass


@app.route(route="hello", auth_level=func.AuthLevel.ANONYMOUS)
def second(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")
'''


def test_export_writes_the_custom_handler_deployment_and_says_what_to_deploy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, out = tmp_path / "app", tmp_path / "out"
    app.mkdir()
    (app / "function_app.py").write_text(_GOOD_APP)
    interpreter = "/opt/python3.12/bin/python3"
    code = azfunc_main(["export", str(app), str(out), "--python", interpreter])
    captured = capsys.readouterr()
    assert code == 0
    host = json.loads((out / "host.json").read_text())
    description = host["customHandler"]["description"]
    assert description["defaultExecutablePath"] == interpreter
    assert description["arguments"][-2:] == ["azfunc", "worker"]
    assert host["extensionBundle"] == {"id": "Microsoft.Azure.Functions.ExtensionBundle",
                                       "version": "[4.*, 5.0.0)"}
    for function in ("first", "second"):
        assert all(BINDING_NAME.match(b["name"]) for b in bindings_of(out, function))
    assert interpreter in captured.out
    assert str(out) in captured.out
    # the host starts a custom handler only with FUNCTIONS_WORKER_RUNTIME=custom
    settings = json.loads((out / "local.settings.json").read_text())
    assert settings["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "custom"
    assert "FUNCTIONS_WORKER_RUNTIME=custom" in captured.out


# --------------------------------------------------------------------------------------------
# The gRPC reader (GrpcMessageConversionExtensions, FunctionRpc.proto)


def _read_typed_data(typed_data: dict[str, Any]) -> Any:
    try:
        from azfunc.meta import datum_from_typed_data
    except ImportError:  # the function may move with the wire refactor
        from azfunc.wire.typed_data import (  # type: ignore[import-not-found,no-redef]
            datum_from_typed_data,
        )
    return datum_from_typed_data(typed_data)


def _grpc(name: str) -> dict[str, Any]:
    from tests.conftest import VECTORS

    document: dict[str, Any] = json.loads((VECTORS / "grpc" / "host_reader_fidelity.json")
                                          .read_text(encoding="utf-8"))
    entry: dict[str, Any] = document[name]
    return entry


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else str(value)


@pytest.mark.parametrize("name", ["nullable_maps_proto_names", "nullable_maps_camel"])
def test_grpc_nullable_maps_under_either_field_name(name: str) -> None:
    value = _read_typed_data(_grpc(name)).value  # an azfunc.wire.http.HttpRequestData
    assert value.headers["x-a"].value == "1"
    assert value.query["a"].value == "1"
    assert value.params["id"].value == "7"


def test_grpc_prefers_the_raw_body_the_client_sent() -> None:
    body = _read_typed_data(_grpc("json_body_and_raw_body")).value.body
    assert _text(body) == '{ "a" : 1, "b" : 2.50 }'


@pytest.mark.parametrize("name", ["model_binding_data", "collection_model_binding_data",
                                  "collection_model_binding_data_camel"])
def test_grpc_model_binding_data_reads_into_a_typed_object(name: str) -> None:
    datum = _read_typed_data(_grpc(name))
    assert "model_binding_data" in datum.type
    assert not isinstance(datum.value, dict)
    if name.startswith("collection"):
        (collection,) = _grpc(name).values()
        expected = collection.get("model_binding_data") or collection["modelBindingData"]
        assert len(list(datum.value)) == len(expected)
