"""Message bodies of the event and messaging converters, as bytes.

Rules this module keeps:

* A single body is bytes: ``string``/``json`` Datums are UTF-8 encoded, ``bytes``/``stream``
  kept as they are, ``null`` is ``b""``.
* A batch body list comes from ``collection_bytes``, ``collection_string`` or a ``json``
  array (a string item is UTF-8 encoded, any other item is re-serialised with
  :func:`json.dumps`, as azure-functions does).
* Text that cannot be encoded (lone surrogates) or bytes that must travel as text but are
  not UTF-8 raise :class:`~azfunc.WireFormatError` / :class:`~azfunc.ConversionError`.
"""

from __future__ import annotations

import json
from typing import Final

from .._datum import Datum, collection_items
from .._errors import ConversionError, WireFormatError
from .._registry import Converter

__all__ = ["batch_bodies", "payload_value", "single_body", "utf8", "utf8_text"]

_COLLECTIONS: Final = frozenset({"collection_bytes", "collection_string"})


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
