"""Serving HTTP-triggered functions over ASGI: route, build the request, send the response.

Rules this module keeps:

* Functions are served at ``/<routePrefix>/<route>`` (``routePrefix`` from ``host.json``
  ``extensions.http.routePrefix``, default ``api``; ``route`` defaults to the function
  name); ``methods`` are honoured with 405 and an ``Allow`` header; unknown paths are 404.
* The request reaches the function as the ``http`` Datum :mod:`azfunc.wire.asgi` builds
  (the shape the host sends); the answer is read back through the same codec.
* Bodies over ``max_body_size`` answer 413; an exception from the function (or from an
  input conversion) answers 500 and is logged with the function name and invocation id.
* The response is read from the ``$return`` or ``http`` output binding: an
  ``HttpResponse`` goes out with every header line (several ``Set-Cookie``) and, when it
  streams, chunk by chunk (:func:`streaming_registry`'s ``http`` converter records a
  :class:`~azfunc.wire.http.DeferredHttpResponse` instead of collecting the stream; a
  ``def`` function's stream is iterated on a worker thread); any other value goes out as
  the ``http`` converter encoded it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from .._datum import Datum
from .._errors import LimitExceededError
from .._registry import BindingRegistry, Converter, get_binding_registry
from ..http.response import HttpResponse
from ..wire.asgi import request_datum, request_metadata, request_parts, response_parts
from ..wire.http import DeferredHttpResponse
from ._asgi import (
    Receive,
    Scope,
    Send,
    encode_headers,
    read_body,
    send_chunks,
    send_json,
    send_text,
)
from .expressions import binding_data
from .routing import Router
from .runtime import InvocationExecutor, new_invocation_id

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.model import BindingInfo, FunctionInfo
    from .runtime import Runtime

__all__ = ["DEFAULT_MAX_BODY_SIZE", "HttpFrontend", "route_prefix", "streaming_registry"]

DEFAULT_MAX_BODY_SIZE: Final = 100 * 1024 * 1024
logger = logging.getLogger("azfunc.host")

#: called after a successful invocation with (function, result, binding data), except for
#: functions with only HTTP bindings (they have no other output to apply).
OutputHook = Callable[["FunctionInfo", "InvocationResult", Mapping[str, Any]], Awaitable[None]]
#: extra inputs (blob inputs...) for (function, binding data); not asked for functions with
#: only HTTP bindings.
InputHook = Callable[["FunctionInfo", Mapping[str, Any]], Awaitable[dict[str, Any]]]


class _StreamingHttpConverter(Converter):
    """The ``http`` converter, except that an ``HttpResponse`` is not encoded.

    The host sends an ``HttpResponse`` from the object itself (every header line, the
    stream chunk by chunk), so the invocation records a ``DeferredHttpResponse``: a stream
    is not collected and the body is not copied.
    """

    binding = "http"

    def __init__(self, inner: Converter) -> None:
        self.inner = inner

    def check_input_type_annotation(self, pytype: Any) -> bool:
        return self.inner.check_input_type_annotation(pytype)

    def check_output_type_annotation(self, pytype: Any) -> bool:
        return self.inner.check_output_type_annotation(pytype)

    def has_implicit_output(self) -> bool:
        return self.inner.has_implicit_output()

    def has_trigger_support(self) -> bool:
        return self.inner.has_trigger_support()

    def decode(self, datum: Datum, *, trigger_metadata: Mapping[str, Datum] | None = None,
               pytype: Any = None) -> Any:
        return self.inner.decode(datum, trigger_metadata=trigger_metadata, pytype=pytype)

    def encode(self, obj: Any, *, expected_type: Any = None) -> Datum | None:
        if isinstance(obj, HttpResponse):
            return Datum(DeferredHttpResponse(obj), "http")
        return self.inner.encode(obj, expected_type=expected_type)


def streaming_registry(base: BindingRegistry | None = None) -> BindingRegistry:
    """A copy of ``base`` (default: the process registry) whose ``http`` output is deferred.

    Example:
        >>> streaming_registry().get("http").binding
        'http'
    """
    registry = (base or get_binding_registry()).copy()
    inner = registry.get("http")
    if inner is not None:
        registry.register("http", _StreamingHttpConverter(inner))
    return registry


def route_prefix(host_json: Mapping[str, Any]) -> str:
    """``extensions.http.routePrefix`` of ``host.json`` without slashes (default ``api``).

    Example:
        >>> route_prefix({"extensions": {"http": {"routePrefix": "/v1/"}}})
        'v1'
        >>> route_prefix({})
        'api'
    """
    extensions = host_json.get("extensions")
    http = extensions.get("http") if isinstance(extensions, Mapping) else None
    prefix = http.get("routePrefix") if isinstance(http, Mapping) else None
    return "api" if not isinstance(prefix, str) else prefix.strip("/")


def http_trigger(info: FunctionInfo) -> BindingInfo | None:
    """The ``httpTrigger`` binding of ``info``, if it has one."""
    trigger = info.trigger
    return trigger if trigger is not None and trigger.type.lower() == "httptrigger" else None


def http_output(info: FunctionInfo) -> BindingInfo | None:
    """The ``http`` output binding (``$return`` or named)."""
    return next(
        (b for b in info.bindings if b.type.lower() == "http" and b.direction == "out"), None
    )


def build_http_datum(scope: Scope, body: bytes, params: Mapping[str, str]) -> Datum:
    """The ``http`` Datum of an ASGI request, as the host would send it."""
    return request_datum(scope, body, params)


async def _threaded_chunks(chunks: Iterator[bytes],
                          pool: InvocationExecutor) -> AsyncIterator[bytes]:
    """Drive a blocking iterator on the invocation pool, one chunk at a time."""
    done = object()
    while True:
        chunk = await pool.run_async(next, chunks, done)
        if chunk is done:
            return
        yield cast(bytes, chunk)


@dataclass(frozen=True, slots=True)
class _Target:
    """What the router hands back: a function and what each request needs from it."""

    info: FunctionInfo
    trigger: BindingInfo
    output: BindingInfo | None
    plain: bool  # only HTTP bindings: no binding data or extra inputs needed
    threaded: bool  # a def function: its response stream is iterated on a thread


class HttpFrontend:
    """The HTTP-triggered functions of an app behind one router.

    Example:
        >>> HttpFrontend([], runtime=None, prefix="api").handles("/api/x")
        True
    """

    def __init__(
        self,
        functions: list[FunctionInfo],
        *,
        runtime: Runtime | None,
        prefix: str = "api",
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        on_outputs: OutputHook | None = None,
        extra_inputs: InputHook | None = None,
    ) -> None:
        self.prefix = prefix.strip("/")
        self.max_body_size = max_body_size
        self.runtime = runtime
        self.on_outputs = on_outputs
        self.extra_inputs = extra_inputs
        self.router: Router[_Target] = Router()
        for info in functions:
            trigger = http_trigger(info)
            if trigger is None or info.disabled:
                continue
            target = _Target(
                info=info,
                trigger=trigger,
                output=http_output(info),
                plain=all(b.type.lower() in ("httptrigger", "http") for b in info.bindings),
                threaded=not info.is_async,
            )
            route = trigger.properties.get("route") or info.name
            methods = trigger.properties.get("methods") or None
            if isinstance(methods, str):
                methods = [methods]
            names = [str(getattr(m, "value", m)) for m in methods] if methods else None
            self.router.add(str(route), target, methods=names)

    def handles(self, path: str) -> bool:
        """Whether ``path`` lies under the route prefix."""
        if not self.prefix:
            return True
        lowered = path.lower()
        prefix = "/" + self.prefix.lower()
        return lowered == prefix or lowered.startswith(prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (404 / 405 / 413 / 500 / the function's answer)."""
        path = scope.get("path", "/")
        method = str(scope.get("method", "GET")).upper()
        sub = path[len(self.prefix) + 1 :] if self.prefix else path
        found = self.router.match(sub, method)
        if found.target is None:
            if found.allowed:
                allow = ", ".join(sorted(found.allowed))
                await send_text(send, 405, f"method {method} not allowed; allowed: {allow}\n",
                                headers=[("allow", allow)])
            else:
                await send_text(send, 404, f"no function serves {path}\n")
            return
        target = found.target
        try:
            body = await read_body(scope, receive, self.max_body_size)
        except LimitExceededError as exc:
            await send_text(send, 413, f"{exc}\n", headers=[("connection", "close")])
            return
        await self.invoke(target, scope, body, found.params, send)

    async def invoke(
        self,
        target: _Target,
        scope: Scope,
        body: bytes,
        params: Mapping[str, str],
        send: Send,
    ) -> None:
        """Invoke an HTTP function for a request whose body is read, and answer it."""
        assert self.runtime is not None, "HttpFrontend needs a runtime to invoke functions"
        info, trigger, plain = target.info, target.trigger, target.plain
        parts = request_parts(scope)
        headers, query, _ = parts
        datum = request_datum(scope, body, params, parts)
        # JSON body properties are binding data only for functions with other bindings
        data = {**query, **params} if plain else binding_data(query, params, body=body)
        metadata: dict[str, Any] = {**data, **request_metadata(headers, query)}
        invocation_id = new_invocation_id()
        try:
            inputs: dict[str, Any] = {trigger.name: datum}
            if self.extra_inputs is not None and not plain:
                inputs.update(await self.extra_inputs(info, data))
            hook = self.on_outputs if not plain else None
            result = await self.runtime.invoke(
                info, inputs, trigger_metadata=metadata, invocation_id=invocation_id,
                outputs=None if hook is None else lambda r: hook(info, r, data),
            )
            out = target.output
            if out is None:
                out_datum = None
            elif out.is_return:
                out_datum = result.return_data
            else:
                out_datum = result.output_data.get(out.name)
            pool = self.runtime.executor
            status, pairs, payload = response_parts(
                out_datum,
                threaded=(lambda chunks: _threaded_chunks(chunks, pool)) if target.threaded
                else None,
            )
        except Exception as exc:
            await send_json(send, 500, {
                "error": f"{type(exc).__name__}: {exc}",
                "function": info.name,
                "invocationId": invocation_id,
            })
            return
        head = scope.get("method", "GET").upper() == "HEAD"
        if isinstance(payload, bytes):
            for k, _ in pairs:
                if k.lower() == "content-length":
                    break
            else:
                pairs.append(("content-length", str(len(payload))))
            await send({"type": "http.response.start", "status": status,
                        "headers": encode_headers(pairs)})
            await send({"type": "http.response.body", "body": b"" if head else payload})
            return
        pairs = [(k, v) for k, v in pairs if k.lower() != "content-length"]
        try:
            await send_chunks(send, status, encode_headers(pairs), payload, head=head)
        except Exception:
            logger.exception("[%s] (%s) the streamed response failed", info.name, invocation_id)
            raise
