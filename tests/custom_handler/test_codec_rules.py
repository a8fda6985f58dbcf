"""The codec's rules one by one, and as properties: every value the worker answers reaches
its binding exactly as the host reads it (``host_emulation``), and bad input raises only
azfunc errors."""

from __future__ import annotations

import base64
import io
import json
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError, ConversionError, Datum, ForwardingRequiredError, RetryContext
from azfunc.wire import custom_handler as ch
from azfunc.wire.http import HttpResponseData
from azfunc.wire.typed_data import ModelBindingData, datum_from_typed_data

from .host_emulation import binding_value, collector_messages, stream_bytes


def binding(name: str = "out", kind: str = "queue", data_type: str | None = None,
            cardinality: str | None = None, **properties: Any) -> Any:
    return SimpleNamespace(name=name, type=kind, direction="out", data_type=data_type,
                           cardinality=cardinality, properties=properties)


def host_delivers(value: Any, target: Any) -> list[bytes] | bytes:
    """What the host writes for the worker's answer value (the JSON round trip included)."""
    seen = binding_value(json.loads(json.dumps(value)), target.data_type)
    if target.type in ch.STREAM_OUTPUTS:
        return stream_bytes(seen)
    return collector_messages(seen)


KINDS = st.sampled_from(["queue", "blob", "serviceBus", "eventHub", "generic"])
DATA_TYPES = st.sampled_from([None, "string", "binary"])


# --- outputs --------------------------------------------------------------------------------


@given(text=st.text(max_size=40), kind=KINDS, data_type=DATA_TYPES)
def test_text_reaches_every_binding_as_its_utf8(text: str, kind: str,
                                                data_type: str | None) -> None:
    target = binding(kind=kind, data_type=data_type)
    out = ch.datum_to_output(Datum(text, "string"), target)
    expected = text.encode("utf-8", "surrogatepass")
    assert host_delivers(out, target) == (expected if kind == "blob" else [expected])


@given(data=st.binary(max_size=40), kind=KINDS, data_type=DATA_TYPES)
def test_bytes_reach_their_binding_byte_exact_or_are_refused(data: bytes, kind: str,
                                                             data_type: str | None) -> None:
    target = binding(kind=kind, data_type=data_type)
    try:
        data.decode("utf-8")
        possible = True
    except UnicodeDecodeError:
        possible = data_type != "binary"
    if not possible:
        with pytest.raises(ConversionError, match='remove dataType "binary"'):
            ch.datum_to_output(Datum(data, "bytes"), target)
        return
    out = ch.datum_to_output(Datum(data, "bytes"), target)
    assert host_delivers(out, target) == (data if kind == "blob" else [data])


JSON_SCALAR = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=8)
JSON = st.recursive(JSON_SCALAR, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)


@given(document=st.dictionaries(st.text(max_size=5), JSON, max_size=4),
       kind=KINDS, data_type=DATA_TYPES)
def test_a_json_object_reaches_its_binding_as_that_json(document: dict[str, Any], kind: str,
                                                        data_type: str | None) -> None:
    target = binding(kind=kind, data_type=data_type)
    out = ch.datum_to_output(Datum(json.dumps(document), "json"), target)
    written = host_delivers(out, target)
    (message,) = [written] if isinstance(written, bytes) else written
    assert json.loads(message) == document


@given(items=st.lists(st.text(max_size=10), max_size=5), data_type=DATA_TYPES)
def test_a_list_is_one_message_per_item_each_as_its_text(items: list[str],
                                                          data_type: str | None) -> None:
    target = binding(data_type=data_type)
    for datum in (Datum(items, "collection_string"), Datum(json.dumps(items), "json")):
        out = ch.datum_to_output(datum, target)
        assert host_delivers(out, target) == [i.encode("utf-8", "surrogatepass") for i in items]


def test_list_items_of_other_json_kinds_keep_their_json_spelling() -> None:
    out = ch.datum_to_output(Datum("[true, 1, 2.5]", "json"), binding())
    assert host_delivers(out, binding()) == [b"true", b"1", b"2.5"]
    with pytest.raises(ConversionError, match="one at a time"):
        ch.datum_to_output(Datum([b"\xff"], "collection_bytes"), binding())


def test_json_scalars_and_numbers_are_delivered_as_their_json_text() -> None:
    for datum, text in ((Datum("true", "json"), b"true"), (Datum(5, "int"), b"5")):
        assert host_delivers(ch.datum_to_output(datum, binding()), binding()) == [text]
        blob = binding(kind="blob")
        assert host_delivers(ch.datum_to_output(datum, blob), blob) == text


