"""The test kit's wire builders: request bodies in the exact bytes a client sends.

Rules this module keeps:

* :func:`encode_multipart` and :func:`encode_urlencoded` build request bodies for tests
  (``azfunc.testing.http_request`` and the benchmarks use them); the parsers in
  :mod:`azfunc.http` read back exactly what they wrote.
* :func:`custom_handler_request` and its parts write a payload in the form the host POSTs
  to a custom handler (the inverse of :mod:`azfunc.wire.custom_handler`'s readers), so the
  test kit can feed a worker both wire forms of the same invocation.
* It is the inverse direction of the codecs: nothing on a request path imports it.
* A value of the wrong shape raises :class:`~azfunc.ConversionError`, nothing else.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias
from urllib.parse import quote_plus

from .._datum import Datum
from .._errors import ConversionError
from ..http._formtypes import FormFile
from .http import HttpRequestData

__all__ = [
    "FieldsInput",
    "FileSpec",
    "custom_handler_http",
    "custom_handler_metadata",
    "custom_handler_request",
    "custom_handler_value",
    "encode_multipart",
    "encode_urlencoded",
]


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


# --- the custom-handler form: what the host POSTs to a custom handler ---------------------


def custom_handler_value(datum: Datum) -> Any:
    """The ``Data`` entry the host POSTs to a custom handler for one input Datum.

    The inverse of :func:`azfunc.wire.custom_handler.input_datum`, following the host's rules
    (``GetHttpScriptInvocationContextValue``): a string is JSON-encoded a second time, a
    number written as a string, ``bytes`` as base64, a batch as ONE JSON string holding the
    array (``bytes`` items as base64), objects as objects; ``null`` is ``None`` (the host
    drops the entry). An ``http`` Datum becomes the host's request object.

    Example:
        >>> custom_handler_value(Datum("abc", "string")), custom_handler_value(Datum(1, "int"))
        ('"abc"', '1')
        >>> custom_handler_value(Datum([b"a"], "collection_bytes"))
        '["YQ=="]'

    Raises:
        ConversionError: if the Datum's value does not match its type.
    """
    kind, value = datum.type, datum.value
    try:
        if kind == "null" or value is None:
            return None
        if kind == "string":
            return json.dumps(str(value))
        if kind == "bytes":
            return base64.b64encode(bytes(value)).decode("ascii")
        if kind in ("int", "double"):
            return json.dumps(value)
        if kind == "json":
            parsed = json.loads(value)
            if parsed is None:
                return None
            if isinstance(parsed, (dict, list)):
                return parsed
            return json.dumps(parsed) if isinstance(parsed, str) else value
        if kind == "collection_bytes":
            return json.dumps([base64.b64encode(bytes(v)).decode("ascii") for v in value])
        if kind.startswith("collection_"):
            return json.dumps(list(value))
        if kind == "http" and isinstance(value, HttpRequestData):
            return custom_handler_http(value)
    except (TypeError, ValueError) as exc:
        raise ConversionError(f"cannot write a {kind} Datum for a custom handler: {exc}") from None
    raise ConversionError(f"cannot write a {kind} Datum for a custom handler")


def custom_handler_metadata(metadata: Mapping[str, Datum]) -> dict[str, Any]:
    """The ``Metadata`` object the host POSTs: each value as :func:`custom_handler_value`
    writes it, ``null`` values and keys ending in ``trigger`` dropped (the host drops them).

    Example:
        >>> custom_handler_metadata({"Id": Datum("m", "string"),
        ...                          "DequeueCount": Datum("1", "json"),
        ...                          "QueueTrigger": Datum("x", "string")})
        {'Id': '"m"', 'DequeueCount': '1'}

    Raises:
        ConversionError: if a Datum's value does not match its type.
    """
    out: dict[str, Any] = {}
    for key, datum in metadata.items():
        if key.lower().endswith("trigger"):
            continue
        value = custom_handler_value(datum)
        if value is not None:
            out[key] = value
    return out


def custom_handler_http(request: HttpRequestData) -> dict[str, Any]:
    """The HTTP request object the host POSTs (``GetRequestAsJObject``).

    Header values are lists (one item: the joined value), ``Query`` and ``Params`` objects;
    ``Body`` is present only for a non-empty body: base64 for ``application/octet-stream``
    and ``multipart/*``, else the text (invalid UTF-8 replaced, as the host reads it).

    Example:
        >>> data = HttpRequestData(method="POST", url="http://h/x", body=b"hi")
        >>> custom_handler_http(data)["Body"]
        'hi'
    """
    from .custom_handler import is_octet_or_multipart

    headers = {name: [str(d.value)] for name, d in request.headers.items()}
    content_type = request.headers.get("content-type")
    document: dict[str, Any] = {
        "Url": request.url,
        "Method": request.method,
        "Query": {name: str(d.value) for name, d in request.query.items()},
        "Headers": headers,
        "Params": {name: str(d.value) for name, d in request.params.items()},
    }
    body = request.body
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    if raw:
        if is_octet_or_multipart(None if content_type is None else str(content_type.value)):
            document["Body"] = base64.b64encode(raw).decode("ascii")
        else:
            document["Body"] = raw.decode("utf-8", "replace")
    if request.identities:
        document["Identities"] = json.loads(request.identities)
    return document


def custom_handler_request(
    data: Mapping[str, Datum], metadata: Mapping[str, Datum] | None = None
) -> bytes:
    """The body the host POSTs to a custom handler: ``{"Data": ..., "Metadata": ...}``.

    Example:
        >>> custom_handler_request({"msg": Datum("hi", "string")})
        b'{"Data": {"msg": "\\\\"hi\\\\""}, "Metadata": {}}'

    Raises:
        ConversionError: if a Datum's value does not match its type.
    """
    values = {name: custom_handler_value(datum) for name, datum in data.items()}
    document = {
        "Data": {name: value for name, value in values.items() if value is not None},
        "Metadata": custom_handler_metadata(metadata or {}),
    }
    return json.dumps(document).encode("utf-8")
