"""Adapters: the callable the host invokes for a function whose code is written for an SDK.

Rules this module keeps:

* An adapter takes the user's function and its bindings and returns the callable the
  invocation runs; the decorator still returns the user's function (see :mod:`._base`).
  An adapter that has nothing to adapt returns the user's function itself.
* Functions written with Microsoft's Durable SDK (``azure-functions-durable``) are run
  through the SDK's own code: a *generator* orchestrator through its ``Orchestrator``
  replay, an entity whose context is annotated with an SDK type (or not at all) through its
  ``Entity``, and a client binding annotated with an SDK type gets the SDK's
  ``DurableOrchestrationClient``. The SDK is imported only when such a function is invoked;
  azfunc never depends on it. The wrapper's own signature says ``str`` for the binding, so
  ``azfunc check`` checks it as the host will call it.
* An MCP tool (``mcp_tool()``) is called with the arguments of the request; the request
  itself goes to a parameter annotated :class:`~azfunc.bindings.mcp.MCPToolContext`.
"""

from __future__ import annotations

import inspect
import json
import textwrap
import typing
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, Final

from .._errors import ConfigurationError
from .model import BindingInfo

__all__ = ["client_adapter", "entity_adapter", "mcp_tool_adapter", "mcp_tool_properties",
           "orchestrator_adapter"]

_SDK: Final = "azure.durable_functions"
_EMPTY: Final[Any] = inspect.Parameter.empty


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:  # unresolvable here: azfunc check reports it when it resolves them
        return dict(getattr(func, "__annotations__", {}) or {})


