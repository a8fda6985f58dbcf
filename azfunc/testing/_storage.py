"""Storage and timer factories: queue messages, blobs and timer ticks as the host sends them.

Rules this module keeps:

* Queue trigger metadata follows the Storage extension's binding data: ``Id`` and
  ``PopReceipt`` as ``string``; ``DequeueCount`` and the three times as ``json`` (times as
  ``DateTimeOffset``, ``+00:00``); ``QueueTrigger`` as ``string`` when the body is text.
* Blob trigger metadata: ``BlobTrigger`` (``container/path``) as ``string``; ``Uri``,
  ``Properties`` (v12 names such as ``ContentLength``) and ``Metadata`` as ``json``.
* A timer tick is one ``json`` Datum ``{Schedule, ScheduleStatus: {Last, Next, LastUpdated},
  IsPastDue}``; ``ScheduleStatus`` is ``null`` when schedule monitoring is off.
* Every time not given is derived from one "now" per call, so a payload is self-consistent
  (a queue message expires 7 days after insertion and becomes visible again after 10
  minutes, the defaults of Azure Storage queues).
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .._datum import Datum
from ._wire import Payload, decode, json_datum, net_datetime, string_metadata, utcnow

if TYPE_CHECKING:
    from ..bindings.blob import InputStream
    from ..bindings.queue import QueueMessage
    from ..bindings.timer import TimerRequest

__all__ = [
    "input_stream",
    "input_stream_payload",
    "queue_message",
    "queue_message_payload",
    "timer_request",
    "timer_request_payload",
]

_QUEUE_TTL = timedelta(days=7)
_QUEUE_VISIBILITY = timedelta(minutes=10)
_DEV_STORAGE = "http://127.0.0.1:10000/devstoreaccount1/"


def queue_message_payload(
    body: str | bytes = "",
    *,
    id: str | None = None,  # noqa: A002 - the queue message property's name
    dequeue_count: int = 1,
    insertion_time: datetime | None = None,
    expiration_time: datetime | None = None,
    time_next_visible: datetime | None = None,
    pop_receipt: str | None = None,
) -> Payload:
    """The Datum and trigger metadata of a queue message, as the host sends them.

    Args:
        body: the message content; ``str`` travels as ``string``, ``bytes`` as ``bytes``.
        id: the message id (a fresh UUID by default).
        dequeue_count: how many times the message has been dequeued.
        insertion_time: when the message was added (now by default).
        expiration_time: when it expires (``insertion_time`` + 7 days by default).
        time_next_visible: when it becomes visible again (``insertion_time`` + 10 minutes).
        pop_receipt: the pop receipt (random by default).

    The keywords are named like the :class:`~azfunc.QueueMessage` properties they set.

    Example:
        >>> datum, metadata = queue_message_payload("hi", id="m1", dequeue_count=2)
        >>> datum, metadata["Id"], metadata["DequeueCount"]
        (<Datum string 'hi'>, <Datum string 'm1'>, <Datum json '2'>)

    Raises:
        ConversionError: if ``body`` is neither ``str`` nor ``bytes``.
    """
    inserted = insertion_time or utcnow().replace(microsecond=0)
    datum = _body(body, "queue_message")
    metadata = string_metadata(
        {
            "Id": id if id is not None else str(uuid.uuid4()),
            "PopReceipt": pop_receipt if pop_receipt is not None else _pop_receipt(),
            "QueueTrigger": _as_text(body),
        }
    )
    metadata["DequeueCount"] = json_datum(dequeue_count)
    metadata["InsertionTime"] = json_datum(net_datetime(inserted))
    metadata["ExpirationTime"] = json_datum(
        net_datetime(expiration_time or inserted + _QUEUE_TTL)
    )
    metadata["NextVisibleTime"] = json_datum(
        net_datetime(time_next_visible or inserted + _QUEUE_VISIBILITY)
    )
    return datum, metadata


def queue_message(
    body: str | bytes = "",
    *,
    id: str | None = None,  # noqa: A002 - the queue message property's name
    dequeue_count: int = 1,
    insertion_time: datetime | None = None,
    expiration_time: datetime | None = None,
    time_next_visible: datetime | None = None,
    pop_receipt: str | None = None,
) -> QueueMessage:
    """A :class:`~azfunc.QueueMessage` decoded by the ``queueTrigger`` converter.

    The arguments are those of :func:`queue_message_payload`.

    Example:
        >>> from azfunc.testing import queue_message
        >>> msg = queue_message(b"work", id="m1", dequeue_count=3)
        >>> msg.get_body(), msg.id, msg.dequeue_count
        (b'work', 'm1', 3)

    Raises:
        ConversionError: if ``body`` is neither ``str`` nor ``bytes``, or the converter
            rejects the payload.
    """
    datum, metadata = queue_message_payload(
        body,
        id=id,
        dequeue_count=dequeue_count,
        insertion_time=insertion_time,
        expiration_time=expiration_time,
        time_next_visible=time_next_visible,
        pop_receipt=pop_receipt,
    )
    message: QueueMessage = decode("queueTrigger", datum, metadata)
    return message


def input_stream_payload(
    data: bytes | str = b"",
    *,
    name: str = "samples-workitems/blob.txt",
    uri: str | None = None,
    content_type: str = "application/octet-stream",
    blob_properties: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Payload:
    """The Datum and trigger metadata of a blob, as the host sends them for a blob trigger.

    For a blob *input* binding the host sends the Datum alone.

    Args:
        data: the blob content (``str`` is sent as UTF-8 text).
        name: ``container/path`` of the blob (the ``BlobTrigger`` value).
        uri: the blob URL (the development storage URL of ``name`` by default).
        content_type: the blob's content type, put in ``Properties``.
        blob_properties: more blob properties (v12 names), merged over the defaults
            ``ContentLength``, ``ContentType``, ``CreatedOn`` and ``LastModified``.
        metadata: the blob's user metadata.

    Example:
        >>> datum, md = input_stream_payload(b"abc", name="c/a.txt")
        >>> datum, md["BlobTrigger"], md["Uri"].python_value
        (<Datum bytes b'abc'>, <Datum string 'c/a.txt'>, 'http://127.0.0.1:10000/devstoreaccount1/c/a.txt')

    Raises:
        ConversionError: if ``data`` is neither ``bytes`` nor ``str`` or a property is not
            JSON-serialisable.
    """
    datum = _body(data, "input_stream")
    now = net_datetime(utcnow())
    content = datum.value if datum.type == "bytes" else str(datum.value).encode("utf-8")
    props: dict[str, Any] = {
        "ContentLength": len(content),
        "ContentType": content_type,
        "CreatedOn": now,
        "LastModified": now,
    }
    props.update(blob_properties or {})
    md: dict[str, Datum] = {
        "BlobTrigger": Datum(name, "string"),
        "Uri": json_datum(uri if uri is not None else _DEV_STORAGE + name),
        "Properties": json_datum(props),
        "Metadata": json_datum(dict(metadata or {})),
    }
    return datum, md


def input_stream(
    data: bytes | str = b"",
    *,
    name: str = "samples-workitems/blob.txt",
    uri: str | None = None,
    content_type: str = "application/octet-stream",
    blob_properties: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> InputStream:
    """An :class:`~azfunc.InputStream` decoded by the ``blobTrigger`` converter.

    The arguments are those of :func:`input_stream_payload`.

    Example:
        >>> from azfunc.testing import input_stream
        >>> blob = input_stream(b"hello", name="samples/a.txt", metadata={"k": "v"})
        >>> blob.read(), blob.name, blob.length, blob.metadata
        (b'hello', 'samples/a.txt', 5, {'k': 'v'})

    Raises:
        ConversionError: if an argument cannot be sent or the converter rejects it.
    """
    datum, md = input_stream_payload(
        data,
        name=name,
        uri=uri,
        content_type=content_type,
        blob_properties=blob_properties,
        metadata=metadata,
    )
    stream: InputStream = decode("blobTrigger", datum, md)
    return stream


def timer_request_payload(
    *,
    past_due: bool = False,
    schedule: Mapping[str, Any] | None = None,
    last: datetime | None = None,
    next: datetime | None = None,  # noqa: A002 - the ScheduleStatus field's name
    last_updated: datetime | None = None,
    monitor: bool = True,
) -> Payload:
    """The Datum and trigger metadata of a timer tick, as the host sends them.

    Args:
        past_due: whether the tick is late (``IsPastDue``).
        schedule: the ``Schedule`` object (``{"AdjustForDST": true}`` by default).
        last: the previous occurrence (5 minutes ago by default).
        next: the next occurrence (in 5 minutes by default).
        last_updated: when the schedule status was last written (``last`` by default).
        monitor: ``False`` sends ``ScheduleStatus: null`` (schedule monitoring off).

    Example:
        >>> datum, _ = timer_request_payload(past_due=True, monitor=False)
        >>> datum.python_value
        {'Schedule': {'AdjustForDST': True}, 'ScheduleStatus': None, 'IsPastDue': True}

    Raises:
        ConversionError: if ``schedule`` is not JSON-serialisable.
    """
    now = utcnow().replace(microsecond=0)
    status: dict[str, str] | None = None
    if monitor:
        previous = last or now - timedelta(minutes=5)
        status = {
            "Last": net_datetime(previous),
            "Next": net_datetime(next or now + timedelta(minutes=5)),
            "LastUpdated": net_datetime(last_updated or previous),
        }
    value = {
        "Schedule": dict(schedule) if schedule is not None else {"AdjustForDST": True},
        "ScheduleStatus": status,
        "IsPastDue": past_due,
    }
    tick = now.strftime("%m/%d/%Y %H:%M:%S")
    return json_datum(value), {"TimerTrigger": Datum(tick, "string")}


def timer_request(
    *,
    past_due: bool = False,
    schedule: Mapping[str, Any] | None = None,
    last: datetime | None = None,
    next: datetime | None = None,  # noqa: A002 - the ScheduleStatus field's name
    last_updated: datetime | None = None,
    monitor: bool = True,
) -> TimerRequest:
    """A :class:`~azfunc.TimerRequest` decoded by the ``timerTrigger`` converter.

    The arguments are those of :func:`timer_request_payload`.

    Example:
        >>> from azfunc.testing import timer_request
        >>> timer_request(past_due=True).past_due
        True

    Raises:
        ConversionError: if an argument cannot be sent or the converter rejects it.
    """
    datum, md = timer_request_payload(
        past_due=past_due,
        schedule=schedule,
        last=last,
        next=next,
        last_updated=last_updated,
        monitor=monitor,
    )
    timer: TimerRequest = decode("timerTrigger", datum, md)
    return timer


def _body(body: Any, factory: str) -> Datum:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return Datum(bytes(body), "bytes")
    if isinstance(body, str):
        return Datum(body, "string")
    from .._errors import ConversionError

    raise ConversionError(
        f"{factory}: the body must be str or bytes, got {type(body).__name__}"
    )


def _as_text(body: str | bytes) -> str | None:
    if isinstance(body, str):
        return body
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _pop_receipt() -> str:
    return base64.b64encode(os.urandom(16)).decode("ascii")
