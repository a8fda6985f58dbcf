"""Header collections: read-only for requests, validated and mutable for responses.

Rules this module keeps:

* Both collections are case-insensitive and multi-valued and keep each name's original
  casing for iteration (they are built on :mod:`multidict`).
* :class:`RequestHeaders` is a ``CIMultiDictProxy``: read-only. It adds ``getlist`` (the
  werkzeug / azure-functions spelling of ``getall`` that returns ``[]`` when absent).
* :class:`MutableHeaders` validates every write, whichever method makes it: a name must be an
  RFC 9110 token, a value must not contain CR, LF, NUL or other control characters (HTAB is
  allowed). A bad one raises :class:`~azfunc.HeaderError`.
* Request headers are never validated: they are what the host received, kept as sent.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Final, TypeAlias, TypeVar, overload

from multidict import CIMultiDict, CIMultiDictProxy

from .._errors import HeaderError

__all__ = [
    "HeadersInput",
    "MutableHeaders",
    "RequestHeaders",
    "make_request_headers",
    "validate_header_name",
    "validate_header_value",
]

#: What header-accepting constructors take: a mapping (a multidict included) or pairs.
HeadersInput: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

_T = TypeVar("_T")
_MISSING: Final = object()

_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE_CHAR: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def validate_header_name(name: object) -> str:
    """Return ``name`` if it is a valid header name (an RFC 9110 token).

    Example:
        >>> validate_header_name("X-Trace-Id")
        'X-Trace-Id'

    Raises:
        HeaderError: if the name is not a non-empty string of token characters.
    """
    if not isinstance(name, str):
        raise HeaderError(f"a header name must be a str, got {type(name).__name__}")
    if _TOKEN.fullmatch(name) is None:
        raise HeaderError(
            f"invalid header name {name!r}: only letters, digits and !#$%&'*+-.^_`|~ "
            "are allowed (no spaces, colons, CR, LF or other controls)"
        )
    return name


def validate_header_value(value: object, name: str = "") -> str:
    """Return ``value`` if it is a valid header value.

    Example:
        >>> validate_header_value("text/html; charset=utf-8")
        'text/html; charset=utf-8'

    Raises:
        HeaderError: if the value is not a string or contains CR, LF, NUL or other controls.
    """
    if not isinstance(value, str):
        raise HeaderError(
            f"the value of header {name!r} must be a str, got {type(value).__name__}"
        )
    bad = _BAD_VALUE_CHAR.search(value)
    if bad is not None:
        raise HeaderError(
            f"invalid value for header {name!r}: character {bad.group()!r} at "
            f"{bad.start()} (CR, LF, NUL and other control characters are not allowed)"
        )
    return value


def _pairs(source: HeadersInput | None) -> Iterable[tuple[str, str]]:
    if source is None:
        return ()
    if isinstance(source, (CIMultiDict, CIMultiDictProxy, MutableHeaders)):
        return source.items()
    if isinstance(source, Mapping):
        items = source.items()
        # multidict.MultiDict[Proxy] items() yield every value already.
        return items
    return source


class RequestHeaders(CIMultiDictProxy[str]):
    """Read-only, case-insensitive, multi-valued request headers.

    Example:
        >>> h = make_request_headers([("Accept", "a/b"), ("accept", "c/d")])
        >>> h["ACCEPT"], h.getall("accept"), h.getlist("x-missing")
        ('a/b', ['a/b', 'c/d'], [])
        >>> list(h.items())
        [('Accept', 'a/b'), ('accept', 'c/d')]
    """

    __slots__ = ()

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key`` in order, or ``[]`` when it is absent."""
        return self.getall(key, [])


def make_request_headers(source: HeadersInput | None = None) -> RequestHeaders:
    """Build read-only request headers from a mapping, a multidict or ``(name, value)`` pairs.

    Example:
        >>> make_request_headers({"Content-Type": "text/plain"})["content-type"]
        'text/plain'

    Raises:
        HeaderError: if a name or value is not a string, or an item is not a pair.
    """
    store: CIMultiDict[str] = CIMultiDict()
    try:
        for name, value in _pairs(source):
            if not isinstance(name, str) or not isinstance(value, str):
                raise HeaderError(
                    f"request header names and values must be str, got "
                    f"{type(name).__name__}: {type(value).__name__}"
                )
            store.add(name, value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, HeaderError):
            raise
        raise HeaderError(f"headers must be a mapping or (name, value) pairs: {exc}") from None
    return RequestHeaders(store)


