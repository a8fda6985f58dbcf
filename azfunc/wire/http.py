"""The HTTP request and response as they travel on the wire: frozen, slotted value types.

Rules this module keeps:

* An ``http`` Datum's value is a :class:`HttpRequestData` (a request from a transport) or a
  :class:`HttpResponseData` (an encoded response); the local hosts' ``http`` output may
  also hold a :class:`DeferredHttpResponse` (the response object itself, sent by the host
  from the object so a stream is not collected). Nothing else: no dicts, no extra keys.
* Header, query and route maps keep the ``RpcHttp`` shape: name -> string Datum, header
  names lower-cased, repeated values comma-joined (cookies ``; ``-joined). They are not
  copied (a codec builds them once); the readers in :mod:`azfunc.http` convert a value when
  it is read, so a malformed entry raises :class:`~azfunc.ConversionError` then.
* ``body`` is the raw bytes, or ``str`` for text the transport delivered as text (UTF-8 on
  ``get_body()``). ``identities`` is JSON text of the claims identities, or ``None``.
* A response keeps every header line in order (``Set-Cookie`` lines in ``cookies``); each
  codec joins or repeats them as its transport needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from .._datum import Datum

if TYPE_CHECKING:
    from ..http.response import HttpResponse

__all__ = ["EMPTY_MAP", "DeferredHttpResponse", "HttpRequestData", "HttpResponseData"]

#: The shared empty ``{name: Datum}`` map (read-only).
EMPTY_MAP: Final[Mapping[str, Datum]] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpRequestData:
    """One HTTP request on the wire.

    Example:
        >>> data = HttpRequestData(method="GET", url="http://h/api/x?a=1",
        ...                        headers={"accept": Datum("*/*", "string")})
        >>> data.method, data.headers["accept"].value, data.body
        ('GET', '*/*', b'')
    """

    method: str
    url: str
    headers: Mapping[str, Datum] = field(default_factory=lambda: EMPTY_MAP)
    #: The host's query map (it drops blank values and comma-joins repeats; the URL is the
    #: better source, this only fills names the URL lacks).
    query: Mapping[str, Datum] = field(default_factory=lambda: EMPTY_MAP)
    #: Route values (``{id}`` in ``items/{id}``).
    params: Mapping[str, Datum] = field(default_factory=lambda: EMPTY_MAP)
    body: bytes | str = b""
    identities: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpResponseData:
    """One encoded HTTP response.

    Example:
        >>> r = HttpResponseData(status_code=201, headers=(("x-a", "1"), ("x-a", "2")),
        ...                      cookies=("s=1",), body=b"ok")
        >>> r.joined_headers()
        {'x-a': '1, 2'}
    """

    status_code: int
    #: Every header line but ``Set-Cookie``, in order, names as the function spelled them.
    headers: tuple[tuple[str, str], ...] = ()
    #: Every ``Set-Cookie`` value, in order.
    cookies: tuple[str, ...] = ()
    body: bytes = b""

    def joined_headers(self) -> dict[str, str]:
        """One value per name (case-insensitively), repeated values joined with ``, ``."""
        out: dict[str, str] = {}
        spelled: dict[str, str] = {}
        for name, value in self.headers:
            key = spelled.setdefault(name.lower(), name)
            out[key] = f"{out[key]}, {value}" if key in out else value
        return out


@dataclass(frozen=True, slots=True)
class DeferredHttpResponse:
    """An ``HttpResponse`` the host sends from the object itself (streams stay streams).

    Only the local hosts' ``http`` converter produces it (see
    :func:`azfunc.host.http_frontend.streaming_registry`); their codecs send the response
    from :attr:`response` instead of an encoded copy.
    """

    response: HttpResponse

    @property
    def status_code(self) -> int:
        """The response's status code."""
        return self.response.status_code
