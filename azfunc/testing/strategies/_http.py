"""HTTP request strategies: the ``http`` payload the host sends, and the decoded request.

Rules this module keeps:

* Every request is built by :func:`azfunc.testing.http_request_payload`, so the wire shape
  is the test kit's one shape; a strategy only chooses the arguments.
* Headers may repeat (a list value), query strings hold blank values and repeated names,
  cookies are RFC 6265 name/value pairs; the body is empty, raw bytes, JSON, URL-encoded
  or ``multipart/form-data`` with files (``body_kind`` chooses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .._wire import Payload
from ._base import DEFAULT, field, json_values, readable_text, token
from ._forms import as_custom_handler

if TYPE_CHECKING:
    from ...http.request import HttpRequest

__all__ = ["BODY_KINDS", "http_request_payloads", "http_requests", "query_pairs"]

#: the body shapes :func:`http_request_payloads` draws from (``body_kind=``).
BODY_KINDS = ("none", "raw", "json", "form", "multipart")

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=16
)
_COOKIE_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='",;\\'),
    max_size=10,
)
#: header names the factory itself manages (the body sets them).
_MANAGED = {"content-type", "content-length", "cookie"}


def query_pairs(*, max_size: int = 4) -> SearchStrategy[list[tuple[str, str]]]:
    """Query parameters with repeated names and blank values (``?a=&a=1&b=``)."""
    names = st.sampled_from(["a", "b", "q"]) | readable_text(min_size=1, max_size=6)
    values = st.just("") | readable_text(max_size=8)
    return st.lists(st.tuples(names, values), max_size=max_size)


def _headers() -> SearchStrategy[list[tuple[str, str]]]:
    names = st.sampled_from(["accept", "x-request-id", "user-agent", "x-a"]) | token()
    pairs = st.tuples(names.filter(lambda n: n not in _MANAGED), _HEADER_VALUE)
    return st.lists(pairs, max_size=4)


def _path() -> SearchStrategy[str]:
    segment = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=8)
    return st.lists(segment, max_size=3).map(lambda parts: "/api/" + "/".join(parts))


def _files() -> SearchStrategy[list[tuple[str, str, bytes, str]]]:
    filename = readable_text(min_size=1, max_size=10).filter(
        lambda s: not any(ch in s for ch in "\r\n\x00")
    )
    item = st.tuples(
        st.sampled_from(["file", "upload", "f"]),
        filename,
        st.binary(max_size=64),
        st.sampled_from(["application/octet-stream", "text/plain", "image/png"]),
    )
    return st.lists(item, min_size=1, max_size=3)


def _form() -> SearchStrategy[list[tuple[str, str]]]:
    return st.lists(
        st.tuples(readable_text(min_size=1, max_size=6), readable_text(max_size=10)),
        max_size=4,
    )


@st.composite
def _body(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    if kind == "raw":
        return {"body": draw(st.binary(min_size=1, max_size=128))}
    if kind == "json":
        return {"json": draw(json_values())}
    if kind == "form":
        return {"form": draw(_form())}
    if kind == "multipart":
        return {"form": draw(_form()), "files": draw(_files())}
    return {}


def http_request_payloads(
    *,
    method: Any = DEFAULT,
    url: Any = DEFAULT,
    headers: Any = DEFAULT,
    params: Any = DEFAULT,
    route_params: Any = DEFAULT,
    cookies: Any = DEFAULT,
    body_kind: Any = DEFAULT,
    body: Any = DEFAULT,
    form: Any = DEFAULT,
) -> SearchStrategy[Payload]:
    """``(Datum, trigger_metadata)`` of HTTP requests as the host sends them.

    Every argument is a value, a strategy, or left to a realistic default. ``body_kind`` is
    one of :data:`BODY_KINDS`; ``body=`` (a strategy of keyword dicts such as
    ``{"json": ...}``) replaces the drawn body altogether. ``form`` is ``"grpc"``,
    ``"custom_handler"`` (the request goes through the host's custom-handler JSON and back)
    or left to draw either.

    Example:
        >>> from hypothesis import given
        >>> @given(http_request_payloads(method="POST", body_kind="json"))
        ... def test(payload):
        ...     datum, metadata = payload
        ...     assert datum.value.method == "POST"
        >>> test()
    """

    @st.composite
    def build(draw: st.DrawFn) -> Payload:
        from .._http import http_request_payload

        kind = draw(field(body_kind, st.sampled_from(BODY_KINDS)))
        body_args = draw(field(body, _body(kind)))
        payload = http_request_payload(
            draw(field(method, st.sampled_from(_METHODS))),
            draw(field(url, _path())),
            headers=draw(field(headers, _headers())),
            params=draw(field(params, query_pairs())),
            route_params=draw(field(route_params, st.just({}))),
            cookies=draw(field(cookies, st.dictionaries(token(), _COOKIE_VALUE, max_size=3))),
            **body_args,
        )
        return as_custom_handler(payload, "req", "httpTrigger", draw(field(form, _FORMS)))

    return build()


_FORMS = st.sampled_from(["grpc", "custom_handler"])


def http_requests(**overrides: Any) -> SearchStrategy[HttpRequest]:
    """Decoded :class:`~azfunc.HttpRequest` objects (the ``httpTrigger`` converter's).

    Takes the arguments of :func:`http_request_payloads`.
    """
    from .._wire import decode

    return http_request_payloads(**overrides).map(
        lambda payload: decode("httpTrigger", payload[0], payload[1])
    )
