"""HttpRequest: a read-only HTTP request, cheap to build and lazy to read.

Rules this module keeps:

* Construction only stores its inputs (after type checks); headers, params, route params,
  cookies, the body bytes, JSON and form data are built on first read and then cached, so a
  request from the host costs almost nothing until the function looks at it.
* ``method`` is upper-cased; ``url`` is kept exactly as given; ``get_body()`` returns exactly
  the bytes sent (a ``str`` body is UTF-8 encoded, ``None`` is ``b""``).
* ``params`` is a read-only multidict built from the URL query string (``+`` and
  percent-escapes decoded, repeated keys and blank values kept). Keys given in ``params=``
  replace the URL's values for those keys; other URL keys stay.
* ``headers`` are read-only, case-insensitive and multi-valued (``getall``/``getlist``);
  ``cookies`` are parsed from every ``Cookie`` header.
* ``get_json()`` honours the Content-Type charset and raises only
  :class:`~azfunc.BodyDecodeError` (a ``ValueError``); ``form``/``files`` raise only
  :class:`~azfunc.RequestError` / :class:`~azfunc.LimitExceededError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeAlias
from urllib.parse import unquote_plus

from multidict import CIMultiDict, MultiDict, MultiDictProxy

from .._body import charset_from_content_type, decode_json_body
from .._datum import Datum
from .._errors import ConversionError
from .cookies import parse_cookie_header
from .forms import FormFile, FormLimits, parse_form
from .headers import HeadersInput, RequestHeaders, make_request_headers

__all__ = ["HttpRequest", "ParamsInput"]

#: What ``params=``/``route_params=`` accept: a mapping (a multidict included) or pairs.
ParamsInput: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

_UNSET: Final[Any] = object()


def parse_query(url: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of the query string of ``url``, blanks and repeats kept.

    Example:
        >>> parse_query("/api/x?a=1&a=&b=c+d%21#frag")
        [('a', '1'), ('a', ''), ('b', 'c d!')]
    """
    mark = url.find("?")
    if mark < 0:
        return []
    query = url[mark + 1 :]
    if "#" in query:
        query = query.partition("#")[0]
    pairs: list[tuple[str, str]] = []
    if "%" in query or "+" in query:
        for piece in query.split("&"):
            if piece:
                name, _, value = piece.partition("=")
                pairs.append((unquote_plus(name), unquote_plus(value)))
        return pairs
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


_CHARSETS: dict[str, str | None] = {}
_BOM_FIRST_BYTES: Final = frozenset(b"\xef\xff\xfe\x00")
_JSON_DECODE: Final = json.JSONDecoder().decode


def _json_charset(content_type: str) -> str | None:
    """The charset to decode a JSON body with; ``None`` for UTF-8 (the fast path)."""
    try:
        return _CHARSETS[content_type]
    except KeyError:
        pass
    charset = charset_from_content_type(content_type)
    if charset in ("utf-8", "utf8"):
        charset = None  # the fast path; a BOM is still honoured
    if len(_CHARSETS) < 64:
        _CHARSETS[content_type] = charset
    return charset


def wire_strings(raw: Mapping[str, Any], what: str) -> dict[str, str]:
    """``{name: Datum}`` from the host as ``{name: str}``.

    Raises:
        ConversionError: if a name is not a str or a value is not a Datum holding a str.
    """
    out: dict[str, str] = {}
    try:
        items = raw.items()
    except AttributeError:
        raise ConversionError(f"httpTrigger: {what} must be a mapping of name -> Datum") from None
    for name, datum in items:
        if type(datum) is Datum and type(name) is str:
            value = datum.value
            if type(value) is str:
                out[name] = value
                continue
        if not isinstance(name, str):
            raise ConversionError(f"httpTrigger: {what} names must be str, got {name!r:.40}")
        if not isinstance(datum, Datum) or not isinstance(datum.value, str):
            raise ConversionError(
                f"httpTrigger: {what}[{name!r:.40}] must be a string Datum, got {datum!r:.60}"
            )
        out[name] = str(datum.value)
    return out


def _pairs(source: Any, what: str) -> list[tuple[str, str]]:
    try:
        items = source.items() if isinstance(source, Mapping) else source
        pairs = [(name, value) for name, value in items]
    except (TypeError, ValueError):
        raise ConversionError(
            f"HttpRequest {what} must be a mapping or (name, value) pairs, "
            f"got {type(source).__name__}"
        ) from None
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConversionError(
                f"HttpRequest {what} names and values must be str, got "
                f"{type(name).__name__}: {type(value).__name__}"
            )
    return pairs


