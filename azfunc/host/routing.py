"""Route templates of HTTP-triggered functions, as ASP.NET Core reads them.

Rules this module keeps:

* A template is ``/``-separated segments; a segment is a literal, a parameter
  (``{id}``, optional ``{id?}``, with a default ``{id=5}``, catch-all ``{*rest}`` /
  ``{**rest}``) or a mix (``{name}.{ext}``). Literals match case-insensitively.
* Constraints follow the parameter name, ``:``-separated: ``int``, ``long``, ``bool``,
  ``guid``, ``alpha``, ``datetime``, ``double``, ``float``, ``decimal``, ``min(n)``,
  ``max(n)``, ``minlength(n)``, ``maxlength(n)``, ``length(n)``, ``length(a,b)``,
  ``range(a,b)``, ``regex(expr)`` (case-insensitive, anchored), ``required``.
  An unknown constraint or a malformed template raises
  :class:`~azfunc.FunctionLoadError` when the template is parsed, not at request time.
* :class:`Router` orders routes like ASP.NET: literal segments before constrained
  parameters before plain ones before optional ones before catch-alls; among the routes
  whose path matches, the first that allows the method wins; if none allows it the answer
  is "method not allowed" with the union of allowed methods.
* Matching is linear in the path length: path segments pair with template segments by
  position, and a segment of several parts (``{name}.{ext}``) is read right to left,
  each literal at its last occurrence, never revisited (ASP.NET's rule). No regex
  backtracks over a request path; a ``regex(...)`` constraint runs on one value only.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Generic, TypeVar

from .._errors import FunctionLoadError

__all__ = ["RouteMatch", "RouteTemplate", "Router"]

T = TypeVar("T")

_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)
_INT_RE: Final = re.compile(r"[+-]?\d+\Z")
_ALPHA_RE: Final = re.compile(r"[A-Za-z]+\Z")
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def _as_int(value: str, bounds: tuple[int, int]) -> int | None:
    if not _INT_RE.match(value):
        return None
    number = int(value)
    return number if bounds[0] <= number <= bounds[1] else None


def _is_double(value: str) -> bool:
    text = value.strip()
    if text != value or not text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return text.lower().lstrip("+-") not in {"nan", "inf", "infinity"}


def _is_decimal(value: str) -> bool:
    try:
        return Decimal(value).is_finite() and value.strip() == value
    except InvalidOperation:
        return False


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


_DATE_FORMATS: Final = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y")


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return True
    for fmt in _DATE_FORMATS:
        try:
            datetime.strptime(value, fmt)
        except ValueError:
            continue
        return True
    return False


Check = Callable[[str], bool]

#: constraint name -> check, for constraints without arguments.
_SIMPLE: Final[Mapping[str, Check]] = {
    "int": lambda v: _as_int(v, _INT32) is not None,
    "long": lambda v: _as_int(v, _INT64) is not None,
    "bool": lambda v: v.lower() in {"true", "false"},
    "guid": _is_guid,
    "alpha": lambda v: bool(_ALPHA_RE.match(v)),
    "datetime": _is_datetime,
    "double": _is_double,
    "float": _is_double,
    "decimal": _is_decimal,
    "required": lambda v: v != "",
}


def _int_args(name: str, args: str, count: tuple[int, ...]) -> list[int]:
    parts = [part.strip() for part in args.split(",")]
    if len(parts) not in count or not all(_INT_RE.match(part) for part in parts):
        raise FunctionLoadError(
            f"route constraint {name}({args}) needs {' or '.join(map(str, count))} "
            "integer argument(s)"
        )
    return [int(part) for part in parts]


def _long_check(v: str, test: Callable[[int], bool]) -> bool:
    number = _as_int(v, _INT64)
    return number is not None and test(number)


def _make_check(text: str) -> Check:
    """Compile one constraint (``int``, ``range(1,5)``, ``regex(^a+$)``) into a check."""
    name, paren, rest = text.partition("(")
    name = name.strip().lower()
    if not paren:
        check = _SIMPLE.get(name)
        if check is None:
            raise FunctionLoadError(
                f"unknown route constraint {text!r}; known: "
                f"{', '.join(sorted(_SIMPLE))}, min, max, minlength, maxlength, length, "
                "range, regex"
            )
        return check
    if not rest.endswith(")"):
        raise FunctionLoadError(f"route constraint {text!r} lacks its closing parenthesis")
    args = rest[:-1]
    if name == "regex":
        try:
            with warnings.catch_warnings():  # "possible nested set" and the like: not ours
                warnings.simplefilter("ignore")
                pattern = re.compile(args, re.IGNORECASE)
        except (re.error, RecursionError, OverflowError) as exc:
            raise FunctionLoadError(f"route constraint {text!r}: bad regex: {exc}") from None
        return lambda v: pattern.search(v) is not None
    if name == "min":
        (low,) = _int_args(name, args, (1,))
        return lambda v: _long_check(v, lambda n: n >= low)
    if name == "max":
        (high,) = _int_args(name, args, (1,))
        return lambda v: _long_check(v, lambda n: n <= high)
    if name == "range":
        low, high = _int_args(name, args, (2,))
        return lambda v: _long_check(v, lambda n: low <= n <= high)
    if name == "minlength":
        (low,) = _int_args(name, args, (1,))
        return lambda v: len(v) >= low
    if name == "maxlength":
        (high,) = _int_args(name, args, (1,))
        return lambda v: len(v) <= high
    if name == "length":
        bounds = _int_args(name, args, (1, 2))
        low, high = (bounds[0], bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
        return lambda v: low <= len(v) <= high
    raise FunctionLoadError(f"unknown route constraint {text!r}")


def _split_constraints(text: str) -> list[str]:
    """Split ``int:min(1):regex(a:b)`` on the colons outside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == ":" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    checks: tuple[Check, ...] = ()
    optional: bool = False
    catch_all: bool = False
    default: str | None = None
    #: the constraint texts as written (``int``, ``range(1,5)``), for the OpenAPI document.
    constraints: tuple[str, ...] = ()


