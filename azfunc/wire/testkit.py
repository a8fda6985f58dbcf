"""The test kit's wire builders: request bodies in the exact bytes a client sends.

Rules this module keeps:

* :func:`encode_multipart` and :func:`encode_urlencoded` build request bodies for tests
  (``azfunc.testing.http_request`` and the benchmarks use them); the parsers in
  :mod:`azfunc.http` read back exactly what they wrote.
* It is the inverse direction of the codecs: nothing on a request path imports it.
* A value of the wrong shape raises :class:`~azfunc.ConversionError`, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias
from urllib.parse import quote_plus

from .._errors import ConversionError
from ..http._formtypes import FormFile

__all__ = ["FieldsInput", "FileSpec", "encode_multipart", "encode_urlencoded"]


#: Fields for the encoders: a mapping name -> value (or list of values), or pairs.
FieldsInput: TypeAlias = (
    Mapping[str, str | bytes | Sequence[str | bytes]] | Iterable[tuple[str, str | bytes]]
)
#: A file for :func:`encode_multipart`: ``(field, filename, content)``,
#: ``(field, filename, content, content_type)`` or a :class:`FormFile`.
FileSpec: TypeAlias = tuple[str, str, bytes] | tuple[str, str, bytes, str] | FormFile


def _field_pairs(fields: FieldsInput | None) -> list[tuple[str, str | bytes]]:
    if fields is None:
        return []
    pairs: list[tuple[str, str | bytes]] = []
    items: Iterable[Any] = fields.items() if isinstance(fields, Mapping) else fields
    try:
        for name, value in items:
            if isinstance(value, (str, bytes)):
                pairs.append((name, value))
            elif isinstance(value, Sequence):
                pairs.extend((name, item) for item in value)
            else:
                raise ConversionError(
                    f"form field {name!r}: a value must be str or bytes (or a list of them), "
                    f"got {type(value).__name__}"
                )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConversionError):
            raise
        raise ConversionError(
            f"form fields must be a mapping or (name, value) pairs: {exc}"
        ) from None
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, (str, bytes)):
            raise ConversionError(
                f"form field names must be str and values str or bytes: {name!r:.80}"
            )
    return pairs


def encode_urlencoded(fields: FieldsInput) -> tuple[bytes, str]:
    """Encode fields as ``application/x-www-form-urlencoded``; returns ``(body, content_type)``.

    ``fields`` is a mapping name -> value or list of values, or ``(name, value)`` pairs;
    ``str`` values are UTF-8 encoded, ``bytes`` sent as they are.

    Example:
        >>> encode_urlencoded({"q": "a b", "tag": ["x", "&"]})
        (b'q=a+b&tag=x&tag=%26', 'application/x-www-form-urlencoded')

    Raises:
        ConversionError: if a field is not a str name with a str/bytes value.
    """
    body = "&".join(
        f"{quote_plus(name)}={quote_plus(value)}" for name, value in _field_pairs(fields)
    )
    return body.encode("ascii"), "application/x-www-form-urlencoded"


_BCHARS: Final = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
)
_FilePart: TypeAlias = tuple[str, "str | None", bytes, "str | None"]


def _quote_param(text: str, what: str) -> bytes:
    if any(ch in text for ch in "\r\n\x00"):
        raise ConversionError(f"multipart {what} {text!r} must not contain CR, LF or NUL")
    try:
        return text.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8")
    except UnicodeEncodeError:
        raise ConversionError(f"multipart {what} {text!r} is not encodable as UTF-8") from None


def _file_parts(files: Iterable[FileSpec] | None) -> list[_FilePart]:
    out: list[_FilePart] = []
    for spec in files or ():
        if isinstance(spec, FormFile):
            position = spec.tell()
            spec.seek(0)
            content = spec.read()
            spec.seek(position)
            out.append((spec.name, spec.filename, content, spec.content_type))
            continue
        if not isinstance(spec, tuple) or len(spec) not in (3, 4):
            raise ConversionError(
                "a file must be (field, filename, content[, content_type]) or a FormFile, "
                f"got {spec!r:.80}"
            )
        field, filename, content = spec[0], spec[1], spec[2]
        ctype = spec[3] if len(spec) == 4 else None
        if not isinstance(field, str) or not isinstance(filename, str):
            raise ConversionError("a file's field name and filename must be str")
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise ConversionError(f"a file's content must be bytes, got {type(content).__name__}")
        if ctype is not None and not isinstance(ctype, str):
            raise ConversionError("a file's content type must be str")
        out.append((field, filename, bytes(content), ctype))
    return out


def encode_multipart(
    fields: FieldsInput | None = None,
    files: Iterable[FileSpec] | None = None,
    *,
    boundary: str | None = None,
) -> tuple[bytes, str]:
    """Encode fields and files as ``multipart/form-data``; returns ``(body, content_type)``.

    ``fields``: a mapping name -> value (or list of values), or ``(name, value)`` pairs;
    ``str`` values are UTF-8 encoded. ``files``: ``(field, filename, content)`` or
    ``(field, filename, content, content_type)`` tuples (content type default
    ``application/octet-stream``) or :class:`FormFile` objects; repeat a field name to send
    several files under it. Names and filenames are written as UTF-8 quoted strings with
    ``\\`` and ``"`` backslash-escaped. A random boundary that occurs in no content is chosen
    unless one is given.

    Example:
        >>> body, ctype = encode_multipart({"a": "1"}, [("f", "x.bin", b"\\x00")], boundary="B")
        >>> ctype
        'multipart/form-data; boundary=B'
        >>> body.split(b"\\r\\n")[:4]
        [b'--B', b'Content-Disposition: form-data; name="a"', b'', b'1']

    Raises:
        ConversionError: if an item has the wrong shape, a name contains CR/LF/NUL, or the
            given boundary is invalid or occurs in the content.
    """
    field_parts = [
        (_quote_param(name, "field name"), value if isinstance(value, bytes) else value.encode())
        for name, value in _field_pairs(fields)
    ]
    file_parts = [
        (
            _quote_param(field, "field name"),
            None if filename is None else _quote_param(filename, "filename"),
            content,
            (ctype or "application/octet-stream"),
        )
        for field, filename, content, ctype in _file_parts(files)
    ]
    for _, _, _, ctype in file_parts:
        if any(ch in ctype for ch in "\r\n\x00"):
            raise ConversionError(f"a file content type {ctype!r} must not contain CR, LF or NUL")
    contents = [value for _, value in field_parts] + [part[2] for part in file_parts]
    if boundary is None:
        from secrets import token_hex

        while True:
            boundary = "azfunc-" + token_hex(16)
            marker = b"--" + boundary.encode("ascii")
            if not any(marker in content for content in contents):
                break
    else:
        if not 1 <= len(boundary) <= 70 or not set(boundary) <= _BCHARS or boundary[-1] == " ":
            raise ConversionError(
                f"invalid multipart boundary {boundary!r} (RFC 2046: 1-70 bchars)"
            )
        marker = b"--" + boundary.encode("ascii")
        if any(marker in content for content in contents):
            raise ConversionError(f"the boundary {boundary!r} occurs in the content")
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for qname, value in field_parts:
        chunks += [delimiter, b'\r\nContent-Disposition: form-data; name="', qname, b'"\r\n\r\n']
        chunks += [value, b"\r\n"]
    for qname, qfilename, content, ctype in file_parts:
        chunks += [delimiter, b'\r\nContent-Disposition: form-data; name="', qname, b'"']
        if qfilename is not None:
            chunks += [b'; filename="', qfilename, b'"']
        chunks += [b"\r\nContent-Type: ", ctype.encode("utf-8"), b"\r\n\r\n", content, b"\r\n"]
    chunks += [delimiter, b"--\r\n"]
    content_type = f"multipart/form-data; boundary={_quote_boundary(boundary)}"
    return b"".join(chunks), content_type


def _quote_boundary(boundary: str) -> str:
    if any(ch in boundary for ch in " '()+,/:=?"):
        return f'"{boundary}"'
    return boundary