class HttpRequest:
    """An HTTP request, as the ``httpTrigger`` binding delivers it.

    Example:
        >>> req = HttpRequest("post", "/api/items?tag=a&tag=b&q=",
        ...                   headers={"Content-Type": "application/json", "Cookie": "sid=1"},
        ...                   route_params={"id": "7"}, body='{"n": 1}')
        >>> req.method, req.params.getall("tag"), req.params["q"], req.route_params["id"]
        ('POST', ['a', 'b'], '', '7')
        >>> req.get_json(), req.get_body(), req.cookies["sid"], req.headers["content-type"]
        ({'n': 1}, b'{"n": 1}', '1', 'application/json')

    Raises:
        ConversionError: if an argument has the wrong type.
        HeaderError: if ``headers`` is not a mapping or pairs of strings.
    """

    __slots__ = (
        "_body",
        "_body_text",
        "_cookies",
        "_files",
        "_form",
        "_form_limits",
        "_headers",
        "_headers_raw",
        "_json",
        "_method",
        "_params",
        "_params_first",
        "_query_raw",
        "_route",
        "_route_raw",
        "_route_wire",
        "_url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: HeadersInput | None = None,
        params: ParamsInput | None = None,
        route_params: ParamsInput | None = None,
        body: bytes | bytearray | memoryview | str | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        if not isinstance(method, str):
            raise ConversionError(f"HttpRequest method must be a str, got {type(method).__name__}")
        if not isinstance(url, str):
            raise ConversionError(f"HttpRequest url must be a str, got {type(url).__name__}")
        if form_limits is not None and not isinstance(form_limits, FormLimits):
            raise ConversionError(
                f"HttpRequest form_limits must be a FormLimits, got {type(form_limits).__name__}"
            )
        self._method = str(method).upper()
        self._url = url
        self._headers: RequestHeaders | None = (
            headers if isinstance(headers, RequestHeaders) else make_request_headers(headers)
        )
        self._headers_raw: Mapping[str, Datum] | None = None
        self._params: MultiDictProxy[str] | None = None
        self._params_first: list[tuple[str, str]] | None = (
            None if params is None else _pairs(params, "params")
        )
        self._query_raw: Mapping[str, Datum] | None = None
        self._route: Mapping[str, str] | None = None
        self._route_raw: dict[str, str] = (
            {} if route_params is None else dict(_pairs(route_params, "route_params"))
        )
        self._route_wire: Mapping[str, Datum] | None = None
        if body is None:
            self._body: bytes | None = b""
            self._body_text: str | None = None
        elif isinstance(body, str):
            self._body = None
            self._body_text = body
        elif isinstance(body, (bytes, bytearray, memoryview)):
            self._body = bytes(body)
            self._body_text = None
        else:
            raise ConversionError(
                f"HttpRequest body must be bytes, str or None, got {type(body).__name__}"
            )
        self._form_limits = form_limits
        self._cookies: MultiDictProxy[str] | None = None
        self._json: Any = _UNSET
        self._form: MultiDictProxy[str] | None = None
        self._files: MultiDictProxy[FormFile] | None = None

    @classmethod
    def _from_wire(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, Datum] | None,
        query: Mapping[str, Datum] | None,
        route_params: Mapping[str, Datum] | None,
        body: bytes | None,
        body_text: str | None,
    ) -> HttpRequest:
        """Build a request from the host's ``{name: Datum}`` maps, converted on first read.

        ``query`` (the host's map, which drops blank values) only fills keys the URL lacks.
        A map holding something other than string Datums raises ConversionError when read.
        """
        self = cls.__new__(cls)
        self._method = method.upper()
        self._url = url
        self._headers = None
        self._headers_raw = headers
        self._params = None
        self._params_first = None
        self._query_raw = query
        self._route = None
        self._route_raw = {}
        self._route_wire = route_params
        self._body = body
        self._body_text = body_text
        self._form_limits = None
        self._cookies = None
        self._json = _UNSET
        self._form = None
        self._files = None
        return self

    # --- the request line ----------------------------------------------------------------

    @property
    def method(self) -> str:
        """The request method, upper-cased (compare with :class:`~azfunc.HttpMethod`)."""
        return self._method

    @property
    def url(self) -> str:
        """The request URL, exactly as given."""
        return self._url

    @property
    def params(self) -> MultiDictProxy[str]:
        """The query parameters: read-only, multi-valued (``getall``), blanks kept.

        Raises:
            ConversionError: if the host's query map is malformed (never for built requests).
        """
        params = self._params
        if params is None:
            params = self._params = MultiDictProxy(self._build_params())
        return params

    def _build_params(self) -> MultiDict[str]:
        from_url = MultiDict(parse_query(self._url))
        fill = self._query_raw
        if fill:
            # The host's query map only fills names the URL lacks (it drops blank values
            # and comma-joins repeats, so the URL is the better source).
            if not fill.keys() <= from_url.keys():
                missing = {name: fill[name] for name in fill if name not in from_url}
                from_url.extend(wire_strings(missing, "query"))
            return from_url
        given = self._params_first
        if not given:
            return from_url
        merged: MultiDict[str] = MultiDict(given)
        merged.extend((name, value) for name, value in from_url.items() if name not in merged)
        return merged

    @property
    def route_params(self) -> Mapping[str, str]:
        """The route parameters (``{id}`` in ``items/{id}``), read-only.

        Raises:
            ConversionError: if the host's params map is malformed (never for built requests).
        """
        route = self._route
        if route is None:
            if self._route_wire:
                self._route_raw = wire_strings(self._route_wire, "params")
            route = self._route = MappingProxyType(self._route_raw)
        return route

    # --- headers and cookies -------------------------------------------------------------

    @property
    def headers(self) -> RequestHeaders:
        """The headers: read-only, case-insensitive, multi-valued (``getall``/``getlist``).

        Raises:
            ConversionError: if the host's header map is malformed (never for built requests).
        """
        headers = self._headers
        if headers is None:
            raw = self._headers_raw
            strings = wire_strings(raw, "headers") if raw else {}
            headers = self._headers = RequestHeaders(CIMultiDict(strings))
        return headers

    @property
    def cookies(self) -> MultiDictProxy[str]:
        """The cookies of every ``Cookie`` header, read-only and multi-valued, raw values."""
        cookies = self._cookies
        if cookies is None:
            values = self.headers.getall("cookie", [])
            pairs = parse_cookie_header(values) if values else []
            cookies = self._cookies = MultiDictProxy(MultiDict(pairs))
        return cookies

    # --- the body ------------------------------------------------------------------------

    def get_body(self) -> bytes:
        """The body, exactly the bytes sent (``b""`` when there is none)."""
        body = self._body
        if body is None:
            body = self._body = (self._body_text or "").encode("utf-8", "surrogatepass")
        return body

    def get_json(self) -> Any:
        """The body parsed as JSON, in the Content-Type charset (default UTF-8, BOM allowed).

        The result is computed once and cached.

        Raises:
            BodyDecodeError: if the body is empty, not decodable in its charset, or not JSON.
        """
        value = self._json
        if value is not _UNSET:
            return value
        text = self._body_text
        if text is not None:
            value = decode_json_body(text)
        else:
            body = self.get_body()
            content_type = self._content_type()
            charset = _json_charset(content_type) if content_type else None
            if charset is None and body and body[0] not in _BOM_FIRST_BYTES:
                # The hot path of every JSON trigger: UTF-8 decoded as json.loads would, then
                # the decoder without json.loads' encoding sniffing. Anything unusual (a
                # BOM-less UTF-16 body, invalid bytes or JSON) goes to decode_json_body,
                # which decodes it or raises the documented error.
                try:
                    value = _JSON_DECODE(body.decode("utf-8", "surrogatepass"))
                except ValueError:
                    value = decode_json_body(body)
            else:
                value = decode_json_body(body, charset)
        self._json = value
        return value

    def _content_type(self) -> str | None:
        raw = self._headers_raw
        if self._headers is None and raw is not None:
            found = raw.get("content-type")
            if type(found) is Datum and type(found.value) is str:
                return found.value
        return self.headers.get("content-type")

    @property
    def form(self) -> MultiDictProxy[str]:
        """The non-file fields of a urlencoded or multipart body (empty for other types).

        Raises:
            RequestError: if the form body is malformed.
            LimitExceededError: if a form limit is exceeded.
        """
        if self._form is None:
            self._parse_form()
        assert self._form is not None
        return self._form

    @property
    def files(self) -> MultiDictProxy[FormFile]:
        """The uploaded files of a multipart body, multi-valued (``getall``).

        Raises:
            RequestError: if the form body is malformed.
            LimitExceededError: if a form limit is exceeded.
        """
        if self._files is None:
            self._parse_form()
        assert self._files is not None
        return self._files

    def _parse_form(self) -> None:
        self._form, self._files = parse_form(
            self.get_body(), self._content_type(), limits=self._form_limits
        )

    def __repr__(self) -> str:
        return f"<HttpRequest {self._method} {self._url!r}>"
