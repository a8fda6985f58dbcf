"""Shared helpers of the event and messaging converters: bodies, cardinality, metadata arrays.

Rules this module keeps:

* A single body is bytes: ``string``/``json`` Datums are UTF-8 encoded, ``bytes``/``stream``
  kept as they are, ``null`` is ``b""``. A batch body list comes from ``collection_bytes``,
  ``collection_string`` or a ``json`` array (a string item is UTF-8 encoded, any other item is
  re-serialised with :func:`json.dumps`, as azure-functions does).
* Cardinality is decided once, by :func:`decide_cardinality`: the annotation (``pytype``) when
  it says one or many, else the payload shape. Collection kinds and ``...Array`` metadata keys
  mean *many*; a JSON array means *many* unless the metadata carries a single-event key. When
  annotation and payload disagree a :class:`~azfunc.ConversionError` says so.
* Metadata arrays are trusted *positionally only when their length equals the batch length*.
  The host drops null and empty entries from string collections, so a shorter (or longer)
  array cannot be aligned: every event then gets ``None`` for that field instead of a value
  that may belong to another event. Converters prefer per-event objects (such as
  ``SystemPropertiesArray`` entries) that carry their own values.
* Batch-wide (non-``Array``) metadata is parsed once and shared by every event of a batch;
  no event holds a copy of the whole metadata mapping.
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from .._body import decode_json_body, decode_text_body
from .._datum import Datum, collection_items
from .._errors import BodyDecodeError, ConversionError, WireFormatError
from .._metadata import metadata_list, raw_metadata
from .._registry import Converter
from .._typing import is_class, is_class_of, unwrap_optional
from ._encode import dumps_json

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "MANY",
    "ONE",
    "JsonObject",
    "JsonObjectList",
    "JsonRowsConverter",
    "SharedMetadata",
    "annotation_shape",
    "batch_bodies",
    "payload_value",
    "decide_cardinality",
    "is_class",
    "is_class_of",
    "positional",
    "single_body",
    "unwrap_optional",
    "utf8",
]

_log = logging.getLogger("azfunc.metadata")

ONE: Final = "one"
MANY: Final = "many"

_COLLECTIONS: Final = frozenset({"collection_bytes", "collection_string"})
_LIST_ORIGINS: Final = (list, Sequence, Iterable)


def single_body(converter: Converter, datum: Datum) -> bytes:
    """The body of one message as bytes.

    Raises:
        ConversionError: for a Datum kind that is not a message body.
    """
    value = converter.expect(datum, "bytes", "string", "json", "stream", "null")
    if value is None:
        return b""
    if isinstance(value, str):
        return utf8(converter, value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise WireFormatError(
        f"the {converter.binding} binding got a {datum.type} Datum holding {type(value).__name__}"
    )


def utf8(converter: Converter, text: str) -> bytes:
    """``text`` encoded as UTF-8.

    Raises:
        WireFormatError: if the text holds lone surrogates (not encodable).
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise WireFormatError(
            f"the {converter.binding} binding got text that cannot be encoded as UTF-8"
        ) from None


def payload_value(converter: Converter, datum: Datum, *kinds: str) -> str | bytes | None:
    """The text or bytes a ``string``/``json``/``bytes``/``stream`` Datum holds (``None`` for
    ``null``); a ``json`` Datum holding an already-parsed value is re-serialised.

    Raises:
        ConversionError: for a kind not in ``kinds``, or a value that does not match its kind.
    """
    value = converter.expect(datum, *kinds)
    if value is None or datum.type == "null":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if datum.type == "json":
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            pass
    raise WireFormatError(
        f"the {converter.binding} binding got a {datum.type} Datum holding {type(value).__name__}"
    )


