"""Binding expressions: ``{name}`` and ``%SETTING%`` in queue names and blob paths.

Rules this module keeps:

* ``%NAME%`` is an app setting (``local.settings.json`` ``Values``) or environment variable.
* ``{name}`` is a value bound from the trigger: route parameters and query values of an HTTP
  request, top-level properties of a JSON body or queue message, trigger metadata, and
  the names a blob trigger's path pattern captured. Lookup is case-insensitive and
  ``{a.b}`` reaches into nested objects.
* Built-ins: ``{rand-guid}`` / ``{sys.randguid}`` (a new UUID per expression),
  ``{datetime}`` / ``{DateTime}`` / ``{sys.utcnow}`` (UTC now, ISO 8601), and
  ``{datetime:yyyy-MM-dd}``-style formats.
* A name with no value, a missing setting, a malformed ``{datetime:...}`` format or blob
  pattern raise :class:`~azfunc.ConfigurationError` naming the expression; an error from
  below (a setting lookup, ``strftime``) is kept as its type when it is already an azfunc
  error, else chained as ``__cause__``.
* Binding data is built for the names the bindings use (:func:`expression_names`): a body
  is parsed only when it is a JSON object and some name may come from it, and a body that
  is not UTF-8, not JSON or nested past the parser's depth contributes nothing (never an
  exception: a hostile message must still reach the function and its error handling).
* A blob trigger's path pattern (``samples-workitems/{name}.{ext}``) matches a blob path
  and yields the captured values (:class:`BlobPattern`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Final

from .._errors import ConfigurationError
from .ncrontab import resolve_settings

__all__ = ["BlobPattern", "binding_data", "expression_names", "resolve_expression"]

_EXPR_RE: Final = re.compile(r"\{([^{}]+)\}")
_BUILTINS: Final = frozenset({"rand-guid", "sys.randguid", "datetime", "sys.utcnow"})
_NET_FORMAT: Final = (
    ("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"),
)


def _format_now(fmt: str | None) -> str:
    now = datetime.now(timezone.utc)
    if not fmt:
        return now.strftime("%Y-%m-%dT%H-%M-%SZ")
    for net, py in _NET_FORMAT:
        fmt = fmt.replace(net, py)
    return now.strftime(fmt)


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    current: Any = data
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        lowered = {str(k).lower(): v for k, v in current.items()}
        current = lowered.get(part.lower())
        if current is None:
            return None
    return current


def resolve_expression(
    template: str,
    data: Mapping[str, Any] | None = None,
    settings: Mapping[str, str] | None = None,
) -> str:
    """Resolve ``%SETTING%`` and ``{name}`` in ``template``.

    Example:
        >>> resolve_expression("samples/{id}.txt", {"id": 7})
        'samples/7.txt'
        >>> len(resolve_expression("out/{rand-guid}"))
        40

    Raises:
        ConfigurationError: if a ``{name}`` has no value, or a setting is missing.
    """
    text = resolve_settings(template, settings)  # raises ConfigurationError itself

    def replace(match: re.Match[str]) -> str:
        name, _, fmt = match.group(1).strip().partition(":")
        key = name.lower()
        if key in {"rand-guid", "sys.randguid"}:
            return str(uuid.uuid4())
        if key in {"datetime", "sys.utcnow"}:
            try:
                return _format_now(fmt or None)
            except ValueError as exc:
                raise ConfigurationError(
                    f"the binding expression {{{match.group(1)}}} in {template!r} has a bad "
                    f"date format: {exc}"
                ) from exc
        value = _lookup(data or {}, name)
        if value is None:
            raise ConfigurationError(
                f"no value for the binding expression {{{name}}} in {template!r}; "
                "bind it from a route parameter, query value, JSON property or trigger "
                "metadata"
            )
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _EXPR_RE.sub(replace, text)


def expression_names(texts: Iterable[str]) -> frozenset[str]:
    """The lower-cased top-level names the ``{name}`` expressions in ``texts`` look up.

    Built-ins (``{rand-guid}``, ``{datetime:...}``) are not names.

    Example:
        >>> sorted(expression_names(["out/{Id}.json", "{a.b}-{rand-guid}", "{DateTime:yyyy}"]))
        ['a', 'id']
    """
    names: set[str] = set()
    for text in texts:
        for match in _EXPR_RE.finditer(text):
            name = match.group(1).strip().partition(":")[0].lower()
            if name not in _BUILTINS:
                names.add(name.partition(".")[0])
    return frozenset(names)


def _json_object(body: Any) -> Mapping[str, Any]:
    """The properties of ``body`` if it is (text or UTF-8 bytes of) a JSON object, else ``{}``."""
    parsed: Any = body
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            parsed = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return {}
    if isinstance(parsed, str):
        if not parsed.lstrip(" \t\r\n\ufeff").startswith("{"):
            return {}  # arrays and scalars contribute nothing: do not parse them
        try:
            parsed = json.loads(parsed)
        except (ValueError, RecursionError):
            return {}
    return parsed if isinstance(parsed, Mapping) else {}


def binding_data(
    *sources: Mapping[str, Any] | None,
    body: Any = None,
    body_wins: bool = False,
    names: Collection[str] | None = None,
) -> dict[str, Any]:
    """Merge binding-data sources (later wins) with the top-level properties of ``body``.

    ``body`` may be JSON text, bytes or an object; anything that is not a JSON object
    contributes nothing. Its properties lose to the sources (route values beat body
    properties) unless ``body_wins`` (a queue message's ``id`` beats the metadata ``Id``).
    ``names`` (lower-cased, see :func:`expression_names`) limits the body's properties to
    those the bindings use; with no names the body is not parsed at all.

    Example:
        >>> binding_data({"id": "1"}, body='{"id": "2", "name": "x"}')
        {'id': '1', 'name': 'x'}
        >>> binding_data({"Id": "1"}, body='{"id": "2"}', body_wins=True)
        {'id': '2'}
        >>> binding_data(body='{"id": "2", "big": [1, 2, 3]}', names={"id"})
        {'id': '2'}
        >>> binding_data(body="[" * 100_000, names={"id"})
        {}
    """
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    if body is not None and (names is None or names):
        properties = dict(_json_object(body))
        if names is not None:
            properties = {k: v for k, v in properties.items() if str(k).lower() in names}
    for source in sources:
        if source:
            merged.update(source)
    if body_wins:
        lowered = {key.lower() for key in properties}
        merged = {k: v for k, v in merged.items() if k.lower() not in lowered}
        merged.update(properties)
    else:
        lowered = {key.lower() for key in merged}
        merged.update({k: v for k, v in properties.items() if k.lower() not in lowered})
    return merged


class BlobPattern:
    """A blob trigger's ``path``: ``container/prefix{name}.{ext}`` with captures.

    Example:
        >>> p = BlobPattern("samples-workitems/{name}")
        >>> p.container, p.match("samples-workitems/a/b.txt")
        ('samples-workitems', {'name': 'a/b.txt'})
        >>> BlobPattern("in/{stem}.{ext}").match("in/report.2024.csv")
        {'stem': 'report.2024', 'ext': 'csv'}

    Raises:
        ConfigurationError: if the pattern has no container.
    """

    __slots__ = ("_regex", "container", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        container, _, rest = pattern.strip("/").partition("/")
        if not container or "{" in container:
            raise ConfigurationError(f"blob path {pattern!r} must start with a container name")
        self.container = container.lower()
        regex = re.escape(container) + "/"
        pos = 0
        names: list[str] = []
        for match in _EXPR_RE.finditer(rest):
            regex += re.escape(rest[pos : match.start()])
            name = match.group(1).strip()
            if not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", name):
                raise ConfigurationError(f"blob path {pattern!r}: bad capture name {name!r}")
            if name in names:
                raise ConfigurationError(f"blob path {pattern!r}: {name!r} appears twice")
            names.append(name)
            regex += f"(?P<{name}>.+)"
            pos = match.end()
        regex += re.escape(rest[pos:])
        if not rest:
            regex += ".*"
        self._regex = re.compile(regex, re.IGNORECASE | re.DOTALL)

    def match(self, blob_path: str) -> dict[str, str] | None:
        """The captured values if ``container/name`` matches, else ``None``."""
        found = self._regex.fullmatch(blob_path.strip("/"))
        return None if found is None else found.groupdict()
