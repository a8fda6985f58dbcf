"""What ``LoadedApp.invoke`` accepts from a test: batches of binding objects, raw queue values."""

from __future__ import annotations

from pathlib import Path

import pytest

import azfunc
from azfunc import testing

APP = '''
import azfunc as func

app = func.FunctionApp()


@app.event_hub_message_trigger(arg_name="events", event_hub_name="hub", connection="C",
                               cardinality="many")
def batch(events: list[func.EventHubEvent]) -> None:
    global seen
    seen = [e.get_body() for e in events]


@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
def work(msg: func.QueueMessage) -> None:
    global message
    message = msg


@app.service_bus_queue_trigger(arg_name="msg", queue_name="sb", connection="C")
def bus(msg: func.ServiceBusMessage) -> None:
    global sb
    sb = msg
'''


@pytest.fixture
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "function_app.py").write_text(APP)
    with azfunc.load_app(tmp_path) as loaded:
        yield loaded


def _module(app: azfunc.LoadedApp):  # type: ignore[no-untyped-def]
    return app.function("work").func.__globals__


def test_a_batch_trigger_takes_a_list_of_binding_objects(app: azfunc.LoadedApp) -> None:
    events = testing.event_hub_events([b"a", b"b"])
    app.invoke("batch", events=events)
    assert _module(app)["seen"] == [b"a", b"b"]


def test_a_list_of_raw_values_is_still_sent_as_json(app: azfunc.LoadedApp) -> None:
    with pytest.raises(azfunc.ConversionError, match="cannot send"):
        app.invoke("batch", events=[b"a", object()])


def test_a_raw_queue_value_gets_realistic_metadata(app: azfunc.LoadedApp) -> None:
    app.invoke("work", msg="hello")
    msg = _module(app)["message"]
    assert msg.get_body() == b"hello"
    assert msg.dequeue_count == 1
    assert msg.id
    assert msg.pop_receipt
    assert msg.insertion_time is not None
    assert msg.expiration_time is not None
    assert msg.expiration_time > msg.insertion_time
    assert msg.time_next_visible is not None


def test_given_metadata_wins_over_the_defaults(app: azfunc.LoadedApp) -> None:
    app.invoke("work", msg=b"x", trigger_metadata={"DequeueCount": 4, "Id": "m-1"})
    msg = _module(app)["message"]
    assert (msg.dequeue_count, msg.id) == (4, "m-1")


def test_a_json_queue_value_gets_metadata_too(app: azfunc.LoadedApp) -> None:
    app.invoke("work", msg={"n": 1})
    msg = _module(app)["message"]
    assert msg.get_json() == {"n": 1}
    assert msg.dequeue_count == 1


def test_a_payload_is_left_alone(app: azfunc.LoadedApp) -> None:
    datum, metadata = testing.queue_message_payload("p", dequeue_count=3, id="given")
    app.invoke("work", msg=datum, trigger_metadata=metadata)
    msg = _module(app)["message"]
    assert (msg.dequeue_count, msg.id) == (3, "given")


def test_a_raw_service_bus_value_gets_a_delivery_count(app: azfunc.LoadedApp) -> None:
    app.invoke("bus", msg="hi")
    msg = _module(app)["sb"]
    assert msg.get_body() == b"hi"
    assert msg.delivery_count == 1
    assert msg.message_id


FILES_SHAPES = [
    {"f": ("a.txt", b"A", "text/plain")},
    [("f", ("a.txt", b"A", "text/plain"))],
    [("f", "a.txt", b"A", "text/plain")],
]


@pytest.mark.parametrize("files", FILES_SHAPES, ids=["mapping", "pairs", "encode_multipart"])
def test_http_request_files_shapes_agree(files: object) -> None:
    req = testing.http_request("POST", "/u", files=files)  # type: ignore[arg-type]
    upload = req.files["f"]
    assert (upload.filename, upload.read(), upload.content_type) == ("a.txt", b"A", "text/plain")


def test_http_request_files_takes_form_file_objects() -> None:
    upload = azfunc.FormFile(name="f", filename="b.bin", content=b"\x00")
    req = testing.http_request("POST", "/u", files=[upload])
    assert req.files["f"].read() == b"\x00"


@pytest.mark.parametrize("files", [b"raw", [("f",)], [1]])
def test_http_request_files_bad_shapes_are_conversion_errors(files: object) -> None:
    with pytest.raises(azfunc.ConversionError, match="files="):
        testing.http_request("POST", "/u", files=files)  # type: ignore[arg-type]