def batch_bodies(converter: Converter, datum: Datum) -> list[bytes]:
    """The bodies of a batch, in order.

    Raises:
        ConversionError: if the Datum is not a collection or a JSON array.
    """
    converter.expect(datum, "collection_bytes", "collection_string", "json")
    kind = datum.type
    if kind in _COLLECTIONS:
        items = collection_items(datum)
        out: list[bytes] = []
        for item in items:
            if isinstance(item, bytes):
                out.append(item)
            elif isinstance(item, str):
                out.append(utf8(converter, item))
            elif isinstance(item, (bytearray, memoryview)):
                out.append(bytes(item))
            else:
                raise WireFormatError(
                    f"the {converter.binding} binding got a {kind} item of type "
                    f"{type(item).__name__}"
                )
        return out
    parsed = datum.python_value
    if not isinstance(parsed, list):
        raise ConversionError(
            f"the {converter.binding} binding expected a JSON array for a batch, "
            f"got a JSON {type(parsed).__name__}"
        )
    try:
        return [
            item.encode("utf-8") if isinstance(item, str) else json.dumps(item).encode("utf-8")
            for item in parsed
        ]
    except (TypeError, ValueError) as exc:
        raise WireFormatError(
            f"the {converter.binding} binding got a json batch item that is not JSON: {exc}"
        ) from None


def annotation_shape(pytype: Any, item_type: type) -> tuple[str | None, type | None]:
    """What an annotation asks for: ``(cardinality, form)``.

    ``cardinality`` is :data:`ONE`, :data:`MANY` or ``None`` (unknown); ``form`` is
    ``item_type``, ``str``, ``bytes`` or ``None`` (the binding's own type by default).
    ``X | None`` is read as ``X``.

    Example:
        >>> annotation_shape(list[str], dict)
        ('many', <class 'str'>)
        >>> annotation_shape(None, dict)
        (None, None)
    """
    pytype = unwrap_optional(pytype)
    if pytype is None or pytype is Any or pytype is object:
        return None, None
    origin = typing.get_origin(pytype)
    if origin is not None and (origin in _LIST_ORIGINS):
        args = typing.get_args(pytype)
        inner = unwrap_optional(args[0]) if args else None
        return MANY, _form_of(inner, item_type)
    if pytype in (list, tuple):
        return MANY, None
    return ONE, _form_of(pytype, item_type)








def _form_of(pytype: Any, item_type: type) -> type | None:
    if pytype in (str, bytes):
        return typing.cast(type, pytype)
    if isinstance(pytype, type) and issubclass(pytype, item_type):
        return item_type
    return None


def decide_cardinality(
    converter: Converter,
    datum: Datum,
    metadata: Mapping[str, Any] | None,
    pytype: Any,
    *,
    item_type: type,
    single_keys: Iterable[str],
) -> tuple[str, type | None]:
    """Decide one vs many from the annotation and the payload; return ``(cardinality, form)``.

    Raises:
        ConversionError: when the annotation and the payload disagree.
    """
    wanted, form = annotation_shape(pytype, item_type)
    kind = datum.type if isinstance(datum, Datum) else ""
    has_arrays = bool(metadata) and any(
        isinstance(k, str) and k.endswith("Array") for k in metadata or ()
    )
    has_single = bool(metadata) and any(k in metadata for k in single_keys)  # type: ignore[operator]
    if kind in _COLLECTIONS or has_arrays:
        shape: str | None = MANY
    elif kind == "json" and not has_single and _looks_like_array(datum):
        shape = None  # a JSON array: many, unless the annotation asks for one
    else:
        shape = ONE
    if wanted is None:
        return (shape or MANY), form
    if shape is not None and shape != wanted:
        if shape == MANY:
            what, card, fix = "a batch", "many", "a list"
        else:
            what, card, fix = "a single message", "one", "a single item"
        raise ConversionError(
            f"the {converter.binding} binding received {what} (cardinality {card!r}) but "
            f"the parameter is annotated {_name(pytype)}; change the binding's cardinality "
            f"or annotate the parameter as {fix}"
        )
    return wanted, form


def _looks_like_array(datum: Datum) -> bool:
    value = datum.value
    if isinstance(value, (str, bytes, bytearray)):
        return value.lstrip()[:1] in ("[", b"[")
    return isinstance(value, list)


def _name(pytype: Any) -> str:
    return getattr(pytype, "__name__", None) or repr(pytype)


