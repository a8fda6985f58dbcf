"""HttpRequest: a read-only HTTP request, cheap to build and lazy to read.

Rules this module keeps:

* Construction only stores its inputs (after type checks); headers, params, route params,
  cookies, the body bytes, JSON and form data are built on first read and then cached, so a
  request from the host costs almost nothing until the function looks at it.
* ``method`` is upper-cased; ``url`` is kept exactly as given; ``get_body()`` returns exactly
  the bytes sent (a ``str`` body is UTF-8 encoded, ``None`` is ``b""``).
* ``params`` (a :class:`RequestParams`) is a read-only multidict view of the URL query string
  (``+`` and percent-escapes decoded, repeated keys and blank values kept). Keys given in
  ``params=`` replace the URL's values for those keys; other URL keys stay. For a request
  from the host, a single-name read scans the query string (when it has no escapes) and the
  host's query map instead of building the multidict.
* ``headers`` (a :class:`~azfunc.http.headers.RequestHeaders`) are read-only,
  case-insensitive and multi-valued (``getall``/``getlist``); ``cookies`` are parsed from
  every ``Cookie`` header.
* ``get_json()`` honours the Content-Type charset and raises only
  :class:`~azfunc.BodyDecodeError` (a ``ValueError``); ``form``/``files`` raise only
  :class:`~azfunc.RequestError` / :class:`~azfunc.LimitExceededError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from json.scanner import make_scanner
from types import MappingProxyType
from typing import Any, Final, TypeAlias, TypeVar, cast, overload
from urllib.parse import unquote_plus

from multidict import MultiDict, MultiDictProxy

from .._body import charset_from_content_type, decode_json_body
from .._datum import Datum
from .._errors import ArgumentTypeError
from .cookies import parse_cookie_header
from .forms import FormFile, FormLimits, parse_form
from .headers import (
    HeadersInput,
    ReadOnlyMultiView,
    RequestHeaders,
    make_request_headers,
    wire_strings,
    wire_value,
)

__all__ = ["HttpRequest", "ParamsInput", "RequestParams"]

#: What ``params=``/``route_params=`` accept: a mapping (a multidict included) or pairs.
ParamsInput: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

_UNSET: Final[Any] = object()
_T = TypeVar("_T")


def parse_query(url: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of the query string of ``url``, blanks and repeats kept.

    Example:
        >>> parse_query("/api/x?a=1&a=&b=c+d%21#frag")
        [('a', '1'), ('a', ''), ('b', 'c d!')]
    """
    query = url.partition("?")[2]
    if not query:
        return []
    if "#" in query:
        query = query.partition("#")[0]
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    if "%" in query or "+" in query:
        for piece in query.split("&"):
            if piece:
                name, _, value = piece.partition("=")
                append((unquote_plus(name), unquote_plus(value)))
        return pairs
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            append((name, value))
    return pairs


_CHARSETS: dict[str, str | None] = {}
_BOM_FIRST_BYTES: Final = frozenset(b"\xef\xff\xfe\x00")
_JSON_DECODER: Final = json.JSONDecoder()
_JSON_DECODE: Final = _JSON_DECODER.decode
#: ``(value, end)`` of the JSON value starting at an index (the decoder's own scanner, same
#: settings); StopIteration if there is none.
_JSON_SCAN: Final = make_scanner(cast("Any", _JSON_DECODER))


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


