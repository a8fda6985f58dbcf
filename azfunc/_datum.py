"""Datum: the typed value every transport codec produces and every converter reads.

Rules this module keeps:

* A Datum is a ``(value, type)`` pair. ``type`` is one of :data:`KINDS`; ``None`` is accepted
  as an alias of ``"null"``.
* ``json`` Datums hold JSON *text* (``str``/``bytes``): every azfunc codec and converter
  builds them so. :attr:`Datum.python_value` parses the text (and, for code written against
  the Python worker, passes an already-parsed value through).
* Collection Datums hold either a plain list or an object with a ``.string`` / ``.bytes`` /
  ``.double`` / ``.sint64`` list attribute (the shape the Python worker hands over).
* An ``http`` Datum's value is one of the types of :mod:`azfunc.wire.http`
  (``HttpRequestData``, ``HttpResponseData``, ``DeferredHttpResponse``). The ``httpTrigger``
  converter still reads the Python worker's dict shape (``method``/``url``/``body`` Datums,
  ``headers``/``query``/``params`` maps of name -> Datum) for code written against it.
* The transports' readers live in :mod:`azfunc.wire` (``datum_from_typed_data`` in
  :mod:`azfunc.wire.typed_data`).
* Anything malformed raises :class:`~azfunc.WireFormatError`, never a bare ``KeyError``.
"""

from __future__ import annotations

import json
from typing import Any, Final

from ._errors import WireFormatError

__all__ = ["KINDS", "Datum", "collection_items"]

#: Every Datum kind azfunc knows.
KINDS: Final = frozenset(
    {
        "string",
        "bytes",
        "json",
        "int",
        "double",
        "http",
        "stream",
        "collection_bytes",
        "collection_string",
        "collection_double",
        "collection_sint64",
        "model_binding_data",
        "null",
    }
)

_COLLECTION_ATTR: Final = {
    "collection_bytes": "bytes",
    "collection_string": "string",
    "collection_double": "double",
    "collection_sint64": "sint64",
}


class Datum:
    """A typed value as it travels on the wire between the host and a worker.

    Example:
        >>> d = Datum('{"a": 1}', "json")
        >>> d.python_value
        {'a': 1}
        >>> Datum(b"x", "bytes") == Datum(b"x", "bytes")
        True

    Raises:
        WireFormatError: if ``type`` is not a known kind.
    """

    __slots__ = ("type", "value")

    def __init__(self, value: Any, type: str | None) -> None:  # noqa: A002 - wire name
        kind = "null" if type is None else type
        if kind not in KINDS:
            raise WireFormatError(
                f"unknown Datum kind {type!r}; known kinds: {', '.join(sorted(KINDS))}"
            )
        self.value: Any = value
        self.type: str = kind

    @property
    def python_value(self) -> Any:
        """The value as plain Python: JSON parsed, collections as lists, null as ``None``.

        Raises:
            WireFormatError: if a ``json`` Datum does not hold valid JSON text.
        """
        kind = self.type
        value = self.value
        if value is None or kind == "null":
            return None
        if kind == "json":
            if not isinstance(value, (str, bytes, bytearray)):
                return value
            try:
                return json.loads(value)
            except ValueError as exc:
                raise WireFormatError(f"json Datum does not hold valid JSON: {exc}") from None
            except RecursionError:
                raise WireFormatError("json Datum nests deeper than Python can parse") from None
        if kind in _COLLECTION_ATTR:
            return collection_items(self)
        return value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Datum):
            return NotImplemented
        return self.type == other.type and self.value == other.value

    def __hash__(self) -> int:
        try:
            return hash((self.type, self.value))
        except TypeError:
            return hash(self.type)

    def __repr__(self) -> str:
        text = repr(self.value)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"<Datum {self.type} {text}>"


def collection_items(datum: Datum) -> list[Any]:
    """The items of a collection Datum as a list, whichever shape holds them.

    Raises:
        WireFormatError: if the Datum is not a collection or its value has no item list.
    """
    attr = _COLLECTION_ATTR.get(datum.type)
    if attr is None:
        raise WireFormatError(f"a {datum.type} Datum is not a collection")
    value = datum.value
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    items = getattr(value, attr, None)
    if items is None:
        raise WireFormatError(
            f"a {datum.type} Datum needs a list or an object with a .{attr} list, "
            f"got {type(value).__name__}"
        )
    return list(items)
