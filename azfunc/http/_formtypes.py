"""Form data types: the limits a parse keeps, and the uploaded file.

Rules this module keeps:

* :class:`FormLimits` holds the safe defaults: 1000 parts, 1 MiB per non-file field, 16 KiB
  of headers per part, file parts above 1 MiB spooled to a temporary file, no file size
  cap. A request uses its own ``form_limits=`` if given, else the process default set with
  :meth:`FormLimits.set_default`. Going past a limit raises
  :class:`~azfunc.LimitExceededError` naming it (:func:`exceeded`).
* It imports neither parser: :mod:`azfunc.http.forms` and :mod:`azfunc.http.multipart`
  both import it (so they do not import each other's names in a cycle).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from typing import IO, ClassVar, Final, cast

from multidict import CIMultiDict

from .._errors import ConversionError, LimitExceededError
from ._viewfile import ViewFile
from .headers import HeadersInput, RequestHeaders, make_request_headers

__all__ = ["FormFile", "FormLimits", "exceeded", "headers_of", "safe_filename"]


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

    :attr:`filename` is always safe to join to a directory (see :func:`safe_filename`):
    ``FormFile(filename="../../etc/passwd").filename == "passwd"``. The value the client
    sent is kept, unchanged, in :attr:`raw_filename`.
    """

    __slots__ = (
        "_owned", "content_type", "filename", "headers", "name", "raw_filename", "stream"
    )

    def __init__(
        self,
        *,
        name: str = "",
        filename: str | None = None,
        content: bytes = b"",
        content_type: str | None = None,
        headers: HeadersInput | None = None,
        stream: IO[bytes] | None = None,
        raw_filename: str | None = None,
    ) -> None:
        self.name: str = name
        if raw_filename is None:
            raw_filename = filename
        #: the file name exactly as the client sent it (``filename*`` decoded): never join
        #: it to a path; use :attr:`filename`.
        self.raw_filename: str | None = raw_filename
        #: the base name of :attr:`raw_filename`, safe to join to a directory.
        self.filename: str | None = None if filename is None else safe_filename(filename)
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


#: what separates path components on any platform a client may run.
_SEPARATORS: Final = re.compile(r"[/\\]")
#: C0 controls (NUL included) and DEL: never part of a name worth keeping.
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f]")
#: a drive prefix that would make ``ntpath.join`` leave the directory: ``C:``, and any other
#: character before a colon (``ntpath.splitdrive("0:")`` is a drive too).
_DRIVE: Final = re.compile(r"^(?:.:)+", re.S)


def safe_filename(raw: str) -> str:
    r"""The base name of an uploaded file's name, safe to join to a directory.

    Browsers and tools send anything: full Windows paths (``C:\dir\a.txt``), traversal
    (``../../etc/passwd``), absolute paths, NUL or control characters. The result keeps only
    the last path component (``/`` and ``\`` both separate), drops control characters and a
    drive prefix, and is ``""`` when nothing usable remains (``..``, ``.``, ``/``). An
    already plain name is returned unchanged.

    Example:
        >>> [safe_filename(n) for n in ("a.txt", "C:\\dir\\b.txt", "../../etc/passwd", "..")]
        ['a.txt', 'b.txt', 'passwd', '']
    """
    name = _SEPARATORS.split(raw)[-1]
    if _CONTROLS.search(name):
        name = _CONTROLS.sub("", name)
    name = _DRIVE.sub("", name)
    if name.strip(" .") == "":
        return ""
    return name


def headers_of(pairs: Iterable[tuple[str, str]]) -> RequestHeaders:
    """Read-only request headers over ``pairs`` (a part's headers)."""
    store: CIMultiDict[str] = CIMultiDict(pairs)
    return RequestHeaders(store)
