"""HTTP request factories: build the ``http`` Datum the host sends and decode it for real.

Rules this module keeps:

* The payload has the host's shape (``RpcHttp``): an absolute ``url`` including the query
  string (a relative URL is resolved against ``http://localhost``), header names lower-cased
  with repeated values comma-joined, ``query`` holding every key whose comma-joined value is
  not empty, ``params`` holding the route values, and the body as bytes (the Python worker
  asks the host for raw body bytes).
* At most one of ``body=``, ``json=`` and ``form=``/``files=`` describes the body. ``json=``
  sets ``Content-Type: application/json``; ``form=`` alone is URL-encoded; ``files=`` (with
  or without ``form=``) is ``multipart/form-data`` built by :mod:`azfunc.wire.testkit`. A
  ``Content-Type`` given in ``headers=`` wins, except for multipart, whose boundary must match.
* ``cookies=`` becomes one ``Cookie`` header (``a=1; b=2``), appended to any given one.
* Trigger metadata is the host's HTTP binding data: every query value and route value by
  name (``string``; a route value wins over a query value of the same name), and the
  ``Query`` and ``Headers`` maps (``json``; header names spelled as given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._body import charset_from_content_type
from .._datum import Datum
from .._errors import ConversionError
from ..wire.http import HttpRequestData
from ._wire import Payload, decode, json_datum, json_text

if TYPE_CHECKING:
    from ..http._formtypes import FormFile
    from ..http.request import HttpRequest

__all__ = ["FileArg", "FilesArg", "MultiValues", "http_request", "http_request_payload"]

#: Repeated names are kept: a mapping whose values may be lists, or a sequence of pairs.
MultiValues: TypeAlias = "Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]"

#: A file for ``files=``: its content, ``(filename, content)`` or
#: ``(filename, content, content_type)``.
FileArg: TypeAlias = "bytes | str | tuple[str, bytes | str] | tuple[str, bytes | str, str]"

#: ``files=``: field name -> file, or a sequence of ``(field name, file)`` to repeat a name;
#: the sequence may also hold the items :func:`azfunc.wire.testkit.encode_multipart` takes,
#: ``(field, filename, content[, content_type])`` tuples and ``FormFile`` objects.
FilesArg: TypeAlias = (
    "Mapping[str, FileArg] | Iterable[tuple[str, FileArg] | tuple[str, str, bytes | str] "
    "| tuple[str, str, bytes | str, str] | FormFile]"
)

_UNSET: Any = object()
_BASE = "http://localhost"


def http_request(
    method: str = "GET",
    url: str = "/",
    *,
    headers: MultiValues | None = None,
    params: MultiValues | None = None,
    route_params: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    json: Any = _UNSET,
    form: MultiValues | None = None,
    files: FilesArg | None = None,
    cookies: Mapping[str, str] | None = None,
    identities: Sequence[Mapping[str, Any]] | None = None,
) -> HttpRequest:
    """An :class:`~azfunc.HttpRequest` decoded by the ``httpTrigger`` converter.

    The arguments are those of :func:`http_request_payload`.

    Example:
        >>> from azfunc.testing import http_request
        >>> req = http_request("POST", "/api/orders", json={"id": 7}, params={"dry": "1"})
        >>> req.method, req.get_json(), req.params["dry"]
        ('POST', {'id': 7}, '1')

    Raises:
        ConversionError: if the arguments contradict each other (e.g. ``body=`` and
            ``json=``) or the converter rejects the request.
    """
    datum, metadata = http_request_payload(
        method,
        url,
        headers=headers,
        params=params,
        route_params=route_params,
        body=body,
        json=json,
        form=form,
        files=files,
        cookies=cookies,
        identities=identities,
    )
    request: HttpRequest = decode("httpTrigger", datum, metadata)
    return request


def http_request_payload(
    method: str = "GET",
    url: str = "/",
    *,
    headers: MultiValues | None = None,
    params: MultiValues | None = None,
    route_params: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    json: Any = _UNSET,
    form: MultiValues | None = None,
    files: FilesArg | None = None,
    cookies: Mapping[str, str] | None = None,
    identities: Sequence[Mapping[str, Any]] | None = None,
) -> Payload:
    """The ``http`` Datum and trigger metadata the host sends for this request.

    Args:
        method: the HTTP method (upper-cased on the wire).
        url: an absolute URL or a path; a path is resolved against ``http://localhost``.
        headers: request headers; a list value or repeated pairs give repeated headers.
        params: query parameters, appended to the URL's own query string.
        route_params: route values (``{id}`` in ``items/{id}``).
        body: the raw body; ``str`` is encoded in the ``Content-Type`` charset (UTF-8).
        json: a value sent as a JSON body.
        form: form fields (URL-encoded, or multipart together with ``files=``).
        files: files sent as ``multipart/form-data``: a mapping field -> file (content,
            ``(filename, content)`` or ``(filename, content, content_type)``), or a list
            whose items are ``(field, file)`` pairs, the ``(field, filename, content[,
            content_type])`` tuples :func:`~azfunc.wire.testkit.encode_multipart` takes,
            or :class:`~azfunc.FormFile` objects (repeat a field to send several files).
        cookies: cookies sent in a ``Cookie`` header.
        identities: claims identities (``RpcClaimsIdentity`` objects) of the caller.

    Example:
        >>> datum, metadata = http_request_payload("get", "/api/x", params={"q": ["a", "b"]})
        >>> datum.value.url, datum.value.query["q"].value, metadata["Query"].value
        ('http://localhost/api/x?q=a&q=b', 'a,b', '{"q":"a,b"}')

    Raises:
        ConversionError: if more than one body argument is given or a value cannot be sent.
    """
    given = [
        name
        for name, present in (
            ("body=", body is not None),
            ("json=", json is not _UNSET),
            ("form=/files=", form is not None or files is not None),
        )
        if present
    ]
    if len(given) > 1:
        raise ConversionError(f"http_request: give one body argument, got {' and '.join(given)}")

    given_headers = list(_pairs(headers, "headers"))
    header_pairs, raw_body = _with_body(
        [(name.lower(), value) for name, value in given_headers], body, json, form, files
    )
    if cookies:
        header_pairs.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    if raw_body and not any(name == "content-length" for name, _ in header_pairs):
        header_pairs.append(("content-length", str(len(raw_body))))

    full_url = _absolute_url(url, list(_pairs(params, "params")))
    query = {key: value for key, value in _joined_comma(full_url).items() if value}
    header_map = _joined(header_pairs, ",")
    route = {str(key): str(value) for key, value in (route_params or {}).items()}

    value = HttpRequestData(
        method=method.upper(),
        url=full_url,
        headers={name: Datum(text, "string") for name, text in header_map.items()},
        query={name: Datum(text, "string") for name, text in query.items()},
        params={name: Datum(text, "string") for name, text in route.items()},
        body=raw_body,
        identities=None if identities is None else json_text(list(identities)),
    )
    # The host's binding data: every query value and route value by name, plus the maps.
    metadata: dict[str, Datum] = {name: Datum(text, "string") for name, text in query.items()}
    metadata.update({name: Datum(text, "string") for name, text in route.items()})
    metadata["Query"] = json_datum(query)
    metadata["Headers"] = json_datum(_original_case(given_headers, header_map))
    return Datum(value, "http"), metadata


# --- helpers --------------------------------------------------------------------------


def _with_body(
    header_pairs: list[tuple[str, str]],
    body: bytes | str | None,
    json: Any,
    form: MultiValues | None,
    files: FilesArg | None,
) -> tuple[list[tuple[str, str]], bytes]:
    """(header pairs with the body's Content-Type, body bytes) for the one body argument."""
    content_type = _last(header_pairs, "content-type")
    raw_body = b""
    if body is not None:
        raw_body = _body_bytes(body, content_type)
    elif json is not _UNSET:
        raw_body = json_text(json).encode("utf-8")
        content_type = content_type or "application/json"
    elif files is not None:
        raw_body, content_type = _multipart(form, files)
    elif form is not None:
        from ..wire.testkit import encode_urlencoded

        raw_body, urlencoded_type = encode_urlencoded(list(_pairs(form, "form")))
        content_type = content_type or urlencoded_type
    if content_type is not None:
        header_pairs = [pair for pair in header_pairs if pair[0] != "content-type"]
        header_pairs.append(("content-type", content_type))
    return header_pairs, raw_body


def _pairs(values: MultiValues | None, what: str) -> Iterable[tuple[str, str]]:
    if values is None:
        return
    items: Iterable[Any] = values.items() if isinstance(values, Mapping) else values
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError):
            raise ConversionError(
                f"http_request: {what}= needs a mapping or (name, value) pairs, got {item!r}"
            ) from None
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            yield str(key), _text(value)
        else:
            for one in value:
                yield str(key), _text(one)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _last(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    found = [value for key, value in pairs if key == name]
    return found[-1] if found else None


def _joined(pairs: Iterable[tuple[str, str]], sep: str) -> dict[str, str]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return {key: sep.join(values) for key, values in grouped.items()}


def _original_case(given: list[tuple[str, str]], joined: dict[str, str]) -> dict[str, str]:
    # The Headers map keeps the spelling a header was first given in (the host's does);
    # headers the factory adds are spelled as clients send them (Content-Type).
    spelling: dict[str, str] = {}
    for name, _ in given:
        spelling.setdefault(name.lower(), name)
    return {
        spelling.get(name) or "-".join(part.capitalize() for part in name.split("-")): value
        for name, value in joined.items()
    }


def _joined_comma(url: str) -> dict[str, str]:
    return _joined(parse_qsl(urlsplit(url).query, keep_blank_values=True), ",")


def _absolute_url(url: str, params: list[tuple[str, str]]) -> str:
    if "://" not in url:
        url = _BASE + ("" if url.startswith("/") else "/") + url
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ConversionError(f"http_request: invalid url {url!r}: {exc}") from None
    query = parts.query
    if params:
        extra = urlencode(params)
        query = f"{query}&{extra}" if query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def _body_bytes(body: bytes | str, content_type: str | None) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if not isinstance(body, str):
        raise ConversionError(
            f"http_request: body= must be bytes or str, got {type(body).__name__}; "
            "use json= for other values"
        )
    charset = charset_from_content_type(content_type) or "utf-8"
    try:
        return body.encode(charset)
    except (LookupError, UnicodeEncodeError) as exc:
        raise ConversionError(f"http_request: cannot encode body= as {charset}: {exc}") from None


def _file_items(files: FilesArg) -> Iterable[tuple[str, Any]]:
    from ..http._formtypes import FormFile

    if isinstance(files, (str, bytes)):  # type: ignore[unreachable]
        raise ConversionError(
            "http_request: files= needs a mapping name -> file or a list of files, "
            f"got {type(files).__name__}"
        )
    items: Iterable[Any] = files.items() if isinstance(files, Mapping) else files
    for item in items:
        if isinstance(item, FormFile):
            yield item.name, item
            continue
        if isinstance(item, tuple) and len(item) in (3, 4):
            # encode_multipart's form: (field, filename, content[, content_type])
            yield str(item[0]), tuple(item[1:])
            continue
        try:
            name, spec = item
        except (TypeError, ValueError):
            raise ConversionError(
                "http_request: files= needs a mapping name -> file, or a list of "
                "(name, file), (name, filename, content[, content_type]) or FormFile "
                f"items, got {item!r:.80}"
            ) from None
        yield str(name), spec


def _multipart(form: MultiValues | None, files: FilesArg) -> tuple[bytes, str]:
    from ..http._formtypes import FormFile
    from ..wire.testkit import encode_multipart

    fields = list(_pairs(form, "form"))
    parts: list[tuple[str, str, bytes, str] | FormFile] = []
    for name, spec in _file_items(files):
        if isinstance(spec, FormFile):
            parts.append(spec)
            continue
        filename, content, content_type = _file_spec(name, spec)
        parts.append((name, filename, content, content_type))
    body, content_type = encode_multipart(fields, parts)
    return body, content_type


def _file_spec(name: str, spec: Any) -> tuple[str, bytes, str]:
    content_type = "application/octet-stream"
    if isinstance(spec, (bytes, bytearray, str)):
        filename, content = name, spec
    elif isinstance(spec, tuple) and len(spec) in (2, 3):
        filename, content = spec[0], spec[1]
        if len(spec) == 3:
            content_type = spec[2]
    else:
        raise ConversionError(
            f"http_request: files[{name!r}] must be content, (filename, content) or "
            f"(filename, content, content_type), got {spec!r}"
        )
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, (bytes, bytearray)) or not isinstance(filename, str):
        raise ConversionError(f"http_request: files[{name!r}] has an invalid filename or content")
    if not isinstance(content_type, str):
        raise ConversionError(f"http_request: files[{name!r}] content type must be a str")
    return filename, bytes(content), content_type
