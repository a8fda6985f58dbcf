"""Message and event strategies: queues, Service Bus, Event Hubs, Event Grid, CloudEvents,
Cosmos DB documents, timers and blobs, as payloads and as decoded objects.

Rules this module keeps:

* Each payload is made by the test-kit factory of its trigger (``queue_message_payload``,
  ``event_hub_events_payload``, ...), so the host's shape has one source; a strategy draws
  the factory's arguments (realistic by default: dequeue counts 1-5, UUID ids, times near
  2024) and every argument may be given as a value or a strategy.
* ``form=`` chooses the wire form, ``"grpc"`` or ``"custom_handler"`` (scalars JSON-encoded
  twice, numbers as strings, batches as one JSON string); left alone, either is drawn.
* Queue times are written in the formats the host and the Storage SDKs use (``+00:00``,
  seven fraction digits and ``Z``, whole seconds ``Z``): the same instant, odd text.
* The ``*s()`` strategies decode through the registered converter, as a worker does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..._datum import Datum
from .._wire import Payload, decode, net_datetime, utc
from ._base import DEFAULT, field, json_objects, json_values, readable_text, times
from ._forms import FORMS, as_custom_handler

__all__ = [
    "blob_payloads",
    "blobs",
    "cloud_event_payloads",
    "cloud_events",
    "cosmos_document_payloads",
    "cosmos_documents",
    "event_grid_event_payloads",
    "event_grid_events",
    "event_hub_event_payloads",
    "event_hub_events",
    "message_bodies",
    "queue_message_payloads",
    "queue_messages",
    "service_bus_message_payloads",
    "service_bus_messages",
    "timer_payloads",
    "timers",
]

_FORMS = st.sampled_from(FORMS)
_UUIDS = st.uuids(version=4).map(str)


def message_bodies() -> SearchStrategy[Any]:
    """Message bodies: text, bytes, or JSON (as text, the way producers send it)."""
    return (
        readable_text(max_size=32)
        | st.binary(max_size=32)
        | json_objects().map(lambda value: json.dumps(value))
    )


#: one body kind per batch: text, bytes, or JSON objects.
_BATCH_BODIES = (
    readable_text(max_size=16),
    st.binary(max_size=16),
    json_objects(max_leaves=4),
)


def _decoded(
    payloads: SearchStrategy[Payload], binding: str, pytype: Any = None
) -> SearchStrategy[Any]:
    return payloads.map(lambda p: decode(binding, p[0], p[1], pytype=pytype))


def _kwargs(draw: st.DrawFn, fields: dict[str, tuple[Any, SearchStrategy[Any]]]) -> dict[str, Any]:
    return {name: draw(field(given, default)) for name, (given, default) in fields.items()}


# --- queues ---------------------------------------------------------------------------


def _odd_time(when: datetime, style: int) -> str:
    moment = utc(when)
    if style == 0:
        return net_datetime(moment)
    base = moment.replace(tzinfo=None, microsecond=0).isoformat()
    if style == 1:
        return f"{base}.{moment.microsecond * 10:07d}Z"
    return base + "Z"


_QUEUE_TIMES = ("InsertionTime", "ExpirationTime", "NextVisibleTime")


def queue_message_payloads(
    *,
    body: Any = DEFAULT,
    id: Any = DEFAULT,  # noqa: A002 - the factory's argument
    dequeue_count: Any = DEFAULT,
    insertion_time: Any = DEFAULT,
    pop_receipt: Any = DEFAULT,
    time_format: Any = DEFAULT,
    form: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """``(Datum, metadata)`` of Storage queue messages with the host's metadata.

    ``time_format`` is 0 (``+00:00``), 1 (seven digits, ``Z``) or 2 (seconds, ``Z``).

    Example:
        >>> from hypothesis import given
        >>> @given(queue_message_payloads(dequeue_count=2, form="custom_handler"))
        ... def test(payload):
        ...     assert payload[1]["DequeueCount"].python_value == 2
        >>> test()
    """

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._storage import queue_message_payload

        text = draw(field(body, readable_text(max_size=32) | st.binary(max_size=32)))
        args = _kwargs(draw, {
            "id": (id, _UUIDS),
            "dequeue_count": (dequeue_count, st.integers(1, 5)),
            "insertion_time": (insertion_time, times()),
            "pop_receipt": (pop_receipt, st.text("ABCDEFabcdef0123456789", min_size=8,
                                                 max_size=12)),
        })
        datum, metadata = queue_message_payload(text, **args)
        style = draw(field(time_format, st.integers(0, 2)))
        metadata = dict(metadata)
        for key in _QUEUE_TIMES:
            when = datetime.fromisoformat(json.loads(metadata[key].value))
            metadata[key] = Datum(json.dumps(_odd_time(when, style)), "json")
        return as_custom_handler((datum, metadata), "msg", "queueTrigger",
                                 draw(field(form, _FORMS)))

    return build()


def queue_messages(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.QueueMessage` objects; the arguments of
    :func:`queue_message_payloads`."""
    return _decoded(queue_message_payloads(**overrides), "queueTrigger")


