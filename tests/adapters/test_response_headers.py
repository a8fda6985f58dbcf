"""The header lines an app answers with reach the HttpResponse exactly, or fail with
HeaderError (never a CR/LF through to the wire, never a line lost or added)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func

from .conftest import host_request

#: RFC 9110 token characters, and the controls a field value must not hold (HTAB may).
TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
CTL = {chr(c) for c in range(0x20) if c != 0x09} | {"\x7f"}

NAME = st.one_of(st.sampled_from(["Content-Type", "Set-Cookie", "X-Id", "content-length"]),
                 st.text(st.characters(max_codepoint=0xFF), min_size=1, max_size=8))
VALUE = st.text(st.characters(max_codepoint=0xFF), max_size=12)
PAIRS = st.lists(st.tuples(NAME, VALUE), max_size=6)


def valid(pairs: list[tuple[str, str]]) -> bool:
    return all(set(name) <= TCHAR and not set(value) & CTL for name, value in pairs)


def through_asgi(pairs: list[tuple[str, str]]) -> func.HttpResponse:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in pairs]
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send({"type": "http.response.body", "body": b"x"})

    async def main() -> func.HttpResponse:
        return await func.AsgiMiddleware(app).handle_async(host_request("GET", "x"))

    return asyncio.run(main())


def through_wsgi(pairs: list[tuple[str, str]]) -> func.HttpResponse:
    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", list(pairs))
        return iter([b"x"])

    return func.WsgiMiddleware(app).handle(host_request("GET", "x"))


@pytest.mark.parametrize("through", [through_asgi, through_wsgi])
@given(pairs=PAIRS)
def test_response_header_lines_are_kept_exactly_or_refused(
        through: Any, pairs: list[tuple[str, str]]) -> None:
    if not valid(pairs):
        with pytest.raises(func.HeaderError):
            through(pairs)
        return
    response = through(pairs)
    assert list(response.headers.items()) == pairs  # no Content-Type added, none dropped
    assert response.get_body() == b"x"
