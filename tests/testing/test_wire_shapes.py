"""The factories build what the host sends: shapes checked against the wire vectors.

Two kinds of cases, both table-driven from ``tests/vectors``:

* shape: every metadata key a vector (or a binding-data contract) lists is present in the
  factory's payload with the same Datum kind;
* equivalence: the vector decoded by the registry and the factory given the same values
  produce equal objects.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest

import azfunc as func
from azfunc import testing
from azfunc.wire.typed_data import datum_from_typed_data
from tests.conftest import VECTORS

UTC = timezone.utc


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def typed(obj: dict[str, Any]) -> func.Datum:
    """A Datum from either vector form: ``{"type", "value"}`` or proto3-JSON TypedData."""
    if "type" in obj:
        value = obj.get("value")
        if "value_utf8" in obj:
            value = obj["value_utf8"].encode("utf-8")
        return func.Datum(value, obj["type"])
    return datum_from_typed_data(obj)


def metadata_of(raw: dict[str, Any]) -> dict[str, func.Datum]:
    return {key: typed(value) for key, value in raw.items()}


def kinds(metadata: dict[str, func.Datum]) -> dict[str, str]:
    return {key: datum.type for key, datum in metadata.items()}


_KIND = re.compile(r"\b(collection_string|collection_sint64|collection_bytes|json|string)\b")


def contract_kind(text: str) -> str:
    """The Datum kind a binding-data contract line names (after ``->`` when there is one)."""
    tail = text.rsplit("->", 1)[-1]
    found = _KIND.search(tail) or _KIND.search(text)
    assert found, text
    return found.group(1)


# --- shapes --------------------------------------------------------------------------------


def test_queue_metadata_has_the_host_keys_and_kinds() -> None:
    vector = load("trigger_payloads/queue.json")["wire_form_derived"]
    expected = kinds(metadata_of(vector["trigger_metadata"]))
    datum, md = testing.queue_message_payload("{ message: \"Message sent\" }")
    assert kinds(md) == expected
    assert datum.type == typed(vector["input_data"][0]["data"]).type


def test_grpc_queue_request_has_the_same_metadata_kinds() -> None:
    message = load("grpc/queue_invocation_request.json")["message"]
    _, md = testing.queue_message_payload("x")
    assert kinds(md) == kinds(metadata_of(message["triggerMetadata"]))


def test_blob_metadata_follows_the_binding_data_contract() -> None:
    contract = load("trigger_payloads/blob.json")["binding_data_contract"]
    _, md = testing.input_stream_payload(b"x")
    for key in ("BlobTrigger", "Uri", "Properties", "Metadata"):
        assert md[key].type == contract_kind(contract[key]), key


@pytest.mark.parametrize("mode", ["single", "many"])
def test_event_hub_metadata_follows_the_v5_contract(mode: str) -> None:
    contract = load("trigger_payloads/eventhub.json")["binding_data_contract_v5"][mode]
    if mode == "single":
        _, md = testing.event_hub_event_payload(b"x", partition_key="k")
    else:
        one = testing.event_hub_event_payload(b"x", partition_key="k")
        _, md = testing.event_hub_events_payload([one, b"y"])
    for key, text in contract.items():
        if key == "CheckpointContext":  # newer extensions only
            continue
        assert key in md, key
        assert md[key].type == contract_kind(text), key


def test_event_hub_batch_matches_the_grpc_request() -> None:
    message = load("grpc/eventhub_many_invocation_request.json")["message"]
    vector_md = metadata_of(message["triggerMetadata"])
    _, md = testing.event_hub_events_payload([b"a", b"b"])
    assert kinds(md) == kinds(vector_md)
    data = datum_from_typed_data(message["inputData"][0]["data"])
    assert testing.event_hub_events_payload([b"a", b"b"])[0].type == data.type


def test_service_bus_metadata_matches_the_derived_vector() -> None:
    vector = load("trigger_payloads/servicebus.json")["wire_form_derived_single"]
    expected = kinds(metadata_of(vector["trigger_metadata"]))
    _, md = testing.service_bus_message_payload(b"x", content_type="application/json")
    assert {key: md[key].type for key in expected} == expected


def test_service_bus_batch_array_kinds() -> None:
    table = load("trigger_payloads/servicebus.json")
    array_kinds = table["pylib_many_array_kinds"]
    not_v5 = set(table["extension_v5_binding_data"]["not_emitted_by_v5_but_read_by_pylib"])
    everything = testing.service_bus_message_payload(
        b"x",
        content_type="t",
        correlation_id="c",
        session_id="s",
        partition_key="p",
        reply_to="r",
        reply_to_session_id="rs",
        subject="sub",
        to="to",
        transaction_partition_key="tp",
        dead_letter_source="d",
    )
    _, md = testing.service_bus_messages_payload([everything, everything])
    checked = 0
    for kind in ("collection_string", "collection_sint64", "json"):
        for key in array_kinds[kind]:
            if key.removesuffix("Array") in not_v5:
                continue
            assert md[key].type == kind, key
            checked += 1
    assert checked == 18  # the pylib table minus the keys v5 never sends


def test_timer_value_has_the_docs_shape() -> None:
    vector = load("trigger_payloads/timer.json")["docs_example"]["value"]
    datum, _ = testing.timer_request_payload()
    value = datum.python_value
    assert set(value) == set(vector)
    assert set(value["ScheduleStatus"]) == set(vector["ScheduleStatus"])


def test_event_grid_event_has_the_pylib_keys() -> None:
    vector = load("trigger_payloads/eventgrid.json")["pylib_test_event"]["value"]
    datum, _ = testing.event_grid_event_payload({"a": 1})
    assert set(datum.python_value) == set(vector) | {"topic"}


def test_http_payload_matches_the_grpc_request() -> None:
    message = load("grpc/http_post_invocation_request.json")["message"]
    vector = datum_from_typed_data(message["inputData"][0]["data"])
    vector_md = metadata_of(message["triggerMetadata"])
    datum, md = testing.http_request_payload(
        "POST",
        "http://localhost:7071/api/items/42?name=Azure&tag=a,b",
        headers={
            "Host": "localhost:7071",
            "Content-Type": "application/json",
            "Accept": "*/*",
            "User-Agent": "curl/8.4.0",
        },
        route_params={"id": "42"},
        body=b'{"name":"Azure"}',
    )
    for key in ("method", "url", "body", "headers", "query", "params"):
        assert getattr(datum.value, key) == getattr(vector.value, key), key
    assert kinds(md) == kinds(vector_md)
    assert {k: md[k] for k in ("tag", "name", "id", "Query")} == {
        k: vector_md[k] for k in ("tag", "name", "id", "Query")
    }
    assert md["Headers"].python_value == vector_md["Headers"].python_value


# --- equivalence: vector decoded == factory decoded ----------------------------------------


def _decode(binding: str, data: func.Datum, md: dict[str, func.Datum], pytype: Any = None) -> Any:
    converter = func.get_binding_registry().require(binding)
    return converter.decode(data, trigger_metadata=md, pytype=pytype)


def test_queue_equivalence() -> None:
    vector = load("trigger_payloads/queue.json")["wire_form_derived"]
    from_wire = _decode(
        "queueTrigger",
        typed(vector["input_data"][0]["data"]),
        metadata_of(vector["trigger_metadata"]),
    )
    made = testing.queue_message(
        "{ message: \"Message sent\" }",
        id="800ae4b3-bdd2-4c08-badd-f08e5a34b865",
        dequeue_count=1,
        insertion_time=datetime(2019, 10, 9, 17, 58, 31, tzinfo=UTC),
        expiration_time=datetime(2019, 10, 16, 17, 58, 31, tzinfo=UTC),
        time_next_visible=datetime(2019, 10, 9, 18, 8, 32, tzinfo=UTC),
        pop_receipt="AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
    )
    for attr in ("id", "dequeue_count", "insertion_time", "expiration_time",
                 "time_next_visible", "pop_receipt"):
        assert getattr(made, attr) == getattr(from_wire, attr), attr
    assert made.get_body() == from_wire.get_body()


def test_event_hub_equivalence() -> None:
    vector = load("trigger_payloads/eventhub.json")["pylib_full_single_metadata"]
    expected = vector["expected"]
    from_wire = _decode(
        "eventHubTrigger",
        typed(vector["data"]),
        metadata_of(vector["trigger_metadata"]),
        func.EventHubEvent,
    )
    made = testing.event_hub_event(
        expected["body"].encode(),
        partition_key=expected["partition_key"],
        sequence_number=expected["sequence_number"],
        offset=expected["offset"],
        enqueued_time=datetime.fromisoformat(expected["enqueued_time_isoformat"]),
        system_properties={"iothub-connection-device-id": "awesome-device-id"},
    )
    for attr in ("partition_key", "sequence_number", "offset", "enqueued_time",
                 "iothub_metadata"):
        assert getattr(made, attr) == getattr(from_wire, attr), attr
    assert made.get_body() == from_wire.get_body()


def test_event_hub_batch_equivalence() -> None:
    message = load("grpc/eventhub_many_invocation_request.json")["message"]
    data = datum_from_typed_data(message["inputData"][0]["data"])
    from_wire = _decode(
        "eventHubTrigger", data, metadata_of(message["triggerMetadata"]), list[func.EventHubEvent]
    )
    encoded = message["inputData"][0]["data"]["collectionBytes"]["bytes"]
    bodies = [base64.b64decode(item) for item in encoded]
    made = testing.event_hub_events(
        [
            testing.event_hub_event_payload(
                body,
                sequence_number=event.sequence_number,
                offset=int(event.offset),
                enqueued_time=event.enqueued_time,
            )
            for body, event in zip(bodies, from_wire, strict=True)
        ]
    )
    for mine, theirs in zip(made, from_wire, strict=True):
        for attr in ("partition_key", "sequence_number", "offset", "enqueued_time"):
            assert getattr(mine, attr) == getattr(theirs, attr), attr
        assert mine.get_body() == theirs.get_body()


def test_service_bus_equivalence() -> None:
    vector = load("trigger_payloads/servicebus.json")["wire_form_derived_single"]
    from_wire = _decode(
        "serviceBusTrigger",
        typed(vector["input_data"][0]["data"]),
        metadata_of(vector["trigger_metadata"]),
        func.ServiceBusMessage,
    )
    made = testing.service_bus_message(
        '{"lucky_number": 23}',
        message_id="abcee18397398d93891830a0aac89eed",
        content_type="application/json",
        delivery_count=1,
        lock_token="87931fd2-39f4-415a-9fdc-adfdcbed3148",
        sequence_number=38291,
        enqueued_time_utc=datetime(2024, 1, 1, 10, 0, 0, 123000, tzinfo=UTC),
        expires_at_utc=datetime(2024, 1, 15, 10, 0, 0, 123000, tzinfo=UTC),
        application_properties={"application": "value"},
    )
    for attr in ("message_id", "content_type", "delivery_count", "lock_token",
                 "sequence_number", "enqueued_time_utc", "expires_at_utc",
                 "application_properties", "user_properties"):
        assert getattr(made, attr) == getattr(from_wire, attr), attr
    assert made.get_body() == from_wire.get_body()


def test_timer_equivalence() -> None:
    vector = load("trigger_payloads/timer.json")["docs_example"]["value"]
    from_wire = _decode("timerTrigger", func.Datum(json.dumps(vector), "json"), {})
    status = vector["ScheduleStatus"]
    made = testing.timer_request(
        past_due=vector["IsPastDue"],
        schedule=vector["Schedule"],
        last=datetime.fromisoformat(status["Last"]),
        next=datetime.fromisoformat(status["Next"]),
        last_updated=datetime.fromisoformat(status["LastUpdated"]),
    )
    assert made.past_due == from_wire.past_due
    assert made.schedule == from_wire.schedule
    for attr in ("last", "next", "last_updated"):
        assert getattr(made.schedule_status, attr) == getattr(from_wire.schedule_status, attr)


def test_event_grid_equivalence() -> None:
    vector = load("trigger_payloads/eventgrid.json")["pylib_test_event"]["value"]
    from_wire = _decode(
        "eventGridTrigger", func.Datum(json.dumps(vector), "json"), {}, func.EventGridEvent
    )
    made = testing.event_grid_event(
        vector["data"],
        id=vector["id"],
        subject=vector["subject"],
        event_type=vector["eventType"],
        topic=vector["topic"],
        event_time=from_wire.event_time,
        data_version=vector["dataVersion"],
        metadata_version=vector["metadataVersion"],
    )
    for attr in ("id", "subject", "event_type", "topic", "event_time", "data_version",
                 "metadata_version"):
        assert getattr(made, attr) == getattr(from_wire, attr), attr
    assert made.get_json() == from_wire.get_json()


def test_cloud_event_equivalence() -> None:
    case = load("trigger_payloads/eventgrid.json")["cloudevent_v1_from_sdist_1_26_0_test"]
    vector = {**case["value"], **case["with_extensions_variant_adds"]}
    from_wire = _decode(
        "eventGridTrigger", func.Datum(json.dumps(vector), "json"), {}, func.CloudEvent
    )
    made = testing.cloud_event(
        vector["data"],
        id=vector["id"],
        source=vector["source"],
        type=vector["type"],
        subject=vector["subject"],
        time=datetime.fromisoformat(vector["time"].replace("Z", "+00:00")),
        datacontenttype=vector["datacontenttype"],
        extensions={"customext": "extvalue"},
    )
    assert made == from_wire
