"""Kafka events: the ``kafkaTrigger`` input and the ``kafka`` output.

Rules this module keeps:

* :class:`KafkaEvent` is keyword-constructible with defaults: ``body``, ``key``, ``offset``,
  ``partition``, ``topic``, ``timestamp`` (text, as the extension sends it; parsed form in
  :attr:`KafkaEvent.timestamp_utc`), ``headers`` (a list of ``{"Key": ..., "Value": ...}``
  objects as the extension sends them) and ``trigger_metadata``.
* Single-event metadata: ``Key``, ``Offset``, ``Partition``, ``Topic``, ``Timestamp``,
  ``Headers``. Batches use ``KeyArray``, ``OffsetArray``, ``PartitionArray``, ``TopicArray``,
  ``TimestampArray`` and ``HeadersArray``, each trusted positionally only when its length
  equals the batch (see :mod:`azfunc.bindings._batchmeta`); otherwise that field is ``None``.
* The ``kafka`` output sends ``str`` and ``bytes`` as they are, and a :class:`KafkaEvent` as
  the JSON object the Kafka extension reads for an event with a key and headers:
  ``{"Key": ..., "Value": <body as UTF-8 text>, "Headers": [{"Key": ..., "Value": ...}]}``
  (unset members left out). A list of these is a JSON array: one Kafka record per item.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from .._body import decode_json_body
from .._metadata import (
    metadata_int,
    metadata_list,
    metadata_str,
    raw_metadata,
    to_int,
    to_text,
)
from .._registry import Converter
from .._timeparse import parse_datetime
from ._batchmeta import SharedMetadata, positional
from ._bodies import utf8_text
from ._cardinality import annotation_allows
from ._encode import MessageOutputConverter, dumps_json
from ._trigger import BatchTriggerConverter
from ._value import BindingValue, body_bytes

__all__ = [
    "CONVERTERS",
    "KafkaConverter",
    "KafkaEvent",
    "KafkaOutputConverter",
    "KafkaTriggerConverter",
]

_SINGLE_KEYS: Final = ("Offset", "Partition", "Topic", "Key", "Timestamp")


class KafkaEvent(BindingValue):
    """One Kafka record.

    Example:
        >>> ev = KafkaEvent(body=b'{"v": 1}', key="k1", partition=0, offset=42, topic="t",
        ...                 timestamp="2022-04-09T03:20:06.591Z")
        >>> ev.get_json(), ev.key, ev.timestamp_utc.year
        ({'v': 1}, 'k1', 2022)
        >>> ev.to_json()
        '{"Key": "k1", "Value": "{\\\\"v\\\\": 1}"}'

    Raises:
        ArgumentTypeError: if ``body`` is not ``bytes`` or ``str``.
    """

    __slots__ = (
        "_metadata",
        "_shared",
        "body",
        "headers",
        "key",
        "offset",
        "partition",
        "timestamp",
        "topic",
        "trigger_metadata",
    )
    _compare = ("body", "key", "offset", "partition", "topic", "timestamp", "headers")

    body: bytes
    trigger_metadata: Mapping[str, Any] | None
    key: str | None
    offset: int | None
    partition: int | None
    topic: str | None
    timestamp: str | None
    headers: list[Any] | None

    def __init__(
        self,
        *,
        body: bytes | str = b"",
        trigger_metadata: Mapping[str, Any] | None = None,
        key: str | None = None,
        offset: int | None = None,
        partition: int | None = None,
        topic: str | None = None,
        timestamp: str | None = None,
        headers: list[Any] | None = None,
    ) -> None:
        self.body = body_bytes(body, "KafkaEvent")
        self.trigger_metadata = trigger_metadata
        self.key = key
        self.offset = offset
        self.partition = partition
        self.topic = topic
        self.timestamp = timestamp
        self.headers = headers
        self._metadata: dict[str, Any] | None = None
        self._shared: SharedMetadata | None = None

    def get_body(self) -> bytes:
        """The record value, exactly as it arrived."""
        return self.body

    def get_json(self) -> Any:
        """The record value parsed as JSON (UTF-8).

        Raises:
            BodyDecodeError: if the value is empty, not UTF-8 or not JSON.
        """
        return decode_json_body(self.get_body())

    @property
    def timestamp_utc(self) -> datetime | None:
        """:attr:`timestamp` parsed as an aware UTC datetime, or ``None``."""
        return parse_datetime(self.timestamp)

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The trigger metadata as plain Python values, or ``None`` when there was none.

        In a batch each event reports the batch-wide keys plus its own values.
        """
        if self._metadata is None:
            if self.trigger_metadata is not None:
                self._metadata = raw_metadata(self.trigger_metadata)
            elif self._shared is not None:
                own = {
                    "Key": self.key,
                    "Offset": self.offset,
                    "Partition": self.partition,
                    "Topic": self.topic,
                    "Timestamp": self.timestamp,
                    "Headers": self.headers,
                }
                self._metadata = self._shared.with_own(own)
        return self._metadata

    def to_dict(self) -> dict[str, Any]:
        """The JSON object the ``kafka`` output sends for this event.

        Raises:
            ConversionError: if the body is not UTF-8 text.
        """
        out: dict[str, Any] = {}
        if self.key is not None:
            out["Key"] = self.key
        out["Value"] = utf8_text(_OUTPUT, self.get_body(), "KafkaEvent bodies")
        if self.headers:
            out["Headers"] = list(self.headers)
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if the body is not UTF-8 text or a header is not JSON.
        """
        return dumps_json(_OUTPUT, self.to_dict(), what="KafkaEvent")


def _headers(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    return None


class KafkaTriggerConverter(BatchTriggerConverter):
    """Decodes ``kafkaTrigger`` payloads into :class:`KafkaEvent` (one or a list).

    Example:
        >>> from azfunc._datum import Datum
        >>> ev = KafkaTriggerConverter().decode(Datum("hi", "string"), trigger_metadata={
        ...     "Offset": Datum("42", "json"), "Topic": Datum("t", "string")})
        >>> ev.offset, ev.topic, ev.get_body()
        (42, 't', b'hi')
    """

    binding = "kafkaTrigger"
    item_type = KafkaEvent
    single_keys = _SINGLE_KEYS

    def _decode_one(self, body: bytes, md: Mapping[str, Any] | None) -> KafkaEvent:
        return KafkaEvent(
            body=body,
            trigger_metadata=md,
            key=metadata_str(md, "Key"),
            offset=metadata_int(md, "Offset"),
            partition=metadata_int(md, "Partition"),
            topic=metadata_str(md, "Topic"),
            timestamp=metadata_str(md, "Timestamp"),
            headers=metadata_list(md, "Headers"),
        )

    def _decode_many(self, bodies: list[bytes], md: Mapping[str, Any] | None) -> list[KafkaEvent]:
        n = len(bodies)
        keys = positional(md, "KeyArray", n)
        offsets = positional(md, "OffsetArray", n)
        partitions = positional(md, "PartitionArray", n)
        topics = positional(md, "TopicArray", n)
        stamps = positional(md, "TimestampArray", n)
        headers = positional(md, "HeadersArray", n)
        shared = SharedMetadata(md)
        events: list[KafkaEvent] = []
        for i, body in enumerate(bodies):
            ev = KafkaEvent(
                body=body,
                key=to_text(keys[i]) if keys is not None else None,
                offset=to_int(offsets[i]) if offsets is not None else None,
                partition=to_int(partitions[i]) if partitions is not None else None,
                topic=to_text(topics[i]) if topics is not None else None,
                timestamp=to_text(stamps[i]) if stamps is not None else None,
                headers=_headers(headers[i]) if headers is not None else None,
            )
            ev._shared = shared
            events.append(ev)
        return events


class KafkaOutputConverter(MessageOutputConverter):
    """Encodes values for the ``kafka`` output binding.

    Example:
        >>> KafkaOutputConverter().encode(KafkaEvent(body="v", key="k"))
        <Datum string '{"Key": "k", "Value": "v"}'>
    """

    binding = "kafka"
    accepted = "str, bytes, KafkaEvent or a list of those"
    message_types = (KafkaEvent,)
    object_kind = "string"

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``KafkaEvent`` or a list of those."""
        return annotation_allows(pytype, (str, bytes, KafkaEvent))

    def list_item(self, item: Any) -> Any:
        """An event as its JSON object, bytes as UTF-8 text, ``str``/``dict`` as they are.

        Raises:
            ConversionError: for a non-UTF-8 body or any other item.
        """
        if isinstance(item, KafkaEvent):
            return item.to_dict()
        if isinstance(item, str):
            return item
        if isinstance(item, (bytes, bytearray)):
            return utf8_text(self, bytes(item), "bytes items")
        if isinstance(item, dict):
            return item
        raise self.unsupported_value(item, self.accepted)


_OUTPUT: Final = KafkaOutputConverter()

CONVERTERS: Final[dict[str, Converter]] = {
    "kafkaTrigger": KafkaTriggerConverter(),
    "kafka": _OUTPUT,
}


#: azure-functions' name for the ``kafka`` (output) binding's converter.
KafkaConverter = KafkaOutputConverter