@settings(max_examples=150)
@given(value=JSON | st.binary(max_size=8),
       kind=st.sampled_from(["string", "bytes", "json", "int", "double", "stream",
                             "collection_string", "collection_bytes", "http",
                             "model_binding_data", "null"]),
       target=st.builds(binding, kind=st.sampled_from(["queue", "blob", "http"]),
                        data_type=DATA_TYPES))
def test_encoding_any_datum_raises_only_azfunc_errors(value: Any, kind: str,
                                                      target: Any) -> None:
    try:
        out = ch.datum_to_output(Datum(value, kind), target)
    except AzFuncError:
        return
    json.dumps(out)  # whatever is answered is JSON the host can read


def test_implicit_return_value_is_plain_json() -> None:
    assert ch.implicit_return_value(Datum('{"a": [1]}', "json")) == {"a": [1]}
    assert ch.implicit_return_value(Datum("text", "string")) == "text"
    with pytest.raises(ConversionError, match="JSON"):
        ch.implicit_return_value(Datum(b"\xff", "bytes"))


# --- HTTP answers ---------------------------------------------------------------------------


def test_http_answer_headers_are_strings_and_repeats_are_joined() -> None:
    data = HttpResponseData(status_code=200, headers=(("Vary", "a"), ("vary", "b")),
                            cookies=("s=1",), body=b"ok")
    out = ch.HttpOutput.from_datum(Datum(data, "http"))
    assert out == {"statusCode": "200", "headers": {"Vary": "a, b", "Set-Cookie": "s=1"},
                   "body": "ok"}


@pytest.mark.parametrize(("cookies", "body"), [(("a=1", "b=2"), b"ok"), ((), b"\xff\x00")])
def test_http_answers_json_mode_cannot_carry_raise(cookies: tuple[str, ...],
                                                   body: bytes) -> None:
    data = HttpResponseData(status_code=200, cookies=cookies, body=body)
    with pytest.raises(ForwardingRequiredError, match="enableForwardingHttpRequest"):
        ch.datum_to_output(Datum(data, "http"), binding(kind="http"))
    if not cookies:
        with pytest.raises(ForwardingRequiredError):
            ch.datum_to_output(Datum(body, "bytes"), binding(kind="http"))


def test_a_plain_answer_of_an_http_binding_is_the_body_of_a_200() -> None:
    out = ch.datum_to_output(Datum("just text", "string"), binding(kind="http"))
    assert out == {"statusCode": "200", "headers": {}, "body": "just text"}


# --- inputs ---------------------------------------------------------------------------------


@given(items=st.lists(st.text(max_size=10), max_size=5))
def test_a_batch_arrives_as_one_json_string_and_reads_as_the_list(items: list[str]) -> None:
    many = binding(kind="eventHubTrigger", cardinality="many")
    datum = ch.input_datum(json.dumps(items), many)
    assert (datum.type, datum.value) == ("collection_string", items)


@given(items=st.lists(st.binary(max_size=10), max_size=4))
def test_a_binary_batch_is_a_json_array_of_base64(items: list[bytes]) -> None:
    many = binding(kind="eventHubTrigger", cardinality="many", data_type="binary")
    sent = json.dumps([base64.b64encode(i).decode() for i in items])
    datum = ch.input_datum(sent, many)
    assert (datum.type, datum.value) == ("collection_bytes", items)


def test_a_batch_of_objects_is_json() -> None:
    many = binding(kind="cosmosDBTrigger", cardinality="many")
    assert ch.input_datum('[{"id": "a"}]', many) == Datum('[{"id": "a"}]', "json")


@settings(max_examples=200)
@given(value=JSON | st.binary(max_size=8).map(lambda b: base64.b64encode(b).decode()),
       target=st.builds(binding, kind=st.sampled_from(["queueTrigger", "httpTrigger",
                                                       "eventHubTrigger"]),
                        data_type=DATA_TYPES, cardinality=st.sampled_from([None, "many"])))
def test_decoding_any_data_value_gives_a_datum_or_a_wire_format_error(value: Any,
                                                                      target: Any) -> None:
    try:
        datum = ch.input_datum(value, target)
    except func.WireFormatError:
        return
    assert isinstance(datum, Datum)


@given(body=st.binary(max_size=40),
       content_type=st.sampled_from(["application/octet-stream", "Multipart/form-data; b=x",
                                     "application/OCTET-STREAM; q=1"]))
def test_octet_and_multipart_bodies_are_base64(body: bytes, content_type: str) -> None:
    datum = ch.http_request_datum({"Url": "http://h/api/x", "Method": "POST",
                                   "Headers": {"Content-Type": [content_type]},
                                   "Body": base64.b64encode(body).decode()})
    assert datum.value.body == body


def test_other_bodies_are_the_text_even_when_it_is_valid_base64() -> None:
    datum = ch.http_request_datum({"Url": "u", "Method": "POST", "Body": "test",
                                   "Headers": {"Content-Type": ["text/plain"]}})
    assert datum.value.body == b"test"


