"""What an ASGI scope and a WSGI environ both need from an :class:`~azfunc.HttpRequest`.

Rules this module keeps:

* The request target is read from ``req.url`` (absolute, as the hosts send it, or a bare
  path, as tests build it). The query string is the text after the first ``?`` up to ``#``,
  exactly as sent; the path is everything before it, kept raw (``raw_path``) and decoded
  once: UTF-8 for ASGI (invalid sequences replaced, as servers do), latin-1 for WSGI
  (PEP 3333's "bytes in a native string").
* Text from the URL and the headers goes back to bytes as latin-1 (how the hosts decoded
  it), or UTF-8 where a character does not fit in latin-1.
* Scheme, host and port come from the URL; ``X-Forwarded-Proto``/``-Host``/``-Port``
  override them when ``trust_forwarded`` (the default: Functions always runs behind a
  front end that sets them). The client address is the first ``X-Forwarded-For`` entry,
  else unknown.
* The mount point (``root_path``/``SCRIPT_NAME``) is the decoded path minus the value of
  the catch-all route parameter (``{*route}``): the part of the URL the function's route
  consumed (``/api`` for the default route prefix). A fixed ``root_path`` replaces that.
* Headers are read through a getter (``req.headers.get``): only the few names needed.
* Nothing here raises: a malformed URL or header gives the nearest sensible value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, NamedTuple
from urllib.parse import unquote, unquote_to_bytes

__all__ = [
    "Target",
    "ascii_digits",
    "client_address",
    "decode_path_latin1",
    "decode_path_utf8",
    "mount_point",
    "parse_target",
    "split_target",
    "to_bytes",
]

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is ASCII digits only (``str.isdigit`` also takes ``"¹"``)."""
    return text.isascii() and text.isdigit()


def to_bytes(text: str) -> bytes:
    """``text`` as the bytes it was decoded from (latin-1, else UTF-8).

    Example:
        >>> to_bytes("caf\\xe9"), to_bytes("\\u20ac")
        (b'caf\\xe9', b'\\xe2\\x82\\xac')
    """
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class Target(NamedTuple):
    """The parts of a request's URL an adapter needs."""

    scheme: str
    host: str
    port: int
    raw_path: str
    query: str


HeaderGetter = Callable[[str], "str | None"]
#: ``Target(...)`` without the Python-level ``__new__`` of a named tuple.
_new_target: Final = tuple.__new__


def parse_target(url: str, header: HeaderGetter, *, trust_forwarded: bool = True) -> Target:
    """Split ``url`` and apply the ``Host`` and ``X-Forwarded-*`` headers.

    ``header`` returns the first value of a lower-case header name, or ``None``.

    Example:
        >>> t = parse_target("https://example.org:8443/api/a%20b?x=1&x=2#f", {}.get)
        >>> t.scheme, t.host, t.port, t.raw_path, t.query
        ('https', 'example.org', 8443, '/api/a%20b', 'x=1&x=2')
        >>> parse_target("/api/x", {"host": "h:81", "x-forwarded-proto": "https"}.get)
        Target(scheme='https', host='h', port=81, raw_path='/api/x', query='')
    """
    return _new_target(Target, split_target(url, header, trust_forwarded))


def split_target(url: str, header: HeaderGetter, trust_forwarded: bool
                 ) -> tuple[str, str, int, str, str]:
    """:func:`parse_target` as a plain tuple (what the adapters unpack at once)."""
    # string scans, not a regex, and the origin ("scheme://authority") looked up: every
    # request pays this, and an app sees few origins
    if "#" in url:
        url = url.partition("#")[0]
    target, _, query = url.partition("?")
    split = target.find("://")
    host: str | None = None
    port = 0
    if split > 0 and target.find("/", 0, split) < 0:
        start = target.find("/", split + 3)
        if start < 0:
            origin, raw_path = target, "/"
        else:
            origin, raw_path = target[:start], target[start:]
        known = _ORIGINS.get(origin)
        if known is None:
            known = _origin(origin, split)
        scheme, authority, host, port = known
    else:
        scheme, authority = "http", ""
        raw_path = target if target.startswith("/") else "/" + target
    if not authority:
        authority = header("host") or ""
        host = None
    forwarded_port = None
    if trust_forwarded:
        proto = header("x-forwarded-proto")
        if proto:
            scheme = proto.partition(",")[0].strip().lower() or scheme
            host = None
        forwarded_host = header("x-forwarded-host")
        if forwarded_host:
            authority = forwarded_host.partition(",")[0].strip() or authority
            host = None
        forwarded_port = header("x-forwarded-port")
    if host is None:
        host, port = _split_authority(authority, scheme)
    if forwarded_port:
        value = forwarded_port.partition(",")[0].strip()
        if ascii_digits(value) and int(value) < 65536:
            port = int(value)
    return scheme, host, port, raw_path, query


