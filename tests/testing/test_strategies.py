"""azfunc.testing.strategies: realistic payloads in both wire forms, overrides, inputs_for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import testing
from azfunc.testing import strategies as azst
from azfunc.testing._wire import decode

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PAYLOADS = {
    "httpTrigger": azst.http_request_payloads(),
    "queueTrigger": azst.queue_message_payloads(),
    "serviceBusTrigger": azst.service_bus_message_payloads(),
    "eventHubTrigger": azst.event_hub_event_payloads(),
    "eventGridTrigger": azst.event_grid_event_payloads() | azst.cloud_event_payloads(),
    "cosmosDBTrigger": azst.cosmos_document_payloads(),
    "timerTrigger": azst.timer_payloads(),
    "blobTrigger": azst.blob_payloads(),
}


@pytest.mark.parametrize("binding", sorted(PAYLOADS))
def test_every_payload_decodes_through_its_converter(binding: str) -> None:
    @FAST
    @given(PAYLOADS[binding])
    def check(payload: Any) -> None:
        datum, metadata = payload
        decode(binding, datum, metadata)

    check()


def _queue_fields(msg: func.QueueMessage) -> tuple[Any, ...]:
    return (msg.get_body(), msg.id, msg.dequeue_count, msg.pop_receipt, msg.insertion_time,
            msg.expiration_time, msg.time_next_visible)


@FAST
@given(st.data())
def test_both_queue_forms_decode_to_the_same_message(data: st.DataObject) -> None:
    seed = data.draw(st.fixed_dictionaries({
        "body": azst.readable_text(max_size=20) | st.binary(max_size=20),
        "id": st.uuids().map(str),
        "dequeue_count": st.integers(1, 9),
        "insertion_time": azst.times(),
        "time_format": st.integers(0, 2),
    }))
    grpc = data.draw(azst.queue_messages(form="grpc", pop_receipt="pr", **seed))
    custom = data.draw(azst.queue_messages(form="custom_handler", pop_receipt="pr", **seed))
    assert _queue_fields(grpc) == _queue_fields(custom)
    body = seed["body"]
    assert grpc.get_body() == (body.encode() if isinstance(body, str) else body)
    assert grpc.dequeue_count == seed["dequeue_count"]
    when = seed["insertion_time"]
    assert grpc.insertion_time == (when.replace(microsecond=0) if seed["time_format"] == 2
                                   else when)


@FAST
@given(azst.service_bus_messages(batch_size=st.integers(1, 4), form="custom_handler"),
       )
def test_service_bus_batches_keep_every_message(messages: list[func.ServiceBusMessage]) -> None:
    assert isinstance(messages, list)
    assert 1 <= len(messages) <= 4
    assert all(m.delivery_count is not None and m.message_id for m in messages)
    assert len({m.sequence_number for m in messages}) == len(messages)


@FAST
@given(st.integers(1, 4), st.sampled_from(azst.FORMS), st.data())
def test_event_hub_batches_carry_the_array_metadata(
    size: int, form: str, data: st.DataObject
) -> None:
    datum, metadata = data.draw(azst.event_hub_event_payloads(batch_size=size, form=form))
    assert "SequenceNumberArray" in metadata or "SystemPropertiesArray" in metadata
    events = decode("eventHubTrigger", datum, metadata, pytype=list[func.EventHubEvent])
    assert len(events) == size
    numbers = [e.sequence_number for e in events]
    assert numbers == sorted(set(numbers))  # unique and increasing, as a broker assigns them


@FAST
@given(azst.query_pairs(), st.lists(st.tuples(st.just("x-a"), st.sampled_from(["1", "2"])),
                                    min_size=1, max_size=3), st.sampled_from(azst.FORMS),
       st.data())
def test_http_requests_keep_repeats_and_blanks(
    query: list[tuple[str, str]], headers: list[tuple[str, str]], form: str, data: st.DataObject
) -> None:
    req = data.draw(azst.http_requests(params=query, headers=headers, body_kind="none",
                                       form=form))
    assert req.headers["x-a"].replace(" ", "") == ",".join(v for _, v in headers)
    for name, _ in query:
        # the URL is the source: every repeat and blank value is there
        assert req.params.getall(name) == [v for n, v in query if n == name]


@FAST
@given(azst.http_requests(body_kind="multipart", method="POST"))
def test_multipart_requests_carry_their_files(req: func.HttpRequest) -> None:
    assert req.method == "POST"
    assert req.files


@FAST
@given(azst.http_requests(body_kind="json", method="PUT", form="custom_handler"))
def test_json_bodies_survive_the_custom_handler_form(req: func.HttpRequest) -> None:
    assert req.get_json() is not None or req.get_body() == b"null"


def test_examples_shrink_to_small_readable_requests() -> None:
    smallest = find(azst.http_requests(), lambda r: True)
    assert (smallest.method, smallest.url, smallest.get_body()) == (
        "GET", "http://localhost/api/", b""
    )
    message = find(azst.queue_messages(), lambda m: True)
    assert message.get_body() == b""
    assert message.dequeue_count == 1


def test_an_override_value_and_an_override_strategy() -> None:
    @FAST
    @given(azst.queue_messages(body="fixed", dequeue_count=st.integers(7, 8)))
    def check(msg: func.QueueMessage) -> None:
        assert msg.get_body() == b"fixed"
        assert msg.dequeue_count in (7, 8)

    check()


def test_an_unknown_form_is_a_conversion_error() -> None:
    @given(azst.queue_message_payloads(form="soap"))
    def check(payload: Any) -> None:
        raise AssertionError("not reached")

    with pytest.raises(func.ConversionError, match="form="):
        check()


def test_hypothesis_is_imported_only_with_the_strategies() -> None:
    code = (
        "import sys, azfunc, azfunc.testing, azfunc.testing.plugin\n"
        "from azfunc import testing\n"
        "testing.queue_message('x'); testing.http_request()\n"
        "assert 'hypothesis' not in sys.modules, 'too early'\n"
        "import azfunc.testing.strategies\n"
        "assert 'hypothesis' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- inputs_for and the property helpers -------------------------------------------------------

APP = '''
import json
import azfunc as func

app = func.FunctionApp()


@app.route(route="items/{id:int}", methods=["GET", "POST"])
def items(req: func.HttpRequest) -> func.HttpResponse:
    item = int(req.route_params["id"])
    if req.method == "POST":
        try:
            body = req.get_json()
        except ValueError:
            return func.HttpResponse("bad json", status_code=400)
        return func.HttpResponse(json.dumps({"id": item, "body": body}), status_code=201)
    return func.HttpResponse(str(item))


@app.route(route="fragile")
def fragile(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(1 // len(req.params.get("q", ""))))


@app.queue_trigger(arg_name="msg", queue_name="in", connection="C")
@app.queue_output(arg_name="out", queue_name="out", connection="C")
def relay(msg: func.QueueMessage, out: func.Out[str]) -> None:
    out.set(msg.get_body().decode("utf-8", "replace").upper())


@app.event_hub_message_trigger(arg_name="events", event_hub_name="h", connection="C",
                               cardinality="many")
def batch(events: list[func.EventHubEvent]) -> None:
    assert all(e.sequence_number is not None for e in events)
'''


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root: Path = tmp_path_factory.mktemp("strategies_app")
    (root / "function_app.py").write_text(APP)
    with func.load_app(root) as loaded:
        yield loaded


def test_inputs_for_an_http_function_follows_its_route_and_methods(app: Any) -> None:
    @FAST
    @given(azst.inputs_for(app, "items"))
    def check(invocation: azst.Invocation) -> None:
        request = invocation.inputs["req"].value
        assert request.method in ("GET", "POST")
        assert request.url.split("?")[0].rsplit("/", 1)[-1].isdigit()
        azst.assert_http_never_5xx(app, invocation)

    check()


def test_the_5xx_property_finds_a_crashing_function(app: Any) -> None:
    @settings(max_examples=200, deadline=None, database=None)
    @given(azst.inputs_for(app, "fragile"))
    def check(invocation: azst.Invocation) -> None:
        azst.assert_http_never_5xx(app, invocation)

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        check()


def test_inputs_for_a_queue_function_and_its_outputs_round_trip(app: Any) -> None:
    @FAST
    @given(azst.inputs_for(app, "relay"))
    def check(invocation: azst.Invocation) -> None:
        result = azst.assert_no_unexpected_exception(app, invocation)
        assert not isinstance(result, BaseException)
        assert result.outputs["out"] == result.outputs["out"].upper()
        azst.assert_outputs_round_trip(app, result)

    check()


def test_inputs_for_a_batch_trigger_draws_batches(app: Any) -> None:
    @FAST
    @given(azst.inputs_for(app, "batch"))
    def check(invocation: azst.Invocation) -> None:
        azst.assert_no_unexpected_exception(app, invocation)

    check()


def test_inputs_for_names_a_binding_without_a_strategy(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azfunc as func\napp = func.FunctionApp()\n"
        "@app.generic_trigger(arg_name='x', type='customTrigger')\n"
        "def odd(x) -> None: pass\n"
    )
    with func.load_app(tmp_path) as loaded:
        with pytest.raises(func.ConversionError, match=r"'x' input \(customTrigger\) has no"):
            azst.inputs_for(loaded, "odd")
        strategy = azst.inputs_for(loaded, "odd", overrides={"x": st.just("raw")})
        assert find(strategy, lambda i: True).inputs == {"x": "raw"}


def test_the_factories_and_the_strategies_share_one_wire_shape() -> None:
    datum, metadata = testing.queue_message_payload("a", id="i", pop_receipt="p",
                                                    dequeue_count=1)
    drawn = find(azst.queue_message_payloads(body="a", id="i", pop_receipt="p",
                                             dequeue_count=1, time_format=0, form="grpc"),
                 lambda p: True)
    assert drawn[0] == datum
    assert set(drawn[1]) == set(metadata)
