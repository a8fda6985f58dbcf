"""Fuzz targets: bytes in, one public azfunc parser exercised, only azfunc errors out.

Rules this module keeps:

* A target is ``name(data: bytes) -> None``; it may raise :class:`azfunc.AzFuncError`
  (bad input, correctly refused) and nothing else. Anything else is a finding.
* Targets import only public or host-level entry points, and never touch the disk.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import azfunc
from azfunc.host.ncrontab import CronSchedule
from azfunc.host.routing import RouteTemplate
from azfunc.http.cookies import parse_cookie_header
from azfunc.http.forms import parse_form
from azfunc.http.headers import make_request_headers
from azfunc.meta import datum_from_typed_data
from azfunc.wire.custom_handler import input_datum, metadata_datums, read_request

Target = Callable[[bytes], None]

_START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _split(data: bytes, parts: int) -> list[bytes]:
    pieces = data.split(b"\x00", parts - 1)
    return pieces + [b""] * (parts - len(pieces))


def multipart(data: bytes) -> None:
    """``parse_form`` on a multipart body, boundary and charset taken from the input."""
    head, body = _split(data, 2)
    boundary, _, charset = _text(head).partition(";")
    content_type = f"multipart/form-data; boundary={boundary or 'B'}"
    if charset:
        content_type += f"; charset={charset}"
    fields, files = parse_form(body, content_type)
    for _, item in files.items():
        item.read()
        _ = item.filename, item.content_type
    _ = list(fields.items())


def urlencoded(data: bytes) -> None:
    """``parse_form`` on an urlencoded body, with the charset taken from the input."""
    charset, body = _split(data, 2)
    content_type = "application/x-www-form-urlencoded"
    if charset:
        content_type += f"; charset={_text(charset)}"
    fields, _ = parse_form(body, content_type)
    _ = list(fields.items())


def cookies(data: bytes) -> None:
    """``parse_cookie_header`` on one or more Cookie header values."""
    values = _text(data).split("\n")
    for name, value in parse_cookie_header(values):
        assert isinstance(name, str)
        assert isinstance(value, str)


def headers(data: bytes) -> None:
    """Request headers built from ``name: value`` lines, then read back."""
    pairs = []
    for line in _text(data).split("\n"):
        name, _, value = line.partition(":")
        pairs.append((name, value))
    built = make_request_headers(pairs)
    for name in list(built):
        built.getall(name)
    request = azfunc.HttpRequest("POST", "/x", headers=pairs, body=b"")
    _ = request.headers.get("content-type"), request.get_body()


def typed_data(data: bytes) -> None:
    """A gRPC TypedData (as JSON) to a Datum, its value, and every converter's decode."""
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        return
    if not isinstance(raw, dict):
        return
    datum = datum_from_typed_data(raw)
    _ = datum.python_value
    registry = azfunc.get_binding_registry()
    for binding in registry.bindings():
        converter = registry.get(binding)
        if converter is None:
            continue
        try:
            value = converter.decode(datum, trigger_metadata={})
        except azfunc.AzFuncError:
            continue
        _touch(value)


def _touch(value: Any) -> None:
    for name in ("get_json", "get_body", "read", "python_value"):
        attr = getattr(value, name, None)
        if callable(attr):
            with contextlib.suppress(azfunc.AzFuncError):
                attr()


def custom_handler(data: bytes) -> None:
    """A custom-handler invocation request body, read and turned into Datums."""
    inputs, metadata = read_request(data)
    for value in inputs.values():
        _ = input_datum(value).python_value
    metadata_datums(metadata)


def ncrontab(data: bytes) -> None:
    """An NCRONTAB expression parsed and its next occurrences computed."""
    schedule = CronSchedule(_text(data))
    moment = _START
    for _ in range(3):
        moment = schedule.next_after(moment)


def routes(data: bytes) -> None:
    """A route template parsed and a path matched against it."""
    template, path = _split(data, 2)
    try:
        parsed = RouteTemplate(_text(template))
    except azfunc.FunctionLoadError:
        parsed = RouteTemplate("{a}.{b}/{c}-{d}.{e?}")  # keep fuzzing the matcher
    result = parsed.match(_text(path))
    assert result is None or isinstance(result, dict)


TARGETS: dict[str, Target] = {
    "multipart": multipart,
    "urlencoded": urlencoded,
    "cookies": cookies,
    "headers": headers,
    "typed_data": typed_data,
    "custom_handler": custom_handler,
    "ncrontab": ncrontab,
    "routes": routes,
}

#: a few valid inputs per target, for the corpus to start from.
SEEDS: dict[str, list[bytes]] = {
    "multipart": [
        b'B\x00--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B\r\n'
        b'Content-Disposition: form-data; name="f"; filename="x.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhi\r\n--B--\r\n",
        b"B;utf-8\x00--B\r\nContent-Disposition: form-data; name=\"\xc3\xa9\"\r\n\r\nx\r\n--B--",
    ],
    "urlencoded": [b"utf-8\x00a=1&b=%20x&c+d=e", b"\x00a=1&&&="],
    "cookies": [b"a=1; b=2", b'sid="x y"; Path=/\nc=3'],
    "headers": [b"Content-Type: text/plain; charset=utf-8\nX-A: 1\nx-a: 2"],
    "typed_data": [b'{"json": "{\\"a\\": [1, 2]}"}', b'{"string": "x"}', b'{"bytes": "aGk="}',
                   b'{"http": {"method": "GET", "url": "http://x/y?z=1", "headers": {}}}',
                   b'{"collection_string": {"string": ["a", "b"]}}'],
    "custom_handler": [
        b'{"Data": {"req": {"Url": "http://x/api/a", "Method": "POST", "Headers": {},'
        b' "Query": {}, "Body": "hi"}}, "Metadata": {"sys": {"MethodName": "a"}}}',
        b'{"Data": {"msg": "\\"hello\\""}, "Metadata": {"DequeueCount": 1}}',
    ],
    "ncrontab": [b"0 */5 * * * *", b"0 30 9 * * 1-5", b"*/15 * * * * *", b"0 0 0 29 2 *"],
    "routes": [b"items/{id:int}\x00items/7", b"files/{name}.{ext}\x00files/a.b.c",
               b"{a}/{*rest}\x00x/y/z", b"r/{v:regex(^a+$)}\x00r/aaa"],
}