# --- Service Bus and Event Hubs ---------------------------------------------------------


def _properties() -> SearchStrategy[dict[str, Any]]:
    values = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | readable_text()
    return st.dictionaries(readable_text(min_size=1, max_size=8), values, max_size=3)


def _sequence_numbers(index: int, *, first: int) -> SearchStrategy[int]:
    """Sequence numbers for the ``index``-th message of a batch: ranges that do not overlap
    and grow with the index, so a batch's numbers are unique and increasing, as the
    brokers assign them."""
    return st.integers(first + index * 10**6, first + (index + 1) * 10**6 - 1)


def _service_bus_single(draw: st.DrawFn, overrides: dict[str, Any], index: int) -> Payload:
    from .._events import service_bus_message_payload

    given = {key: overrides.get(key, DEFAULT) for key in _SB_FIELDS}
    args = _kwargs(draw, {
        "message_id": (given["message_id"], _UUIDS),
        "delivery_count": (given["delivery_count"], st.integers(1, 10)),
        "sequence_number": (given["sequence_number"], _sequence_numbers(index, first=1)),
        "enqueued_time_utc": (given["enqueued_time_utc"], times()),
        "session_id": (given["session_id"], st.none() | st.sampled_from(["s1", "s2"])),
        "content_type": (given["content_type"],
                         st.none() | st.sampled_from(["application/json", "text/plain"])),
        "correlation_id": (given["correlation_id"], st.none() | _UUIDS),
        "application_properties": (given["application_properties"], _properties()),
    })
    body = draw(field(overrides.get("body", DEFAULT), message_bodies()))
    return service_bus_message_payload(body, **args)


_SB_FIELDS = ("message_id", "delivery_count", "sequence_number", "enqueued_time_utc",
              "session_id", "content_type", "correlation_id", "application_properties")


def _event_hub_single(draw: st.DrawFn, overrides: dict[str, Any], index: int) -> Payload:
    from .._events import event_hub_event_payload

    given = {key: overrides.get(key, DEFAULT) for key in _EH_FIELDS}
    args = _kwargs(draw, {
        "partition_key": (given["partition_key"], st.none() | st.sampled_from(["k1", "k2"])),
        "sequence_number": (given["sequence_number"], _sequence_numbers(index, first=0)),
        "offset": (given["offset"], st.integers(0, 10**9)),
        "enqueued_time": (given["enqueued_time"], times()),
        "properties": (given["properties"], _properties()),
        "partition_id": (given["partition_id"], st.sampled_from(["0", "1", "2", "3"])),
    })
    body = draw(field(overrides.get("body", DEFAULT), message_bodies()))
    return event_hub_event_payload(body, **args)


_EH_FIELDS = ("partition_key", "sequence_number", "offset", "enqueued_time", "properties",
              "partition_id")