class RequestParams(ReadOnlyMultiView):
    """Read-only, multi-valued query parameters (case-sensitive names, blanks kept).

    A ``MultiMapping[str]`` over a ``MultiDictProxy``. The parameters of a request from the
    host answer ``get``, ``[]``, ``in``, ``getone`` and ``getall`` by scanning the URL's
    query string (when it has no ``%`` or ``+`` escapes) and then the host's query map, and
    build the multidict only for the other reads.

    Example:
        >>> p = HttpRequest("GET", "/x?tag=a&tag=b&q=").params
        >>> p.getall("tag"), p["q"], p.get("missing", "-"), list(p.items())
        (['a', 'b'], '', '-', [('tag', 'a'), ('tag', 'b'), ('q', '')])

    Raises:
        TypeError: if the constructor is given something other than a ``MultiDict``,
            ``MultiDictProxy`` or ``RequestParams``.
        ConversionError: from a read, if the host's query map is malformed.
    """

    __slots__ = ("_fill", "_proxy", "_query", "_url")

    def __init__(self, params: MultiDict[str] | MultiDictProxy[str] | RequestParams) -> None:
        if isinstance(params, RequestParams):
            params = params._materialised()
        self._proxy: MultiDictProxy[str] | None = MultiDictProxy(params)
        self._url = ""
        self._fill: Mapping[str, Any] | None = None
        #: ``"&" + query + "&"`` when single-name reads may scan it (no escapes), else None.
        self._query: str | None = None

    @classmethod
    def _from_wire(cls, url: str, fill: Mapping[str, Any] | None) -> RequestParams:
        """Parameters of ``url``; ``fill`` (the host's query map) only adds names it lacks."""
        self = cls.__new__(cls)
        self._proxy = None
        self._url = url
        self._fill = fill
        query = url.partition("?")[2]
        if "#" in query:
            query = query.partition("#")[0]
        self._query = None if "%" in query or "+" in query else f"&{query}&"
        return self

    def _materialised(self) -> MultiDictProxy[str]:
        proxy = self._proxy
        if proxy is None:
            from_url = MultiDict(parse_query(self._url))
            fill = self._fill
            # The host's query map only fills names the URL lacks (it drops blank values
            # and comma-joins repeats, so the URL is the better source).
            if fill and not fill.keys() <= from_url.keys():
                missing = {name: fill[name] for name in fill if name not in from_url}
                from_url.extend(wire_strings(missing, "query"))
            proxy = self._proxy = MultiDictProxy(from_url)
        return proxy

    def _from_fill(self, key: str) -> str | None:
        fill = self._fill
        if fill:
            datum = fill.get(key, _UNSET)
            if datum is not _UNSET:
                if type(datum) is Datum and type(datum.value) is str:
                    return datum.value
                return wire_value(datum, key, "query")
        return None

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: object = None) -> object:
        """The first value of parameter ``key``, or ``default``.

        Raises:
            ConversionError: if the host's query map is malformed.
        """
        query = self._query
        if query is not None and type(key) is str:
            # Each piece of the query sits between two "&"; the first non-empty one whose
            # name (up to the first "=") is ``key`` holds the value.
            prefix = "&" + key
            start = query.find(prefix)
            while start >= 0:
                end = query.find("&", start + 1)
                name, _, value = query[start + 1 : end].partition("=")
                if name == key and end > start + 1:
                    return value
                start = query.find(prefix, start + 1)
            filled = self._from_fill(key)
            return default if filled is None else filled
        return self._materialised().get(key, default)

    def __contains__(self, key: object) -> bool:
        if self._query is not None and type(key) is str:
            return self.get(key, _UNSET) is not _UNSET
        return key in self._materialised()

    @overload
    def getall(self, key: str) -> list[str]: ...
    @overload
    def getall(self, key: str, default: _T) -> list[str] | _T: ...
    def getall(self, key: str, default: object = _UNSET) -> object:
        """Every value of parameter ``key`` in order.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
            ConversionError: if the host's query map is malformed.
        """
        query = self._query
        if query is not None and type(key) is str:
            values: list[str] = []
            prefix = "&" + key
            start = query.find(prefix)
            while start >= 0:
                end = query.find("&", start + 1)
                name, _, value = query[start + 1 : end].partition("=")
                if name == key and end > start + 1:
                    values.append(value)
                start = query.find(prefix, start + 1)
            if not values:
                filled = self._from_fill(key)
                if filled is not None:
                    values.append(filled)
            if values:
                return values
            if default is _UNSET:
                raise KeyError(key)
            return default
        if default is _UNSET:
            return self._materialised().getall(key)
        return self._materialised().getall(key, default)

    def copy(self) -> MultiDict[str]:
        """A plain mutable copy (a ``MultiDict``) of the parameters.

        Raises:
            ConversionError: if the host's query map is malformed.
        """
        copy: MultiDict[str] = self._materialised().copy()
        return copy


