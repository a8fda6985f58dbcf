"""Every binding value type follows the one pattern of ``azfunc/bindings/_value.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

import azfunc as func

# one builder per binding value type, each called twice to get two equal values
BUILDERS: dict[str, Callable[[], Any]] = {
    "QueueMessage": lambda: func.QueueMessage(body="x", id="1", dequeue_count=1),
    "TimerRequest": lambda: func.TimerRequest(past_due=True),
    "EventHubEvent": lambda: func.EventHubEvent(body="x", sequence_number=1, offset="2"),
    "ServiceBusMessage": lambda: func.ServiceBusMessage(body="x", message_id="m"),
    "ServiceBusOutputMessage": lambda: func.ServiceBusOutputMessage(body="x", message_id="m"),
    "EventGridEvent": lambda: func.EventGridEvent(id="1", data={"a": 1}),
    "EventGridOutputEvent": lambda: func.EventGridOutputEvent(id="1", data={"a": 1}),
    "CloudEvent": lambda: func.CloudEvent(id="1", source="/s", type="t", data={"a": 1}),
    "KafkaEvent": lambda: func.KafkaEvent(body="x", key="k", offset=1),
    "OrchestrationContext": lambda: func.OrchestrationContext(body="{}"),
    "EntityContext": lambda: func.EntityContext(body="{}"),
    "WarmUpContext": lambda: func.WarmUpContext(),
    "Document": lambda: func.Document({"id": "1"}),
    "SqlRowList": lambda: func.SqlRowList([func.SqlRow({"id": 1})]),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_equal_by_value_and_unhashable(name: str) -> None:
    a, b = BUILDERS[name](), BUILDERS[name]()
    assert a == b
    assert type(a).__hash__ is None
    with pytest.raises(TypeError):
        hash(a)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_slotted_no_instance_dict(name: str) -> None:
    value = BUILDERS[name]()
    if isinstance(value, (dict, list)):  # the dict/list row types
        return
    assert not hasattr(value, "__dict__")


MESSAGES = [
    "QueueMessage",
    "EventHubEvent",
    "ServiceBusMessage",
    "ServiceBusOutputMessage",
    "KafkaEvent",
    "EventGridEvent",
    "EventGridOutputEvent",
    "CloudEvent",
]


@pytest.mark.parametrize("name", MESSAGES)
def test_get_body_is_bytes(name: str) -> None:
    assert isinstance(BUILDERS[name]().get_body(), bytes)


@pytest.mark.parametrize(
    "value",
    [
        func.ServiceBusOutputMessage(body="x", message_id="m"),
        func.EventGridEvent(id="1", data={"a": 1}, event_time=datetime(2020, 1, 1)),
        func.EventGridOutputEvent(id="1", data={"a": 1}),
        func.CloudEvent(id="1", source="/s", type="t", data={"a": 1}),
        func.KafkaEvent(body="x", key="k"),
        func.Document({"id": "1"}),
    ],
)
def test_to_json_is_text_of_to_dict(value: Any) -> None:
    text = value.to_json()
    assert isinstance(text, str)
    assert json.loads(text) == value.to_dict()


def test_naive_datetimes_are_read_as_utc() -> None:
    ev = func.EventGridEvent(event_time=datetime(2020, 1, 1))
    assert ev.event_time == datetime(2020, 1, 1, tzinfo=timezone.utc)
    msg = func.ServiceBusMessage(enqueued_time_utc=datetime(2020, 1, 1))
    assert msg.enqueued_time_utc is not None
    assert msg.enqueued_time_utc.tzinfo is timezone.utc


def test_to_json_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(func.ConversionError):
        func.EventGridOutputEvent(data={1, 2}).to_json()