def positional(metadata: Mapping[str, Any] | None, key: str, count: int) -> list[Any] | None:
    """The ``key`` metadata array when it can be aligned with a batch of ``count``, else None.

    Example:
        >>> positional({"OffsetArray": Datum(["1", "2"], "collection_string")}, "OffsetArray", 2)
        ['1', '2']
        >>> positional({"OffsetArray": Datum(["1"], "collection_string")}, "OffsetArray", 2)
    """
    if not metadata or key not in metadata:
        return None
    values = metadata_list(metadata, key)
    if values is None:
        return None
    if len(values) != count:
        _log.debug(
            "metadata %s has %d entries for a batch of %d; not used positionally",
            key,
            len(values),
            count,
        )
        return None
    return values


class SharedMetadata:
    """The batch-wide metadata of one invocation, parsed once and shared by every event.

    Only keys that do not end in ``Array`` are kept: the per-event values live on the events.

    Example:
        >>> shared = SharedMetadata({"PartitionContext": Datum('{"PartitionId": "0"}', "json"),
        ...                          "OffsetArray": Datum(["1"], "collection_string")})
        >>> shared.get()
        {'PartitionContext': {'PartitionId': '0'}}
    """

    __slots__ = ("_parsed", "_source")

    def __init__(self, source: Mapping[str, Any] | None) -> None:
        self._source = source
        self._parsed: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        """The shared metadata as plain Python values (parsed on first call)."""
        if self._parsed is None:
            source = self._source or {}
            self._parsed = raw_metadata(
                {k: v for k, v in source.items() if not str(k).endswith("Array")}
            )
        return self._parsed

    def with_own(self, own: Mapping[str, Any]) -> dict[str, Any]:
        """The shared metadata plus one item's ``own`` values (``None`` values left out), as
        that item's ``metadata`` property reports it.

        Example:
            >>> SharedMetadata({"PartitionContext": Datum('{"PartitionId": "0"}', "json")}
            ...                ).with_own({"Offset": "7", "PartitionKey": None})
            {'PartitionContext': {'PartitionId': '0'}, 'Offset': '7'}
        """
        return {**self.get(), **{k: v for k, v in own.items() if v is not None}}


def annotation_allows(pytype: Any, allowed: tuple[type, ...], *, many: bool = True) -> bool:
    """Whether ``pytype`` is one of ``allowed`` (or a subclass), or, when ``many`` is true,
    a ``list[...]``/``Sequence[...]`` of one. ``X | None`` is read as ``X``.

    Example:
        >>> annotation_allows(list[str], (str, bytes))
        True
        >>> annotation_allows(int, (str, bytes))
        False
    """
    pytype = unwrap_optional(pytype)
    origin = typing.get_origin(pytype)
    if origin is not None and origin in _LIST_ORIGINS:
        if not many:
            return False
        args = typing.get_args(pytype)
        if not args:
            return list in allowed
        return annotation_allows(args[0], allowed, many=False)
    return isinstance(pytype, type) and issubclass(pytype, allowed)


def text_or_none(value: Any) -> str | None:
    """A metadata value as text: strings kept, numbers written out, anything else None.

    Example:
        >>> text_or_none(3696), text_or_none("a"), text_or_none(None)
        ('3696', 'a', None)
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


def int_or_none(value: Any) -> int | None:
    """A metadata value as an int: ints kept, integral floats and decimal strings converted.

    Example:
        >>> int_or_none("47"), int_or_none(47.0), int_or_none("x")
        (47, 47, None)
    """
    if type(value) is int:
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, (str, bytes)):
        try:
            return int(value.strip(), 10)
        except ValueError:
            return None
    return None


def utf8_text(converter: Converter, body: bytes, what: str) -> str:
    """``body`` as UTF-8 text, for outputs that can only carry text.

    Raises:
        ConversionError: if the bytes are not valid UTF-8.
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ConversionError(
            f"the {converter.binding} binding can only send {what} as UTF-8 text in a JSON "
            f"array; send binary bodies one at a time as bytes"
        ) from None


# --- JSON row collections (Cosmos DB documents, SQL and MySQL rows) ------------------------


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

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


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
            if origin is dict and isinstance(parsed, list):
                if len(parsed) != 1:
                    raise ConversionError(
                        f"the {self.binding} binding received {len(parsed)} rows but the "
                        f"parameter is annotated dict; annotate it as a list"
                    )
                parsed = parsed[0]
            return parsed
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
