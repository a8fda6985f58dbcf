"""The OpenAPI 3.1 document of a function app's HTTP functions.

Rules this module keeps:

* Every enabled HTTP-triggered function is listed, at ``/<routePrefix>/<route>``
  (``route`` defaults to the function name, ``routePrefix`` comes from ``host.json``, as
  the local host serves them), once per method it allows (all seven the host serves when
  ``methods`` is unset), operation id the function name (``<name>_<method>`` when it
  allows several, ``_<n>`` added for the n-th length of a route with optional segments).
  Methods an OpenAPI 3.1 path item has no field for (``CONNECT``, ``QUERY``) are left out.
* ``authLevel`` (``function`` when unset) is the operation's security: anonymous has none,
  ``function`` and ``admin`` take a key in the ``x-functions-key`` header or the ``code``
  query parameter, as the host reads them, and may answer 401.
* A parameter of the HTTP trigger annotated with a model (``Model``/``list[Model]``) is
  the request body (``application/json``, required), with a 422 problem-details answer;
  a model return annotation (or ``Out[Model]`` on the HTTP output) is the 200 body.
* Routes the router would never reach because an earlier one takes the same path and
  method are left out (the first function wins, as it does at run time).
* The output is deterministic: functions, paths and schemas sorted, methods in one order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .._typed import is_model
from .._typing import unwrap_optional
from ..app.annotations import EMPTY, is_out, out_argument, resolve_signature
from ..app.model import FunctionInfo
from ..host.http_frontend import http_output, http_trigger, route_prefix
from .paths import route_paths
from .schema import PROBLEM_DETAILS, SchemaRegistry

__all__ = ["ALL_METHODS", "build_document"]

#: the methods an HTTP function without ``methods`` answers, in document order.
ALL_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch")
#: every method an OpenAPI path item can hold, in document order.
_ORDER: Final = (*ALL_METHODS, "trace")
_HEADER_SCHEME: Final = "functionKeyHeader"
_QUERY_SCHEME: Final = "functionKeyQuery"
_KEY_NOTE: Final = {
    "function": "a function key, a host key or the master key",
    "admin": "the master key",
}


def build_document(
    functions: Iterable[FunctionInfo],
    host_json: Mapping[str, Any] | None = None,
    *,
    title: str = "Function app",
    version: str = "1.0.0",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document (a JSON-ready dict) of the HTTP functions in ``functions``.

    Example:
        >>> import azfunc as func
        >>> app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
        >>> @app.route(route="items/{id:int}", methods=["GET"])
        ... def item(req: func.HttpRequest) -> func.HttpResponse:
        ...     return func.HttpResponse(req.route_params["id"])
        >>> doc = build_document(app.get_functions(), {})
        >>> list(doc["paths"]), doc["paths"]["/api/items/{id}"]["get"]["operationId"]
        (['/api/items/{id}'], 'item')

    Raises:
        FunctionLoadError: if a route template is malformed.
        AnnotationError: if a function's annotations cannot be resolved.
        ConversionError: if a model cannot be described.
    """
    prefix = route_prefix(host_json or {})
    schemas = SchemaRegistry()
    paths: dict[str, dict[str, Any]] = {}
    taken: set[tuple[str, str]] = set()
    shapes: dict[str, str] = {}  # path with parameter names blanked -> the path listed
    secured = False
    for info in functions:  # app order: the first function of a path and method wins
        trigger = http_trigger(info)
        if trigger is None or info.disabled:
            continue
        route = str(trigger.properties.get("route") or info.name)
        methods = _methods(trigger.properties.get("methods"))
        level = _auth_level(trigger.properties.get("authLevel"))
        variants = route_paths(route, prefix)
        for index, variant in enumerate(variants):
            shape = _shape(variant.path)
            listed = shapes.setdefault(shape, variant.path)
            if listed != variant.path:
                continue  # same path, other parameter names: unreachable for OpenAPI
            for method in methods:
                if (shape, method) in taken:
                    continue
                taken.add((shape, method))
                operation_id = info.name
                if len(methods) > 1:
                    operation_id += f"_{method}"
                if index:
                    operation_id += f"_{index}"
                operation = _operation(info, operation_id, level, schemas,
                                       [dict(p) for p in variant.parameters])
                paths.setdefault(variant.path, {})[method] = operation
                secured = secured or level != "anonymous"
    components: dict[str, Any] = {}
    if any(_uses_problem(item) for item in paths.values()):
        schemas.add("ProblemDetails", PROBLEM_DETAILS)
    named = schemas.components()
    if named:
        components["schemas"] = named
    if secured:
        components["securitySchemes"] = {
            _HEADER_SCHEME: {"type": "apiKey", "in": "header", "name": "x-functions-key"},
            _QUERY_SCHEME: {"type": "apiKey", "in": "query", "name": "code"},
        }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": {path: _ordered(paths[path]) for path in sorted(paths)},
    }
    if components:
        document["components"] = components
    return document


def _methods(raw: Any) -> tuple[str, ...]:
    if not raw:
        return ALL_METHODS
    if isinstance(raw, str):
        raw = [raw]
    wanted = {str(getattr(m, "value", m)).lower() for m in raw}
    return tuple(m for m in _ORDER if m in wanted)


def _auth_level(raw: Any) -> str:
    return str(getattr(raw, "value", raw) or "function").lower()


def _shape(path: str) -> str:
    out, depth = [], 0
    for char in path.lower():
        if char == "{":
            depth += 1
            out.append("{}")
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _ordered(item: Mapping[str, Any]) -> dict[str, Any]:
    return {method: item[method] for method in _ORDER if method in item}


def _uses_problem(item: Mapping[str, Any]) -> bool:
    return any("422" in op.get("responses", {}) for op in item.values())


def _operation(info: FunctionInfo, operation_id: str, level: str,
               schemas: SchemaRegistry, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    body_type, return_type = _typed_types(info)
    operation: dict[str, Any] = {"operationId": operation_id, "summary": info.name}
    if parameters:
        operation["parameters"] = parameters
    ok: dict[str, Any] = {"description": "the function's answer"}
    if return_type is not None:
        ok["content"] = {"application/json": {"schema": schemas.schema_of(return_type)}}
    responses: dict[str, Any] = {"200": ok}
    if body_type is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.schema_of(body_type)}},
        }
        responses["422"] = {
            "description": "the body does not match the model (the function is not called)",
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
    if level == "anonymous":
        operation["security"] = []
    else:
        operation["security"] = [{_HEADER_SCHEME: []}, {_QUERY_SCHEME: []}]
        operation["description"] = f"authLevel {level}: takes {_KEY_NOTE.get(level, 'a key')}"
        responses["401"] = {"description": "no valid key"}
    operation["responses"] = responses
    return operation


def _typed_types(info: FunctionInfo) -> tuple[Any, Any]:
    """(request body model, response body model) of an HTTP function, ``None`` if untyped."""
    trigger = http_trigger(info)
    output = http_output(info)
    sig = resolve_signature(info.func, info.name)
    body: Any = None
    answer: Any = None
    for name in sig.parameters:
        tp = sig.annotations[name]
        if tp is EMPTY:
            continue
        if trigger is not None and name == trigger.name:
            candidate = unwrap_optional(tp)
            body = candidate if is_model(candidate) else None
        elif output is not None and name == output.name and is_out(tp):
            candidate = out_argument(tp)
            answer = candidate if is_model(candidate) else answer
    if output is not None and output.is_return and sig.returns is not EMPTY:
        candidate = unwrap_optional(sig.returns)
        answer = candidate if is_model(candidate) else None
    return body, answer
