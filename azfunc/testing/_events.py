"""Event and messaging factories: Event Hubs, Service Bus and Event Grid, single and batched.

Rules this module keeps:

* Single-event metadata follows the extensions' binding data as the host sends it: strings as
  ``string``; numbers, ``DateTime``/``DateTimeOffset`` values, dictionaries as ``json``.
  Keys whose value is ``None`` are left out, as the host does.
* A batch (``cardinality: many``) is built from single payloads: every per-event key ``K``
  becomes ``KArray`` -- string keys a ``collection_string`` (entries of events that lack the
  key are dropped, exactly as the host drops nulls), sequence numbers a ``collection_sint64``,
  everything else a ``json`` array. Batch-wide keys (``PartitionContext``) stay single.
* Batch bodies travel as ``collection_bytes`` when every body is bytes, ``collection_string``
  when every body is text, else as one ``json`` array.
* A batch item is either a body or a payload made by the matching single factory, so each
  event of a batch can be given its own properties.
* Factory keywords are named like the properties of the object they set (``enqueued_time_utc``
  of :class:`~azfunc.ServiceBusMessage`, ``type`` of :class:`~azfunc.CloudEvent`).
* Event Grid events and CloudEvents arrive as one ``json`` Datum per invocation, with the
  event's ``data`` in the trigger metadata.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TypedDict

from .._datum import Datum
from .._errors import ConversionError
from ._wire import (
    Payload,
    body_datum,
    decode,
    json_datum,
    json_metadata,
    net_datetime,
    string_metadata,
    timespan,
    utcnow,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..bindings.eventgrid import CloudEvent, EventGridEvent
    from ..bindings.eventhub import EventHubEvent
    from ..bindings.servicebus import ServiceBusMessage

__all__ = [
    "ServiceBusProperties",
    "cloud_event",
    "cloud_event_payload",
    "event_grid_event",
    "event_grid_event_payload",
    "event_hub_event",
    "event_hub_event_payload",
    "event_hub_events",
    "event_hub_events_payload",
    "service_bus_message",
    "service_bus_message_payload",
    "service_bus_messages",
    "service_bus_messages_payload",
]

#: per-event keys whose ``...Array`` form is a ``collection_sint64``.
_SINT64_KEYS: Final = frozenset(
    {"SequenceNumber", "EnqueuedSequenceNumber", "State"}
)
_INTEGER: Final = re.compile(r"-?[1-9][0-9]*|0")
#: keys shared by the whole batch (never turned into arrays).
_BATCH_KEYS: Final = frozenset({"PartitionContext", "MessageReceiver", "MessageSession"})


# --- Event Hubs ------------------------------------------------------------------------


def event_hub_event_payload(
    body: Any = b"",
    *,
    partition_key: str | None = None,
    sequence_number: int = 0,
    offset: int | str = 0,
    enqueued_time: datetime | None = None,
    properties: Mapping[str, Any] | None = None,
    system_properties: Mapping[str, Any] | None = None,
    partition_id: str = "0",
    event_hub_name: str = "eventhub",
    consumer_group: str = "$Default",
) -> Payload:
    """The Datum and trigger metadata of one Event Hubs event, as the host sends them.

    Args:
        body: bytes (``bytes`` Datum), text (``string``) or any JSON value (``json``).
        partition_key: the event's partition key (omitted when ``None``).
        sequence_number: its sequence number in the partition.
        offset: its offset in the partition (sent as a JSON number when numeric).
        enqueued_time: when it was enqueued (now by default).
        properties: the application properties.
        system_properties: extra system properties (e.g. IoT Hub's
            ``iothub-connection-device-id``), merged over the standard ones.
        partition_id: the partition the event was read from.
        event_hub_name: the event hub's name, in ``PartitionContext``.
        consumer_group: the consumer group, in ``PartitionContext``.

    Example:
        >>> datum, md = event_hub_event_payload(b"x", sequence_number=47, offset=3696)
        >>> datum, md["SequenceNumber"], md["Offset"]
        (<Datum bytes b'x'>, <Datum json '47'>, <Datum json '3696'>)

    Raises:
        ConversionError: if a value is not JSON-serialisable.
    """
    enqueued = enqueued_time or utcnow()
    system: dict[str, Any] = {
        "x-opt-sequence-number": sequence_number,
        "x-opt-offset": str(offset),
        "x-opt-enqueued-time": net_datetime(enqueued),
    }
    if partition_key is not None:
        system["x-opt-partition-key"] = partition_key
    system.update(
        {
            "SequenceNumber": sequence_number,
            "Offset": _number_or_text(offset),
            "PartitionKey": partition_key,
            "EnqueuedTimeUtc": net_datetime(enqueued, zone=False),
        }
    )
    system.update(system_properties or {})
    metadata = string_metadata({"PartitionKey": partition_key})
    metadata.update(
        json_metadata(
            {
                "PartitionContext": {
                    "FullyQualifiedNamespace": "azfunc-testing.servicebus.windows.net",
                    "ConsumerGroup": consumer_group,
                    "EventHubName": event_hub_name,
                    "PartitionId": partition_id,
                },
                "Offset": _number_or_text(offset),
                "SequenceNumber": sequence_number,
                "EnqueuedTimeUtc": net_datetime(enqueued, zone=False),
                "Properties": dict(properties or {}),
                "SystemProperties": system,
            }
        )
    )
    return body_datum(body), metadata


def event_hub_event(
    body: Any = b"",
    *,
    partition_key: str | None = None,
    sequence_number: int = 0,
    offset: int | str = 0,
    enqueued_time: datetime | None = None,
    properties: Mapping[str, Any] | None = None,
    system_properties: Mapping[str, Any] | None = None,
    partition_id: str = "0",
    event_hub_name: str = "eventhub",
    consumer_group: str = "$Default",
) -> EventHubEvent:
    """An :class:`~azfunc.EventHubEvent` decoded by the ``eventHubTrigger`` converter.

    The arguments are those of :func:`event_hub_event_payload`.

    Example:
        >>> from azfunc.testing import event_hub_event
        >>> event = event_hub_event(b'{"t": 21}', partition_key="dev-1", sequence_number=5)
        >>> event.get_json(), event.partition_key, event.sequence_number
        ({'t': 21}, 'dev-1', 5)

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
    """
    from ..bindings.eventhub import EventHubEvent

    datum, metadata = event_hub_event_payload(
        body,
        partition_key=partition_key,
        sequence_number=sequence_number,
        offset=offset,
        enqueued_time=enqueued_time,
        properties=properties,
        system_properties=system_properties,
        partition_id=partition_id,
        event_hub_name=event_hub_name,
        consumer_group=consumer_group,
    )
    event: EventHubEvent = decode("eventHubTrigger", datum, metadata, pytype=EventHubEvent)
    return event


def event_hub_events_payload(events: Sequence[Any]) -> Payload:
    """The Datum and trigger metadata of an Event Hubs batch (``cardinality: many``).

    Args:
        events: bodies, or payloads from :func:`event_hub_event_payload` for events that
            need their own properties. A plain body ``i`` gets sequence number and offset
            ``i``.

    Example:
        >>> datum, md = event_hub_events_payload([b"a", event_hub_event_payload(b"b",
        ...                                       partition_key="k", sequence_number=9)])
        >>> datum.type, md["SequenceNumberArray"].value, md["PartitionKeyArray"].value
        ('collection_bytes', [0, 9], ['k'])

    Raises:
        ConversionError: if a value cannot be sent.
    """
    singles = [
        item
        if _is_payload(item)
        else event_hub_event_payload(item, sequence_number=index, offset=index)
        for index, item in enumerate(events)
    ]
    return _batch(singles)


def event_hub_events(events: Sequence[Any]) -> list[EventHubEvent]:
    """A batch of :class:`~azfunc.EventHubEvent` decoded by the ``eventHubTrigger`` converter.

    The argument is that of :func:`event_hub_events_payload`.

    Example:
        >>> from azfunc.testing import event_hub_events
        >>> [e.get_body() for e in event_hub_events([b"a", b"b"])]
        [b'a', b'b']

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
    """
    from ..bindings.eventhub import EventHubEvent

    datum, metadata = event_hub_events_payload(events)
    batch: list[EventHubEvent] = decode(
        "eventHubTrigger", datum, metadata, pytype=list[EventHubEvent]
    )
    return batch


# --- Service Bus -----------------------------------------------------------------------


def service_bus_message_payload(
    body: Any = b"",
    *,
    message_id: str | None = None,
    content_type: str | None = None,
    correlation_id: str | None = None,
    delivery_count: int = 1,
    enqueued_time_utc: datetime | None = None,
    expires_at_utc: datetime | None = None,
    sequence_number: int = 1,
    lock_token: str | None = None,
    locked_until: datetime | None = None,
    session_id: str | None = None,
    partition_key: str | None = None,
    reply_to: str | None = None,
    reply_to_session_id: str | None = None,
    subject: str | None = None,
    to: str | None = None,
    transaction_partition_key: str | None = None,
    application_properties: Mapping[str, Any] | None = None,
    dead_letter_source: str | None = None,
    dead_letter_reason: str | None = None,
    dead_letter_error_description: str | None = None,
    enqueued_sequence_number: int | None = None,
    scheduled_enqueue_time_utc: datetime | None = None,
    time_to_live: timedelta | None = None,
    state: int | None = None,
) -> Payload:
    """The Datum and trigger metadata of one Service Bus message, as the host sends them.

    The keys are those of the Service Bus extension (v5): ``MessageId``, ``DeliveryCount``,
    ``EnqueuedTimeUtc``/``EnqueuedTime``, ``ExpiresAtUtc``/``ExpiresAt``, ``SequenceNumber``,
    ``LockToken``, ``ApplicationProperties`` and its older name ``UserProperties``,
    ``Subject`` and its older name ``Label``, and the rest when given. The dead-letter keys,
    ``EnqueuedSequenceNumber``, ``LockedUntil``, ``ScheduledEnqueueTimeUtc``, ``TimeToLive``
    and ``State`` are sent only when given.

    Args:
        body: bytes (``bytes`` Datum), text (``string``) or any JSON value (``json``).
        message_id: the message id (a fresh UUID by default).
        enqueued_time_utc: when it was enqueued (now by default).
        expires_at_utc: when it expires (14 days after ``enqueued_time_utc`` by default).
        lock_token: the lock token (a fresh UUID by default).
        application_properties: the application (user) properties.
        time_to_live: sent as a .NET ``TimeSpan`` (``hh:mm:ss``).
        content_type, correlation_id, delivery_count, sequence_number, locked_until,
            session_id, partition_key, reply_to, reply_to_session_id, subject, to,
            transaction_partition_key, dead_letter_source, dead_letter_reason,
            dead_letter_error_description, enqueued_sequence_number,
            scheduled_enqueue_time_utc, state: the message properties of those names.

    Example:
        >>> datum, md = service_bus_message_payload({"n": 23}, message_id="m1",
        ...                                         application_properties={"a": 1})
        >>> datum, md["MessageId"], md["UserProperties"]
        (<Datum json '{"n":23}'>, <Datum string 'm1'>, <Datum json '{"a":1}'>)

    Raises:
        ConversionError: if a value is not JSON-serialisable.
    """
    enqueued = enqueued_time_utc or utcnow()
    expires = expires_at_utc or enqueued + timedelta(days=14)
    props = dict(application_properties or {})
    metadata = string_metadata(
        {
            "MessageId": message_id if message_id is not None else uuid.uuid4().hex,
            "LockToken": lock_token if lock_token is not None else str(uuid.uuid4()),
            "ContentType": content_type,
            "CorrelationId": correlation_id,
            "SessionId": session_id,
            "PartitionKey": partition_key,
            "ReplyTo": reply_to,
            "ReplyToSessionId": reply_to_session_id,
            "Subject": subject,
            "Label": subject,
            "To": to,
            "TransactionPartitionKey": transaction_partition_key,
            "DeadLetterSource": dead_letter_source,
            "DeadLetterReason": dead_letter_reason,
            "DeadLetterErrorDescription": dead_letter_error_description,
        }
    )
    metadata.update(
        json_metadata(
            {
                "DeliveryCount": delivery_count,
                "SequenceNumber": sequence_number,
                "EnqueuedTimeUtc": net_datetime(enqueued, zone=False),
                "EnqueuedTime": net_datetime(enqueued),
                "ExpiresAtUtc": net_datetime(expires, zone=False),
                "ExpiresAt": net_datetime(expires),
                "ApplicationProperties": props,
                "UserProperties": props,
                "EnqueuedSequenceNumber": enqueued_sequence_number,
                "LockedUntil": None if locked_until is None else net_datetime(locked_until),
                "ScheduledEnqueueTimeUtc": (
                    None
                    if scheduled_enqueue_time_utc is None
                    else net_datetime(scheduled_enqueue_time_utc, zone=False)
                ),
                "TimeToLive": None if time_to_live is None else timespan(time_to_live),
                "State": state,
            }
        )
    )
    return body_datum(body), metadata


class ServiceBusProperties(TypedDict, total=False):
    """The keywords of :func:`service_bus_message`: those of :func:`service_bus_message_payload`.

    Example:
        >>> props: ServiceBusProperties = {"message_id": "m1", "delivery_count": 2}
        >>> service_bus_message(b"x", **props).delivery_count
        2
    """

    message_id: str | None
    content_type: str | None
    correlation_id: str | None
    delivery_count: int
    enqueued_time_utc: datetime | None
    expires_at_utc: datetime | None
    sequence_number: int
    lock_token: str | None
    locked_until: datetime | None
    session_id: str | None
    partition_key: str | None
    reply_to: str | None
    reply_to_session_id: str | None
    subject: str | None
    to: str | None
    transaction_partition_key: str | None
    application_properties: Mapping[str, Any] | None
    dead_letter_source: str | None
    dead_letter_reason: str | None
    dead_letter_error_description: str | None
    enqueued_sequence_number: int | None
    scheduled_enqueue_time_utc: datetime | None
    time_to_live: timedelta | None
    state: int | None


def service_bus_message(
    body: Any = b"", **properties: Unpack[ServiceBusProperties]
) -> ServiceBusMessage:
    """A :class:`~azfunc.ServiceBusMessage` decoded by the ``serviceBusTrigger`` converter.

    The keywords are those of :func:`service_bus_message_payload`.

    Example:
        >>> from azfunc.testing import service_bus_message
        >>> msg = service_bus_message(b"hi", message_id="m1", delivery_count=2)
        >>> msg.get_body(), msg.message_id, msg.delivery_count
        (b'hi', 'm1', 2)

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
        TypeError: for a keyword :func:`service_bus_message_payload` does not take.
    """
    from ..bindings.servicebus import ServiceBusMessage

    datum, metadata = service_bus_message_payload(body, **properties)
    message: ServiceBusMessage = decode(
        "serviceBusTrigger", datum, metadata, pytype=ServiceBusMessage
    )
    return message


def service_bus_messages_payload(messages: Sequence[Any]) -> Payload:
    """The Datum and trigger metadata of a Service Bus batch (``cardinality: many``).

    Args:
        messages: bodies, or payloads from :func:`service_bus_message_payload` for messages
            that need their own properties. A plain body ``i`` gets sequence number ``i + 1``.

    Example:
        >>> datum, md = service_bus_messages_payload(["a", "b"])
        >>> datum.type, md["SequenceNumberArray"].value, "UserPropertiesArray" in md
        ('collection_string', [1, 2], True)

    Raises:
        ConversionError: if a value cannot be sent.
    """
    singles = [
        item
        if _is_payload(item)
        else service_bus_message_payload(item, sequence_number=index + 1)
        for index, item in enumerate(messages)
    ]
    return _batch(singles)


def service_bus_messages(messages: Sequence[Any]) -> list[ServiceBusMessage]:
    """A batch of :class:`~azfunc.ServiceBusMessage` decoded by ``serviceBusTrigger``.

    The argument is that of :func:`service_bus_messages_payload`.

    Example:
        >>> from azfunc.testing import service_bus_messages
        >>> [m.get_body() for m in service_bus_messages([b"a", b"b"])]
        [b'a', b'b']

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
    """
    from ..bindings.servicebus import ServiceBusMessage

    datum, metadata = service_bus_messages_payload(messages)
    batch: list[ServiceBusMessage] = decode(
        "serviceBusTrigger", datum, metadata, pytype=list[ServiceBusMessage]
    )
    return batch


# --- Event Grid ------------------------------------------------------------------------


def event_grid_event_payload(
    data: Any = None,
    *,
    id: str | None = None,  # noqa: A002 - the event field's name
    subject: str = "",
    event_type: str = "Test.Event",
    topic: str | None = None,
    event_time: datetime | None = None,
    data_version: str = "1.0",
    metadata_version: str = "1",
) -> Payload:
    """The Datum and trigger metadata of one Event Grid (Event Grid schema) event.

    Args:
        data: the event's ``data`` (any JSON value).
        id: the event id (a fresh UUID by default).
        subject, event_type, topic, data_version, metadata_version: the event fields
            ``subject``, ``eventType``, ``topic``, ``dataVersion``, ``metadataVersion``.
        event_time: the ``eventTime`` (now by default).

    Example:
        >>> datum, md = event_grid_event_payload({"size": 1}, id="e1", subject="/a")
        >>> datum.python_value["id"], datum.python_value["data"], md["data"]
        ('e1', {'size': 1}, <Datum json '{"size":1}'>)

    Raises:
        ConversionError: if ``data`` is not JSON-serialisable.
    """
    event = {
        "id": id if id is not None else str(uuid.uuid4()),
        "topic": topic,
        "subject": subject,
        "eventType": event_type,
        "eventTime": _event_time(event_time),
        "data": data,
        "dataVersion": data_version,
        "metadataVersion": metadata_version,
    }
    return json_datum(event), json_metadata({"data": data})


def event_grid_event(
    data: Any = None,
    *,
    id: str | None = None,  # noqa: A002 - the event field's name
    subject: str = "",
    event_type: str = "Test.Event",
    topic: str | None = None,
    event_time: datetime | None = None,
    data_version: str = "1.0",
    metadata_version: str = "1",
) -> EventGridEvent:
    """An :class:`~azfunc.EventGridEvent` decoded by the ``eventGridTrigger`` converter.

    The arguments are those of :func:`event_grid_event_payload`.

    Example:
        >>> from azfunc.testing import event_grid_event
        >>> event = event_grid_event({"url": "https://x"}, subject="/blobs/a", id="e1")
        >>> event.get_json(), event.subject, event.id
        ({'url': 'https://x'}, '/blobs/a', 'e1')

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
    """
    from ..bindings.eventgrid import EventGridEvent

    datum, metadata = event_grid_event_payload(
        data,
        id=id,
        subject=subject,
        event_type=event_type,
        topic=topic,
        event_time=event_time,
        data_version=data_version,
        metadata_version=metadata_version,
    )
    event: EventGridEvent = decode("eventGridTrigger", datum, metadata, pytype=EventGridEvent)
    return event


def cloud_event_payload(
    data: Any = None,
    *,
    id: str | None = None,  # noqa: A002 - the CloudEvents attribute's name
    source: str = "/azfunc/testing",
    type: str = "Test.Event",  # noqa: A002 - the CloudEvents attribute's name
    subject: str | None = None,
    time: datetime | None = None,
    datacontenttype: str | None = "application/json",
    dataschema: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Payload:
    """The Datum and trigger metadata of one CloudEvent (CloudEvents 1.0 JSON format).

    Args:
        data: the event's ``data`` (any JSON value).
        id: the event id (a fresh UUID by default).
        source, type, subject, datacontenttype, dataschema: the attributes of those
            names (``None`` leaves an optional attribute out).
        time: the ``time`` attribute (now by default).
        extensions: extension attributes, written at the top level of the event.

    Example:
        >>> datum, _ = cloud_event_payload({"k": "v"}, id="c1", type="x.y")
        >>> event = datum.python_value
        >>> event["specversion"], event["type"], event["data"]
        ('1.0', 'x.y', {'k': 'v'})

    Raises:
        ConversionError: if a value is not JSON-serialisable.
    """
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": id if id is not None else str(uuid.uuid4()),
        "source": source,
        "type": type,
        "time": _event_time(time),
    }
    optional = {
        "subject": subject,
        "datacontenttype": datacontenttype,
        "dataschema": dataschema,
    }
    event.update({key: value for key, value in optional.items() if value is not None})
    event.update(extensions or {})
    event["data"] = data
    return json_datum(event), json_metadata({"data": data})


def cloud_event(
    data: Any = None,
    *,
    id: str | None = None,  # noqa: A002 - the CloudEvents attribute's name
    source: str = "/azfunc/testing",
    type: str = "Test.Event",  # noqa: A002 - the CloudEvents attribute's name
    subject: str | None = None,
    time: datetime | None = None,
    datacontenttype: str | None = "application/json",
    dataschema: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> CloudEvent:
    """A :class:`~azfunc.CloudEvent` decoded by the ``eventGridTrigger`` converter.

    The arguments are those of :func:`cloud_event_payload`.

    Example:
        >>> from azfunc.testing import cloud_event
        >>> event = cloud_event({"k": "v"}, id="c1", source="/src", type="x.y")
        >>> event.get_json(), event.id, event.source, event.type
        ({'k': 'v'}, 'c1', '/src', 'x.y')

    Raises:
        ConversionError: if a value cannot be sent or the converter rejects the payload.
    """
    from ..bindings.eventgrid import CloudEvent

    datum, metadata = cloud_event_payload(
        data,
        id=id,
        source=source,
        type=type,
        subject=subject,
        time=time,
        datacontenttype=datacontenttype,
        dataschema=dataschema,
        extensions=extensions,
    )
    event: CloudEvent = decode("eventGridTrigger", datum, metadata, pytype=CloudEvent)
    return event


# --- helpers --------------------------------------------------------------------------


def _event_time(value: datetime | None) -> str:
    # Event Grid writes UTC times with a "Z" and up to 7 fractional digits.
    return net_datetime(value or utcnow(), zone=False) + "Z"


def _number_or_text(value: int | str) -> int | str:
    if isinstance(value, int) or not _INTEGER.fullmatch(value):
        return value
    return int(value)


def _is_payload(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], Datum)
        and isinstance(item[1], Mapping)
    )


def _batch(singles: Sequence[Payload]) -> Payload:
    bodies = [datum for datum, _ in singles]
    kinds = {datum.type for datum in bodies}
    if kinds <= {"bytes"} and bodies:
        data = Datum([datum.value for datum in bodies], "collection_bytes")
    elif kinds == {"string"}:
        data = Datum([datum.value for datum in bodies], "collection_string")
    else:
        if "bytes" in kinds:
            raise ConversionError(
                "a batch mixes bytes bodies with other kinds; the host sends a batch either "
                "as bytes, as strings or as one JSON array"
            )
        data = json_datum([datum.python_value for datum in bodies])

    keys: list[str] = []
    for _, metadata in singles:
        keys.extend(key for key in metadata if key not in keys)
    out: dict[str, Datum] = {}
    for key in keys:
        if key in _BATCH_KEYS:
            out[key] = next(md[key] for _, md in singles if key in md)
            continue
        column = [md.get(key) for _, md in singles]
        present = [datum for datum in column if datum is not None]
        if all(datum.type == "string" for datum in present):
            out[key + "Array"] = Datum([datum.value for datum in present], "collection_string")
        elif key in _SINT64_KEYS:
            out[key + "Array"] = Datum([int(d.python_value) for d in present], "collection_sint64")
        else:
            values = [None if d is None else d.python_value for d in column]
            if key == "Offset":
                out[key + "Array"] = Datum([str(v) for v in values if v is not None],
                                           "collection_string")
            else:
                out[key + "Array"] = json_datum(values)
    return data, out
