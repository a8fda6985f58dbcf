"""The ``multipart/form-data`` parser (RFC 7578 over RFC 2046), sans-IO and single pass.

Rules this module keeps:

* The body is searched with ``bytes.find`` only (never a per-byte Python loop): the first
  delimiter (after an optional preamble), each part's header block, then the next
  ``CRLF--boundary``. The epilogue after the close delimiter is ignored.
* Malformed input raises :class:`~azfunc.RequestError` saying what is wrong: no or invalid
  boundary, no delimiter, no close delimiter, garbage after a delimiter, an unterminated or
  malformed header block, a part without ``Content-Disposition: form-data; name=...``.
* Limits (:class:`~azfunc.http.forms.FormLimits`) are checked as parts are found, before
  their data is copied; going past one raises :class:`~azfunc.LimitExceededError`.
* A part with a ``filename`` (or ``filename*``) parameter is a file, even if the name is
  empty; the others are fields, decoded with the part's charset (default UTF-8, undecodable
  bytes replaced). File parts up to ``spool_threshold`` bytes are zero-copy views of the
  body; larger ones are written once to a temporary file, so no part is held twice.
* Quoted parameters are unescaped for ``\\\\`` and ``\\"`` only, so raw Windows paths sent by
  old browsers survive; ``filename*=charset''percent-encoded`` (RFC 5987) wins over
  ``filename``. The decoded value is the file's ``raw_filename``; its ``filename`` is the
  base name :func:`~azfunc.http.forms.safe_filename` keeps (no separator, NUL or ``..``).
"""

from __future__ import annotations

import re
from typing import IO, Final, cast
from urllib.parse import unquote

from .._body import body_codec, charset_from_content_type
from .._errors import RequestError
from ._formtypes import FormFile, FormLimits, exceeded, headers_of
from ._viewfile import ViewFile

__all__ = ["boundary_from_content_type", "parse_multipart"]

