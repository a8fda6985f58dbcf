"""Azure Storage queues: ``QueueMessage`` and the ``queueTrigger`` / ``queue`` converters.

Rules this module keeps:

* ``QueueMessage`` is concrete and every property is a keyword of its constructor. The body is
  bytes (a ``str`` body is UTF-8 encoded); ``get_json()`` decodes it with the one body decoder
  and raises :class:`~azfunc.BodyDecodeError`.
* Times are aware UTC datetimes. The constructor parses ``str`` values (and raises
  :class:`~azfunc.ConversionError` for text it cannot read); a decoded trigger keeps its
  metadata and reads each typed property on first access, with the never-raise rules of
  :mod:`azfunc._metadata` (an unreadable field is ``None``, its raw value in ``metadata``).
* Trigger bodies come from ``string``, ``bytes``/``stream`` and ``json`` Datums (the JSON text
  is the body, except that a JSON *string* is unwrapped once: custom handlers receive the
  message JSON-encoded a second time). A parameter annotated ``str`` or ``bytes`` gets the
  body in that form.
* Output: ``str`` -> ``string``; ``bytes``-like -> ``bytes``; a ``QueueMessage`` -> its body
  (``string`` when it is UTF-8 text, else ``bytes``); a ``dict`` -> one JSON message. A
  ``list``/``tuple`` (or other iterable) is *several messages*, sent as a ``json`` Datum
  holding an array: ``str`` items stay strings, ``bytes`` items and ``QueueMessage`` bodies
  must be UTF-8 text (JSON cannot carry raw bytes; a non-UTF-8 item raises rather than being
  silently re-encoded), ``dict``/``list`` items are JSON messages. ``None`` sends nothing.
"""

from __future__ import annotations

import enum
import json
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from .._body import decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError, ConversionError
from .._metadata import (
    metadata_datetime,
    metadata_int,
    metadata_str,
    raw_metadata,
)
from .._registry import Converter
from .._timeparse import parse_datetime
from .._typing import is_class_of, unwrap_optional
from ._encode import MessageOutputConverter, dumps_json
from ._trigger import ClassTriggerConverter
from ._value import BindingValue, json_safe, json_text

__all__ = ["CONVERTERS", "QueueMessage", "QueueTriggerConverter", "QueueOutputConverter"]


class _Unset(enum.Enum):
    UNSET = 0


_UNSET: Final = _Unset.UNSET

_BODY_KINDS: Final = ("string", "bytes", "stream", "json")


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise ArgumentTypeError(f"a QueueMessage body must be str or bytes, got {type(body).__name__}")


