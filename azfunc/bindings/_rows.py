"""JSON row collections (Cosmos DB documents, SQL and MySQL rows) and their converter.

Rules this module keeps:

* A row is a real ``dict`` (:class:`JsonObject`), a row list a real ``list``
  (:class:`JsonObjectList`): both are mutable, as azure-functions' ``Document`` is, and
  unhashable like their builtins.
* ``to_json()`` returns JSON text, ``to_dict()``/``to_list()`` plain builtins (a list's
  ``to_dict()`` is its rows' ``to_dict()``, as in azure-functions 2.x); a value that is not
  JSON-serialisable raises :class:`~azfunc.ConversionError`. :class:`SerialisedRow` (the
  SQL rows) makes ``to_dict()`` JSON-safe first, as 2.x's ``SqlRow`` does; a ``Document``'s
  is a plain copy, as 2.x's is.
* :class:`JsonRowsConverter` decodes ``json``/``string``/``bytes`` JSON and encodes rows as a
  JSON array (see its docstring for the annotations it serves).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._body import decode_json_body, decode_text_body
from .._datum import Datum
from .._errors import BodyDecodeError, ConversionError
from .._registry import Converter
from .._typing import unwrap_optional
from ._bodies import payload_value, utf8
from ._cardinality import annotation_allows
from ._encode import dumps_json
from ._value import json_safe, json_text

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "JsonObject",
    "JsonObjectList",
    "JsonRowsConverter",
    "SerialisedRow",
    "SerialisedRowList",
]


def _json_text(rows: JsonObject | JsonObjectList) -> str:
    try:
        return json.dumps(rows)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"{type(rows).__name__} is not JSON-serialisable: {exc}") from None


class JsonObject(dict[str, Any]):
    """A JSON object that is a real ``dict``: the base of ``Document``, ``SqlRow``, ``MySqlRow``.

    Example:
        >>> row = JsonObject.from_json('{"id": "1"}')
        >>> row["id"], row.to_json(), isinstance(row, dict)
        ('1', '{"id": "1"}', True)
    """

    __slots__ = ()

    @classmethod
    def from_json(cls, json_data: str | bytes) -> Self:
        """Build from JSON text holding an object.

        Raises:
            BodyDecodeError: if the text is empty or not JSON.
            ConversionError: if the JSON is not an object.
        """
        return cls.from_dict(decode_json_body(json_data))

    @classmethod
    def from_dict(cls, dct: Mapping[str, Any]) -> Self:
        """Build from a mapping (copied).

        Raises:
            ConversionError: if ``dct`` is not a mapping.
        """
        if not isinstance(dct, Mapping):
            raise ConversionError(f"{cls.__name__} needs a JSON object, got {type(dct).__name__}")
        return cls(dct)

    def to_json(self) -> str:
        """The object as JSON text.

        Raises:
            ConversionError: if a value is not JSON-serialisable.
        """
        return _json_text(self)

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` copy."""
        return dict(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"


class JsonObjectList(list[Any]):
    """A list of :class:`JsonObject` (or ``None`` for null entries).

    Example:
        >>> rows = JsonObjectList.from_json('[{"id": "1"}, null]')
        >>> rows.to_json()
        '[{"id": "1"}, null]'
    """

    __slots__ = ()

    #: the item type; subclasses set their own (``Document``, ``SqlRow``...).
    item_type: typing.ClassVar[type[JsonObject]] = JsonObject

    @classmethod
    def from_json(cls, json_data: str | bytes) -> Self:
        """Build from JSON text holding an array of objects (or one object).

        Raises:
            BodyDecodeError: if the text is empty or not JSON.
            ConversionError: if an item is neither an object nor null.
        """
        return cls.from_list(decode_json_body(json_data))

    @classmethod
    def from_list(cls, items: Any) -> Self:
        """Build from a list of mappings (one mapping reads as a list of one).

        Raises:
            ConversionError: if an item is neither a mapping nor ``None``.
        """
        if isinstance(items, Mapping):
            items = [items]
        if not isinstance(items, (list, tuple)):
            raise ConversionError(
                f"{cls.__name__} needs a JSON array of objects, got {type(items).__name__}"
            )
        make = cls.item_type.from_dict
        return cls(None if item is None else make(item) for item in items)

    def to_json(self) -> str:
        """The list as JSON text.

        Raises:
            ConversionError: if a value is not JSON-serialisable.
        """
        return _json_text(self)

    def to_list(self) -> list[dict[str, Any] | None]:
        """Plain dicts (and ``None`` entries)."""
        return [None if item is None else dict(item) for item in self]

    def to_dict(self) -> list[dict[str, Any] | None]:
        """Each row's ``to_dict()`` (``None`` entries kept), as azure-functions 2.x's
        ``DocumentList``/``SqlRowList`` give it; a list, despite the name."""
        return [None if item is None else item.to_dict() for item in self]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


class SerialisedRow(JsonObject):
    """A row whose ``to_dict()`` is JSON-safe (azure-functions 2.x's ``SqlRow``): bytes as
    UTF-8 text or ``{"__encoding": "base64", ...}``, datetimes as ISO-8601, recursively.

    Example:
        >>> SerialisedRow(id=1, photo=b"\\x89PNG").to_json()
        '{"id": 1, "photo": {"__encoding": "base64", "value": "iVBORw=="}}'
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe copy (see the class notes)."""
        safe: dict[str, Any] = json_safe(dict(self))
        return safe

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if a value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), type(self).__name__)


