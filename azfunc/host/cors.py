"""CORS for the local host: ``local.settings.json`` ``Host.CORS`` / ``Host.CORSCredentials``.

Rules this module keeps (those of Core Tools, which put ASP.NET Core's CORS middleware,
``WithOrigins(...).AllowAnyHeader().AllowAnyMethod()``, in front of the functions):

* ``Host.CORS`` is a comma-separated list of origins, or ``*`` for any origin; origins are
  compared without case and without a trailing ``/``. ``*`` with credentials is refused,
  as the CORS protocol does not allow it.
* A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
  answered by the host with 204 and never reaches a function: an allowed origin gets the
  origin, the requested method and headers back (any method and header are allowed); any
  other origin gets a 204 with no CORS header, so the browser blocks the call.
* Other requests reach the function; a response to an allowed origin gets
  ``Access-Control-Allow-Origin`` (``*`` for any origin without credentials, else the
  origin itself plus ``Vary: Origin``) and ``Access-Control-Allow-Credentials: true`` with
  ``Host.CORSCredentials``. A disallowed origin gets no CORS header.
* A function that sets ``Access-Control-Allow-Origin`` itself keeps its own CORS headers.
* With no ``Host.CORS`` the middleware is not installed: functions answer ``OPTIONS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import ConfigurationError
from ._asgi import Message, Receive, Scope, Send

__all__ = ["CorsMiddleware", "CorsPolicy"]

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _normal(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


@dataclass(frozen=True)
class CorsPolicy:
    """Which origins may call the functions from a browser, and with credentials or not.

    Example:
        >>> policy = CorsPolicy.parse("http://a.test, https://b.test/")
        >>> policy.allows("https://B.test"), policy.allows("http://c.test")
        (True, False)
    """

    origins: frozenset[str]
    any_origin: bool = False
    credentials: bool = False

    @classmethod
    def parse(cls, value: str, credentials: bool = False) -> CorsPolicy:
        """The policy of a ``Host.CORS`` value.

        Raises:
            ConfigurationError: if ``*`` is combined with credentials, or an origin is not
                ``scheme://host[:port]``.
        """
        items = [item.strip() for item in value.split(",") if item.strip()]
        any_origin = "*" in items
        if any_origin and credentials:
            raise ConfigurationError(
                "local.settings.json: Host.CORS \"*\" cannot be combined with "
                "Host.CORSCredentials: true (the CORS protocol forbids a wildcard origin "
                "with credentials); list the origins instead")
        for item in items:
            if item != "*" and "://" not in item:
                raise ConfigurationError(
                    f"local.settings.json: Host.CORS origin {item!r} must look like "
                    "scheme://host[:port], or be \"*\"")
        return cls(frozenset(_normal(i) for i in items if i != "*"), any_origin, credentials)

    @classmethod
    def from_host_section(cls, host: Mapping[str, Any]) -> CorsPolicy | None:
        """The policy of a ``local.settings.json`` ``Host`` object, or None without ``CORS``.

        Raises:
            ConfigurationError: if ``CORS`` is not a string or ``CORSCredentials`` not a
                boolean.
        """
        value = host.get("CORS")
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConfigurationError("local.settings.json: Host.CORS must be a string of "
                                     "comma-separated origins")
        credentials = host.get("CORSCredentials", False)
        if isinstance(credentials, str) and credentials.lower() in {"true", "false"}:
            credentials = credentials.lower() == "true"
        if not isinstance(credentials, bool):
            raise ConfigurationError("local.settings.json: Host.CORSCredentials must be "
                                     "true or false")
        return cls.parse(value, credentials)

    def allows(self, origin: str) -> bool:
        """Whether ``origin`` may read responses."""
        return self.any_origin or _normal(origin) in self.origins

    def allow_origin_value(self, origin: str) -> str:
        """The ``Access-Control-Allow-Origin`` value for an allowed ``origin``."""
        return "*" if self.any_origin and not self.credentials else origin


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class CorsMiddleware:
    """ASGI middleware applying a :class:`CorsPolicy` in front of ``app``."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer preflights; add the CORS headers to responses to allowed origins."""
        origin = _header(scope, b"origin") if scope.get("type") == "http" else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET")).upper()
        requested = _header(scope, b"access-control-request-method")
        if method == "OPTIONS" and requested is not None:
            await self._preflight(scope, send, origin, requested)
            return
        if not self.policy.allows(origin):
            await self.app(scope, receive, send)
            return
        added = self._cors_headers(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(bytes(k).lower() == b"access-control-allow-origin"
                           for k, _ in headers):
                    message = {**message, "headers": _merge(headers, added)}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _cors_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        value = self.policy.allow_origin_value(origin)
        headers = [(b"access-control-allow-origin", value.encode("latin-1"))]
        if value != "*":
            headers.append((b"vary", b"Origin"))
        if self.policy.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    async def _preflight(self, scope: Scope, send: Send, origin: str, requested: str) -> None:
        headers: list[tuple[bytes, bytes]] = [(b"content-length", b"0")]
        if self.policy.allows(origin):
            headers += self._cors_headers(origin)
            headers.append((b"access-control-allow-methods",
                            requested.strip().upper().encode("latin-1")))
            asked = _header(scope, b"access-control-request-headers")
            if asked:
                headers.append((b"access-control-allow-headers", asked.encode("latin-1")))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _merge(headers: Iterable[tuple[bytes, bytes]],
           added: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` plus ``added``, folding ``Vary`` into an existing ``Vary``."""
    out = list(headers)
    for name, value in added:
        if name == b"vary":
            for index, (key, existing) in enumerate(out):
                if bytes(key).lower() == b"vary":
                    words = {w.strip().lower() for w in bytes(existing).split(b",")}
                    if value.lower() not in words and b"*" not in words:
                        out[index] = (key, bytes(existing) + b", " + value)
                    break
            else:
                out.append((name, value))
        else:
            out.append((name, value))
    return out
