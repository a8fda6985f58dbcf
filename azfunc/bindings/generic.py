"""The ``generic`` converter: plain values for bindings no converter is registered for.

Rules this module keeps:

* Input: ``string`` gives ``str``; ``bytes``/``stream`` give ``bytes``; ``json`` gives the JSON
  *text* (as azure-functions does), or the parsed value when the parameter is annotated
  ``dict``/``list``; ``int``/``double`` give numbers; collections give lists; ``null`` gives
  ``None``. A ``str`` annotation on bytes decodes UTF-8; a ``bytes`` annotation on text
  encodes it. Accepted annotations: ``str``, ``bytes``, ``dict``, ``list``, ``object``,
  ``Any`` or none.
* Output: ``str`` -> ``string``, ``bytes`` -> ``bytes``, ``bool``/``dict``/``list`` -> ``json``,
  ``int`` -> ``int``, ``float`` -> ``double``, ``None`` -> no output. Anything else is a
  :class:`~azfunc.ConversionError`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, Final

from .._datum import Datum, collection_items
from .._errors import BodyDecodeError, ConversionError, WireFormatError
from .._registry import Converter
from .._typing import unwrap_optional
from ._bodies import payload_value, utf8
from ._encode import MessageOutputConverter

__all__ = ["CONVERTERS", "GenericConverter"]

_ACCEPTED_KINDS: Final = (
    "string",
    "bytes",
    "stream",
    "json",
    "int",
    "double",
    "collection_bytes",
    "collection_string",
    "collection_double",
    "collection_sint64",
    "null",
)


class GenericConverter(MessageOutputConverter):
    """Plain ``str``/``bytes``/JSON values, both directions.

    Example:
        >>> conv = GenericConverter()
        >>> conv.decode(Datum('{"a": 1}', "json"))
        '{"a": 1}'
        >>> conv.decode(Datum('{"a": 1}', "json"), pytype=dict)
        {'a': 1}
        >>> conv.encode({"a": 1})
        <Datum json '{"a": 1}'>
    """

    binding = "generic"
    accepted = "str, bytes, int, float, bool, dict or list"
    bytes_types = (bytes, bytearray, memoryview)

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``dict``, ``list``, ``object``, ``Any`` or unannotated."""
        pytype = unwrap_optional(pytype)
        if pytype is None or pytype is Any or pytype is object:
            return True
        origin = typing.get_origin(pytype) or pytype
        return origin in (str, bytes, dict, list)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        """``str``, ``bytes``, ``dict``, ``list``, ``int``, ``float``, ``bool``, ``object``."""
        pytype = unwrap_optional(pytype)
        if pytype is None or pytype is Any or pytype is object:
            return True
        origin = typing.get_origin(pytype) or pytype
        return origin in (str, bytes, dict, list, int, float, bool)

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> Any:
        """The Datum's value in the form the annotation asks for.

        Raises:
            ConversionError: for an ``http`` or ``model_binding_data`` Datum, or when the
                value cannot take the annotated form.
        """
        value = self.expect(datum, *_ACCEPTED_KINDS)
        kind = datum.type
        target = unwrap_optional(pytype)
        target = typing.get_origin(target) or target
        if value is None or kind == "null":
            return None
        if kind in (
            "collection_bytes",
            "collection_string",
            "collection_double",
            "collection_sint64",
        ):
            return collection_items(datum)
        if kind in ("json", "string", "bytes", "stream"):
            text = payload_value(self, datum, kind)
            if text is None:
                return None
            if target in (dict, list):
                return self._parse(text, target)
            if target is bytes:
                return text if isinstance(text, bytes) else utf8(self, text)
            if target is str and isinstance(text, bytes):
                try:
                    return text.decode("utf-8")
                except UnicodeDecodeError:
                    raise ConversionError(
                        f"the {self.binding} binding received bytes that are not UTF-8 text "
                        "for a str parameter; annotate it as bytes"
                    ) from None
            return text
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise WireFormatError(
                f"the {self.binding} binding got a {kind} Datum holding {type(value).__name__}"
            )
        return value  # int / double

    def _parse(self, text: str | bytes, target: type) -> Any:
        from .._body import decode_json_body

        try:
            parsed = decode_json_body(text)
        except BodyDecodeError as exc:
            raise ConversionError(
                f"the {self.binding} binding cannot read the value as {target.__name__}: {exc}"
            ) from None
        if not isinstance(parsed, target):
            raise ConversionError(
                f"the {self.binding} binding received JSON {type(parsed).__name__} "
                f"but the parameter is annotated {target.__name__}"
            )
        return parsed

    def list_item(self, item: Any) -> Any:
        """A list is sent whole: every item as it is."""
        return item

    def encode_other(self, obj: Any) -> Datum | None:
        """``bool`` as JSON, ``int`` as ``int``, ``float`` as ``double``.

        Raises:
            ConversionError: for a value that is not str, bytes, a number, bool or JSON.
        """
        if isinstance(obj, bool):
            return Datum("true" if obj else "false", "json")
        if isinstance(obj, int):
            return Datum(obj, "int")
        if isinstance(obj, float):
            return Datum(obj, "double")
        raise self.unsupported_value(obj, self.accepted)


CONVERTERS: Final[dict[str, Converter]] = {"generic": GenericConverter()}