def _from_sdk(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return "Durable" in annotation or _SDK in annotation
    return str(getattr(annotation, "__module__", "")).startswith(_SDK)


def _sdk(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigurationError(
            "this function is written for Microsoft's Durable SDK; install "
            f"azure-functions-durable to run it ({exc})"
        ) from exc


def _named(wrapper: Any, func: Callable[..., Any], params: list[inspect.Parameter],
           returns: Any) -> Any:
    wrapper.__name__ = getattr(func, "__name__", "function")
    wrapper.__qualname__ = getattr(func, "__qualname__", wrapper.__name__)
    wrapper.__module__ = getattr(func, "__module__", __name__)
    wrapper.__doc__ = getattr(func, "__doc__", None)
    wrapper.__signature__ = inspect.Signature(params, return_annotation=returns)
    annotations = {p.name: p.annotation for p in params if p.annotation is not _EMPTY}
    if returns is not _EMPTY:
        annotations["return"] = returns
    wrapper.__annotations__ = annotations
    wrapper.user_function = func
    return wrapper


def _trigger_name(bindings: tuple[BindingInfo, ...], kind: str) -> str | None:
    return next((b.name for b in bindings if b.type.lower() == kind.lower()), None)


def orchestrator_adapter(
    func: Callable[..., Any], bindings: tuple[BindingInfo, ...]
) -> Callable[..., Any]:
    """A generator orchestrator, run through the Durable SDK's replay; others unchanged."""
    name = _trigger_name(bindings, "orchestrationTrigger")
    if name is None or not inspect.isgeneratorfunction(func):
        return func

    def orchestrate(**kwargs: Any) -> str:
        module = _sdk(f"{_SDK}.orchestrator")
        return str(module.Orchestrator.create(func)(kwargs[name]))

    param = inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
    return typing.cast(Callable[..., Any], _named(orchestrate, func, [param], str))


def entity_adapter(
    func: Callable[..., Any], bindings: tuple[BindingInfo, ...]
) -> Callable[..., Any]:
    """An entity whose context is an SDK type (or unannotated), run through the SDK."""
    name = _trigger_name(bindings, "entityTrigger")
    if name is None:
        return func
    annotation = _hints(func).get(name, inspect.Parameter.empty)
    if annotation is not inspect.Parameter.empty and not _from_sdk(annotation):
        return func

    def run_entity(**kwargs: Any) -> str:
        module = _sdk(f"{_SDK}.entity")
        return str(module.Entity.create(func)(kwargs[name]))

    param = inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
    return typing.cast(Callable[..., Any], _named(run_entity, func, [param], str))


def client_adapter(client_name: str) -> Callable[..., Callable[..., Any]]:
    """A function whose ``client_name`` parameter is annotated with the SDK's client gets
    a ``DurableOrchestrationClient`` built from the binding's JSON text."""

    def adapt(func: Callable[..., Any], bindings: tuple[BindingInfo, ...]) -> Callable[..., Any]:
        hints = _hints(func)
        if not _from_sdk(hints.get(client_name, inspect.Parameter.empty)):
            return func
        sig = inspect.signature(func)
        params = [
            p.replace(annotation=str if p.name == client_name
                      else hints.get(p.name, p.annotation))
            for p in sig.parameters.values()
        ]

        def client(text: Any, kwargs: Mapping[str, Any]) -> Any:
            module = _sdk(_SDK)
            context = kwargs.get("context")
            invocation = getattr(context, "invocation_id", None)
            return module.DurableOrchestrationClient(text, invocation)

        if inspect.iscoroutinefunction(func):
            async def call_async(**kwargs: Any) -> Any:
                kwargs[client_name] = client(kwargs[client_name], kwargs)
                return await func(**kwargs)

            wrapper: Any = call_async
        else:
            def call(**kwargs: Any) -> Any:
                kwargs[client_name] = client(kwargs[client_name], kwargs)
                return func(**kwargs)

            wrapper = call
        return typing.cast(Callable[..., Any], _named(
            wrapper, func, params, hints.get("return", sig.return_annotation)))

    return adapt


# --- MCP tools ------------------------------------------------------------------------------

_MCP_TYPES: Final[Mapping[Any, str]] = {
    int: "integer", float: "number", str: "string", bool: "boolean", object: "object",
    datetime: "string",
}


def _tool_context(request: Mapping[str, Any]) -> Any:
    from ..bindings.mcp import MCPToolContext

    return MCPToolContext(request)


def _is_tool_context(annotation: Any) -> bool:
    from ..bindings.mcp import MCPToolContext

    return annotation is MCPToolContext


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without ``Optional``, whether it was optional)."""
    args = typing.get_args(annotation)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if rest else str), True
    return annotation, False


def mcp_tool_properties(
    func: Callable[..., Any], skip: set[str], explicit: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The ``toolProperties`` of an MCP tool, read from the function's signature."""
    hints = _hints(func)
    out: list[dict[str, Any]] = []
    for name, param in inspect.signature(func).parameters.items():
        annotation = hints.get(name, str)
        if name in skip or _is_tool_context(annotation):
            continue
        base, optional = _unwrap(annotation)
        is_array = typing.get_origin(base) is list
        if is_array:
            inner = typing.get_args(base)
            base = _unwrap(inner[0])[0] if inner else str
        prop: dict[str, Any] = {
            "propertyName": name,
            "propertyType": _MCP_TYPES.get(base, "string"),
            "description": "",
            "isArray": is_array,
            "isRequired": param.default is inspect.Parameter.empty and not optional,
        }
        prop.update({k: v for k, v in explicit.get(name, {}).items() if v is not None})
        out.append(prop)
    return out


def mcp_description(func: Callable[..., Any]) -> str:
    """The tool's description: the function's docstring, dedented."""
    return textwrap.dedent(getattr(func, "__doc__", None) or "").strip()


def _tool_result(result: Any, structured: bool) -> str:
    if result is None:
        return ""
    if not structured:
        return result if isinstance(result, str) else str(result)
    if is_dataclass(result) and not isinstance(result, type):
        text = json.dumps(asdict(result))
    elif isinstance(result, str):
        text = result
    elif hasattr(result, "__dict__"):
        text = json.dumps(vars(result))
    else:
        text = json.dumps(result)
    return json.dumps({
        "type": "text",
        "content": json.dumps({"type": "text", "text": text}),
        "structuredContent": text,
    })


def mcp_tool_adapter(structured: bool) -> Callable[..., Callable[..., Any]]:
    """The callable the host invokes for an ``mcp_tool()``: it reads the request from the
    ``context`` binding and calls the user's function with the request's arguments."""

    def adapt(func: Callable[..., Any], bindings: tuple[BindingInfo, ...]) -> Callable[..., Any]:
        hints = _hints(func)
        user_params = inspect.signature(func).parameters
        bound = [b.name for b in bindings if b.name in user_params and b.name != "context"]

        async def tool(**kwargs: Any) -> str:
            raw = kwargs.pop("context")
            request = json.loads(raw) if isinstance(raw, (str, bytes)) else dict(raw or {})
            arguments = request.get("arguments") or {}
            call: dict[str, Any] = {}
            for name in user_params:
                if _is_tool_context(hints.get(name)):
                    call[name] = _tool_context(request)
                elif name in arguments:
                    call[name] = arguments[name]
            call.update(kwargs)
            result = func(**call)
            if inspect.isawaitable(result):
                result = await result
            return _tool_result(result, structured)

        params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY,
                                    annotation=hints.get(n, inspect.Parameter.empty))
                  for n in bound]
        params.append(inspect.Parameter("context", inspect.Parameter.KEYWORD_ONLY,
                                        annotation=str))
        return typing.cast(Callable[..., Any], _named(tool, func, params, str))

    return adapt
