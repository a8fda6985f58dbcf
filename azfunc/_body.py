"""Decoding message bodies as text or JSON, with one error type for every failure.

Rules this module keeps:

* The charset comes from the caller (an HTTP ``Content-Type``); the default is UTF-8.
* A UTF-8 byte-order mark is tolerated (and a UTF-16/32 one selects that codec).
* Every failure raises :class:`~azfunc.BodyDecodeError` whose message says which of three
  things went wrong: the body is empty, its bytes are not valid in the charset, or the text
  is not valid JSON (JSON nested deeper than the interpreter's recursion limit included).
"""

from __future__ import annotations

import codecs
import json
from typing import Any, Final

from ._errors import BodyDecodeError

__all__ = ["body_codec", "charset_from_content_type", "decode_json_body", "decode_text_body"]

_TOO_DEEP: Final = "the body is not valid JSON: it nests deeper than Python can parse"
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: codecs Python calls text encodings that no body is written in, or that decode in more
#: than linear time (punycode: 256 KiB took 6 s); refused like an unknown charset.
_NOT_BODY_CHARSETS: Final = frozenset({"punycode", "idna", "undefined"})


def body_codec(charset: str) -> str | None:
    """The codec name for a declared body ``charset``, or ``None`` when it is not a text
    encoding a body can be written in (unknown, ``rot13``/``base64`` and other transforms,
    ``punycode``/``idna``/``undefined``, or a name with a NUL or a lone surrogate).

    Example:
        >>> body_codec("UTF-8"), body_codec("latin1"), body_codec("punycode"), body_codec("rot13")
        ('utf-8', 'iso8859-1', None, None)
    """
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError, UnicodeError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_BODY_CHARSETS:
        return None
    return info.name


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, lower-cased, or ``None``.

    Example:
        >>> charset_from_content_type('text/plain; Charset="ISO-8859-1"')
        'iso-8859-1'
    """
    if not content_type or ";" not in content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, sep, value = param.partition("=")
        if sep and key.strip().lower() == "charset":
            return value.strip().strip('"').strip().lower() or None
    return None


def decode_text_body(body: bytes, charset: str | None = None) -> str:
    """Decode ``body`` as text in ``charset`` (default UTF-8), honouring a byte-order mark.

    Raises:
        BodyDecodeError: if the bytes are not valid in the charset, or the charset is unknown.
    """
    encoding = charset or "utf-8"
    if body[:1] in (b"\xef", b"\xff", b"\xfe", b"\x00"):
        for bom, bom_codec in _BOMS:
            if body.startswith(bom):
                encoding = bom_codec
                break
    codec = body_codec(encoding)
    if codec is None:
        raise BodyDecodeError(f"the body declares an unknown charset {encoding!r}")
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        raise BodyDecodeError(
            f"the body is not valid {encoding} text (byte {exc.start}: {exc.reason})"
        ) from None


def decode_json_body(body: bytes | str, charset: str | None = None) -> Any:
    """Parse ``body`` as JSON.

    Example:
        >>> decode_json_body(b'{"a": [1, 2]}')
        {'a': [1, 2]}

    Raises:
        BodyDecodeError: if the body is empty, not decodable in its charset, or not JSON.
    """
    if isinstance(body, str):
        text = body
    else:
        if not body:
            raise BodyDecodeError("the body is empty; expected JSON")
        if charset is None:
            # json reads UTF-8/16/32 bytes itself, with or without a byte-order mark.
            try:
                return json.loads(body)
            except UnicodeDecodeError as exc:
                raise BodyDecodeError(
                    f"the body is not valid {exc.encoding} text (byte {exc.start}: {exc.reason})"
                ) from None
            except RecursionError:
                raise BodyDecodeError(_TOO_DEEP) from None
            except json.JSONDecodeError as exc:
                if not body.strip():
                    raise BodyDecodeError("the body is empty; expected JSON") from None
                raise _invalid(exc) from None
            except ValueError as exc:
                raise BodyDecodeError(f"the body is not valid JSON: {exc}") from None
        text = decode_text_body(body, charset)
    if not text.strip():
        raise BodyDecodeError("the body is empty; expected JSON")
    try:
        return json.loads(text)
    except RecursionError:
        raise BodyDecodeError(_TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise _invalid(exc) from None


def _invalid(exc: json.JSONDecodeError) -> BodyDecodeError:
    """The documented error for invalid JSON, pointing where ``json`` stopped."""
    return BodyDecodeError(f"the body is not valid JSON: {exc}", doc=exc.doc, pos=exc.pos)
