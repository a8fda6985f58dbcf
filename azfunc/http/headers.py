"""Header collections: read-only for requests, validated and mutable for responses.

Rules this module keeps:

* Both collections are case-insensitive and multi-valued and keep each name's original
  casing for iteration (they are built on :mod:`multidict`).
* :class:`RequestHeaders` is read-only: a ``Mapping[str, str]`` over a ``CIMultiDictProxy``
  with the multidict reads (``getone``/``getall``) plus ``getlist`` (the werkzeug /
  azure-functions spelling of ``getall`` that returns ``[]`` when absent).
* Headers of a request from the host wrap the host's ``{name: Datum}`` map: a single-name
  read (``get``, ``[]``, ``in``, ``getone``, ``getall``, ``getlist``) looks the lower-cased
  name up there when every name in the map is lower-case (the host lower-cases them), and
  converts only that value; anything else (iteration, ``len``, ``items``, ``==``, a map with
  upper-case names) builds the multidict once. A value that is not a string Datum raises
  :class:`~azfunc.ConversionError` from the read that meets it.
* Both are ``collections.abc`` mappings through multidict's ABCs: :class:`RequestHeaders`
  a ``multidict.MultiMapping`` (a ``Mapping``), :class:`MutableHeaders` a ``CIMultiDict``
  (a ``MutableMultiMapping``, so a ``MutableMapping``). Like dicts they compare by
  content and are unhashable (defining ``__eq__`` leaves ``__hash__`` unset).
* :class:`MutableHeaders` validates every write, whichever method makes it: a name must be an
  RFC 9110 token, a value must not contain CR, LF, NUL or other control characters (HTAB is
  allowed). A bad one raises :class:`~azfunc.HeaderError`.
* Request headers are never validated: they are what the host received, kept as sent.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar, cast, overload

from multidict import CIMultiDict, CIMultiDictProxy, MultiMapping

from .._datum import Datum
from .._errors import ArgumentTypeError, ConversionError, HeaderError

if TYPE_CHECKING:
    from multidict._abc import MDArg

__all__ = [
    "HeadersInput",
    "MutableHeaders",
    "ReadOnlyMultiView",
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
#: tokens joined by ``:`` (not a token character): every name of a header list in one match.
_TOKEN_LIST: Final = re.compile(
    r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?::[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*"
)


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


def _pairs(source: MDArg[str] | HeadersInput) -> Iterable[tuple[str, str]]:
    if source is None:
        return ()
    if isinstance(source, Mapping):
        # a multidict's (and MutableHeaders') items() yield every value already
        return source.items()
    # anything else must be (name, value) pairs; the callers check each item
    return cast("Iterable[tuple[str, str]]", source)


def wire_strings(raw: Mapping[str, Any], what: str) -> dict[str, str]:
    """``{name: Datum}`` from the host as ``{name: str}``.

    Example:
        >>> wire_strings({"accept": Datum("*/*", "string")}, "headers")
        {'accept': '*/*'}

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
        out[name] = wire_value(datum, name, what)
    return out


def wire_value(datum: object, name: str, what: str) -> str:
    """The str held by ``datum``, the value of ``name`` in the host's ``what`` map.

    Raises:
        ConversionError: if ``datum`` is not a Datum holding a str.
    """
    if not isinstance(datum, Datum) or not isinstance(datum.value, str):
        raise ConversionError(
            f"httpTrigger: {what}[{name!r:.40}] must be a string Datum, got {datum!r:.60}"
        )
    return str(datum.value)


class ReadOnlyMultiView(MultiMapping[str]):
    """The shared half of :class:`RequestHeaders` and ``RequestParams``: a read-only
    multidict view whose single-name reads a subclass may answer without building the
    multidict, and whose every other read goes to the multidict (built once, on demand).

    Subclasses implement ``_materialised()``, ``get``, ``getall`` and ``__contains__``.

    Example:
        >>> h = make_request_headers({"Accept": "a/b"})
        >>> isinstance(h, ReadOnlyMultiView), isinstance(h, MultiMapping), h.to_dict()
        (True, True, {'Accept': ['a/b']})

    Raises:
        ConversionError: from any read, if the host's map behind the view is malformed.
    """

    __slots__ = ()

    @abstractmethod
    def _materialised(self) -> MultiMapping[str]:
        """The multidict, built on first call."""

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    @abstractmethod
    def get(self, key: str, default: object = None) -> object:
        """The first value of ``key``, or ``default``."""

    def __getitem__(self, key: str) -> str:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return cast(str, value)

    @overload
    def getone(self, key: str) -> str: ...
    @overload
    def getone(self, key: str, default: _T) -> str | _T: ...
    def getone(self, key: str, default: object = _MISSING) -> object:
        """The first value of ``key``.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
            ConversionError: if the host's map is malformed.
        """
        value = self.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._materialised())

    def __len__(self) -> int:
        return len(self._materialised())

    def keys(self) -> KeysView[str]:
        """Every name, once per value, in order and original casing.

        Raises:
            ConversionError: if the host's map is malformed.
        """
        return self._materialised().keys()

    def values(self) -> ValuesView[str]:
        """Every value in order.

        Raises:
            ConversionError: if the host's map is malformed.
        """
        return self._materialised().values()

    def items(self) -> ItemsView[str, str]:
        """Every ``(name, value)`` pair in order, original casing.

        Raises:
            ConversionError: if the host's map is malformed.
        """
        return self._materialised().items()

    def to_dict(self) -> dict[str, list[str]]:
        """Every name (first casing) with the list of its values.

        Raises:
            ConversionError: if the host's map is malformed.
        """
        return self._materialised().to_dict()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReadOnlyMultiView):
            return self._materialised() == other._materialised()
        if isinstance(other, Mapping):
            return self._materialised() == other
        return NotImplemented

    def __repr__(self) -> str:
        body = ", ".join(f"{name!r}: {value!r}" for name, value in self.items())
        return f"<{type(self).__name__}({body})>"