def test_repeated_query_values_come_from_the_url_the_client_sent() -> None:
    """The host's Query map joins repeats (``1,2``) and the gRPC one drops blanks; the URL is
    what the client sent, so its values win and the map only fills names it lacks."""
    datum = ch.http_request_datum({"Url": "http://h/api/x?a=1&a=2&b=", "Method": "GET",
                                   "Query": {"a": "1,2", "b": "", "c": "3"}})
    request = func.HttpRequest.from_datum(datum) if hasattr(func.HttpRequest, "from_datum") \
        else func.get_binding_registry().require("httpTrigger").decode(datum)
    assert request.params.getall("a") == ["1", "2"]
    assert (request.params["b"], request.params["c"]) == ("", "3")


def test_blob_trigger_path_from_the_pattern_then_the_uri() -> None:
    meta = {"name": Datum("a/b.txt", "string"), "ext": Datum("txt", "string"),
            "Uri": Datum("http://127.0.0.1:10000/devstoreaccount1/c/x%20y.bin", "string")}
    assert ch.blob_trigger_path("c/{name}", meta) == "c/a/b.txt"
    assert ch.blob_trigger_path("c/{missing}", meta) == "c/x y.bin"
    assert ch.blob_trigger_path(None, {}) is None


@given(raw=st.dictionaries(st.sampled_from(["RetryCount", "MaxRetryCount", "Exception", "x"]),
                           JSON, max_size=3) | JSON)
def test_any_retry_context_reads_or_raises_an_azfunc_error(raw: Any) -> None:
    fields = ch.retry_context_fields(raw)
    if fields is None:
        assert not isinstance(raw, dict)
        return
    try:
        context = RetryContext.from_wire(fields)
    except AzFuncError:
        return
    assert isinstance(context.retry_count, int)


def test_invocation_id_header() -> None:
    assert ch.invocation_id("abc-1") == "abc-1"
    assert ch.invocation_id("") is None
    assert ch.invocation_id("x" * 129) is None


# --- configuration and names ----------------------------------------------------------------


@pytest.mark.parametrize(("host_json", "environ", "expected"), [
    ({"customHandler": {"enableForwardingHttpRequest": True}}, {}, True),
    ({"CUSTOMHANDLER": {"EnableForwardingHttpRequest": " TRUE "}}, {}, True),
    ({"customHandler": {"enableForwardingHttpRequest": "yes"}}, {}, False),
    ({"customHandler": {"enableForwardingHttpRequest": True}},
     {"AzureFunctionsJobHost__customHandler__enableForwardingHttpRequest": "false"}, False),
    ({}, {"AZUREFUNCTIONSJOBHOST__CUSTOMHANDLER__ENABLEFORWARDINGHTTPREQUEST": "true"}, True),
    ({"httpWorker": {"description": {"defaultExecutablePath": "x"}}}, {}, True),
    ({"httpWorker": {}, "customHandler": {}}, {}, False),
    ({"customHandler": {"enableProxyingHttpRequest": True}}, {}, False),
])
def test_forwarding_configuration(host_json: dict[str, Any], environ: dict[str, str],
                                  expected: bool) -> None:
    assert ch.forwarding_enabled(host_json, environ) is expected


@given(st.from_regex(r"[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,6}){0,4}", fullmatch=True))
def test_snake_case_names_map_to_distinct_valid_host_names(name: str) -> None:
    mapped = ch.host_binding_name(name)
    assert ch.is_valid_binding_name(mapped)
    assert mapped.lower() == name.replace("_", "")


@given(st.text(max_size=140))
def test_name_rules_never_raise(name: str) -> None:
    assert isinstance(ch.is_valid_function_name(name), bool)
    assert isinstance(ch.is_valid_binding_name(ch.host_binding_name(name)), bool)


#: Binding names on hosts from 4.1038 (Azure/azure-functions-host PR #10764, the
#: ``BindingNameValidationRegex`` it sets: a letter or ``_`` first, then letters, digits or
#: ``_``, never ``__``; and the Python worker's test cases of the same change, PR #1633).
HOST_4_1038_NAMES = {
    "variable": True, "_my_var": True, "my_var123": True, "Var1_": True, "myVar": True,
    "_": True, "$return": True, "my__var": False, "__payload": False, "123var": False,
    "a" * 128: True, "a" * 129: False, "in-msg": False, "": False,
}


@pytest.mark.parametrize(("name", "valid"), sorted(HOST_4_1038_NAMES.items()))
def test_binding_names_on_hosts_from_4_1038(name: str, valid: bool) -> None:
    assert ch.is_valid_binding_name(name, host=(4, 1038)) is valid
    assert ch.is_valid_binding_name(name, host=(4, 1040)) is valid
    if "_" in name:  # 4.1037 and older refuse every underscore
        assert not ch.is_valid_binding_name(name, host=(4, 1037))


