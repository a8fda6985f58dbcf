"""Cookies: parsing ``Cookie`` request headers and formatting ``Set-Cookie`` (RFC 6265).

Rules this module keeps:

* Parsing is lenient: pairs are split on ``;`` and, because the host comma-joins repeated
  headers, on a ``,`` that is followed by ``name=``. Values are kept raw (no percent
  decoding); one pair of surrounding double quotes is removed. A piece without ``=`` is a
  name with an empty value. Parsing never raises.
* Formatting is strict: a name must be an RFC 6265 token, a value ``cookie-octet``s
  (optionally double-quoted); ``Path``/``Domain``/string ``Expires`` must not contain ``;``
  or control characters. Anything else raises :class:`~azfunc.HeaderError`.
* ``Expires`` accepts a ``datetime`` (naive means UTC), seconds since the epoch, or a
  preformatted string; ``Max-Age`` an ``int`` or a ``timedelta``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Final, Literal, TypeAlias

from .._errors import HeaderError

__all__ = ["Expires", "SameSite", "format_set_cookie", "parse_cookie_header"]

#: Accepted ``expires=`` values.
Expires: TypeAlias = datetime | int | float | str
#: Accepted ``samesite=`` values (case-insensitive).
SameSite = Literal["Strict", "Lax", "None", "strict", "lax", "none"]

_SPLIT: Final = re.compile(r";|,(?=\s*[^\s=;,]+=)")
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_OCTETS: Final = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
_COOKIE_VALUE: Final = re.compile(f'{_OCTETS}|"{_OCTETS}"')
_ATTR_VALUE: Final = re.compile(r"[^;\x00-\x1f\x7f]*")
_SAMESITE: Final = {"strict": "Strict", "lax": "Lax", "none": "None"}
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
)


def _http_date(moment: datetime) -> str:
    """``Wed, 21 Oct 2015 07:28:00 GMT`` (RFC 9110 IMF-fixdate), locale-independent."""
    utc = moment.astimezone(timezone.utc)
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} GMT"
    )


def parse_cookie_header(values: Iterable[str]) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of one or more ``Cookie`` header values, in order.

    Example:
        >>> parse_cookie_header(['a=1; b="two"', "c=3, d=4"])
        [('a', '1'), ('b', 'two'), ('c', '3'), ('d', '4')]
    """
    pairs: list[tuple[str, str]] = []
    for header in values:
        for piece in _SPLIT.split(header):
            name, sep, value = piece.partition("=")
            name = name.strip()
            value = value.strip()
            if not sep:
                if name:
                    pairs.append((name, ""))
                continue
            if not name:
                continue
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            pairs.append((name, value))
    return pairs


def _attr(name: str, value: str) -> str:
    if _ATTR_VALUE.fullmatch(value) is None:
        raise HeaderError(
            f"invalid cookie {name} {value!r}: ';' and control characters are not allowed"
        )
    return value


def _format_expires(expires: Expires) -> str:
    if isinstance(expires, bool):
        raise HeaderError("cookie expires must be a datetime, a timestamp or a string")
    if isinstance(expires, datetime):
        moment = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
        return _http_date(moment)
    if isinstance(expires, (int, float)):
        try:
            moment = datetime.fromtimestamp(expires, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise HeaderError(f"cookie expires timestamp {expires!r} is out of range") from None
        return _http_date(moment)
    if isinstance(expires, str):
        return _attr("expires", expires)
    raise HeaderError(
        f"cookie expires must be a datetime, a timestamp or a string, "
        f"got {type(expires).__name__}"
    )


def format_set_cookie(
    name: str,
    value: str = "",
    *,
    max_age: int | timedelta | None = None,
    expires: Expires | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
) -> str:
    """One ``Set-Cookie`` header value.

    Example:
        >>> format_set_cookie("sid", "abc", max_age=60, httponly=True, samesite="lax")
        'sid=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax'

    Raises:
        HeaderError: if the name, value or an attribute is invalid.
    """
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        raise HeaderError(f"invalid cookie name {name!r}: it must be an RFC 6265 token")
    if not isinstance(value, str) or _COOKIE_VALUE.fullmatch(value) is None:
        raise HeaderError(
            f"invalid value for cookie {name!r}: {value!r}; allowed are printable ASCII "
            "except space, '\"', ',', ';' and '\\' (quote or percent-encode other text)"
        )
    parts = [f"{name}={value}"]
    if max_age is not None:
        if isinstance(max_age, timedelta):
            seconds = int(max_age.total_seconds())
        elif isinstance(max_age, int) and not isinstance(max_age, bool):
            seconds = max_age
        else:
            raise HeaderError(
                f"cookie max_age must be an int or a timedelta, got {type(max_age).__name__}"
            )
        parts.append(f"Max-Age={seconds}")
    if expires is not None:
        parts.append(f"Expires={_format_expires(expires)}")
    if path is not None:
        parts.append(f"Path={_attr('path', path)}")
    if domain is not None:
        parts.append(f"Domain={_attr('domain', domain)}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        canonical = _SAMESITE.get(samesite.lower()) if isinstance(samesite, str) else None
        if canonical is None:
            raise HeaderError(f"cookie samesite must be Strict, Lax or None, got {samesite!r}")
        parts.append(f"SameSite={canonical}")
    return "; ".join(parts)
