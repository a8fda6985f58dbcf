"""Form data: the parsing entry point and the urlencoded parser.

Rules this module keeps:

* :func:`parse_form` serves ``application/x-www-form-urlencoded`` and
  ``multipart/form-data`` (parsed by :mod:`azfunc.http.multipart`, imported on first use);
  any other Content-Type yields empty results, like azure-functions.
* Form values are ``str``, decoded with the declared charset (default UTF-8): an
  undecodable urlencoded body raises :class:`~azfunc.RequestError`; in a multipart field,
  undecodable bytes are replaced (as browsers and werkzeug do). Files are :class:`FormFile`
  objects whose ``filename`` is a base name safe to join to a directory (the name as sent
  is ``raw_filename``). Both come back multi-valued (``MultiDictProxy``): ``getall``
  returns every value of a repeated name.
* :class:`FormLimits` and :class:`FormFile` live in :mod:`azfunc.http._formtypes` and are
  re-exported here. The test kit's body encoders (:func:`encode_multipart`,
  :func:`encode_urlencoded`) live in :mod:`azfunc.wire.testkit`; their names still resolve
  here, loaded on first use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote_to_bytes

from multidict import MultiDict, MultiDictProxy

from .._body import body_codec, charset_from_content_type
from .._errors import RequestError
from ._formtypes import FormFile, FormLimits, exceeded, safe_filename

if TYPE_CHECKING:
    from ..wire.testkit import FieldsInput, FileSpec, encode_multipart, encode_urlencoded

__all__ = [
    "FieldsInput",
    "FileSpec",
    "FormFile",
    "FormLimits",
    "encode_multipart",
    "encode_urlencoded",
    "parse_form",
    "safe_filename",
]

_TESTKIT_NAMES: Final = frozenset(
    {"FieldsInput", "FileSpec", "encode_multipart", "encode_urlencoded"}
)


def __getattr__(name: str) -> Any:
    if name in _TESTKIT_NAMES:
        from ..wire import testkit

        return getattr(testkit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- parsing -------------------------------------------------------------------------------

EMPTY_FORM: Final[MultiDictProxy[str]] = MultiDictProxy(MultiDict())
EMPTY_FILES: Final[MultiDictProxy[FormFile]] = MultiDictProxy(MultiDict())


def parse_form(
    body: bytes, content_type: str | None, *, limits: FormLimits | None = None
) -> tuple[MultiDictProxy[str], MultiDictProxy[FormFile]]:
    """Parse a form body into ``(fields, files)``.

    Example:
        >>> form, files = parse_form(b"a=1&a=2&b=", "application/x-www-form-urlencoded")
        >>> form.getall("a"), form["b"], len(files)
        (['1', '2'], '', 0)

    Raises:
        RequestError: if a multipart body is malformed or a urlencoded one undecodable.
        LimitExceededError: if a limit is exceeded.
    """
    limits = limits or FormLimits.get_default()
    if not content_type:
        return EMPTY_FORM, EMPTY_FILES
    mimetype = content_type.partition(";")[0].strip().lower()
    if mimetype == "application/x-www-form-urlencoded":
        charset = charset_from_content_type(content_type) or "utf-8"
        return MultiDictProxy(MultiDict(_parse_urlencoded(body, charset, limits))), EMPTY_FILES
    if mimetype == "multipart/form-data":
        from .multipart import boundary_from_content_type, parse_multipart

        boundary = boundary_from_content_type(content_type)
        fields, files = parse_multipart(body, boundary, limits=limits)
        return MultiDictProxy(MultiDict(fields)), MultiDictProxy(MultiDict(files))
    return EMPTY_FORM, EMPTY_FILES


def _parse_urlencoded(body: bytes, charset: str, limits: FormLimits) -> list[tuple[str, str]]:
    """The (name, value) pairs of an urlencoded body, in memory proportional to the fields
    found (empty pieces between ``&`` cost nothing: 50 MiB of ``&`` builds no list)."""
    pairs: list[tuple[str, str]] = []
    if not body:
        return pairs
    codec = body_codec(charset)
    if codec is None:
        raise RequestError(f"the form declares an unknown charset {charset!r}")
    for match in _FIELD.finditer(body):
        if len(pairs) == limits.max_parts:
            raise exceeded(limits, "max_parts", f"a form with more than {limits.max_parts} fields")
        raw_name, _, raw_value = match.group().partition(b"=")
        name = _unquote(raw_name)
        value = _unquote(raw_value)
        if len(value) > limits.max_field_size:
            raise exceeded(limits, "max_field_size", f"form field with {len(value)} bytes")
        try:
            pairs.append((name.decode(codec), value.decode(codec)))
        except UnicodeDecodeError as exc:
            raise RequestError(f"a form field is not valid {charset} text: {exc.reason}") from None
    return pairs


#: one urlencoded field: a run of bytes between ``&`` separators.
_FIELD: Final = re.compile(rb"[^&]+")


#: bytes unquoted per step: ``unquote_to_bytes`` holds a list entry per ``%``, so a long
#: value is unquoted in windows of this size to keep memory proportional to the value.
_UNQUOTE_WINDOW: Final = 16 << 10


def _unquote(raw: bytes) -> bytes:
    """``+`` to space and ``%XX`` decoded, in memory linear in ``len(raw)``."""
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw
    size = len(raw)
    if size <= _UNQUOTE_WINDOW:
        return unquote_to_bytes(raw)
    out = bytearray()
    start = 0
    while start < size:
        end = start + _UNQUOTE_WINDOW
        if end < size:
            cut = raw.rfind(b"%", end - 2, end)  # never split a %XX escape between windows
            if cut >= 0:
                end = cut
        out += unquote_to_bytes(raw[start:end])
        start = end
    return bytes(out)
