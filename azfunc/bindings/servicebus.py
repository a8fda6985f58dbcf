"""Service Bus messages: the ``serviceBusTrigger`` input and the ``serviceBus`` output.

Rules this module keeps:

* :class:`ServiceBusMessage` takes every property the trigger provides as a keyword with a
  default; naive datetimes are read as UTC. ``subject`` and ``label`` (its old name) mirror
  each other, as do ``application_properties`` and ``user_properties``, when only one is set.
* Trigger metadata is read by the tolerant readers of :mod:`azfunc._metadata`: times with
  offsets, 7 fractional digits or no zone all parse; ``TimeToLive`` accepts .NET TimeSpan
  text and ISO 8601 durations; an unreadable value gives ``None``, never an exception.
* Cardinality follows :func:`azfunc.bindings._cardinality.decide_cardinality`. In a batch each
  ``<Name>Array`` metadata key is used positionally only when its length equals the batch
  (the host drops null strings from collections, so a short ``SessionIdArray`` leaves every
  session id ``None`` instead of shifting them). Each message keeps only its own values plus
  the shared batch-wide keys.
* The ``serviceBus`` output encodes ``str`` (string), ``bytes`` (bytes), ``dict``/``list``
  (JSON), :class:`ServiceBusOutputMessage` and lists of any of these (a JSON array: one
  message per item). A :class:`ServiceBusOutputMessage` is sent as the JSON object of
  :meth:`ServiceBusOutputMessage.to_dict`: the property names of the .NET
  ``Azure.Messaging.ServiceBus.ServiceBusMessage`` (``Body``, ``MessageId``, ``SessionId``,
  ``CorrelationId``, ``ContentType``, ``Subject``, ``ApplicationProperties``,
  ``ScheduledEnqueueTime`` as ISO 8601, ``TimeToLive`` as a .NET TimeSpan ``d.hh:mm:ss.fffffff``),
  with ``Body`` as text (or base64 with ``"BodyEncoding": "base64"`` for non-UTF-8 bytes).
  Note: Service Bus extensions up to 5.x deliver such an object as the JSON *body* of the
  message and do not map its properties; a custom handler or a host that maps them reads
  exactly this shape, and :meth:`ServiceBusOutputMessage.from_dict` reads it back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final

from .._body import charset_from_content_type, decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError, ConversionError
from .._metadata import (
    metadata_datetime,
    metadata_dict,
    metadata_duration,
    metadata_int,
    metadata_str,
    raw_metadata,
    to_int,
    to_text,
)
from .._registry import Converter
from .._timeparse import format_datetime, parse_datetime, parse_duration
from ._batchmeta import SharedMetadata, positional
from ._cardinality import annotation_allows
from ._encode import MessageOutputConverter, dumps_json
from ._trigger import BatchTriggerConverter
from ._value import BindingValue, body_bytes, json_safe, json_text

__all__ = [
    "CONVERTERS",
    "ServiceBusMessage",
    "ServiceBusOutputConverter",
    "ServiceBusOutputMessage",
    "ServiceBusTriggerConverter",
]

_SINGLE_KEYS: Final = (
    "MessageId",
    "UserProperties",
    "ApplicationProperties",
    "SequenceNumber",
    "DeliveryCount",
    "LockToken",
    "EnqueuedTimeUtc",
)

#: attribute -> (metadata key, kind); the one table both decoders read.
_FIELDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("message_id", "MessageId", "str"),
    ("session_id", "SessionId", "str"),
    ("content_type", "ContentType", "str"),
    ("correlation_id", "CorrelationId", "str"),
    ("delivery_count", "DeliveryCount", "int"),
    ("enqueued_time_utc", "EnqueuedTimeUtc", "datetime"),
    ("expires_at_utc", "ExpiresAtUtc", "datetime"),
    ("locked_until", "LockedUntil", "datetime"),
    ("lock_token", "LockToken", "str"),
    ("sequence_number", "SequenceNumber", "int"),
    ("enqueued_sequence_number", "EnqueuedSequenceNumber", "int"),
    ("partition_key", "PartitionKey", "str"),
    ("reply_to", "ReplyTo", "str"),
    ("reply_to_session_id", "ReplyToSessionId", "str"),
    ("scheduled_enqueue_time_utc", "ScheduledEnqueueTimeUtc", "datetime"),
    ("time_to_live", "TimeToLive", "duration"),
    ("to", "To", "str"),
    ("subject", "Subject", "str"),
    ("label", "Label", "str"),
    ("dead_letter_source", "DeadLetterSource", "str"),
    ("dead_letter_reason", "DeadLetterReason", "str"),
    ("dead_letter_error_description", "DeadLetterErrorDescription", "str"),
    ("state", "State", "int"),
    ("transaction_partition_key", "TransactionPartitionKey", "str"),
    ("application_properties", "ApplicationProperties", "dict"),
    ("user_properties", "UserProperties", "dict"),
)

_DATETIME_FIELDS: Final = frozenset(a for a, _, k in _FIELDS if k == "datetime")


def _aware(value: datetime | date | None) -> datetime | None:
    """A timezone-aware datetime: naive values are UTC, a ``date`` is its midnight (UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise ArgumentTypeError(
                f"a ServiceBusMessage time must be a datetime or date, got {type(value).__name__}"
            )
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class _MessageBody(BindingValue):
    """The body accessors of both message classes."""

    __slots__ = ()
    body: bytes
    content_type: str | None

    def get_body(self) -> bytes:
        """The message body as bytes, exactly as it arrived for a received message."""
        return self.body

    def get_json(self) -> Any:
        """The body parsed as JSON, in the charset of ``content_type`` (default UTF-8).

        Raises:
            BodyDecodeError: if the body is empty, undecodable or not JSON.
        """
        return decode_json_body(self.body, charset_from_content_type(self.content_type))


class ServiceBusMessage(_MessageBody):
    """A Service Bus message received by a trigger; every property is a keyword.

    Example:
        >>> from datetime import timedelta
        >>> msg = ServiceBusMessage(body='{"n": 1}', message_id="m1", delivery_count=2,
        ...                         time_to_live=timedelta(minutes=5), subject="orders")
        >>> msg.get_json(), msg.message_id, msg.label, msg.time_to_live
        ({'n': 1}, 'm1', 'orders', datetime.timedelta(seconds=300))

    Raises:
        ArgumentTypeError: if ``body`` is not ``bytes`` or ``str``.
    """

    __slots__ = (
        "_metadata",
        "_shared",
        "application_properties",
        "body",
        "content_type",
        "correlation_id",
        "dead_letter_error_description",
        "dead_letter_reason",
        "dead_letter_source",
        "delivery_count",
        "enqueued_sequence_number",
        "enqueued_time_utc",
        "expires_at_utc",
        "force_persistence",
        "label",
        "lock_token",
        "locked_until",
        "message_id",
        "partition_key",
        "reply_to",
        "reply_to_session_id",
        "scheduled_enqueue_time_utc",
        "sequence_number",
        "session_id",
        "state",
        "subject",
        "time_to_live",
        "to",
        "transaction_partition_key",
        "trigger_metadata",
        "user_properties",
    )
    _compare = ("body", *(attr for attr, _, _ in _FIELDS), "force_persistence")

    trigger_metadata: Mapping[str, Any] | None
    message_id: str | None
    session_id: str | None
    content_type: str | None
    correlation_id: str | None
    delivery_count: int | None
    enqueued_time_utc: datetime | None
    expires_at_utc: datetime | None
    locked_until: datetime | None
    lock_token: str | None
    sequence_number: int | None
    enqueued_sequence_number: int | None
    partition_key: str | None
    reply_to: str | None
    reply_to_session_id: str | None
    scheduled_enqueue_time_utc: datetime | None
    time_to_live: timedelta | None
    to: str | None
    subject: str | None
    label: str | None
    dead_letter_source: str | None
    dead_letter_reason: str | None
    dead_letter_error_description: str | None
    state: int | None
    transaction_partition_key: str | None
    application_properties: dict[str, Any]
    user_properties: dict[str, Any]
    force_persistence: bool | None

    def __init__(  # one keyword per broker property, as in azure-functions
        self,
        *,
        body: bytes | str = b"",
        trigger_metadata: Mapping[str, Any] | None = None,
        message_id: str | None = None,
        session_id: str | None = None,
        content_type: str | None = None,
        correlation_id: str | None = None,
        delivery_count: int | None = None,
        enqueued_time_utc: datetime | date | None = None,
        expires_at_utc: datetime | date | None = None,
        locked_until: datetime | date | None = None,
        lock_token: str | None = None,
        sequence_number: int | None = None,
        enqueued_sequence_number: int | None = None,
        partition_key: str | None = None,
        reply_to: str | None = None,
        reply_to_session_id: str | None = None,
        scheduled_enqueue_time_utc: datetime | date | None = None,
        time_to_live: timedelta | None = None,
        to: str | None = None,
        subject: str | None = None,
        label: str | None = None,
        dead_letter_source: str | None = None,
        dead_letter_reason: str | None = None,
        dead_letter_error_description: str | None = None,
        state: int | None = None,
        transaction_partition_key: str | None = None,
        application_properties: dict[str, Any] | None = None,
        user_properties: dict[str, Any] | None = None,
        force_persistence: bool | None = None,
    ) -> None:
        self.body = body_bytes(body, "ServiceBusMessage")
        self.trigger_metadata = trigger_metadata
        self.message_id = message_id
        self.session_id = session_id
        self.content_type = content_type
        self.correlation_id = correlation_id
        self.delivery_count = delivery_count
        self.lock_token = lock_token
        self.sequence_number = sequence_number
        self.enqueued_sequence_number = enqueued_sequence_number
        self.partition_key = partition_key
        self.reply_to = reply_to
        self.reply_to_session_id = reply_to_session_id
        self.time_to_live = time_to_live
        self.to = to
        self.dead_letter_source = dead_letter_source
        self.dead_letter_reason = dead_letter_reason
        self.dead_letter_error_description = dead_letter_error_description
        self.state = state
        self.transaction_partition_key = transaction_partition_key
        self.force_persistence = force_persistence
        self.enqueued_time_utc = _aware(enqueued_time_utc)
        self.expires_at_utc = _aware(expires_at_utc)
        self.locked_until = _aware(locked_until)
        self.scheduled_enqueue_time_utc = _aware(scheduled_enqueue_time_utc)
        self.subject = subject if subject is not None else label
        self.label = label if label is not None else subject
        if application_properties is None and user_properties is not None:
            application_properties = dict(user_properties)
        elif user_properties is None and application_properties is not None:
            user_properties = dict(application_properties)
        # azure-functions' defaults: empty mappings, never None
        self.application_properties = application_properties or {}
        self.user_properties = user_properties or {}
        self._metadata: dict[str, Any] | None = None
        self._shared: SharedMetadata | None = None

    @property
    def expiration_time(self) -> datetime | None:
        """Alias of :attr:`expires_at_utc` (azure-functions name)."""
        return self.expires_at_utc

    @property
    def scheduled_enqueue_time(self) -> datetime | None:
        """Alias of :attr:`scheduled_enqueue_time_utc` (azure-functions name)."""
        return self.scheduled_enqueue_time_utc

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The trigger metadata as plain Python values, or ``None`` when there was none.

        In a batch each message reports the batch-wide keys plus its own values under the
        single-message names (``MessageId``, ``SequenceNumber``...).
        """
        if self._metadata is None:
            if self.trigger_metadata is not None:
                self._metadata = raw_metadata(self.trigger_metadata)
            elif self._shared is not None:
                own = {key: getattr(self, attr) for attr, key, _ in _FIELDS}
                self._metadata = self._shared.with_own(own)
        return self._metadata

    def to_dict(self) -> dict[str, Any]:
        """The message as azure-functions 2.x writes it: ``body`` (UTF-8 text, or
        ``{"__encoding": "base64", "value": ...}``) and every broker property under its
        attribute name, times as ISO-8601 text, ``time_to_live`` as ``str(timedelta)``
        (``"0:05:00"``), ``None`` where unset (``metadata`` is left out)."""
        return {key: json_safe(getattr(self, key)) for key in _TO_DICT_KEYS}

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if a property value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), "ServiceBusMessage")


#: the keys of ``ServiceBusMessage.to_dict``, in azure-functions 2.x's order.
_TO_DICT_KEYS: Final = (
    "body",
    "application_properties",
    "content_type",
    "correlation_id",
    "dead_letter_error_description",
    "dead_letter_reason",
    "dead_letter_source",
    "delivery_count",
    "enqueued_sequence_number",
    "enqueued_time_utc",
    "expires_at_utc",
    "label",
    "locked_until",
    "lock_token",
    "message_id",
    "partition_key",
    "reply_to",
    "reply_to_session_id",
    "scheduled_enqueue_time_utc",
    "sequence_number",
    "session_id",
    "state",
    "subject",
    "time_to_live",
    "to",
    "transaction_partition_key",
    "user_properties",
)


def _format_timespan(value: timedelta) -> str:
    """A timedelta as .NET ``TimeSpan`` text (``[-][d.]hh:mm:ss[.fffffff]``)."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.days:
        text = f"{value.days}.{text}"
    if value.microseconds:
        text += f".{value.microseconds * 10:07d}"
    return sign + text


class ServiceBusOutputMessage(_MessageBody):
    """A message to send through the ``serviceBus`` output, with broker properties.

    Example:
        >>> out = ServiceBusOutputMessage(body="hello", message_id="m1", session_id="s1",
        ...                               application_properties={"kind": "greeting"})
        >>> out.to_dict()["SessionId"], out.get_body()
        ('s1', b'hello')
        >>> ServiceBusOutputMessage.from_dict(out.to_dict()) == out
        True
        >>> out.to_json()[:16]
        '{"Body": "hello"'

    Raises:
        ArgumentTypeError: if ``body`` is not ``bytes`` or ``str``.
    """

    __slots__ = (
        "application_properties",
        "body",
        "content_type",
        "correlation_id",
        "message_id",
        "scheduled_enqueue_time",
        "session_id",
        "subject",
        "time_to_live",
    )
    _compare = (
        "body",
        "message_id",
        "session_id",
        "correlation_id",
        "content_type",
        "subject",
        "application_properties",
        "scheduled_enqueue_time",
        "time_to_live",
    )

    message_id: str | None
    session_id: str | None
    correlation_id: str | None
    subject: str | None
    application_properties: dict[str, Any]
    scheduled_enqueue_time: datetime | None
    time_to_live: timedelta | None

    def __init__(
        self,
        *,
        body: bytes | str = b"",
        message_id: str | None = None,
        session_id: str | None = None,
        correlation_id: str | None = None,
        content_type: str | None = None,
        subject: str | None = None,
        application_properties: Mapping[str, Any] | None = None,
        scheduled_enqueue_time: datetime | None = None,
        time_to_live: timedelta | None = None,
    ) -> None:
        self.body = body_bytes(body, "ServiceBusOutputMessage")
        self.message_id = message_id
        self.session_id = session_id
        self.correlation_id = correlation_id
        self.content_type = content_type
        self.subject = subject
        self.application_properties = dict(application_properties or {})
        self.scheduled_enqueue_time = _aware(scheduled_enqueue_time)
        self.time_to_live = time_to_live

    def to_dict(self) -> dict[str, Any]:
        """The JSON object this message is sent as (see the module notes); unset fields
        are left out."""
        body = self.get_body()
        out: dict[str, Any] = {}
        try:
            out["Body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            out["Body"] = base64.b64encode(body).decode("ascii")
            out["BodyEncoding"] = "base64"
        for key, value in (
            ("MessageId", self.message_id),
            ("SessionId", self.session_id),
            ("CorrelationId", self.correlation_id),
            ("ContentType", self.content_type),
            ("Subject", self.subject),
        ):
            if value is not None:
                out[key] = value
        if self.application_properties:
            out["ApplicationProperties"] = dict(self.application_properties)
        if self.scheduled_enqueue_time is not None:
            out["ScheduledEnqueueTime"] = format_datetime(self.scheduled_enqueue_time)
        if self.time_to_live is not None:
            out["TimeToLive"] = _format_timespan(self.time_to_live)
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if an application property is not JSON-serialisable.
        """
        return dumps_json(_OUTPUT_CONVERTER, self.to_dict(), what="ServiceBusOutputMessage")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceBusOutputMessage:
        """Read back the object :meth:`to_dict` writes.

        Raises:
            ConversionError: if ``data`` is not such an object.
        """
        if not isinstance(data, Mapping):
            raise ConversionError(
                f"a Service Bus output message must be a JSON object, got {type(data).__name__}"
            )
        raw_body = data.get("Body", "")
        if data.get("BodyEncoding") == "base64":
            try:
                body: bytes | str = base64.b64decode(str(raw_body), validate=True)
            except (binascii.Error, ValueError):
                raise ConversionError("the Body of a Service Bus message is not base64") from None
        elif isinstance(raw_body, str):
            body = raw_body
        else:
            body = json.dumps(raw_body)
        props = data.get("ApplicationProperties") or {}
        if not isinstance(props, Mapping):
            raise ConversionError("ApplicationProperties must be a JSON object")
        when = data.get("ScheduledEnqueueTime")
        ttl = data.get("TimeToLive")
        return cls(
            body=body,
            message_id=to_text(data.get("MessageId")),
            session_id=to_text(data.get("SessionId")),
            correlation_id=to_text(data.get("CorrelationId")),
            content_type=to_text(data.get("ContentType")),
            subject=to_text(data.get("Subject")),
            application_properties=dict(props),
            scheduled_enqueue_time=None if when is None else parse_datetime(when),
            time_to_live=None if ttl is None else parse_duration(ttl),
        )


def _coerce(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "str":
        return to_text(value)
    if kind == "int":
        return to_int(value)
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "duration":
        return parse_duration(value)
    return value if isinstance(value, dict) else None


class ServiceBusTriggerConverter(BatchTriggerConverter):
    """Decodes ``serviceBusTrigger`` payloads into :class:`ServiceBusMessage` (one or a list).

    Example:
        >>> msg = ServiceBusTriggerConverter().decode(
        ...     Datum("hi", "string"), trigger_metadata={"MessageId": Datum("m1", "string")})
        >>> msg.message_id, msg.get_body()
        ('m1', b'hi')
    """

    binding = "serviceBusTrigger"
    item_type = ServiceBusMessage
    single_keys = _SINGLE_KEYS

    def decode(
        self,
        datum: Datum | None,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """Decode one message or a batch (a missing Datum is an empty body).

        Raises:
            ConversionError: for a payload kind Service Bus never sends, or when the
                annotation and the payload disagree on cardinality.
        """
        if datum is None:
            datum = Datum(None, "null")
        return super().decode(datum, trigger_metadata=trigger_metadata, pytype=pytype)

    def _decode_one(self, body: bytes, md: Mapping[str, Any] | None) -> ServiceBusMessage:
        readers = {
            "str": metadata_str,
            "int": metadata_int,
            "datetime": metadata_datetime,
            "duration": metadata_duration,
            "dict": metadata_dict,
        }
        values: dict[str, Any] = {attr: readers[kind](md, key) for attr, key, kind in _FIELDS}
        return ServiceBusMessage(body=body, trigger_metadata=md, **values)

    def _decode_many(
        self, bodies: list[bytes], md: Mapping[str, Any] | None
    ) -> list[ServiceBusMessage]:
        n = len(bodies)
        columns = [
            (attr, kind, col)
            for attr, key, kind in _FIELDS
            if (col := positional(md, key + "Array", n)) is not None
        ]
        shared = SharedMetadata(md)
        messages: list[ServiceBusMessage] = []
        for i, body in enumerate(bodies):
            values: dict[str, Any] = {
                attr: _coerce(kind, col[i]) for attr, kind, col in columns
            }
            msg = ServiceBusMessage(body=body, **values)
            msg._shared = shared
            messages.append(msg)
        return messages


class ServiceBusOutputConverter(MessageOutputConverter):
    """Encodes values for the ``serviceBus`` output binding.

    Example:
        >>> ServiceBusOutputConverter().encode(ServiceBusOutputMessage(body="x", subject="s"))
        <Datum json '{"Body": "x", "Subject": "s"}'>
    """

    binding = "serviceBus"
    accepted = "str, bytes, dict, list, ServiceBusOutputMessage or a list of those"
    message_types = (ServiceBusOutputMessage,)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``dict``, ``list``, ``ServiceBusOutputMessage`` or lists."""
        return annotation_allows(pytype, (str, bytes, dict, list, ServiceBusOutputMessage))

    def list_item(self, item: Any) -> Any:
        """A message as its JSON object, UTF-8 bytes as text (other bytes as a message
        object with a base64 body), JSON values as they are.

        Raises:
            ConversionError: for any other item.
        """
        if isinstance(item, ServiceBusOutputMessage):
            return item.to_dict()
        if isinstance(item, (bytes, bytearray)):
            try:
                return bytes(item).decode("utf-8")
            except UnicodeDecodeError:
                return ServiceBusOutputMessage(body=bytes(item)).to_dict()
        if item is None or isinstance(item, (str, dict, list, int, float, bool)):
            return item
        raise self.unsupported_value(item, self.accepted)


CONVERTERS: Final[dict[str, Converter]] = {
    "serviceBusTrigger": ServiceBusTriggerConverter(),
    "serviceBus": ServiceBusOutputConverter(),
}


_OUTPUT_CONVERTER: Final = ServiceBusOutputConverter()