class SerialisedRowList(JsonObjectList):
    """A list of :class:`SerialisedRow` whose ``to_json()`` writes their ``to_dict()``."""

    __slots__ = ()
    item_type: typing.ClassVar[type[JsonObject]] = SerialisedRow

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text.

        Raises:
            ConversionError: if a value is not JSON-serialisable.
        """
        return json_text(self.to_dict(), type(self).__name__)


class JsonRowsConverter(Converter):
    """Input/output of JSON object lists (Cosmos DB, SQL, MySQL); subclasses set the types.

    Decoding reads ``json``/``string``/``bytes`` JSON (an object reads as a list of one,
    ``null`` payloads as ``None``). The annotation may ask for the list type (default), the
    item type (exactly one row), ``str``/``bytes`` (the JSON text) or ``list``/``dict``
    (plain parsed JSON). With ``raw_default`` (triggers whose existing code reads JSON text)
    an unannotated parameter receives the text.

    Encoding accepts an item, a list type, a ``dict``, an iterable of items/dicts, or ``str``
    (JSON text, sent as is); the wire form is a JSON array.
    """

    list_type: typing.ClassVar[type[JsonObjectList]] = JsonObjectList
    trigger: typing.ClassVar[bool] = False
    raw_default: typing.ClassVar[bool] = False

    def has_trigger_support(self) -> bool:
        """Whether this converter serves a trigger binding."""
        return self.trigger

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """The list or item type, ``str``, ``bytes``, ``dict`` or ``list``."""
        return annotation_allows(
            pytype, (self.list_type, self.list_type.item_type, str, bytes, dict, list)
        )

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """The list or item type, ``dict``, ``list`` or ``str``."""
        if self.trigger:
            return False
        return annotation_allows(
            pytype, (self.list_type, self.list_type.item_type, dict, list, str)
        )

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """Decode the JSON payload.

        Raises:
            ConversionError: if the payload is not JSON objects, or the annotation asks for
                one row and the payload holds another number.
        """
        text = payload_value(self, datum, "json", "string", "bytes", "null")
        if text is None:
            return None
        target = unwrap_optional(pytype)
        if target is bytes:
            return text if isinstance(text, bytes) else utf8(self, text)
        if target is str or (target is None and self.raw_default):
            return text if isinstance(text, str) else decode_text_body(text)
        try:
            parsed = decode_json_body(text)
        except BodyDecodeError as exc:
            raise ConversionError(f"the {self.binding} payload is not JSON: {exc}") from None
        origin = typing.get_origin(target) or target
        if origin in (list, dict) and not (
            isinstance(target, type) and issubclass(target, JsonObjectList)
        ):
            return self._plain(parsed, origin)
        rows = self.list_type.from_list(parsed)
        item = self.list_type.item_type
        if isinstance(target, type) and issubclass(target, item):
            if len(rows) != 1:
                raise ConversionError(
                    f"the {self.binding} binding received {len(rows)} rows but the parameter "
                    f"is annotated {item.__name__}; annotate it as {self.list_type.__name__}"
                )
            return rows[0]
        return rows

    def _plain(self, parsed: Any, origin: Any) -> Any:
        """``parsed`` for a ``dict`` (one JSON object) or ``list`` (an array) annotation."""
        if origin is dict:
            if isinstance(parsed, list):
                if len(parsed) != 1:
                    raise ConversionError(
                        f"the {self.binding} binding received {len(parsed)} rows but the "
                        f"parameter is annotated dict; annotate it as a list"
                    )
                parsed = parsed[0]
            if not isinstance(parsed, dict):
                raise ConversionError(
                    f"the {self.binding} binding received JSON {type(parsed).__name__}, "
                    "not an object, for a parameter annotated dict"
                )
            return parsed
        if isinstance(parsed, dict):
            return [parsed]
        if not isinstance(parsed, list):
            raise ConversionError(
                f"the {self.binding} binding received JSON {type(parsed).__name__}, "
                "not an array, for a parameter annotated list"
            )
        return parsed

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        """Encode rows as a JSON array.

        Raises:
            ConversionError: for a value that is not rows, or not JSON-serialisable.
        """
        if obj is None:
            return None
        if isinstance(obj, str):
            return Datum(obj, "json")
        if isinstance(obj, Mapping):
            rows: list[Any] = [dict(obj)]
        elif isinstance(obj, (list, tuple)):
            rows = []
            for row in obj:
                if not isinstance(row, Mapping):
                    raise self.unsupported_value(
                        row, f"{self.list_type.item_type.__name__} or dict items"
                    )
                rows.append(dict(row))
        else:
            raise self.unsupported_value(
                obj,
                f"{self.list_type.item_type.__name__}, {self.list_type.__name__}, dict, "
                "a list of those, or JSON text",
            )
        return Datum(dumps_json(self, rows, what="rows"), "json")