def _time_arg(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ConversionError(f"QueueMessage {name}={value!r} is not a datetime azfunc can read")
    return parsed


class QueueMessage(BindingValue):
    """A storage queue message.

    Example:
        >>> msg = QueueMessage(body=b'{"n": 1}', id="abc", dequeue_count=2,
        ...                    insertion_time="2019-10-09T17:58:31+00:00")
        >>> msg.get_body(), msg.get_json(), msg.dequeue_count
        (b'{"n": 1}', {'n': 1}, 2)
        >>> msg.insertion_time.isoformat()
        '2019-10-09T17:58:31+00:00'

    Raises:
        ArgumentTypeError: if ``body`` is not str/bytes or ``dequeue_count`` is not an int.
        ConversionError: if a time is text that cannot be read.
    """

    __slots__ = (
        "_body",
        "_dequeue_count",
        "_expiration_time",
        "_id",
        "_insertion_time",
        "_metadata",
        "_pop_receipt",
        "_time_next_visible",
        "_trigger_metadata",
    )

    def __init__(
        self,
        *,
        id: str | None = None,  # noqa: A002 - the azure-functions keyword
        body: str | bytes | None = None,
        pop_receipt: str | None = None,
        dequeue_count: int | None = None,
        expiration_time: datetime | str | None = None,
        insertion_time: datetime | str | None = None,
        time_next_visible: datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if dequeue_count is not None and (
            not isinstance(dequeue_count, int) or isinstance(dequeue_count, bool)
        ):
            raise ArgumentTypeError(
                f"QueueMessage dequeue_count must be an int, got {type(dequeue_count).__name__}"
            )
        self._body = _body_bytes(body)
        self._id: str | _Unset | None = id
        self._pop_receipt: str | _Unset | None = pop_receipt
        self._dequeue_count: int | _Unset | None = dequeue_count
        self._expiration_time: datetime | _Unset | None = _time_arg(
            "expiration_time", expiration_time
        )
        self._insertion_time: datetime | _Unset | None = _time_arg(
            "insertion_time", insertion_time
        )
        self._time_next_visible: datetime | _Unset | None = _time_arg(
            "time_next_visible", time_next_visible
        )
        self._metadata: Mapping[str, Any] | _Unset = MappingProxyType(dict(metadata or {}))
        self._trigger_metadata: Mapping[str, Any] | None = None

    @classmethod
    def _from_trigger(
        cls, body: bytes, trigger_metadata: Mapping[str, Any] | None
    ) -> QueueMessage:
        """A message whose properties are read lazily from ``trigger_metadata``."""
        msg = cls.__new__(cls)
        msg._body = body
        msg._trigger_metadata = trigger_metadata
        msg._id = msg._pop_receipt = msg._dequeue_count = _UNSET
        msg._expiration_time = msg._insertion_time = msg._time_next_visible = _UNSET
        msg._metadata = _UNSET
        return msg

    @property
    def id(self) -> str | None:
        """The message id."""
        value = self._id
        if value is _UNSET:
            value = self._id = metadata_str(self._trigger_metadata, "Id")
        return value

    @property
    def pop_receipt(self) -> str | None:
        """The pop receipt token."""
        value = self._pop_receipt
        if value is _UNSET:
            value = self._pop_receipt = metadata_str(self._trigger_metadata, "PopReceipt")
        return value

    @property
    def dequeue_count(self) -> int | None:
        """How many times the message has been dequeued."""
        value = self._dequeue_count
        if value is _UNSET:
            value = self._dequeue_count = metadata_int(self._trigger_metadata, "DequeueCount")
        return value

    @property
    def expiration_time(self) -> datetime | None:
        """When the message expires (aware, UTC)."""
        value = self._expiration_time
        if value is _UNSET:
            value = self._expiration_time = metadata_datetime(
                self._trigger_metadata, "ExpirationTime"
            )
        return value

    @property
    def insertion_time(self) -> datetime | None:
        """When the message was added to the queue (aware, UTC)."""
        value = self._insertion_time
        if value is _UNSET:
            value = self._insertion_time = metadata_datetime(
                self._trigger_metadata, "InsertionTime"
            )
        return value

    @property
    def time_next_visible(self) -> datetime | None:
        """When the message becomes visible again (aware, UTC)."""
        value = self._time_next_visible
        if value is _UNSET:
            value = self._time_next_visible = metadata_datetime(
                self._trigger_metadata, "NextVisibleTime"
            )
        return value

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The raw trigger metadata, every field as plain Python (read-only)."""
        value = self._metadata
        if value is _UNSET:
            value = self._metadata = MappingProxyType(raw_metadata(self._trigger_metadata))
        return value

    def get_body(self) -> bytes:
        """The message body, exactly as received."""
        return self._body

    def get_json(self) -> Any:
        """The body parsed as JSON (UTF-8).

        Raises:
            BodyDecodeError: if the body is empty, not UTF-8, or not valid JSON.
        """
        return decode_json_body(self._body)

    def to_dict(self) -> dict[str, Any]:
        """The message as azure-functions 2.x writes it: ``id``, ``body`` (UTF-8 text, or
        ``{"__encoding": "base64", "value": ...}``), ``pop_receipt``, ``dequeue_count`` and
        the three times as ISO-8601 text (``None`` where unset)."""
        return {
            "id": self.id,
            "body": json_safe(self._body),
            "pop_receipt": self.pop_receipt,
            "dequeue_count": self.dequeue_count,
            "expiration_time": json_safe(self.expiration_time),
            "insertion_time": json_safe(self.insertion_time),
            "time_next_visible": json_safe(self.time_next_visible),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json_text(self.to_dict(), "QueueMessage")

    def _fields(self) -> tuple[Any, ...]:
        return (
            self._body,
            self.id,
            self.pop_receipt,
            self.dequeue_count,
            self.expiration_time,
            self.insertion_time,
            self.time_next_visible,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueueMessage):
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        return (
            f"<QueueMessage id={self.id!r} dequeue_count={self.dequeue_count!r} "
            f"insertion_time={self.insertion_time!r} body={len(self._body)} bytes>"
        )


class QueueTriggerConverter(ClassTriggerConverter):
    """Decodes a ``queueTrigger`` into a :class:`QueueMessage` (or ``str``/``bytes``).

    Example:
        >>> msg = QueueTriggerConverter().decode(
        ...     Datum("hello", "string"), trigger_metadata={"DequeueCount": Datum("1", "json")})
        >>> msg.get_body(), msg.dequeue_count
        (b'hello', 1)
    """

    binding = "queueTrigger"
    accepts = (QueueMessage, str, bytes)

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The message, or its body as ``str``/``bytes`` when ``pytype`` asks for that.

        Raises:
            ConversionError: for a Datum kind that is not a message body, or a ``str``
                annotation on a body that is not UTF-8 text.
        """
        value = self.expect(datum, *_BODY_KINDS)
        if datum.type == "json" and isinstance(value, str) and value[:1] == '"':
            value = _json_string_or_text(value)
        target = None if pytype is None else unwrap_optional(pytype)
        if isinstance(value, str):
            if target is str:
                return value
            body = value.encode("utf-8")
        elif isinstance(value, (bytes, bytearray, memoryview)):
            body = bytes(value)
        else:
            raise ConversionError(
                f"the queueTrigger binding got a {datum.type} Datum holding "
                f"{type(value).__name__}; expected text or bytes"
            )
        if target is bytes:
            return body
        if target is str:
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(
                    "the queue message body is not UTF-8 text; annotate the parameter as "
                    "bytes or QueueMessage"
                ) from None
        return QueueMessage._from_trigger(body, trigger_metadata)


def _json_string_or_text(text: str) -> str:
    """A json Datum holding a JSON *string* carries that string as the message text."""
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return decoded if isinstance(decoded, str) else text


class QueueOutputConverter(MessageOutputConverter):
    """Encodes what a function sends to a ``queue`` output binding.

    Example:
        >>> conv = QueueOutputConverter()
        >>> conv.encode("hi")
        <Datum string 'hi'>
        >>> conv.encode(["a", QueueMessage(body=b"b"), {"c": 1}])
        <Datum json '["a", "b", {"c": 1}]'>
    """

    binding = "queue"
    accepted = "str, bytes, QueueMessage, dict, or a list of those"
    bytes_types = (bytes, bytearray, memoryview)
    message_types = (QueueMessage,)
    object_types = (Mapping,)
    list_types = (Iterable,)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``QueueMessage``, ``dict``, ``list`` or a ``list[...]`` of those."""
        pytype = unwrap_optional(pytype)
        allowed = (str, bytes, QueueMessage, dict, list)
        origin = typing.get_origin(pytype)
        if origin is not None and is_class_of(origin, (list, tuple, Iterable)):
            args = typing.get_args(pytype)
            return not args or all(is_class_of(typing.get_origin(a) or a, allowed) for a in args)
        if origin is dict:
            return True
        return is_class_of(pytype, allowed)

    def encode_message(self, message: Any) -> Datum:
        """A :class:`QueueMessage` is sent as its body: ``string`` when it is UTF-8 text."""
        body = message.get_body()
        try:
            return Datum(body.decode("utf-8"), "string")
        except UnicodeDecodeError:
            return Datum(body, "bytes")

    def list_item(self, item: Any) -> Any:
        """Text as it is, bytes and message bodies as UTF-8 text, ``dict``/``list`` as JSON.

        Raises:
            ConversionError: for a non-UTF-8 item or an item of another type.
        """
        if isinstance(item, str):
            return item
        if isinstance(item, QueueMessage):
            item = item.get_body()
        if isinstance(item, (bytes, bytearray, memoryview)):
            try:
                return bytes(item).decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(
                    "a queue message in a list must be UTF-8 text (JSON cannot carry raw "
                    "bytes); send binary messages one at a time"
                ) from None
        if isinstance(item, (dict, list)):
            return item
        raise ConversionError(
            f"the queue binding cannot send a list item of type {type(item).__name__}; "
            "accepted: str, bytes, QueueMessage, dict, list"
        )

    def dumps(self, value: Any) -> str:
        """``value`` as JSON, by the strict rules (no NaN, non-ASCII text kept).

        Raises:
            ConversionError: if ``value`` is not JSON-serialisable.
        """
        return dumps_json(self, value, strict=True)


CONVERTERS: dict[str, Converter] = {
    "queueTrigger": QueueTriggerConverter(),
    "queue": QueueOutputConverter(),
}