class RequestHeaders(ReadOnlyMultiView):
    """Read-only, case-insensitive, multi-valued request headers.

    A ``MultiMapping[str]`` over a ``CIMultiDictProxy``: iteration, ``keys()``, ``items()``
    and ``values()`` yield every value in order with each name's original casing, and ``==``
    compares like the multidict. The headers of a request from the host answer ``get``,
    ``[]``, ``in``, ``getone``, ``getall`` and ``getlist`` from the host's ``{name: Datum}``
    map (``key.lower()`` looked up there, as the host lower-cases names) and build the
    multidict only for the other reads, or for a name the map lacks when its names are not
    all lower-case. One difference remains for a hand-built map holding one name in several
    casings (the host never sends one): ``get``/``[]`` answer the lower-case spelling's value
    where the multidict would answer the first.

    Example:
        >>> h = make_request_headers([("Accept", "a/b"), ("accept", "c/d")])
        >>> h["ACCEPT"], h.getall("accept"), h.getlist("x-missing")
        ('a/b', ['a/b', 'c/d'], [])
        >>> list(h.items())
        [('Accept', 'a/b'), ('accept', 'c/d')]

    Raises:
        ArgumentTypeError: if the constructor is given something other than a
            ``CIMultiDict``, ``CIMultiDictProxy`` or ``RequestHeaders`` (see
            :func:`make_request_headers`).
        ConversionError: from a read, if the host's header map is malformed.
    """

    __slots__ = ("_lower", "_proxy", "_raw")

    def __init__(
        self, headers: CIMultiDict[str] | CIMultiDictProxy[str] | RequestHeaders
    ) -> None:
        if isinstance(headers, RequestHeaders):
            headers = headers._materialised()
        elif not isinstance(headers, (CIMultiDict, CIMultiDictProxy)):
            raise ArgumentTypeError(
                "RequestHeaders takes a CIMultiDict, CIMultiDictProxy or RequestHeaders, got "
                f"{type(headers).__name__}; make_request_headers() accepts any mapping or pairs"
            )
        self._proxy: CIMultiDictProxy[str] | None = CIMultiDictProxy(headers)
        #: The host's ``{name: Datum}`` map, or None for headers built from a multidict.
        self._raw: Mapping[str, Any] | None = None
        #: Whether every name in ``_raw`` is a str equal to its own ``lower()`` (None: not
        #: checked yet). multidict compares ``lower()``-ed names, so then the entry
        #: ``key.lower()`` (one value) is the only one matching ``key``.
        self._lower: bool | None = None

    @classmethod
    def _from_wire(cls, raw: Mapping[str, Any]) -> RequestHeaders:
        """Headers over the host's ``{name: Datum}`` map, each value converted when read."""
        self = cls.__new__(cls)
        self._proxy = None
        self._raw = raw
        self._lower = None
        return self

    def _all_lower(self) -> bool:
        lower = self._lower
        if lower is None:
            try:
                names = "".join(self._raw or ())
            except TypeError:  # a name that is not a str: the multidict build raises
                names = "X"
            lower = self._lower = names == names.lower()
        return lower

    def _materialised(self) -> CIMultiDictProxy[str]:
        proxy = self._proxy
        if proxy is None:
            raw = self._raw
            store: CIMultiDict[str] = CIMultiDict(wire_strings(raw, "headers") if raw else ())
            proxy = self._proxy = CIMultiDictProxy(store)
        return proxy

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: object = None) -> object:
        """The first value of header ``key``, or ``default``.

        Raises:
            ConversionError: if the host's header map is malformed.
        """
        raw = self._raw
        if raw is not None and type(key) is str:
            name = key.lower()
            datum = raw.get(name)
            if type(datum) is Datum:
                value = datum.value
                if type(value) is str:
                    return value
            if datum is not None or name in raw:
                return wire_value(datum, name, "headers")
            if self._all_lower():
                return default
        return self._materialised().get(key, default)

    def __contains__(self, key: object) -> bool:
        raw = self._raw
        if raw is not None and type(key) is str:
            if key.lower() in raw:
                return True
            if self._all_lower():
                return False
        return key in self._materialised()

    @overload
    def getall(self, key: str) -> list[str]: ...
    @overload
    def getall(self, key: str, default: _T) -> list[str] | _T: ...
    def getall(self, key: str, default: object = _MISSING) -> object:
        """Every value of header ``key`` in order.

        Raises:
            KeyError: if ``key`` is absent and no default is given.
            ConversionError: if the host's header map is malformed.
        """
        if self._raw is not None and type(key) is str and self._all_lower():
            value = self.get(key, _MISSING)
            if value is not _MISSING:
                return [value]
            if default is _MISSING:
                raise KeyError(key)
            return default
        if default is _MISSING:
            return self._materialised().getall(key)
        return self._materialised().getall(key, default)

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key`` in order, or ``[]`` when it is absent.

        Raises:
            ConversionError: if the host's header map is malformed.
        """
        return self.getall(key, [])

    def copy(self) -> CIMultiDict[str]:
        """A plain mutable copy (a ``CIMultiDict``) of the headers.

        Raises:
            ConversionError: if the host's header map is malformed.
        """
        copy: CIMultiDict[str] = self._materialised().copy()
        return copy


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


_init_multidict: Final = CIMultiDict.__init__
_extend_multidict: Final = CIMultiDict.extend


class MutableHeaders(CIMultiDict[str]):
    """Case-insensitive, multi-valued, validated response headers.

    A ``multidict.CIMultiDict[str]`` (so a ``MutableMultiMapping`` and a
    ``collections.abc.MutableMapping``): every read is the multidict's own. Every write
    (the constructor, ``[]=``, ``add``, ``extend``, ``merge``, ``update``, ``setdefault``)
    validates names and values first, so a CR/LF can never reach the wire; a write of
    several pairs adds all or nothing.

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

    def __init__(self, arg: MDArg[str] = None, /, **kwargs: str) -> None:
        _init_multidict(self)  # not super(): every response builds one, mostly empty
        if arg is not None or kwargs:
            _extend_multidict(self, _checked(arg, kwargs))

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key`` in order, or ``[]`` when it is absent (the werkzeug /
        azure-functions spelling of ``getall(key, [])``)."""
        return self.getall(key, [])

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(validate_header_name(key), validate_header_value(value, key))

    def add(self, key: str, value: str) -> None:
        """Append a value for ``key``, keeping existing ones.

        Raises:
            HeaderError: if the name or value is invalid.
        """
        super().add(validate_header_name(key), validate_header_value(value, key))

    def extend(self, arg: MDArg[str] = None, /, **kwargs: str) -> None:
        """Append every pair of ``arg`` (and of ``kwargs``).

        Raises:
            HeaderError: if a name or value is invalid (nothing is added then).
        """
        super().extend(_checked(arg, kwargs))

    def merge(self, arg: MDArg[str] = None, /, **kwargs: str) -> None:
        """Add the pairs of ``arg`` (and ``kwargs``) whose names are not present yet.

        Raises:
            HeaderError: if a name or value is invalid (nothing is added then).
        """
        super().merge(_checked(arg, kwargs))

    def update(self, arg: MDArg[str] = None, /, **kwargs: str) -> None:
        """Replace the values of every name in ``arg`` (and ``kwargs``) by the ones given.

        Raises:
            HeaderError: if a name or value is invalid (nothing is changed then).
        """
        super().update(_checked(arg, kwargs))

    def setdefault(self, key: str, default: str) -> str:
        """The first value of ``key``; adds ``default`` first if the name is absent.

        Raises:
            HeaderError: if ``default`` would be added and the name or value is invalid.
        """
        if key in self:
            return self.getone(key)
        self.add(key, default)
        return default

    def __repr__(self) -> str:
        return f"MutableHeaders({list(self.items())!r})"


def _checked(arg: MDArg[str] | HeadersInput, kwargs: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every pair of ``arg`` and ``kwargs``, validated (all or nothing)."""
    try:
        pairs = [*_pairs(arg), *kwargs.items()]
    except TypeError as exc:
        raise HeaderError(f"headers must be a mapping or (name, value) pairs: {exc}") from None
    if _all_valid(pairs):
        return pairs
    checked: list[tuple[str, str]] = []
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise HeaderError(f"a header must be a (name, value) pair, got {pair!r}")
        key, value = pair
        checked.append((validate_header_name(key), validate_header_value(value, key)))
    return checked


def _all_valid(pairs: list[tuple[str, str]]) -> bool:
    """Whether every item is a valid ``(name, value)`` str tuple, in two regex passes.

    The names are joined by ``:`` (counted, so one inside a name is caught) and the values
    by TAB (allowed in values), so one match each decides all of them; ``False`` for
    anything else (the per-pair check then finds the culprit).
    """
    if not pairs:
        return True
    for pair in pairs:
        if type(pair) is not tuple or len(pair) != 2:
            return False
    try:
        names = ":".join([name for name, _ in pairs])
        values = "\t".join([value for _, value in pairs])
    except TypeError:
        return False
    return (
        names.count(":") == len(pairs) - 1  # a ":" inside a name is no separator
        and _TOKEN_LIST.fullmatch(names) is not None
        and _BAD_VALUE_CHAR.search(values) is None
    )
