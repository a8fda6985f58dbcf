"""Route templates as OpenAPI paths: path parameters with their constraints as schemas.

Rules this module keeps:

* Each constraint the router checks (:mod:`azfunc.host.routing`) becomes what JSON Schema
  can say of it: ``int``/``long`` integers with their bounds, ``bool`` a boolean,
  ``double``/``float``/``decimal`` a number, ``guid`` a string of format ``uuid``,
  ``datetime`` one of format ``date-time``, ``alpha`` a pattern, ``min``/``max``/``range``
  integer bounds, ``minlength``/``maxlength``/``length`` string lengths, ``regex`` a
  ``pattern`` (the router matches it case-insensitively, which a schema cannot say; the
  description does), ``required`` a non-empty string.
* OpenAPI path parameters are always required, so a route whose last segments may be left
  out (``{id?}``, ``{id=5}``, ``{*rest}``) is listed once per length it answers to, the
  shortest first. A segment of several parts (``{name}.{ext?}``) is listed in full.
* A catch-all (``{*rest}``) is one parameter whose value is the rest of the path.
* Literal braces (``{{``) are percent-encoded so they are not read as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ..host.routing import RouteTemplate

__all__ = ["RoutePath", "constraint_schema", "route_paths"]

_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class RoutePath:
    """One OpenAPI path a route answers to, with its path parameters in order."""

    path: str
    parameters: tuple[dict[str, Any], ...]


def _int_args(text: str) -> list[int]:
    return [int(part.strip()) for part in text.split(",")]


def constraint_schema(constraints: tuple[str, ...], default: str | None = None,
                      catch_all: bool = False) -> dict[str, Any]:
    """The JSON Schema of a route value under ``constraints`` (already checked by the router).

    Example:
        >>> constraint_schema(("int", "min(1)"))
        {'type': 'integer', 'format': 'int32', 'minimum': 1, 'maximum': 2147483647}
        >>> constraint_schema(("alpha", "maxlength(8)"))
        {'type': 'string', 'pattern': '^[A-Za-z]+$', 'maxLength': 8}
    """
    schema: dict[str, Any] = {"type": "string"}
    low: int | None = None
    high: int | None = None
    notes: list[str] = []
    for text in constraints:
        name, _, rest = text.partition("(")
        name = name.strip().lower()
        args = rest[:-1] if rest.endswith(")") else rest
        if name in ("int", "long"):
            bounds = _INT32 if name == "int" else _INT64
            schema["type"], schema["format"] = "integer", "int32" if name == "int" else "int64"
            low = bounds[0] if low is None else max(low, bounds[0])
            high = bounds[1] if high is None else min(high, bounds[1])
        elif name == "bool":
            schema["type"] = "boolean"
        elif name in ("double", "float", "decimal"):
            schema["type"] = "number"
            if name != "decimal":
                schema["format"] = "double"
        elif name == "guid":
            schema["format"] = "uuid"
        elif name == "datetime":
            schema["format"] = "date-time"
        elif name == "alpha":
            schema["pattern"] = "^[A-Za-z]+$"
        elif name in ("min", "max", "range"):
            if schema["type"] == "string":
                schema["type"], schema["format"] = "integer", "int64"
            values = _int_args(args)
            if name in ("min", "range"):
                low = values[0] if low is None else max(low, values[0])
            if name in ("max", "range"):
                high = values[-1] if high is None else min(high, values[-1])
            low = _INT64[0] if low is None else low
            high = _INT64[1] if high is None else high
        elif name in ("minlength", "maxlength", "length"):
            values = _int_args(args)
            if name in ("minlength", "length"):
                schema["minLength"] = max(schema.get("minLength", 0), values[0])
            if name in ("maxlength", "length"):
                schema["maxLength"] = min(schema.get("maxLength", values[-1]), values[-1])
        elif name == "regex":
            if "pattern" in schema:
                schema["allOf"] = [*schema.get("allOf", []), {"pattern": args}]
            else:
                schema["pattern"] = args
            notes.append(f"matches {args} ignoring case")
        elif name == "required":
            schema["minLength"] = max(schema.get("minLength", 0), 1)
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    if default is not None:
        schema["default"] = _typed_default(default, schema["type"])
    if catch_all:
        notes.append("the rest of the path, slashes included")
    if notes:
        schema["description"] = "; ".join(notes)
    return schema


def _typed_default(text: str, kind: str) -> Any:
    """A route default (always text in the template) as the value its schema types."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _segment_text(parts: tuple[Any, ...]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part.replace("{", "%7B").replace("}", "%7D"))
        else:
            out.append("{" + part.name + "}")
    return "".join(out)


def _parameter(param: Any) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": "path",
        "required": True,
        "schema": constraint_schema(param.constraints, param.default, param.catch_all),
    }


def _omissible(parts: tuple[Any, ...]) -> bool:
    """Whether a segment may be left out of the path (a lone optional or catch-all)."""
    return len(parts) == 1 and not isinstance(parts[0], str) and parts[0].optional


def route_paths(route: str, prefix: str) -> list[RoutePath]:
    """The OpenAPI paths of a route template under the route prefix, shortest first.

    Example:
        >>> [p.path for p in route_paths("items/{id:int?}", "api")]
        ['/api/items', '/api/items/{id}']
        >>> route_paths("files/{*rest}", "")[1].parameters[0]["schema"]["description"]
        'the rest of the path, slashes included'

    Raises:
        FunctionLoadError: if the template is malformed (the router's own check).
    """
    segments = RouteTemplate(route).segments
    first_omissible = len(segments)
    while first_omissible > 0 and _omissible(segments[first_omissible - 1]):
        first_omissible -= 1
    head = "/" + prefix.strip("/") if prefix.strip("/") else ""
    found: list[RoutePath] = []
    for length in range(first_omissible, len(segments) + 1):
        used = segments[:length]
        path = head + "".join("/" + _segment_text(parts) for parts in used)
        params = tuple(_parameter(part) for parts in used for part in parts
                       if not isinstance(part, str))
        found.append(RoutePath(path or "/", params))
    return found
