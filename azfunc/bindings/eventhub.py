"""Event Hubs (and IoT Hub) events: the ``eventHubTrigger`` input and the ``eventHub`` output.

Rules this module keeps:

* :class:`EventHubEvent` is concrete and keyword-constructible; every field has a default.
  ``get_body()`` is exactly the bytes that arrived; ``get_json()`` decodes them through
  :func:`azfunc._body.decode_json_body` and raises :class:`~azfunc.BodyDecodeError`.
* Cardinality follows :func:`azfunc.bindings._cardinality.decide_cardinality`: the annotation
  (``EventHubEvent`` vs ``list[EventHubEvent]``) when given, else the payload shape.
* Single-event metadata: ``EnqueuedTimeUtc``, ``SequenceNumber``, ``Offset``,
  ``PartitionKey``, ``Properties``, ``SystemProperties`` (``iothub-*`` entries become
  :attr:`EventHubEvent.iothub_metadata` with the prefix stripped) and ``PartitionContext``.
  Values missing at top level are taken from ``SystemProperties``.
* Batch metadata: each event's values come first from its own ``SystemPropertiesArray``
  entry (which carries ``EnqueuedTimeUtc``, ``SequenceNumber``, ``Offset``, ``PartitionKey``
  and the ``x-opt-*`` annotations), then from ``EnqueuedTimeUtcArray``,
  ``SequenceNumberArray``, ``OffsetArray``, ``PartitionKeyArray`` and ``PropertiesArray`` --
  each array only when its length equals the batch (the host drops null entries from string
  collections, so a short ``PartitionKeyArray`` leaves partition keys ``None`` rather than
  misassigning them).
* Each batch event holds only its own slice of metadata; the batch-wide keys (such as
  ``PartitionContext``) are parsed once and shared. Datetimes are parsed lazily, on first
  access, by the one tolerant parser (:func:`azfunc._timeparse.parse_datetime`), and so is
  ``PropertiesArray``: parsed once for the whole batch when the first event's
  ``properties`` (or ``metadata``, or ``==``) is read.
* The ``eventHub`` output accepts ``str``, ``bytes``, ``dict``/``list`` (JSON),
  :class:`EventHubEvent` (its body) and lists of those (a JSON array: one event per item,
  text items as text, binary items must be UTF-8).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final

from .._body import decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError
from .._metadata import metadata_dict, metadata_value, raw_metadata, to_int, to_text
from .._registry import Converter
from .._timeparse import parse_datetime
from ._batchmeta import SharedMetadata, positional
from ._bodies import utf8_text
from ._cardinality import annotation_allows
from ._encode import MessageOutputConverter
from ._trigger import BatchTriggerConverter
from ._value import BindingValue, json_safe, json_text

__all__ = ["CONVERTERS", "EventHubEvent", "EventHubOutputConverter", "EventHubTriggerConverter"]

_IOTHUB: Final = "iothub-"
_SINGLE_KEYS: Final = ("SystemProperties", "EnqueuedTimeUtc", "SequenceNumber", "Offset")


class EventHubEvent(BindingValue):
    """One Event Hubs (or IoT Hub) event.

    Example:
        >>> from datetime import datetime, timezone
        >>> ev = EventHubEvent(body=b'{"t": 21.5}', sequence_number=47, offset="3696",
        ...                    enqueued_time=datetime(2020, 7, 14, tzinfo=timezone.utc))
        >>> ev.get_json(), ev.sequence_number, ev.offset
        ({'t': 21.5}, 47, '3696')
        >>> EventHubEvent(system_properties={"iothub-connection-device-id": "d1"}).iothub_metadata
        {'connection-device-id': 'd1'}
    """

    __slots__ = (
        "_body",
        "_enqueued_raw",
        "_enqueued_time",
        "_iothub_metadata",
        "_metadata",
        "_offset",
        "_partition_key",
        "_pending",
        "_properties",
        "_sequence_number",
        "_shared",
        "_system_properties",
        "_trigger_metadata",
    )

    def __init__(
        self,
        *,
        body: bytes | str = b"",
        trigger_metadata: Mapping[str, Any] | None = None,
        enqueued_time: datetime | None = None,
        partition_key: str | None = None,
        sequence_number: int | None = None,
        offset: str | None = None,
        iothub_metadata: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        system_properties: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            raise ArgumentTypeError(
                f"EventHubEvent body must be bytes or str, got {type(body).__name__}"
            )
        if enqueued_time is not None and enqueued_time.tzinfo is None:
            enqueued_time = enqueued_time.replace(tzinfo=timezone.utc)
        self._body: bytes = body
        self._trigger_metadata = trigger_metadata
        self._enqueued_time: datetime | None = enqueued_time
        #: the host's enqueued-time value until :attr:`enqueued_time` parses it (then None)
        self._enqueued_raw: object = None
        self._partition_key = partition_key
        self._sequence_number = sequence_number
        self._offset = None if offset is None else str(offset)
        self._iothub_metadata: dict[str, Any] | None = (
            None if iothub_metadata is None else dict(iothub_metadata)
        )
        self._properties: dict[str, Any] | None = None if properties is None else dict(properties)
        #: in a batch, this event's position in the not yet parsed PropertiesArray (else -1)
        self._pending = -1
        self._system_properties: dict[str, Any] | None = (
            None if system_properties is None else dict(system_properties)
        )
        self._metadata: dict[str, Any] | None = None
        self._shared: SharedMetadata | None = None

    def get_body(self) -> bytes:
        """The event body, exactly as it arrived."""
        return self._body

    def get_json(self) -> Any:
        """The body parsed as JSON (UTF-8).

        Raises:
            BodyDecodeError: if the body is empty, not UTF-8 or not JSON.
        """
        return decode_json_body(self._body)

    @property
    def enqueued_time(self) -> datetime | None:
        """When the event was enqueued, timezone-aware (UTC), or ``None``."""
        raw = self._enqueued_raw
        if raw is not None:
            self._enqueued_time = parse_datetime(raw)
            self._enqueued_raw = None
        return self._enqueued_time

    @property
    def partition_key(self) -> str | None:
        """The partition key the sender set, or ``None``."""
        return self._partition_key

    @property
    def sequence_number(self) -> int | None:
        """The event's sequence number in its partition."""
        return self._sequence_number

    @property
    def offset(self) -> str | None:
        """The event's offset in its partition, as text."""
        return self._offset

    @property
    def properties(self) -> dict[str, Any]:
        """The application properties the sender set (empty when none)."""
        props = self._properties
        if props is None:
            props = self._properties = self._own_properties() or {}
        return props

    def _own_properties(self) -> dict[str, Any] | None:
        """The properties as the host sent them: for a batch event, its entry of the
        batch's ``PropertiesArray`` (parsed for the whole batch on the first read), or None
        when that entry is not an object."""
        index = self._pending
        if index >= 0:
            self._pending = -1
            shared = self._shared
            found = None if shared is None else shared.item("PropertiesArray", index)
            self._properties = found if isinstance(found, dict) else None
        return self._properties

    @property
    def system_properties(self) -> dict[str, Any]:
        """The broker's system properties (``x-opt-*``, ``iothub-*``...); empty when none."""
        if self._system_properties is None:
            self._system_properties = {}
        return self._system_properties

    @property
    def iothub_metadata(self) -> dict[str, Any] | None:
        """The ``iothub-*`` system properties with the prefix stripped, or ``None``."""
        if self._iothub_metadata is None and self._system_properties:
            found = _iothub_from(self._system_properties)
            self._iothub_metadata = found or None
        return self._iothub_metadata

    @property
    def partition_context(self) -> dict[str, Any] | None:
        """The ``PartitionContext`` metadata (consumer group, partition id...), or ``None``.

        Its content depends on the Event Hubs extension version; treat it as opaque.
        """
        found = (self.metadata or {}).get("PartitionContext")
        return found if isinstance(found, dict) else None

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The trigger metadata as plain Python values, or ``None`` when there was none.

        In a batch each event reports the batch-wide keys plus its own values under the
        single-event names (``SequenceNumber``, ``SystemProperties``...), never other
        events' values.
        """
        if self._metadata is None:
            if self._trigger_metadata is not None:
                self._metadata = raw_metadata(self._trigger_metadata)
            elif self._shared is not None:
                own = {
                    "EnqueuedTimeUtc": self._enqueued_time
                    if self._enqueued_raw is None
                    else self._enqueued_raw,
                    "SequenceNumber": self._sequence_number,
                    "Offset": self._offset,
                    "PartitionKey": self._partition_key,
                    "Properties": self._own_properties(),
                    "SystemProperties": self._system_properties,
                }
                self._metadata = self._shared.with_own(own)
        return self._metadata

    def to_dict(self) -> dict[str, Any]:
        """The event as azure-functions 2.x writes it: ``body`` (UTF-8 text, or
        ``{"__encoding": "base64", "value": ...}``), ``partition_key``, ``sequence_number``,
        ``offset``, ``enqueued_time`` (ISO-8601) and ``iothub_metadata`` (``None`` when
        empty)."""
        iothub = self.iothub_metadata
        return {
            "body": json_safe(self._body),
            "partition_key": self._partition_key,
            "sequence_number": self._sequence_number,
            "offset": self._offset,
            "enqueued_time": json_safe(self.enqueued_time),
            "iothub_metadata": json_safe(iothub) if iothub else None,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if an IoT Hub value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), "EventHubEvent")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventHubEvent):
            return NotImplemented
        return (
            self._body == other._body
            and self.enqueued_time == other.enqueued_time
            and self._partition_key == other._partition_key
            and self._sequence_number == other._sequence_number
            and self._offset == other._offset
            and self.properties == other.properties
            and self.system_properties == other.system_properties
        )

    def __repr__(self) -> str:
        return (
            f"<EventHubEvent partition_key={self._partition_key!r} "
            f"sequence_number={self._sequence_number!r} offset={self._offset!r} "
            f"enqueued_time={self.enqueued_time!r} body={len(self._body)} bytes>"
        )


def _iothub_from(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k[len(_IOTHUB) :]: v for k, v in mapping.items() if k.startswith(_IOTHUB)}


class EventHubTriggerConverter(BatchTriggerConverter):
    """Decodes ``eventHubTrigger`` payloads into :class:`EventHubEvent` (one or a list).

    Example:
        >>> conv = EventHubTriggerConverter()
        >>> conv.decode(Datum(b"hi", "bytes"), trigger_metadata={
        ...     "SequenceNumber": Datum("47", "json")}).sequence_number
        47
    """

    binding = "eventHubTrigger"
    item_type = EventHubEvent
    single_keys = _SINGLE_KEYS

    def _decode_one(self, body: bytes, md: Mapping[str, Any] | None) -> EventHubEvent:
        system = metadata_dict(md, "SystemProperties") or {}

        def pick(*keys: str) -> Any:
            value = metadata_value(md, keys[0])
            if value is not None:
                return value
            for key in keys:
                if system.get(key) is not None:
                    return system[key]
            return None

        iothub = {
            key[len(_IOTHUB) :]: to_text(metadata_value(md, key))
            for key in (md or {})
            if isinstance(key, str) and key.startswith(_IOTHUB)
        } or _iothub_from(system)
        event = EventHubEvent(
            body=body,
            trigger_metadata=md,
            enqueued_time=None,
            partition_key=to_text(pick("PartitionKey", "x-opt-partition-key")),
            sequence_number=to_int(pick("SequenceNumber", "x-opt-sequence-number")),
            offset=to_text(pick("Offset", "x-opt-offset")),
            iothub_metadata=iothub or None,
            properties=metadata_dict(md, "Properties"),
            system_properties=system,
        )
        raw_time = pick("EnqueuedTimeUtc", "x-opt-enqueued-time")
        if raw_time is not None:
            event._enqueued_raw = raw_time
        return event

    def _decode_many(
        self, bodies: list[bytes], md: Mapping[str, Any] | None
    ) -> list[EventHubEvent]:
        n = len(bodies)
        system = positional(md, "SystemPropertiesArray", n)
        times = positional(md, "EnqueuedTimeUtcArray", n)
        seqs = positional(md, "SequenceNumberArray", n)
        offsets = positional(md, "OffsetArray", n)
        keys = positional(md, "PartitionKeyArray", n)
        shared = SharedMetadata(md, count=n)
        # The per-event rules of the module docstring, each event's slots filled inline
        # (no constructor call). PropertiesArray is not parsed here: each event keeps its
        # position and the first ``properties`` read of any event parses it for the batch.
        has_props = md is not None and "PropertiesArray" in md
        new = EventHubEvent.__new__
        events: list[EventHubEvent] = []
        append = events.append
        for i, body in enumerate(bodies):
            sp = system[i] if system is not None else None
            if type(sp) is dict or isinstance(sp, dict):
                enq = sp.get("EnqueuedTimeUtc")
                if enq is None:
                    enq = sp.get("x-opt-enqueued-time")
                seq = sp.get("SequenceNumber")
                if seq is None:
                    seq = sp.get("x-opt-sequence-number")
                off = sp.get("Offset")
                if off is None:
                    off = sp.get("x-opt-offset")
                if "PartitionKey" in sp or "x-opt-partition-key" in sp:
                    pk = sp.get("PartitionKey") or sp.get("x-opt-partition-key")
                else:
                    pk = keys[i] if keys is not None else None
            else:
                sp = None
                enq = seq = off = None
                pk = keys[i] if keys is not None else None
            if enq is None and times is not None:
                enq = times[i]
            if seq is None and seqs is not None:
                seq = seqs[i]
            if off is None and offsets is not None:
                off = offsets[i]
            ev = new(EventHubEvent)
            ev._body = body
            ev._trigger_metadata = None
            ev._enqueued_time = None
            ev._enqueued_raw = enq
            ev._partition_key = pk if pk is None or type(pk) is str else to_text(pk)
            ev._sequence_number = seq if type(seq) is int else to_int(seq)
            ev._offset = off if type(off) is str else to_text(off)
            ev._iothub_metadata = None
            ev._properties = None
            ev._pending = i if has_props else -1
            ev._system_properties = sp
            ev._metadata = None
            ev._shared = shared
            append(ev)
        return events


class EventHubOutputConverter(MessageOutputConverter):
    """Encodes values for the ``eventHub`` output binding.

    Example:
        >>> EventHubOutputConverter().encode(["a", {"b": 1}])
        <Datum json '["a", {"b": 1}]'>
    """

    binding = "eventHub"
    accepted = "str, bytes, dict, list, EventHubEvent or a list of those"
    message_types = (EventHubEvent,)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``dict``, ``list``, ``EventHubEvent`` or a list of those."""
        return annotation_allows(pytype, (str, bytes, dict, list, EventHubEvent))

    def encode_message(self, message: Any) -> Datum:
        """An :class:`EventHubEvent` is sent as its body."""
        return Datum(message.get_body(), "bytes")

    def list_item(self, item: Any) -> Any:
        """Text as it is, bytes and event bodies as UTF-8 text, JSON values as they are.

        Raises:
            ConversionError: for a non-UTF-8 body or any other item.
        """
        if isinstance(item, str):
            return item
        if isinstance(item, (bytes, bytearray)):
            return utf8_text(self, bytes(item), "bytes items")
        if isinstance(item, EventHubEvent):
            return utf8_text(self, item.get_body(), "EventHubEvent bodies")
        if isinstance(item, (dict, list, int, float, bool)) or item is None:
            return item
        raise self.unsupported_value(item, self.accepted)

    def encode_other(self, obj: Any) -> Datum | None:
        """A number is one JSON message.

        Raises:
            ConversionError: for any other value.
        """
        if isinstance(obj, (int, float)) and not isinstance(obj, bool):
            return Datum(self.dumps(obj), "json")
        raise self.unsupported_value(obj, self.accepted)


CONVERTERS: Final[dict[str, Converter]] = {
    "eventHubTrigger": EventHubTriggerConverter(),
    "eventHub": EventHubOutputConverter(),
}