_BOUNDARY_PARAM: Final = re.compile(
    r';\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.IGNORECASE
)
_PARAM: Final = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_UNESCAPE: Final = re.compile(r'\\([\\"])')
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def boundary_from_content_type(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type, as bytes.

    Example:
        >>> boundary_from_content_type('multipart/form-data; boundary="a b"')
        b'a b'

    Raises:
        RequestError: if there is no boundary or it is not 1-70 ASCII characters.
    """
    match = _BOUNDARY_PARAM.search(content_type)
    if match is None:
        raise RequestError(
            f"multipart/form-data without a boundary parameter: {content_type!r:.120}"
        )
    boundary = match.group(1) if match.group(1) is not None else match.group(2)
    if not 1 <= len(boundary) <= 70 or not boundary.isascii() or boundary.isspace():
        raise RequestError(f"invalid multipart boundary {boundary!r:.80} (1-70 ASCII characters)")
    return boundary.encode("ascii")


def _params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in _PARAM.finditer(value):
        key = match.group(1).lower()
        raw = match.group(2).strip()
        if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
            raw = raw[1:-1]
            if "\\" in raw:
                raw = _UNESCAPE.sub(r"\1", raw)
        params.setdefault(key, raw)
    return params


def _ext_value(raw: str) -> str | None:
    """Decode an RFC 5987 ``charset'lang'percent-encoded`` value (``None`` if malformed)."""
    charset, sep, rest = raw.partition("'")
    _, sep2, encoded = rest.partition("'")
    if not sep or not sep2:
        return None
    codec = body_codec(charset or "utf-8")
    if codec is None:
        return None
    return unquote(encoded, encoding=codec, errors="replace")


def _parse_headers(block: bytes) -> list[tuple[str, str]]:
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or _TOKEN.fullmatch(name) is None:
            raise RequestError(f"malformed multipart part header line {line!r:.100}")
        headers.append((name, value.strip(" \t")))
    return headers


def parse_multipart(
    body: bytes, boundary: bytes, *, limits: FormLimits
) -> tuple[list[tuple[str, str]], list[tuple[str, FormFile]]]:
    """Parse a ``multipart/form-data`` body into ``(fields, files)`` pairs, in body order.

    Example:
        >>> body = (b'--B\\r\\nContent-Disposition: form-data; name="a"\\r\\n\\r\\n1\\r\\n'
        ...         b'--B\\r\\nContent-Disposition: form-data; name="f"; filename="x.txt"\\r\\n'
        ...         b'\\r\\nhi\\r\\n--B--\\r\\n')
        >>> fields, files = parse_multipart(body, b"B", limits=FormLimits())
        >>> fields, files[0][0], files[0][1].filename, files[0][1].read()
        ([('a', '1')], 'f', 'x.txt', b'hi')

    Raises:
        RequestError: if the body is malformed.
        LimitExceededError: if a limit in ``limits`` is exceeded.
    """
    if type(body) is not bytes:
        body = bytes(body)
    dash = b"--" + boundary
    delimiter = b"\r\n" + dash
    if body.startswith(dash):
        pos = len(dash)
    else:
        first = body.find(delimiter)
        if first < 0:
            raise RequestError("the multipart body contains no boundary delimiter")
        pos = first + len(delimiter)
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FormFile]] = []
    max_parts = limits.max_parts
    max_field = limits.max_field_size
    max_file = limits.max_file_size
    spool = limits.spool_threshold
    count = 0
    while True:
        if body.startswith(b"--", pos):
            return fields, files
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            raise RequestError("the multipart body ends without a close delimiter")
        if eol > pos and body[pos:eol].strip(b" \t"):
            raise RequestError(
                f"unexpected data after a multipart boundary delimiter: {body[pos:eol]!r:.60}"
            )
        count += 1
        if count > max_parts:
            raise exceeded(limits, "max_parts", f"a multipart body with over {max_parts} parts")
        headers, data_start = _part_headers(body, eol + 2, limits)
        end = body.find(delimiter, data_start)
        if end < 0:
            raise RequestError("the multipart body ends without a close delimiter")
        pos = end + len(delimiter)
        name, filename, content_type = _disposition(headers, count)
        length = end - data_start
        if filename is None:
            if length > max_field:
                what = f"multipart field {name!r:.60} ({length} bytes)"
                raise exceeded(limits, "max_field_size", what)
            codec = body_codec(charset_from_content_type(content_type) or "utf-8") or "utf-8"
            value = body[data_start:end].decode(codec, "replace")
            fields.append((name, value))
            continue
        if max_file is not None and length > max_file:
            what = f"multipart file {filename!r:.60} ({length} bytes)"
            raise exceeded(limits, "max_file_size", what)
        files.append((name, _file(body, data_start, end, name, filename, content_type,
                                  headers, spool)))


def _part_headers(
    body: bytes, start: int, limits: FormLimits
) -> tuple[list[tuple[str, str]], int]:
    """(header pairs, index of the data) of the part whose header block starts at ``start``."""
    if body.startswith(b"\r\n", start):
        return [], start + 2
    max_header = limits.max_part_header_size
    window = start + max_header + 4
    header_end = body.find(b"\r\n\r\n", start, window)
    if header_end < 0:
        if window < len(body):
            raise exceeded(limits, "max_part_header_size", "a multipart part header block")
        raise RequestError("a multipart part header block is not terminated by CRLF CRLF")
    if header_end - start > max_header:
        raise exceeded(limits, "max_part_header_size", "a multipart part header block")
    return _parse_headers(body[start:header_end]), header_end + 4


def _disposition(
    headers: list[tuple[str, str]], count: int
) -> tuple[str, str | None, str | None]:
    """(field name, filename or None, content type or None) of part number ``count``."""
    disposition = None
    content_type = None
    for hname, hvalue in headers:
        lowered = hname.lower()
        if lowered == "content-disposition" and disposition is None:
            disposition = hvalue
        elif lowered == "content-type" and content_type is None:
            content_type = hvalue
    if disposition is None:
        raise RequestError(f"multipart part {count} has no Content-Disposition header")
    kind, _, rest = disposition.partition(";")
    if kind.strip().lower() != "form-data":
        raise RequestError(
            f"multipart part {count}: Content-Disposition must be form-data, got {kind!r:.40}"
        )
    params = _params(";" + rest)
    name = params.get("name")
    if name is None:
        raise RequestError(f"multipart part {count} has no name in its Content-Disposition")
    filename = params.get("filename")
    extended = params.get("filename*")
    if extended is not None:
        filename = _ext_value(extended) or filename or ""
    return name, filename, content_type


def _file(
    body: bytes,
    data_start: int,
    end: int,
    name: str,
    filename: str,
    content_type: str | None,
    headers: list[tuple[str, str]],
    spool: int | None,
) -> FormFile:
    """The FormFile of a file part: a view of the body, or spooled above ``spool`` bytes."""
    stream: IO[bytes]
    spooled_here = spool is not None and end - data_start > spool
    if spooled_here:
        from tempfile import TemporaryFile

        spooled = TemporaryFile()  # noqa: SIM115 - owned by the FormFile
        spooled.write(memoryview(body)[data_start:end])
        spooled.seek(0)
        stream = spooled
    else:
        stream = cast("IO[bytes]", ViewFile(body, data_start, end))
    upload = FormFile(
        name=name,
        filename=filename,
        content_type=content_type,
        headers=headers_of(headers),
        stream=stream,
    )
    upload._owned = spooled_here
    return upload
