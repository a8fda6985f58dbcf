"""Event Grid events and CloudEvents: the ``eventGridTrigger`` input and ``eventGrid`` output.

Rules this module keeps:

* A trigger payload with a ``specversion`` member is a CloudEvents 1.0 event and decodes to
  :class:`CloudEvent` (attributes other than the CloudEvents context attributes and
  ``data``/``data_base64`` become :attr:`CloudEvent.extension_attrs`); any other object is
  an Event Grid schema event and decodes to :class:`EventGridEvent`.
* The annotation may ask for ``EventGridEvent``, ``CloudEvent`` (or their union), ``dict``,
  ``str`` or ``bytes``. Asking for one schema and receiving the other is a
  :class:`~azfunc.ConversionError`. A JSON array (a batch) decodes to a list when the
  annotation is a list or absent.
* Event times are read by the one tolerant parser and always timezone-aware; an unreadable
  time gives ``None``, never an exception.
* ``get_json()`` returns the event's ``data`` (as azure-functions does); ``get_body()`` is the
  data as bytes (text as UTF-8, ``data_base64`` decoded, anything else as JSON).
* The ``eventGrid`` output accepts :class:`EventGridOutputEvent`, :class:`EventGridEvent`,
  :class:`CloudEvent`, ``dict``, ``str``, ``bytes`` and lists of these; events are written in
  their schema's JSON shape (Event Grid: ``id, subject, eventType, eventTime, data,
  dataVersion[, topic]``; CloudEvents: structured-mode JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
import typing
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final

from .._body import decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError, BodyDecodeError, ConversionError
from .._registry import Converter
from .._timeparse import format_datetime, parse_datetime
from ._bodies import payload_value
from ._cardinality import annotation_allows
from ._encode import MessageOutputConverter
from ._value import BindingValue

__all__ = [
    "CONVERTERS",
    "CloudEvent",
    "EventGridEvent",
    "EventGridOutputConverter",
    "EventGridOutputEvent",
    "EventGridTriggerConverter",
]

#: CloudEvents 1.0 context attributes azfunc models as fields (plus ``data``/``data_base64``).
_CE_KNOWN: Final = frozenset(
    {
        "id",
        "source",
        "type",
        "specversion",
        "time",
        "subject",
        "datacontenttype",
        "dataschema",
        "data",
        "data_base64",
    }
)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _data_bytes(data: Any) -> bytes:
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return json.dumps(data).encode("utf-8")


def _json_text(value: dict[str, Any], what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"the {what} is not JSON-serialisable: {exc}") from None


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


class _EventGridData(BindingValue):
    """What both Event Grid schema event classes do with their ``data``."""

    __slots__ = ()
    data: Any

    def get_json(self) -> Any:
        """The event's ``data``."""
        return self.data

    def get_body(self) -> bytes:
        """The event's ``data`` as bytes (text as UTF-8, anything else as JSON)."""
        return _data_bytes(self.data)

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON object."""
        raise NotImplementedError

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if ``data`` is not JSON-serialisable.
        """
        return _json_text(self.to_dict(), type(self).__name__)


