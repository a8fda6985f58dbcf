"""The ASGI codec: an ASGI HTTP scope + body -> ``http`` Datum, a function's answer -> parts.

Rules this module keeps:

* A request becomes a :class:`~azfunc.wire.http.HttpRequestData` shaped as the host sends
  it: lower-cased headers (repeated ones comma-joined, cookies ``; ``-joined, latin-1), the
  full URL (so repeated and blank query values survive), the non-empty query values
  (repeats comma-joined), route values as ``params``, the body as bytes.
* The trigger metadata's ``Query`` and ``Headers`` are ``json`` Datums holding JSON text.
* An answer is read from the output Datum only: a ``DeferredHttpResponse`` goes out from
  the ``HttpResponse`` (every header line; a stream chunk by chunk, a ``def`` function's on
  a worker thread), an ``HttpResponseData`` with its header lines and cookies, ``bytes``/
  ``json``/``string`` Datums as a 200 of that content type, no output as a 204.
* Sending the messages is :mod:`azfunc.host._asgi`'s; this module does no I/O.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .._datum import Datum
from .._errors import WireFormatError
from .http import EMPTY_MAP, DeferredHttpResponse, HttpRequestData, HttpResponseData

__all__ = [
    "ResponseParts",
    "request_datum",
    "request_metadata",
    "request_parts",
    "request_url",
    "response_parts",
]

#: (status, header pairs, body bytes or an async iterator of chunks)
ResponseParts = tuple[int, list[tuple[str, str]], "bytes | AsyncIterator[bytes]"]


def request_parts(scope: MutableMapping[str, Any]) -> tuple[dict[str, str], dict[str, str], str]:
    """(lower-cased headers, query values, full URL) of an ASGI request.

    Example:
        >>> request_parts({"headers": [(b"Host", b"h"), (b"X-A", b"1"), (b"x-a", b"2")],
        ...                "path": "/api/x", "query_string": b"q=1&q=2&e="})
        ({'host': 'h', 'x-a': '1, 2'}, {'q': '1,2'}, 'http://h/api/x?q=1&q=2&e=')
    """
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = (raw_name if type(raw_name) is bytes else bytes(raw_name)).decode("latin-1")
        value = (raw_value if type(raw_value) is bytes else bytes(raw_value)).decode("latin-1")
        name = name.lower()
        if name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    query_string = bytes(scope.get("query_string", b"")).decode("latin-1")
    query: dict[str, str] = {}
    if query_string:
        for key, value in parse_qsl(query_string, keep_blank_values=False):
            query[key] = f"{query[key]},{value}" if key in query else value
    return headers, query, request_url(scope, headers.get("host"), query_string)


def request_url(scope: MutableMapping[str, Any], host: str | None, query_string: str) -> str:
    """The full URL of an ASGI request (``host``: its joined ``Host`` header, if any;
    ``query_string``: the scope's, decoded as latin-1).

    Example:
        >>> request_url({"path": "/api/x", "server": ("127.0.0.1", 7071)}, None, "a=1")
        'http://127.0.0.1:7071/api/x?a=1'
    """
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    raw_path = scope.get("raw_path")
    path = bytes(raw_path).decode("latin-1") if raw_path else scope.get("path", "/")
    if query_string:
        return f"{scope.get('scheme', 'http')}://{host}{path}?{query_string}"
    return f"{scope.get('scheme', 'http')}://{host}{path}"


def request_datum(
    scope: MutableMapping[str, Any],
    body: bytes,
    params: Mapping[str, str],
    parts: tuple[Mapping[str, str], Mapping[str, str], str] | None = None,
) -> Datum:
    """The ``http`` Datum of an ASGI request (``parts``: :func:`request_parts`, if known).

    Example:
        >>> d = request_datum({"method": "POST", "headers": [(b"host", b"h")],
        ...                    "path": "/api/x"}, b"hi", {"id": "1"})
        >>> d.value.url, d.value.params["id"].value, d.value.body
        ('http://h/api/x', '1', b'hi')
    """
    headers, query, url = parts if parts is not None else request_parts(scope)
    return Datum(
        HttpRequestData(
            method=str(scope.get("method", "GET")),
            url=url,
            headers={k: Datum(v, "string") for k, v in headers.items()},
            query={k: Datum(v, "string") for k, v in query.items()} if query else EMPTY_MAP,
            params={k: Datum(v, "string") for k, v in params.items()} if params else EMPTY_MAP,
            body=body,
        ),
        "http",
    )


def request_metadata(headers: Mapping[str, str], query: Mapping[str, str]) -> dict[str, Datum]:
    """The ``Query`` and ``Headers`` trigger metadata, as JSON text Datums.

    Example:
        >>> request_metadata({"accept": "*/*"}, {})
        {'Query': <Datum json '{}'>, 'Headers': <Datum json '{"accept": "*/*"}'>}
    """
    return {
        "Query": Datum(json.dumps(query) if query else "{}", "json"),
        "Headers": Datum(json.dumps(headers) if headers else "{}", "json"),
    }


#: turns a blocking chunk iterator into an async one (the host drives it on its thread pool)
ChunkDriver = Callable[[Iterator[bytes]], AsyncIterator[bytes]]


def response_parts(datum: Datum | None, *, threaded: ChunkDriver | None = None) -> ResponseParts:
    """(status, header pairs, body bytes or an async chunk iterator) of an output Datum.

    ``threaded`` drives a ``def`` function's sync stream off the loop; without it a stream is
    read through ``aiter_body()``.

    Example:
        >>> response_parts(Datum(HttpResponseData(status_code=201, headers=(("x", "1"),),
        ...                                       cookies=("a=1",), body=b"ok"), "http"))
        (201, [('x', '1'), ('set-cookie', 'a=1')], b'ok')
        >>> response_parts(None)
        (204, [], b'')

    Raises:
        WireFormatError: if an ``http`` Datum holds something other than a response.
    """
    if datum is None or datum.type == "null":
        return 204, [], b""
    value = datum.value
    if datum.type == "http":
        if isinstance(value, DeferredHttpResponse):
            response = value.response
            headers = [(str(k), str(v)) for k, v in response.headers.items()]
            if response.is_streaming:
                body: bytes | AsyncIterator[bytes] = (
                    threaded(response.iter_body()) if threaded is not None
                    else response.aiter_body()
                )
                return int(response.status_code), headers, body
            return int(response.status_code), headers, bytes(response.get_body())
        if isinstance(value, HttpResponseData):
            pairs = list(value.headers)
            pairs += [("set-cookie", c) for c in value.cookies]
            return value.status_code, pairs, value.body
        raise WireFormatError(
            f"an http output Datum holds an HttpResponseData, got {type(value).__name__}"
        )
    if datum.type in ("bytes", "stream"):
        return 200, [("content-type", "application/octet-stream")], bytes(value)
    if datum.type == "json":
        if isinstance(value, (bytes, bytearray)):
            payload = bytes(value)
        else:
            payload = (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")
        return 200, [("content-type", "application/json")], payload
    return 200, [("content-type", "text/plain; charset=utf-8")], str(value).encode()