class MutableHeaders:
    """Case-insensitive, multi-valued, validated response headers.

    Every write (``[]=``, ``add``, ``extend``, ``update``, ``setdefault``) validates names and
    values, so a CR/LF can never reach the wire.

    Example:
        >>> h = MutableHeaders({"Content-Type": "text/plain"})
        >>> h.add("Set-Cookie", "a=1"); h.add("set-cookie", "b=2")
        >>> h.getall("SET-COOKIE")
        ['a=1', 'b=2']
        >>> try:
        ...     h["X-Bad"] = "x\\r\\nInjected: 1"
        ... except HeaderError as exc:
        ...     print(type(exc).__name__)
        HeaderError
    """

    __slots__ = ("_store",)

    def __init__(self, headers: HeadersInput | None = None) -> None:
        self._store: CIMultiDict[str] = CIMultiDict()
        if headers is not None:
            self.extend(headers)

    # reads ------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> str:
        return self._store[key]

    def __contains__(self, key: object) -> bool:
        return key in self._store

    def __iter__(self) -> Iterator[str]:
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: object = None) -> object:
        """The first value of ``key``, or ``default``."""
        return self._store.get(key, default)

    @overload
    def getone(self, key: str) -> str: ...
    @overload
    def getone(self, key: str, default: _T) -> str | _T: ...
    def getone(self, key: str, default: object = _MISSING) -> object:
        """The first value of ``key``.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
        """
        if default is _MISSING:
            return self._store.getone(key)
        return self._store.getone(key, default)

    @overload
    def getall(self, key: str) -> list[str]: ...
    @overload
    def getall(self, key: str, default: _T) -> list[str] | _T: ...
    def getall(self, key: str, default: object = _MISSING) -> object:
        """Every value of ``key`` in order.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
        """
        if default is _MISSING:
            return self._store.getall(key)
        return self._store.getall(key, default)

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key`` in order, or ``[]`` when it is absent."""
        return self._store.getall(key, [])

    def keys(self) -> KeysView[str]:
        """The names, original casing (as ``CIMultiDict.keys()`` reports them)."""
        return self._store.keys()

    def values(self) -> ValuesView[str]:
        """Every value in order."""
        return self._store.values()

    def items(self) -> ItemsView[str, str]:
        """Every ``(name, value)`` pair in order, original casing."""
        return self._store.items()

    def copy(self) -> CIMultiDict[str]:
        """A plain mutable copy (a ``CIMultiDict``) of the headers."""
        copy: CIMultiDict[str] = self._store.copy()
        return copy

    # writes -----------------------------------------------------------------------------

    def __setitem__(self, key: str, value: str) -> None:
        self._store[validate_header_name(key)] = validate_header_value(value, key)

    def __delitem__(self, key: str) -> None:
        del self._store[key]

    def add(self, key: str, value: str) -> None:
        """Append a value for ``key``, keeping existing ones.

        Raises:
            HeaderError: if the name or value is invalid.
        """
        self._store.add(validate_header_name(key), validate_header_value(value, key))

    def extend(self, headers: HeadersInput) -> None:
        """Append every pair of ``headers``.

        Raises:
            HeaderError: if a name or value is invalid (nothing is added then).
        """
        checked = self._checked(headers)
        for key, value in checked:
            self._store.add(key, value)

    def update(self, headers: HeadersInput) -> None:
        """Replace the values of every name in ``headers`` by the ones given there.

        Raises:
            HeaderError: if a name or value is invalid (nothing is changed then).
        """
        checked = self._checked(headers)
        for key, _ in checked:
            self._store.popall(key, None)
        for key, value in checked:
            self._store.add(key, value)

    def setdefault(self, key: str, default: str) -> str:
        """The first value of ``key``; adds ``default`` first if the name is absent.

        Raises:
            HeaderError: if ``default`` would be added and the name or value is invalid.
        """
        if key in self._store:
            return self._store[key]
        self.add(key, default)
        return default

    @overload
    def pop(self, key: str) -> str: ...
    @overload
    def pop(self, key: str, default: _T) -> str | _T: ...
    def pop(self, key: str, default: object = _MISSING) -> object:
        """Remove and return the first value of ``key``.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
        """
        if default is _MISSING:
            return self._store.pop(key)
        return self._store.pop(key, default)

    @overload
    def popall(self, key: str) -> list[str]: ...
    @overload
    def popall(self, key: str, default: _T) -> list[str] | _T: ...
    def popall(self, key: str, default: object = _MISSING) -> object:
        """Remove and return every value of ``key``.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
        """
        if default is _MISSING:
            return self._store.popall(key)
        return self._store.popall(key, default)

    def clear(self) -> None:
        """Remove every header."""
        self._store.clear()

    def _checked(self, headers: HeadersInput) -> list[tuple[str, str]]:
        try:
            pairs = list(_pairs(headers))
        except TypeError as exc:
            raise HeaderError(f"headers must be a mapping or (name, value) pairs: {exc}") from None
        checked: list[tuple[str, str]] = []
        for pair in pairs:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise HeaderError(f"a header must be a (name, value) pair, got {pair!r}")
            key, value = pair
            checked.append((validate_header_name(key), validate_header_value(value, key)))
        return checked

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MutableHeaders):
            return self._store == other._store
        if isinstance(other, Mapping):
            return self._store == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MutableHeaders({list(self._store.items())!r})"
