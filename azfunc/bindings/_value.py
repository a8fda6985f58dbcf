"""The one shape of a binding value type (messages, events, contexts).

Rules every binding value type keeps (``docs/bindings.md`` states them for users):

* A hand-written class with ``__slots__`` and a keyword-only ``__init__`` that takes every
  public property as a keyword with a default, normalises once (``str`` bodies become UTF-8
  ``bytes``, naive datetimes UTC) and raises :class:`~azfunc.ArgumentTypeError` for a wrong
  type. Slots are typed with what they hold after normalising, so no property needs a cast.
* Mutability is chosen per type: values a user builds to send (``...OutputMessage``,
  ``...OutputEvent``, ``Document``/rows) have plain, assignable attributes; values a trigger
  delivers expose read-only properties, some read lazily from the trigger metadata.
  ``Document`` and the row types are real ``dict``/``list`` subclasses (as azure-functions'
  ``Document`` is dict-like).
* Equality is by value: the fields named in ``_compare`` (the body and the properties, never
  the raw trigger metadata). Every value type is **unhashable** (``__hash__`` is ``None``,
  as for ``dict``): they compare by content and several are mutable, so none can be a dict
  key or a set member.
* Where a type has a dict form, ``to_dict()`` returns it and ``to_json()`` returns the same
  as JSON *text* (``str``); ``get_body()`` always returns ``bytes``. The trigger types'
  ``to_dict()`` is azure-functions 2.x's: every field through :func:`json_safe`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, ClassVar

from .._errors import ArgumentTypeError, ConversionError

__all__ = ["BindingValue", "body_bytes", "json_safe", "json_text"]


class BindingValue:
    """Base of the binding value types: equality over ``_compare``, unhashable.

    Example:
        >>> class Pair(BindingValue):
        ...     __slots__ = ("a", "b")
        ...     _compare = ("a", "b")
        ...     def __init__(self, *, a: int = 0, b: int = 0) -> None:
        ...         self.a, self.b = a, b
        >>> Pair(a=1) == Pair(a=1), Pair(a=1) == Pair(b=1), Pair.__hash__ is None
        (True, False, True)
    """

    __slots__ = ()

    #: the attribute (or property) names equality compares, in order.
    _compare: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._compare)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BindingValue) or other._compare != self._compare:
            return NotImplemented
        if not (isinstance(other, type(self)) or isinstance(self, type(other))):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compare)
        return f"{type(self).__name__}({fields})"


def body_bytes(body: object, owner: str) -> bytes:
    """A constructor's ``body`` argument as bytes: ``str`` UTF-8 encoded, bytes-likes
    copied to ``bytes``, ``None`` as ``b""``.

    Example:
        >>> body_bytes("é", "X"), body_bytes(bytearray(b"a"), "X"), body_bytes(None, "X")
        (b'\\xc3\\xa9', b'a', b'')

    Raises:
        ArgumentTypeError: for any other type.
    """
    if type(body) is bytes:
        return body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise ArgumentTypeError(f"{owner} body must be bytes or str, got {type(body).__name__}")


def json_safe(value: Any) -> Any:
    """``value`` with azure-functions 2.x's ``to_dict()`` rules applied, recursively.

    Bytes-likes become UTF-8 text, or ``{"__encoding": "base64", "value": ...}`` when they
    are not UTF-8; datetimes and dates their ``isoformat()``; timedeltas ``str()``
    (``"0:05:00"``); mappings plain dicts; lists and tuples lists; anything else is kept.

    Example:
        >>> from datetime import datetime, timedelta
        >>> json_safe({"b": b"hi", "x": [b"\\xff"], "d": timedelta(minutes=5)})
        {'b': 'hi', 'x': [{'__encoding': 'base64', 'value': '/w=='}], 'd': '0:05:00'}
        >>> json_safe(datetime(2020, 1, 2))
        '2020-01-02T00:00:00'
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"__encoding": "base64", "value": base64.b64encode(raw).decode("ascii")}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def json_text(value: Any, owner: str) -> str:
    """``value`` (a ``to_dict()`` result) as JSON text, as ``json.dumps`` writes it.

    Raises:
        ConversionError: if a value in it is not JSON-serialisable.
    """
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ConversionError(f"{owner} is not JSON-serialisable: {exc}") from None
