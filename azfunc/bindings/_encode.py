"""The output ladder the message and event output converters share, and their JSON writer.

Rules this module keeps:

* :class:`MessageOutputConverter` encodes in one fixed order: ``None`` sends nothing; ``str``
  is a ``string`` Datum; a bytes-like value is a ``bytes`` Datum; one of the binding's own
  message types is encoded by :meth:`~MessageOutputConverter.encode_message`; a JSON object
  is one ``json`` message; a list is a ``json`` array, one message per item, each item
  checked by :meth:`~MessageOutputConverter.list_item`; anything else goes to
  :meth:`~MessageOutputConverter.encode_other`, which refuses it by default.
* Each converter states what it accepts as class attributes (literal type tuples and the
  ``accepted`` text of its errors), so its accepted set reads at a glance.
* JSON text is written by :func:`dumps_json`; every value it cannot write is a
  :class:`~azfunc.ConversionError` naming the binding, never a bare ``TypeError``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Final

from .._datum import Datum
from .._errors import ConversionError
from .._registry import Converter

__all__ = ["MessageOutputConverter", "dumps_json"]

_FAILURES: Final[tuple[type[Exception], ...]] = (TypeError, ValueError)
_STRICT_FAILURES: Final[tuple[type[Exception], ...]] = (TypeError, ValueError, RecursionError)


def dumps_json(
    converter: Converter, value: Any, *, what: str = "value", strict: bool = False
) -> str:
    """``value`` as JSON text for ``converter``'s binding.

    ``strict`` refuses NaN and infinities, writes non-ASCII text as it is and reports
    nesting too deep to encode as a ConversionError too (the storage queue's rules).

    Example:
        >>> plain = Converter()
        >>> dumps_json(plain, {"a": "é"}), dumps_json(plain, {"a": "é"}, strict=True)
        ('{"a": "\\\\u00e9"}', '{"a": "é"}')

    Raises:
        ConversionError: if ``value`` is not JSON-serialisable.
    """
    failures = _STRICT_FAILURES if strict else _FAILURES
    try:
        if strict:
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        return json.dumps(value)
    except failures as exc:
        raise ConversionError(
            f"the {converter.binding} binding cannot serialise the {what} as JSON: {exc}"
        ) from None


class MessageOutputConverter(Converter):
    """Base of the output converters that send one message or a list of messages.

    Example:
        >>> class Plain(MessageOutputConverter):
        ...     binding = "plain"
        ...     accepted = "str, bytes or dict"
        >>> Plain().encode("a"), Plain().encode({"b": 1})
        (<Datum string 'a'>, <Datum json '{"b": 1}'>)
    """

    #: what the binding accepts, as its errors say it.
    accepted: ClassVar[str] = "str or bytes"
    #: the bytes-like types sent as a ``bytes`` Datum.
    bytes_types: ClassVar[tuple[type[Any], ...]] = (bytes, bytearray)
    #: the binding's own message types, encoded by :meth:`encode_message`.
    message_types: ClassVar[tuple[type[Any], ...]] = ()
    #: the mapping types sent as one JSON message (a mapping that is not a dict is copied).
    object_types: ClassVar[tuple[type[Any], ...]] = (dict,)
    #: the types sent as a JSON array of messages.
    list_types: ClassVar[tuple[type[Any], ...]] = (list, tuple)
    #: the Datum kind of a single JSON message (Kafka sends it as ``string``).
    object_kind: ClassVar[str] = "json"
    #: what :func:`dumps_json` calls the value in its error.
    json_what: ClassVar[str] = "value"

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """Encode one message or a list of messages.

        Raises:
            ConversionError: for a value (or list item) the binding cannot send.
        """
        if obj is None:
            return None
        if isinstance(obj, str):
            return Datum(obj, "string")
        if isinstance(obj, self.bytes_types):
            return Datum(bytes(obj), "bytes")
        if isinstance(obj, self.message_types):
            return self.encode_message(obj)
        if isinstance(obj, self.object_types):
            mapping = obj if isinstance(obj, dict) else dict(obj)
            return Datum(self.dumps(mapping), self.object_kind)
        if isinstance(obj, self.list_types):
            return Datum(self.dumps([self.list_item(item) for item in obj]), "json")
        return self.encode_other(obj)

    def encode_message(self, message: Any) -> Datum:
        """One of :attr:`message_types`: its ``to_dict()`` as one JSON message.

        Raises:
            ConversionError: if the message cannot be written as JSON.
        """
        return Datum(self.dumps(message.to_dict()), self.object_kind)

    def list_item(self, item: Any) -> Any:
        """The JSON value one list item is sent as.

        Raises:
            ConversionError: for an item the binding cannot send in a list.
        """
        raise self.unsupported_value(item, self.accepted)

    def encode_other(self, obj: Any) -> Datum | None:
        """A value none of the rungs took: refused.

        Raises:
            ConversionError: always, naming what the binding accepts.
        """
        raise self.unsupported_value(obj, self.accepted)

    def dumps(self, value: Any) -> str:
        """``value`` as JSON text (see :func:`dumps_json`).

        Raises:
            ConversionError: if ``value`` is not JSON-serialisable.
        """
        return dumps_json(self, value, what=self.json_what)