#: (authority, scheme) -> (host, port): an app sees few authorities (its own host names);
#: bounded, never evicted.
_AUTHORITIES: dict[tuple[str, str], tuple[str, int]] = {}
#: "scheme://authority" as sent -> (scheme, authority, host, port); bounded, never evicted.
_ORIGINS: dict[str, tuple[str, str, str, int]] = {}


def _origin(origin: str, split: int) -> tuple[str, str, str, int]:
    """The parts of an absolute URL's ``scheme://authority`` (``split``: where ``://`` is)."""
    scheme = origin[:split].lower()
    authority = origin[split + 3 :].rpartition("@")[2]
    host, port = _split_authority(authority, scheme)
    found = (scheme, authority, host, port)
    if len(_ORIGINS) < 256:
        _ORIGINS[origin] = found
    return found



def _split_authority(authority: str, scheme: str) -> tuple[str, int]:
    key = (authority, scheme)
    found = _AUTHORITIES.get(key)
    if found is None:
        found = _split_authority_once(authority, scheme)
        if len(_AUTHORITIES) < 256:
            _AUTHORITIES[key] = found
    return found


def _split_authority_once(authority: str, scheme: str) -> tuple[str, int]:
    default = _DEFAULT_PORTS.get(scheme, 80)
    if authority.startswith("["):  # [IPv6]:port
        end = authority.find("]")
        if end < 0:
            return authority, default
        host, rest = authority[: end + 1], authority[end + 1 :]
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = authority.partition(":")
    if ascii_digits(port_text) and int(port_text) < 65536:
        return host or "localhost", int(port_text)
    return host or "localhost", default


def decode_path_utf8(raw_path: str) -> str:
    """The ASGI ``path``: percent-escapes and UTF-8 sequences decoded.

    Example:
        >>> decode_path_utf8("/a%20b/%E2%82%AC%2F")
        '/a b/€/'
    """
    if "%" not in raw_path:
        return raw_path
    return unquote(raw_path, encoding="utf-8", errors="replace")


def decode_path_latin1(raw_path: str) -> str:
    """The WSGI ``PATH_INFO``: percent-escapes decoded to bytes, in a latin-1 string.

    Example:
        >>> decode_path_latin1("/a%20b/%E2%82%AC")
        '/a b/â\\x82¬'
    """
    if "%" not in raw_path:
        return raw_path
    return unquote_to_bytes(raw_path).decode("latin-1")


def mount_point(path: str, route_params: Mapping[str, str], route_param: str | None) -> str:
    """The part of ``path`` in front of the catch-all route parameter's value.

    Example:
        >>> mount_point("/api/users/7", {"route": "users/7"}, "route")
        '/api'
        >>> mount_point("/api/", {"route": ""}, "route"), mount_point("/x", {}, "route")
        ('/api', '')
    """
    if not route_param:
        return ""
    tail = route_params.get(route_param)
    if not tail:
        return "" if tail is None else path.rstrip("/")
    if tail[0] == "/":
        tail = tail.lstrip("/")
        if not tail:
            return path.rstrip("/")
    if path.endswith(tail):
        end = len(path) - len(tail)
        if end and path[end - 1] == "/":
            return path[: end - 1]
    return ""


def client_address(header: HeaderGetter) -> tuple[str, int] | None:
    """The client's ``(address, port)`` from ``X-Forwarded-For`` (port 0 when not given).

    Example:
        >>> client_address({"x-forwarded-for": "203.0.113.7:5133, 10.0.0.1"}.get)
        ('203.0.113.7', 5133)
        >>> client_address({"x-forwarded-for": "[2001:db8::1]:80"}.get), client_address({}.get)
        (('2001:db8::1', 80), None)
    """
    forwarded = header("x-forwarded-for")
    if not forwarded:
        return None
    first = forwarded.partition(",")[0].strip()
    if not first:
        return None
    if first.startswith("["):
        end = first.find("]")
        address, rest = first[1:end], first[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif first.count(":") == 1:
        address, _, port = first.partition(":")
    else:
        address, port = first, ""
    return address, int(port) if ascii_digits(port) and int(port) < 65536 else 0