def _batched(
    single: Callable[[st.DrawFn, dict[str, Any], int], Payload],
    batch: Callable[[list[Payload]], Payload],
    binding: str,
    batch_size: Any,
    form: Any,
    overrides: dict[str, Any],
) -> SearchStrategy[Payload]:
    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        size = draw(field(batch_size, st.none() | st.integers(1, 4)))
        if size is None:
            payload = single(draw, overrides, 0)
            cardinality = "one"
        else:
            per_batch = dict(overrides)
            if "body" not in per_batch:  # the host never mixes bytes with text in a batch
                per_batch["body"] = draw(st.sampled_from(_BATCH_BODIES))
            singles = [single(draw, per_batch, i) for i in range(size)]
            payload = batch(singles)
            cardinality = "many"
        return as_custom_handler(payload, "msg", binding, draw(field(form, _FORMS)),
                                 cardinality=cardinality)

    return build()


def service_bus_message_payloads(
    *, batch_size: Any = DEFAULT, form: Any = DEFAULT, **fields: Any
) -> SearchStrategy[Payload]:
    """Service Bus messages: one (``batch_size=None``) or a batch of 1-4 with the
    ``...Array`` metadata. ``fields`` override the factory's arguments (``body``,
    ``message_id``, ``delivery_count``, ``session_id``, ...)."""
    from .._events import service_bus_messages_payload

    return _batched(_service_bus_single, service_bus_messages_payload, "serviceBusTrigger",
                    batch_size, form, fields)