def _parse_param(body: str, template: str) -> _Param:
    catch_all = False
    if body.startswith("**"):
        body, catch_all = body[2:], True
    elif body.startswith("*"):
        body, catch_all = body[1:], True
    default: str | None = None
    # ``=default`` comes after the constraints; a regex may contain ``=`` inside parens.
    depth = 0
    for index, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "=" and depth == 0:
            body, default = body[:index], body[index + 1 :]
            break
    optional = False
    if body.endswith("?"):
        body, optional = body[:-1], True
    if default is not None and default.endswith("?"):
        default, optional = default[:-1], True
    name, *constraints = _split_constraints(body)
    name = name.strip()
    if not _NAME_RE.match(name):
        raise FunctionLoadError(f"route {template!r}: bad parameter name {name!r}")
    checks = tuple(_make_check(c) for c in constraints if c.strip())
    texts = tuple(c.strip() for c in constraints if c.strip())
    optional = optional or catch_all or default is not None
    return _Param(name, checks, optional, catch_all, default, texts)


_SegmentPart = str | _Param


def _fold(text: str) -> str:
    """Lower-case ``text`` character by character, keeping its length (and so its indexes)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _lower_literals(parts: Iterable[_SegmentPart]) -> Iterable[_SegmentPart]:
    return (_fold(part) if isinstance(part, str) else part for part in parts)


def _match_complex(parts: tuple[_SegmentPart, ...], piece: str, out: dict[str, str]) -> bool:
    """Match a segment of several parts (``{name}.{ext}``) as ASP.NET does.

    The parts are read from the right: each literal is found at its last occurrence left of
    what is already matched, and the parameter to its right takes the text in between. No
    choice is ever revisited, so the work is linear in ``len(piece)``. A last optional
    parameter after a literal (``{name}.{ext?}``) may be left out together with the literal.
    """
    if _match_parts(parts, piece, out):
        return True
    last, before = parts[-1], parts[-2]
    if isinstance(last, _Param) and last.optional and isinstance(before, str):
        return len(parts) > 2 and _match_parts(parts[:-2], piece, out)
    return False


def _match_parts(parts: tuple[_SegmentPart, ...], piece: str, out: dict[str, str]) -> bool:
    folded = _fold(piece)
    end = len(piece)
    pending: _Param | None = None
    values: dict[str, str] = {}
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if isinstance(part, _Param):
            pending = part
            if index == 0:
                if end == 0:
                    return False
                values[part.name] = piece[:end]
                end = 0
            continue
        # a pending parameter keeps at least one character
        limit = end - 1 if pending is not None else end
        if limit < len(part):
            return False
        at = folded.rfind(part, 0, limit if pending is not None else end)
        if at < 0 or (pending is None and at + len(part) != end):
            return False
        if pending is not None:
            value = piece[at + len(part) : end]
            if not value:
                return False
            values[pending.name] = value
            pending = None
        end = at
    if end != 0:
        return False
    out.update(values)
    return True


def _split_path(path: str) -> tuple[list[str], list[str]]:
    """A path's segments without one trailing empty one, and all of them (a catch-all
    takes the raw rest, trailing slash included)."""
    text = path.lstrip("/")
    raw = text.split("/") if text else []
    if raw and raw[-1] == "":
        return raw[:-1], raw  # one trailing slash is allowed
    return raw, raw


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    """The outcome of :meth:`Router.match`.

    Attributes:
        target: what the matched route was registered with (``None`` if nothing matched).
        params: route values by parameter name.
        allowed: methods allowed on the path when ``target`` is ``None`` because of the
            method (empty when the path itself is unknown).
    """

    target: T | None
    params: dict[str, str] = field(default_factory=dict)
    allowed: frozenset[str] = frozenset()


class RouteTemplate:
    """A parsed route template.

    Example:
        >>> t = RouteTemplate("products/{category:alpha}/{id:int?}")
        >>> t.match("Products/books/12")
        {'category': 'books', 'id': '12'}
        >>> t.match("products/books") == {"category": "books"}
        True
        >>> t.match("products/42/1") is None
        True

    Raises:
        FunctionLoadError: if the template is malformed or names an unknown constraint.
    """

    __slots__ = ("_params", "_segments", "precedence", "template")

    def __init__(self, template: str) -> None:
        self.template = template
        text = template.strip().strip("/")
        segments: list[list[_SegmentPart]] = [] if not text else [
            self._parse_segment(seg, template) for seg in text.split("/")
        ]
        params: list[_Param] = []
        precedence: list[int] = []
        for index, parts in enumerate(segments):
            seg_params = [p for p in parts if isinstance(p, _Param)]
            params.extend(seg_params)
            if any(p.catch_all for p in seg_params) and (
                index != len(segments) - 1 or len(parts) > 1
            ):
                raise FunctionLoadError(
                    f"route {template!r}: a catch-all must be the whole last segment"
                )
            lone_optional = len(parts) == 1 and seg_params and seg_params[0].optional
            if not seg_params:
                precedence.append(1)
            elif any(p.catch_all for p in seg_params):
                precedence.append(5)
            elif lone_optional:
                precedence.append(4)
            elif len(parts) > 1:
                precedence.append(2)
            else:
                precedence.append(2 if seg_params[0].checks else 3)
        names = [p.name.lower() for p in params]
        if len(set(names)) != len(names):
            raise FunctionLoadError(f"route {template!r}: a parameter name is repeated")
        self._params: tuple[_Param, ...] = tuple(params)
        self._segments: tuple[tuple[_SegmentPart, ...], ...] = tuple(
            tuple(_lower_literals(parts)) for parts in segments
        )
        #: sort key: lower sorts first (more specific).
        self.precedence: tuple[int, ...] = (*precedence, 0)

    @staticmethod
    def _parse_segment(segment: str, template: str) -> list[_SegmentPart]:
        parts: list[_SegmentPart] = []
        index = 0
        literal = ""
        while index < len(segment):
            char = segment[index]
            if char == "{":
                if segment.startswith("{{", index):
                    literal += "{"
                    index += 2
                    continue
                end = index + 1
                depth = 0
                while end < len(segment):
                    if segment[end] == "(":
                        depth += 1
                    elif segment[end] == ")":
                        depth -= 1
                    elif segment[end] == "}" and depth <= 0:
                        break
                    end += 1
                if end >= len(segment):
                    raise FunctionLoadError(f"route {template!r}: unclosed '{{'")
                if literal:
                    parts.append(literal)
                    literal = ""
                if parts and isinstance(parts[-1], _Param):
                    raise FunctionLoadError(
                        f"route {template!r}: two parameters need a literal between them"
                    )
                body = segment[index + 1 : end].replace("{{", "{").replace("}}", "}")
                parts.append(_parse_param(body, template))
                index = end + 1
                continue
            if char == "}":
                if segment.startswith("}}", index):
                    literal += "}"
                    index += 2
                    continue
                raise FunctionLoadError(f"route {template!r}: stray '}}'")
            literal += char
            index += 1
        if literal:
            parts.append(literal)
        if not parts:
            raise FunctionLoadError(f"route {template!r}: empty segment")
        return parts

    @property
    def segments(self) -> tuple[tuple[str | _Param, ...], ...]:
        """The parsed segments, literals as written and parameters (name, constraint
        texts, optional, catch-all, default), read by :mod:`azfunc.openapi`."""
        text = self.template.strip().strip("/")
        return tuple(tuple(self._parse_segment(seg, self.template)) for seg in text.split("/")
                     if text)

    def match(self, path: str) -> dict[str, str] | None:
        """Route values if ``path`` (without the route prefix) matches, else ``None``.

        Matching walks the path once, segment by segment (a segment of several parts is
        read right to left, as ASP.NET does), so it takes time linear in the path length
        whatever the template.
        """
        return self.match_pieces(*_split_path(path))

    def match_pieces(self, pieces: list[str], raw: list[str]) -> dict[str, str] | None:
        """:meth:`match` for a path split once by :func:`_split_path` (the router splits
        each path once for all its routes)."""
        found: dict[str, str] = {}
        for index, parts in enumerate(self._segments):
            first = parts[0]
            if isinstance(first, _Param) and first.catch_all:
                value = "/".join(raw[index:])
                if value:
                    found[first.name] = value
                return self._finish(found)
            if index >= len(pieces):
                if len(parts) == 1 and isinstance(first, _Param) and first.optional:
                    continue
                return None
            piece = pieces[index]
            if len(parts) == 1:
                if isinstance(first, str):
                    if _fold(piece) != first:
                        return None
                elif piece:
                    found[first.name] = piece
                else:
                    return None
            elif not _match_complex(parts, piece, found):
                return None
        if len(pieces) > len(self._segments):
            return None
        return self._finish(found)

    def _finish(self, found: dict[str, str]) -> dict[str, str] | None:
        """Fill defaults, drop absent optionals and check the constraints."""
        values: dict[str, str] = {}
        for param in self._params:
            value = found.get(param.name)
            if value is None:
                if param.default is not None:
                    values[param.name] = param.default
                    continue
                if param.optional:
                    continue
                return None
            if not all(check(value) for check in param.checks):
                return None
            values[param.name] = value
        return values

    def __repr__(self) -> str:
        return f"RouteTemplate({self.template!r})"


class Router(Generic[T]):
    """Routes ordered by ASP.NET precedence, each with the methods it allows.

    Example:
        >>> r: Router[str] = Router()
        >>> r.add("items/{id:int}", "by_id", methods=["GET"])
        >>> r.add("items/{name}", "by_name")
        >>> r.match("items/7", "GET").target, r.match("items/x", "GET").params
        ('by_id', {'name': 'x'})
        >>> r.match("items/7", "POST").target
        'by_name'

    Raises:
        FunctionLoadError: from :meth:`add` for a malformed template.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[RouteTemplate, frozenset[str] | None, T]] = []

    def add(self, template: str, target: T, *, methods: Iterable[str] | None = None) -> None:
        """Add a route; ``methods`` ``None`` or empty allows every method.

        Raises:
            FunctionLoadError: if the template is malformed.
        """
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self._routes.append((RouteTemplate(template), allowed, target))
        self._routes.sort(key=lambda route: route[0].precedence)

    def __len__(self) -> int:
        return len(self._routes)

    def match(self, path: str, method: str) -> RouteMatch[T]:
        """The first route matching ``path`` that allows ``method``."""
        method = method.upper()
        allowed: set[str] = set()
        pieces, raw = _split_path(path)
        for template, methods, target in self._routes:
            params = template.match_pieces(pieces, raw)
            if params is None:
                continue
            if methods is None or method in methods or (method == "HEAD" and "GET" in methods):
                return RouteMatch(target, params)
            allowed |= methods
        return RouteMatch(None, {}, frozenset(allowed))