@given(st.text(alphabet="ab_1$", max_size=8))
def test_a_name_valid_on_4_1037_is_valid_on_later_hosts(name: str) -> None:
    if ch.is_valid_binding_name(name):
        assert ch.is_valid_binding_name(name, host=(4, 1038))
    # export's mapping always gives names every host takes (or is refused by check)
    mapped = ch.host_binding_name(name)
    if ch.is_valid_binding_name(mapped):
        assert ch.is_valid_binding_name(mapped, host=(4, 1038))


def test_function_and_binding_name_rules() -> None:
    assert ch.is_valid_function_name("a" * 128)
    assert not ch.is_valid_function_name("a" * 129)
    assert not ch.is_valid_function_name("fine\n")
    assert ch.is_valid_binding_name("$return")
    assert not ch.is_valid_binding_name("a_b")


# --- gRPC TypedData -------------------------------------------------------------------------


@given(content=st.binary(max_size=30), camel=st.booleans(), count=st.integers(0, 3))
def test_model_binding_data_round_trips(content: bytes, camel: bool, count: int) -> None:
    item = {"version": "1.0", "source": "AzureStorageBlobs",
            ("contentType" if camel else "content_type"): "application/json",
            "content": base64.b64encode(content).decode()}
    one = datum_from_typed_data({"modelBindingData" if camel else "model_binding_data": item})
    assert one.value == ModelBindingData("1.0", "AzureStorageBlobs", "application/json",
                                         content)
    key, inner = (("collectionModelBindingData", "modelBindingData") if camel
                  else ("collection_model_binding_data", "model_binding_data"))
    many = datum_from_typed_data({key: {inner: [item] * count}})
    assert many.type == "model_binding_data"
    assert many.value == (one.value,) * count


def test_octet_body_bytes_beat_their_text_decoding_in_raw_body() -> None:
    http = {"method": "POST", "url": "http://h/x", "body": {"bytes": "AP8="},
            "rawBody": {"string": "\x00\ufffd"}}
    assert datum_from_typed_data({"http": http}).value.body == b"\x00\xff"
    http["rawBody"] = {"bytes": "AP8A"}
    assert datum_from_typed_data({"http": http}).value.body == b"\x00\xff\x00"


# --- azfunc check --runtime custom: forwarding-needed -----------------------------------------


_STREAMING_APP = '''
from collections.abc import Iterator

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="stream")
def stream(req: func.HttpRequest) -> Iterator[bytes]:
    yield b"chunk"


@app.route(route="plain")
def plain(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
'''


def _check(path: Path, *extra: str) -> tuple[int, str]:
    from azfunc.app.cli import check_main

    out, err = io.StringIO(), io.StringIO()
    code = check_main([str(path), *extra], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(("host_json", "flagged"), [
    ({"version": "2.0"}, True),
    ({"version": "2.0", "customHandler": {"enableForwardingHttpRequest": True}}, False),
])
def test_check_custom_flags_streaming_functions_the_host_will_not_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host_json: dict[str, Any], flagged: bool
) -> None:
    from azfunc.app.loader import load_app
    from azfunc.app.validation import check_custom_handler

    for name in [n for n in __import__("os").environ if n.lower().startswith("azurefunctions")]:
        monkeypatch.delenv(name)
    (tmp_path / "function_app.py").write_text(textwrap.dedent(_STREAMING_APP))
    (tmp_path / "host.json").write_text(json.dumps(host_json))
    with load_app(tmp_path, apply_settings=False) as app:
        findings = check_custom_handler(app.functions.values(), app.host_json, {})
    assert [(f.function, f.code) for f in findings] == ([("stream", "forwarding-needed")]
                                                        if flagged else [])
    code, output = _check(tmp_path, "--runtime", "custom")
    assert code == 1  # the http converter also refuses the Iterator annotation
    assert ("enableForwardingHttpRequest" in output) is flagged
    assert "plain:" not in output


def test_retry_exception_in_either_shape() -> None:
    dotnet = {"RetryCount": 2, "MaxRetryCount": 5, "Exception": {
        "ClassName": "System.Exception", "Message": "boom", "Source": "Host",
        "StackTraceString": "   at A()", "HResult": -1}}
    grpc_like = {"retry_count": 2, "max_retry_count": 5, "exception": {
        "message": "boom", "source": "Host", "stack_trace": "   at A()"}}
    for raw in (dotnet, grpc_like):
        context = RetryContext.from_wire(ch.retry_context_fields(raw))
        assert (context.retry_count, context.max_retry_count) == (2, 5)
        assert context.exception is not None
        assert (context.exception.message, context.exception.source,
                context.exception.stack_trace) == ("boom", "Host", "   at A()")