def service_bus_messages(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.ServiceBusMessage` objects (a list for a batch)."""
    return _objects(service_bus_message_payloads(**overrides), "serviceBusTrigger",
                    "ServiceBusMessage", "azfunc.bindings.servicebus")


def event_hub_event_payloads(
    *, batch_size: Any = DEFAULT, form: Any = DEFAULT, **fields: Any
) -> SearchStrategy[Payload]:
    """Event Hubs events: one (``batch_size=None``) or a batch of 1-4 with the
    ``...Array`` metadata. ``fields`` override the factory's arguments."""
    from .._events import event_hub_events_payload

    return _batched(_event_hub_single, event_hub_events_payload, "eventHubTrigger",
                    batch_size, form, fields)


def event_hub_events(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.EventHubEvent` objects (a list for a batch)."""
    return _objects(event_hub_event_payloads(**overrides), "eventHubTrigger",
                    "EventHubEvent", "azfunc.bindings.eventhub")


def _objects(
    payloads: SearchStrategy[Payload], binding: str, cls: str, module: str
) -> SearchStrategy[Any]:
    import importlib

    item: Any = getattr(importlib.import_module(module), cls)

    def one(payload: Payload) -> Any:
        datum, metadata = payload
        many = datum.type.startswith("collection_") or any(k.endswith("Array") for k in metadata)
        return decode(binding, datum, metadata, pytype=list[item] if many else item)

    return payloads.map(one)


# --- Event Grid, CloudEvents, Cosmos DB -----------------------------------------------


def event_grid_event_payloads(
    *, data: Any = DEFAULT, subject: Any = DEFAULT, event_type: Any = DEFAULT,
    event_time: Any = DEFAULT, form: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """Event Grid (Event Grid schema) events with JSON ``data``."""

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._events import event_grid_event_payload

        payload = event_grid_event_payload(
            draw(field(data, json_values())),
            subject=draw(field(subject, st.sampled_from(["", "/blobs/a.txt", "orders/1"]))),
            event_type=draw(field(event_type, st.sampled_from(
                ["Microsoft.Storage.BlobCreated", "Contoso.Order.Placed"]))),
            event_time=draw(field(event_time, times())),
        )
        return as_custom_handler(payload, "event", "eventGridTrigger", draw(field(form, _FORMS)))

    return build()


def event_grid_events(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.EventGridEvent` objects."""
    return _decoded(event_grid_event_payloads(**overrides), "eventGridTrigger")


def cloud_event_payloads(
    *, data: Any = DEFAULT, source: Any = DEFAULT, type: Any = DEFAULT,  # noqa: A002
    time: Any = DEFAULT, subject: Any = DEFAULT, form: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """CloudEvents 1.0 (JSON format) delivered by the Event Grid trigger."""

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._events import cloud_event_payload

        payload = cloud_event_payload(
            draw(field(data, json_values())),
            source=draw(field(source, st.sampled_from(["/azfunc/testing", "urn:orders"]))),
            type=draw(field(type, st.sampled_from(["Contoso.Order.Placed", "Test.Event"]))),
            time=draw(field(time, times())),
            subject=draw(field(subject, st.none() | st.just("orders/1"))),
        )
        return as_custom_handler(payload, "event", "eventGridTrigger", draw(field(form, _FORMS)))

    return build()


def cloud_events(**overrides: Any) -> SearchStrategy[Any]:
    """CloudEvents decoded by the Event Grid trigger (as ``EventGridEvent`` objects)."""
    return _decoded(cloud_event_payloads(**overrides), "eventGridTrigger")


def _document() -> SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda doc_id, rest, ts: {**rest, "id": doc_id, "_ts": ts, "_etag": f'"{doc_id}"'},
        _UUIDS, json_objects(max_leaves=6), st.integers(1_600_000_000, 1_900_000_000),
    )


def cosmos_document_payloads(
    *, documents: Any = DEFAULT, form: Any = DEFAULT
) -> SearchStrategy[Payload]:
    """Cosmos DB trigger payloads: a JSON array of 1-4 documents (no trigger metadata)."""

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._wire import json_datum

        docs = draw(field(documents, st.lists(_document(), min_size=1, max_size=4)))
        payload: Payload = (json_datum(docs), {})
        return as_custom_handler(payload, "docs", "cosmosDBTrigger", draw(field(form, _FORMS)))

    return build()


def cosmos_documents(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded ``DocumentList`` objects."""
    return _decoded(cosmos_document_payloads(**overrides), "cosmosDBTrigger")


# --- timers and blobs ---------------------------------------------------------------------


def timer_payloads(
    *, past_due: Any = DEFAULT, last: Any = DEFAULT, monitor: Any = DEFAULT,
    form: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """Timer ticks, with or without schedule monitoring."""

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._storage import timer_request_payload

        payload = timer_request_payload(
            past_due=draw(field(past_due, st.booleans())),
            last=draw(field(last, times())),
            monitor=draw(field(monitor, st.booleans())),
        )
        return as_custom_handler(payload, "timer", "timerTrigger", draw(field(form, _FORMS)))

    return build()


def timers(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.TimerRequest` objects."""
    return _decoded(timer_payloads(**overrides), "timerTrigger")


def blob_payloads(
    *, data: Any = DEFAULT, name: Any = DEFAULT, content_type: Any = DEFAULT,
    metadata: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """Blob trigger payloads (bytes, with ``BlobTrigger``, ``Uri``, properties, metadata).

    Only the gRPC form: a custom handler's blob path comes from the binding's pattern."""

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._storage import input_stream_payload

        segment = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=10)
        return input_stream_payload(
            draw(field(data, st.binary(max_size=64))),
            name=draw(field(name, segment.map(lambda s: f"samples-workitems/{s}"))),
            content_type=draw(field(content_type, st.sampled_from(
                ["application/octet-stream", "text/plain", "application/json"]))),
            metadata=draw(field(metadata, st.dictionaries(
                st.text("abcdefghij", min_size=1, max_size=5), readable_text(), max_size=2))),
        )

    return build()


def blobs(**overrides: Any) -> SearchStrategy[Any]:
    """Decoded :class:`~azfunc.InputStream` objects."""
    return _decoded(blob_payloads(**overrides), "blobTrigger")