def _pairs(source: Any, what: str) -> list[tuple[str, str]]:
    try:
        items = source.items() if isinstance(source, Mapping) else source
        pairs = [(name, value) for name, value in items]
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            f"HttpRequest {what} must be a mapping or (name, value) pairs, "
            f"got {type(source).__name__}"
        ) from None
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ArgumentTypeError(
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
        ArgumentTypeError: if an argument has the wrong type.
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
        "_route_wire",
        "_url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: HeadersInput | RequestHeaders | None = None,
        params: ParamsInput | None = None,
        route_params: ParamsInput | None = None,
        body: bytes | bytearray | memoryview | str | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        # Validate and normalise, then _init: the one place that sets the slots.
        if type(method) is not str and not isinstance(method, str):
            raise ArgumentTypeError(
                f"HttpRequest method must be a str, got {type(method).__name__}"
            )
        if type(url) is not str and not isinstance(url, str):
            raise ArgumentTypeError(f"HttpRequest url must be a str, got {type(url).__name__}")
        if form_limits is not None and not isinstance(form_limits, FormLimits):
            raise ArgumentTypeError(
                f"HttpRequest form_limits must be a FormLimits, got {type(form_limits).__name__}"
            )
        body_bytes: bytes | None
        body_text: str | None = None
        if body is None:
            body_bytes = b""
        elif isinstance(body, str):
            body_bytes = None
            body_text = body
        elif isinstance(body, (bytes, bytearray, memoryview)):
            body_bytes = bytes(body)
        else:
            raise ArgumentTypeError(
                f"HttpRequest body must be bytes, str or None, got {type(body).__name__}"
            )
        self._init(
            method.upper(),
            url,
            headers=(
                headers if isinstance(headers, RequestHeaders) else make_request_headers(headers)
            ),
            params_first=None if params is None else _pairs(params, "params"),
            route=(
                None
                if route_params is None
                else MappingProxyType(dict(_pairs(route_params, "route_params")))
            ),
            body=body_bytes,
            body_text=body_text,
            form_limits=form_limits,
        )

    def _init(
        self,
        method: str,
        url: str,
        *,
        headers: RequestHeaders | None = None,
        headers_raw: Mapping[str, Datum] | None = None,
        params_first: list[tuple[str, str]] | None = None,
        query_raw: Mapping[str, Datum] | None = None,
        route: Mapping[str, str] | None = None,
        route_wire: Mapping[str, Datum] | None = None,
        body: bytes | None = b"",
        body_text: str | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        """Set every slot: the built views, or the host's maps they are built from on read."""
        self._method = method
        self._url = url
        self._headers: RequestHeaders | None = headers
        self._headers_raw: Mapping[str, Datum] | None = headers_raw
        self._params: RequestParams | None = None
        self._params_first: list[tuple[str, str]] | None = params_first
        self._query_raw: Mapping[str, Datum] | None = query_raw
        self._route: Mapping[str, str] | None = route
        self._route_wire: Mapping[str, Datum] | None = route_wire
        self._body: bytes | None = body
        self._body_text: str | None = body_text
        self._form_limits: FormLimits | None = form_limits
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
        body: bytes | str,
    ) -> HttpRequest:
        """A request over the fields of an ``HttpRequestData`` (the host's ``{name: Datum}``
        maps), each map converted on first read.

        The converter checks the fields first; ``query`` (the host's map, which drops
        blank values) only fills keys the URL lacks. A map holding something other than
        string Datums raises ConversionError when read.
        """
        self = cls.__new__(cls)
        # What _init(method.upper(), url, headers_raw=headers, query_raw=query,
        # route_wire=route_params, body=...) sets, without the keyword call (every request
        # from a host is built here).
        self._method = method.upper()
        self._url = url
        self._headers = None
        self._headers_raw = headers
        self._params = None
        self._params_first = None
        self._query_raw = query
        self._route = None
        self._route_wire = route_params
        if type(body) is bytes:
            self._body = body
            self._body_text = None
        else:
            self._body = None
            self._body_text = str(body)
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
    def params(self) -> RequestParams:
        """The query parameters: read-only, multi-valued (``getall``), blanks kept.

        Raises:
            ConversionError: from a read of the parameters that meets a malformed entry of
                the host's query map (never for built requests).
        """
        params = self._params
        if params is None:
            given = self._params_first
            if given:
                merged: MultiDict[str] = MultiDict(given)
                merged.extend(
                    (name, value) for name, value in parse_query(self._url) if name not in merged
                )
                params = self._params = RequestParams(merged)
            else:
                params = self._params = RequestParams._from_wire(self._url, self._query_raw)
        return params

    @property
    def route_params(self) -> Mapping[str, str]:
        """The route parameters (``{id}`` in ``items/{id}``), read-only.

        Raises:
            ConversionError: if the host's params map is malformed (never for built requests).
        """
        route = self._route
        if route is None:
            wire = self._route_wire
            route = self._route = MappingProxyType(wire_strings(wire, "params") if wire else {})
        return route

    # --- headers and cookies -------------------------------------------------------------

    @property
    def headers(self) -> RequestHeaders:
        """The headers: read-only, case-insensitive, multi-valued (``getall``/``getlist``).

        Raises:
            ConversionError: from a read of the headers that meets a malformed entry of the
                host's header map (never for built requests).
        """
        headers = self._headers
        if headers is None:
            raw = self._headers_raw
            headers = self._headers = RequestHeaders._from_wire(raw if raw is not None else {})
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
                # the decoder's scanner on it (json.loads without its encoding sniffing and
                # whitespace matching when the text is one value edge to edge; otherwise
                # the whole decoder). Anything unusual (a BOM-less UTF-16 body, invalid
                # bytes or JSON) goes to decode_json_body, which decodes it or raises the
                # documented error.
                try:
                    decoded = body.decode("utf-8", "surrogatepass")
                    try:
                        value, end = _JSON_SCAN(decoded, 0)
                    except StopIteration:  # leading whitespace, or no value at all
                        end = -1
                    if end != len(decoded):
                        value = _JSON_DECODE(decoded)
                except (ValueError, RecursionError):
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