class EventGridEvent(_EventGridData):
    """An event in the Event Grid schema.

    Example:
        >>> ev = EventGridEvent(id="1", subject="/blobs/a.txt", event_type="BlobCreated",
        ...                     data={"size": 3}, data_version="1")
        >>> ev.get_json(), ev.get_body()
        ({'size': 3}, b'{"size": 3}')
    """

    __slots__ = (
        "data",
        "data_version",
        "event_time",
        "event_type",
        "id",
        "metadata_version",
        "subject",
        "topic",
    )
    _compare = (
        "id",
        "topic",
        "subject",
        "event_type",
        "event_time",
        "data",
        "data_version",
        "metadata_version",
    )

    id: str
    topic: str | None
    subject: str
    event_type: str
    event_time: datetime | None
    data: Any
    data_version: str
    metadata_version: str | None

    def __init__(
        self,
        *,
        id: str = "",  # noqa: A002 - the azure-functions keyword
        topic: str | None = None,
        subject: str = "",
        event_type: str = "",
        event_time: datetime | None = None,
        data: Any = None,
        data_version: str = "",
        metadata_version: str | None = None,
    ) -> None:
        self.id = id
        self.topic = topic
        self.subject = subject
        self.event_type = event_type
        self.event_time = _aware(event_time)
        self.data = data
        self.data_version = data_version
        self.metadata_version = metadata_version

    def to_dict(self) -> dict[str, Any]:
        """The event in Event Grid schema JSON form (``None`` members left out)."""
        out = {
            "id": self.id,
            "topic": self.topic,
            "subject": self.subject,
            "eventType": self.event_type,
            "eventTime": _time_text(self.event_time),
            "data": self.data,
            "dataVersion": self.data_version,
            "metadataVersion": self.metadata_version,
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> EventGridEvent:
        """Read an Event Grid schema object (missing members get their defaults).

        Raises:
            ConversionError: if ``body`` is not a JSON object.
        """
        if not isinstance(body, Mapping):
            raise ConversionError(
                f"an Event Grid event must be a JSON object, got {type(body).__name__}"
            )
        return cls(
            id=_opt_str(body.get("id")) or "",
            topic=_opt_str(body.get("topic")),
            subject=_opt_str(body.get("subject")) or "",
            event_type=_opt_str(body.get("eventType")) or "",
            event_time=parse_datetime(body.get("eventTime")),
            data=body.get("data"),
            data_version=_opt_str(body.get("dataVersion")) or "",
            metadata_version=_opt_str(body.get("metadataVersion")),
        )


class EventGridOutputEvent(_EventGridData):
    """An event to publish through the ``eventGrid`` output (Event Grid schema).

    Example:
        >>> out = EventGridOutputEvent(id="1", subject="s", event_type="t", data={"a": 1},
        ...                            data_version="1.0")
        >>> out.to_dict()["eventType"], out.get_json()
        ('t', {'a': 1})
    """

    __slots__ = ("data", "data_version", "event_time", "event_type", "id", "subject", "topic")
    _compare = ("id", "subject", "event_type", "event_time", "data", "data_version", "topic")

    id: str
    subject: str
    event_type: str
    event_time: datetime | None
    data: Any
    data_version: str
    topic: str | None

    def __init__(
        self,
        *,
        id: str = "",  # noqa: A002 - the azure-functions keyword
        subject: str = "",
        event_type: str = "",
        event_time: datetime | None = None,
        data: Any = None,
        data_version: str = "",
        topic: str | None = None,
    ) -> None:
        self.id = id
        self.subject = subject
        self.event_type = event_type
        self.event_time = _aware(event_time)
        self.data = data
        self.data_version = data_version
        self.topic = topic

    def to_dict(self) -> dict[str, Any]:
        """The JSON object sent to Event Grid (``topic`` only when set)."""
        out: dict[str, Any] = {
            "id": self.id,
            "subject": self.subject,
            "dataVersion": self.data_version,
            "eventType": self.event_type,
            "data": self.data,
            "eventTime": _time_text(self.event_time),
        }
        if self.topic is not None:
            out["topic"] = self.topic
        return out


class CloudEvent(BindingValue):
    """A CloudEvents 1.0 event.

    Extension attributes are passed as ``extensions={...}`` or as extra keywords (the
    azure-functions spelling) and read back from :attr:`extension_attrs`.

    Example:
        >>> ce = CloudEvent(id="A1", source="/ctx", type="com.example", data={"k": "v"},
        ...                 customext="x")
        >>> ce.get_json(), ce.specversion, ce.extension_attrs
        ({'k': 'v'}, '1.0', {'customext': 'x'})
        >>> CloudEvent.from_dict(ce.to_dict()) == ce
        True

    Raises:
        ArgumentTypeError: if ``data_base64`` is not text or an extension name is not a string.
    """

    __slots__ = (
        "_data",
        "_data_base64",
        "_datacontenttype",
        "_dataschema",
        "_extensions",
        "_id",
        "_source",
        "_specversion",
        "_subject",
        "_time",
        "_type",
    )

    def __init__(
        self,
        *,
        id: str = "",  # noqa: A002 - CloudEvents attribute name
        source: str = "",
        type: str = "",  # noqa: A002 - CloudEvents attribute name
        specversion: str = "1.0",
        data: Any = None,
        data_base64: str | None = None,
        time: datetime | None = None,
        subject: str | None = None,
        datacontenttype: str | None = None,
        dataschema: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        if data_base64 is not None and not isinstance(data_base64, str):
            raise ArgumentTypeError("CloudEvent data_base64 must be base64 text")
        self._id = id
        self._source = source
        self._type = type
        self._specversion = specversion
        self._data = data
        self._data_base64 = data_base64
        self._time = _aware(time)
        self._subject = subject
        self._datacontenttype = datacontenttype
        self._dataschema = dataschema
        merged = {**(extensions or {}), **extra}
        if not all(isinstance(k, str) for k in merged):
            raise ArgumentTypeError("CloudEvent extension attribute names must be strings")
        self._extensions: dict[str, Any] = merged

    @property
    def id(self) -> str:
        """The event id (unique per source)."""
        return self._id

    @property
    def source(self) -> str:
        """The context in which the event happened (a URI reference)."""
        return self._source

    @property
    def type(self) -> str:
        """The event type (e.g. ``Microsoft.Storage.BlobCreated``)."""
        return self._type

    @property
    def specversion(self) -> str:
        """The CloudEvents spec version (``"1.0"``)."""
        return self._specversion

    @property
    def time(self) -> datetime | None:
        """When the event happened, timezone-aware, or ``None``."""
        return self._time

    @property
    def subject(self) -> str | None:
        """The subject of the event in the context of its source."""
        return self._subject

    @property
    def datacontenttype(self) -> str | None:
        """The content type of ``data``."""
        return self._datacontenttype

    @property
    def dataschema(self) -> str | None:
        """The schema ``data`` adheres to."""
        return self._dataschema

    @property
    def data(self) -> Any:
        """The event payload (``None`` when absent or carried as ``data_base64``)."""
        return self._data

    @property
    def data_base64(self) -> str | None:
        """The binary payload as base64 text, when the event carries one."""
        return self._data_base64

    @property
    def extension_attrs(self) -> dict[str, Any]:
        """The extension attributes (a copy)."""
        return dict(self._extensions)

    def get_body(self) -> bytes:
        """The payload as bytes: ``data_base64`` decoded, text as UTF-8, else JSON.

        Raises:
            BodyDecodeError: if ``data_base64`` is not valid base64.
        """
        if self._data is None and self._data_base64 is not None:
            try:
                return base64.b64decode(self._data_base64, validate=True)
            except (binascii.Error, ValueError):
                raise BodyDecodeError("the CloudEvent data_base64 is not valid base64") from None
        return _data_bytes(self._data)

    def get_json(self) -> Any:
        """The event's ``data``; a ``data_base64`` payload is decoded and parsed as JSON.

        Raises:
            BodyDecodeError: if a ``data_base64`` payload is not base64 or not JSON.
        """
        if self._data is None and self._data_base64 is not None:
            return decode_json_body(self.get_body())
        return self._data

    def to_dict(self) -> dict[str, Any]:
        """The event in CloudEvents structured-mode JSON form (``None`` members left out)."""
        out: dict[str, Any] = {
            "specversion": self._specversion,
            "id": self._id,
            "source": self._source,
            "type": self._type,
        }
        for key, value in (
            ("time", _time_text(self._time)),
            ("subject", self._subject),
            ("datacontenttype", self._datacontenttype),
            ("dataschema", self._dataschema),
        ):
            if value is not None:
                out[key] = value
        for key, value in self._extensions.items():
            out.setdefault(key, value)
        if self._data is not None:
            out["data"] = self._data
        elif self._data_base64 is not None:
            out["data_base64"] = self._data_base64
        return out

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> CloudEvent:
        """Read a structured-mode CloudEvent object.

        Raises:
            ConversionError: if ``body`` is not a JSON object or ``data_base64`` is not text.
        """
        if not isinstance(body, Mapping):
            raise ConversionError(f"a CloudEvent must be a JSON object, got {type(body).__name__}")
        b64 = body.get("data_base64")
        if b64 is not None and not isinstance(b64, str):
            raise ConversionError("the CloudEvent data_base64 member must be text")
        return cls(
            id=_opt_str(body.get("id")) or "",
            source=_opt_str(body.get("source")) or "",
            type=_opt_str(body.get("type")) or "",
            specversion=_opt_str(body.get("specversion")) or "1.0",
            data=body.get("data"),
            data_base64=b64,
            time=parse_datetime(body.get("time")),
            subject=_opt_str(body.get("subject")),
            datacontenttype=_opt_str(body.get("datacontenttype")),
            dataschema=_opt_str(body.get("dataschema")),
            extensions={str(k): v for k, v in body.items() if k not in _CE_KNOWN},
        )

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (structured mode).

        Raises:
            ConversionError: if ``data`` or an extension is not JSON-serialisable.
        """
        return _json_text(self.to_dict(), "CloudEvent")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CloudEvent):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"<CloudEvent id={self._id!r} source={self._source!r} type={self._type!r}>"


def _requested_forms(pytype: Any) -> tuple[bool, set[Any]]:
    """``(many, forms)`` asked for by an annotation; empty ``forms`` means "any"."""
    many = False
    origin = typing.get_origin(pytype)
    if origin is list or pytype is list:
        many = True
        args = typing.get_args(pytype)
        pytype = args[0] if args else None
    forms: set[Any] = set()
    for arg in typing.get_args(pytype) if _is_union(pytype) else (pytype,):
        if arg in (None, type(None), Any, object):
            continue
        forms.add(arg)
    return many, forms


def _is_union(pytype: Any) -> bool:
    import types

    origin = typing.get_origin(pytype)
    return origin is typing.Union or origin is types.UnionType


class EventGridTriggerConverter(Converter):
    """Decodes ``eventGridTrigger`` payloads into :class:`EventGridEvent` or :class:`CloudEvent`.

    Example:
        >>> conv = EventGridTriggerConverter()
        >>> conv.decode(Datum('{"id": "1", "eventType": "t", "data": {}}', "json")).event_type
        't'
        >>> conv.decode(Datum('{"specversion": "1.0", "id": "2", "type": "t"}', "json")).id
        '2'
    """

    binding = "eventGridTrigger"

    def has_trigger_support(self) -> bool:
        """Event Grid is a trigger."""
        return True

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``EventGridEvent``, ``CloudEvent``, their union, ``dict``, ``str``, ``bytes``
        or a list of one of them."""
        _many, forms = _requested_forms(pytype)
        if not forms:
            return True
        return all(
            isinstance(f, type) and issubclass(f, (EventGridEvent, CloudEvent, dict, str, bytes))
            for f in forms
        )

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """Decode one event (or a JSON array of events).

        Raises:
            ConversionError: if the payload is not JSON, not an event object, or not the
                schema or cardinality the annotation asks for.
        """
        text = payload_value(self, datum, "json", "string", "bytes")
        try:
            parsed = decode_json_body(text or b"")
        except BodyDecodeError as exc:
            raise ConversionError(f"the {self.binding} payload is not JSON: {exc}") from None
        many, forms = _requested_forms(pytype)
        if isinstance(parsed, list):
            if pytype is not None and not many:
                raise ConversionError(
                    f"the {self.binding} binding received a batch of {len(parsed)} events but "
                    f"the parameter is annotated for one event; annotate it as a list"
                )
            return [self._one(item, forms) for item in parsed]
        if many:
            raise ConversionError(
                f"the {self.binding} binding received one event but the parameter is "
                f"annotated as a list; annotate it as a single event"
            )
        return self._one(parsed, forms)

    def _one(self, body: Any, forms: set[Any]) -> Any:
        if not isinstance(body, dict):
            raise ConversionError(
                f"the {self.binding} binding expected a JSON object per event, "
                f"got a JSON {type(body).__name__}"
            )
        if dict in forms:
            return body
        if str in forms:
            return json.dumps(body)
        if bytes in forms:
            return json.dumps(body).encode("utf-8")
        is_cloud = "specversion" in body
        wanted = CloudEvent if is_cloud else EventGridEvent
        if forms and not any(isinstance(f, type) and issubclass(wanted, f) for f in forms):
            schema = "a CloudEvents 1.0 event" if is_cloud else "an Event Grid schema event"
            raise ConversionError(
                f"the {self.binding} binding received {schema} but the parameter is annotated "
                f"{' | '.join(getattr(f, '__name__', repr(f)) for f in forms)}; annotate it "
                f"as {wanted.__name__} (or EventGridEvent | CloudEvent)"
            )
        if is_cloud:
            return CloudEvent.from_dict(body)
        return EventGridEvent.from_dict(body)


_EVENT_TYPES: Final = (EventGridOutputEvent, EventGridEvent, CloudEvent)


class EventGridOutputConverter(MessageOutputConverter):
    """Encodes values for the ``eventGrid`` output binding.

    Example:
        >>> event = EventGridOutputEvent(id="1", event_type="t")
        >>> datum = EventGridOutputConverter().encode([event])
        >>> datum.type, datum.python_value[0]["eventType"]
        ('json', 't')
    """

    binding = "eventGrid"
    accepted = "EventGridOutputEvent, EventGridEvent, CloudEvent, dict, str, bytes or lists"
    message_types = _EVENT_TYPES
    json_what = "event"

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``EventGridOutputEvent``, ``EventGridEvent``, ``CloudEvent``, ``dict``, ``str``,
        ``bytes`` or a list of those."""
        return annotation_allows(pytype, (*_EVENT_TYPES, dict, str, bytes))

    def list_item(self, item: Any) -> Any:
        """An event as its JSON object; ``str`` and ``dict`` items as they are.

        Raises:
            ConversionError: for any other item.
        """
        if isinstance(item, _EVENT_TYPES):
            return item.to_dict()
        if isinstance(item, (str, dict)):
            return item
        raise self.unsupported_value(item, self.accepted)


CONVERTERS: Final[dict[str, Converter]] = {
    "eventGridTrigger": EventGridTriggerConverter(),
    "eventGrid": EventGridOutputConverter(),
}
