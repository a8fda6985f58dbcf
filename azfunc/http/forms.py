"""Form data: limits, uploaded files, parsing entry point and body encoders.

Rules this module keeps:

* :class:`FormLimits` holds the safe defaults: 1000 parts, 1 MiB per non-file field, 16 KiB
  of headers per part, file parts above 1 MiB spooled to a temporary file, no file size
  cap. A request uses its own ``form_limits=`` if given, else the process default set with
  :meth:`FormLimits.set_default`. Going past a limit raises
  :class:`~azfunc.LimitExceededError` naming it.
* :func:`parse_form` serves ``application/x-www-form-urlencoded`` and
  ``multipart/form-data`` (parsed by :mod:`azfunc.http.multipart`, imported on first use);
  any other Content-Type yields empty results, like azure-functions.
* Form values are ``str``, decoded with the declared charset (default UTF-8): an
  undecodable urlencoded body raises :class:`~azfunc.RequestError`; in a multipart field,
  undecodable bytes are replaced (as browsers and werkzeug do). Files are :class:`FormFile`
  objects. Both come back multi-valued (``MultiDictProxy``): ``getall`` returns every value
  of a repeated name.
* :func:`encode_multipart` and :func:`encode_urlencoded` build request bodies for tests; the
  parser reads back exactly what they wrote.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, ClassVar, Final, TypeAlias, cast
from urllib.parse import quote_plus, unquote_to_bytes

from multidict import CIMultiDict, MultiDict, MultiDictProxy

from .._body import charset_from_content_type
from .._errors import ConversionError, LimitExceededError, RequestError
from ._viewfile import ViewFile
from .headers import HeadersInput, RequestHeaders, make_request_headers

__all__ = [
    "FieldsInput",
    "FileSpec",
    "FormFile",
    "FormLimits",
    "encode_multipart",
    "encode_urlencoded",
    "parse_form",
]

_MIB: Final = 1 << 20
_LIMIT_NAMES: Final = (
    "max_parts",
    "max_field_size",
    "max_part_header_size",
    "spool_threshold",
    "max_file_size",
)


class FormLimits:
    """Limits applied while parsing a form body (immutable; compare by value).

    Attributes:
        max_parts: most fields + files (urlencoded pairs or multipart parts).
        max_field_size: most bytes in one non-file field value.
        max_part_header_size: most bytes in the header block of one multipart part.
        spool_threshold: file parts larger than this go to a temporary file; smaller ones
            are zero-copy views of the body. ``None``: never spool.
        max_file_size: most bytes in one file part; ``None``: no cap.

    Example:
        >>> FormLimits().max_parts
        1000
        >>> previous = FormLimits.set_default(FormLimits(max_parts=10))
        >>> FormLimits.get_default().max_parts
        10
        >>> _ = FormLimits.set_default(previous)

    Raises:
        ConversionError: if a limit is not a non-negative int.
    """

    __slots__ = (
        "max_field_size",
        "max_file_size",
        "max_part_header_size",
        "max_parts",
        "spool_threshold",
    )

    max_parts: int
    max_field_size: int
    max_part_header_size: int
    spool_threshold: int | None
    max_file_size: int | None

    _default: ClassVar[FormLimits | None] = None

    def __init__(
        self,
        *,
        max_parts: int = 1000,
        max_field_size: int = _MIB,
        max_part_header_size: int = 16 * 1024,
        spool_threshold: int | None = _MIB,
        max_file_size: int | None = None,
    ) -> None:
        values = {
            "max_parts": max_parts,
            "max_field_size": max_field_size,
            "max_part_header_size": max_part_header_size,
            "spool_threshold": spool_threshold,
            "max_file_size": max_file_size,
        }
        for name, value in values.items():
            _check_limit(name, value, optional=name in ("spool_threshold", "max_file_size"))
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FormLimits is immutable; build a new one (setting {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FormLimits is immutable (deleting {name!r})")

    def _values(self) -> tuple[int | None, ...]:
        return tuple(getattr(self, name) for name in _LIMIT_NAMES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FormLimits):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _LIMIT_NAMES)
        return f"FormLimits({fields})"

    @classmethod
    def get_default(cls) -> FormLimits:
        """The limits used by requests built without ``form_limits=``."""
        current = FormLimits._default
        if current is None:
            current = cls()
            type.__setattr__(FormLimits, "_default", current)
        return current

    @classmethod
    def set_default(cls, limits: FormLimits | None) -> FormLimits:
        """Set the process-wide default limits (``None`` restores the built-in ones).

        Returns the previous default, so a caller can restore it.

        Raises:
            ConversionError: if ``limits`` is not a FormLimits or None.
        """
        if limits is not None and not isinstance(limits, FormLimits):
            raise ConversionError(
                f"FormLimits.set_default() takes a FormLimits or None, "
                f"got {type(limits).__name__}"
            )
        previous = cls.get_default()
        type.__setattr__(FormLimits, "_default", limits)
        return previous


def _check_limit(name: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConversionError(f"FormLimits.{name} must be a non-negative int, got {value!r}")


def exceeded(limits: FormLimits, limit: str, what: str) -> LimitExceededError:
    """The error for going past ``limits.<limit>`` while parsing ``what``."""
    value = getattr(limits, limit)
    return LimitExceededError(
        f"{what} exceeds the form limit {limit}={value}; raise it with "
        f"HttpRequest(..., form_limits=FormLimits({limit}=...)) or FormLimits.set_default()",
        limit=limit,
        value=value,
    )


class FormFile:
    """One uploaded file of a form.

    The content is a seekable binary file (:attr:`stream`): a zero-copy view of the request
    body for small parts, a temporary file for parts above the spool threshold.

    Example:
        >>> f = FormFile(name="doc", filename="a.txt", content=b"hello", content_type="text/plain")
        >>> f.read(2), f.tell(), f.read(), f.seek(0), f.read()
        (b'he', 2, b'llo', 0, b'hello')
        >>> f.filename, f.content_type, f.mimetype
        ('a.txt', 'text/plain', 'text/plain')
    """

    __slots__ = ("_owned", "content_type", "filename", "headers", "name", "stream")

    def __init__(
        self,
        *,
        name: str = "",
        filename: str | None = None,
        content: bytes = b"",
        content_type: str | None = None,
        headers: HeadersInput | None = None,
        stream: IO[bytes] | None = None,
    ) -> None:
        self.name: str = name
        self.filename: str | None = filename
        self.headers: RequestHeaders = (
            headers if isinstance(headers, RequestHeaders) else make_request_headers(headers)
        )
        self.content_type: str | None = (
            content_type if content_type is not None else self.headers.get("content-type")
        )
        if stream is None:
            stream = cast("IO[bytes]", ViewFile(bytes(content)))
        self.stream: IO[bytes] = stream
        #: whether the parser made ``stream`` (a temporary file) and so closes it when this
        #: object goes away; a stream given by the caller is never closed behind its back.
        self._owned = False

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters, lower-cased (``None`` if not sent)."""
        if self.content_type is None:
            return None
        return self.content_type.partition(";")[0].strip().lower()

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all remaining when negative).

        Raises:
            ValueError: if the file is closed.
        """
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the read position; returns the new absolute position.

        Raises:
            ValueError: if the file is closed or the position would be negative.
        """
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        """The current read position.

        Raises:
            ValueError: if the file is closed.
        """
        return self.stream.tell()

    def save(self, destination: str | os.PathLike[str] | IO[bytes]) -> int:
        """Copy the whole content to a path or a binary file; returns the bytes written.

        The read position is restored afterwards.

        Raises:
            OSError: if the destination cannot be written.
        """
        position = self.stream.tell()
        self.stream.seek(0)
        try:
            from shutil import copyfileobj

            if isinstance(destination, (str, os.PathLike)):
                with open(destination, "wb") as target:
                    copyfileobj(self.stream, target)
                    return target.tell()
            start = destination.tell() if destination.seekable() else 0
            copyfileobj(self.stream, destination)
            return destination.tell() - start if destination.seekable() else self.size
        finally:
            self.stream.seek(position)

    @property
    def size(self) -> int:
        """The content length in bytes."""
        position = self.stream.tell()
        end = self.stream.seek(0, io.SEEK_END)
        self.stream.seek(position)
        return end

    def close(self) -> None:
        """Close the underlying file (a temporary file is removed)."""
        self.stream.close()

    def __del__(self) -> None:
        if getattr(self, "_owned", False) and not self.stream.closed:
            self.stream.close()

    def __repr__(self) -> str:
        return (
            f"<FormFile name={self.name!r} filename={self.filename!r} "
            f"content_type={self.content_type!r}>"
        )


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
    pairs: list[tuple[str, str]] = []
    if not body:
        return pairs
    pieces = body.split(b"&")
    if len(pieces) > limits.max_parts and sum(1 for p in pieces if p) > limits.max_parts:
        raise exceeded(limits, "max_parts", f"a form with {len(pieces)} fields")
    for piece in pieces:
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        name = _unquote(raw_name)
        value = _unquote(raw_value)
        if len(value) > limits.max_field_size:
            raise exceeded(limits, "max_field_size", f"form field with {len(value)} bytes")
        try:
            pairs.append((name.decode(charset), value.decode(charset)))
        except LookupError:
            raise RequestError(f"the form declares an unknown charset {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise RequestError(f"a form field is not valid {charset} text: {exc.reason}") from None
    return pairs


def _unquote(raw: bytes) -> bytes:
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        return unquote_to_bytes(raw)
    return raw


# --- encoding ------------------------------------------------------------------------------

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


def _headers_of(pairs: Iterable[tuple[str, str]]) -> RequestHeaders:
    store: CIMultiDict[str] = CIMultiDict(pairs)
    return RequestHeaders(store)
