"""Serving HTTP-triggered functions over ASGI: route, build the request, send the response.

Rules this module keeps:

* Functions are served at ``/<routePrefix>/<route>`` (``routePrefix`` from ``host.json``
  ``extensions.http.routePrefix``, default ``api``; ``route`` defaults to the function
  name); ``methods`` are honoured with 405 and an ``Allow`` header; unknown paths are 404.
* The request reaches the function as the ``http`` Datum the Python worker receives:
  lower-cased headers (repeated ones comma-joined, cookies ``; ``-joined), the full URL
  (so repeated and blank query values survive), non-empty query values, route values as
  ``params``, the body as bytes.
* Bodies over ``max_body_size`` answer 413; an exception from the function (or from an
  input conversion) answers 500 and is logged with the function name and invocation id.
* The response is read from the ``$return`` or ``http`` output binding: an
  ``HttpResponse`` goes out with every header line (several ``Set-Cookie``) and, when it
  streams, chunk by chunk (:func:`streaming_registry` keeps the ``http`` converter from
  collecting the stream first; a ``def`` function's stream is iterated on a worker
  thread); any other value goes out as the ``http`` converter encoded it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qsl

from .._datum import Datum
from .._errors import LimitExceededError
from .._registry import BindingRegistry, Converter, get_binding_registry
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
    stream chunk by chunk), so the invocation only records a placeholder ``http`` Datum
    with the status: a stream is not collected and the body is not copied.
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
        if hasattr(obj, "get_body") and hasattr(obj, "status_code"):
            return Datum({
                "status_code": Datum(str(obj.status_code), "string"),
                "headers": {},
                "cookies": [],
                "body": Datum(b"", "bytes"),
                "deferred": True,
            }, "http")
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
    headers, query, url = _request_parts(scope)
    return _http_datum(scope, headers, query, url, body, params)


def _request_parts(scope: Scope) -> tuple[dict[str, str], dict[str, str], str]:
    """(lower-cased headers, query values, full URL) of an ASGI request."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = (raw_name if type(raw_name) is bytes else bytes(raw_name)).decode("latin-1")
        value = (raw_value if type(raw_value) is bytes else bytes(raw_value)).decode("latin-1")
        name = name.lower()
        if name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    query_string = bytes(scope.get("query_string", b"")).decode("latin-1")
    query: dict[str, str] = {}
    if query_string:
        for key, value in parse_qsl(query_string, keep_blank_values=False):
            query[key] = f"{query[key]},{value}" if key in query else value
    host = headers.get("host")
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    raw_path = scope.get("raw_path")
    path = bytes(raw_path).decode("latin-1") if raw_path else scope.get("path", "/")
    url = f"{scope.get('scheme', 'http')}://{host}{path}"
    if query_string:
        url += "?" + query_string
    return headers, query, url


def _http_datum(scope: Scope, headers: Mapping[str, str], query: Mapping[str, str], url: str,
                body: bytes, params: Mapping[str, str]) -> Datum:
    return Datum(
        {
            "method": Datum(scope.get("method", "GET"), "string"),
            "url": Datum(url, "string"),
            "headers": {k: Datum(v, "string") for k, v in headers.items()},
            "query": {k: Datum(v, "string") for k, v in query.items()},
            "params": {k: Datum(v, "string") for k, v in params.items()} if params else {},
            "body": Datum(body, "bytes"),
        },
        "http",
    )


async def _threaded_chunks(chunks: Iterator[bytes],
                          pool: InvocationExecutor) -> AsyncIterator[bytes]:
    """Drive a blocking iterator on the invocation pool, one chunk at a time."""
    done = object()
    while True:
        chunk = await pool.run_async(next, chunks, done)
        if chunk is done:
            return
        yield cast(bytes, chunk)


def _response_parts(
    value: Any, datum: Datum | None, *, threaded: InvocationExecutor | None = None
) -> tuple[int, list[tuple[str, str]], Any]:
    """(status, header pairs, body bytes or an async chunk iterator) of a function's answer."""
    if hasattr(value, "status_code") and hasattr(value, "get_body"):
        headers = [(str(k), str(v)) for k, v in value.headers.items()]
        if getattr(value, "is_streaming", False) is True:
            body = (_threaded_chunks(value.iter_body(), threaded) if threaded is not None
                    else value.aiter_body())
            return int(value.status_code), headers, body
        return int(value.status_code), headers, bytes(value.get_body())
    if datum is None or datum.type == "null":
        return 204, [], b""
    if datum.type == "http":
        fields = datum.value
        status = int(_text(fields.get("status_code")) or 200)
        header_map = fields.get("headers") or {}
        pairs = [(str(k), _text(v)) for k, v in header_map.items()]
        pairs += [("set-cookie", str(c)) for c in fields.get("cookies") or ()]
        body = fields.get("body")
        raw = body.value if isinstance(body, Datum) else body
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        return status, pairs, bytes(raw or b"")
    if datum.type == "bytes":
        return 200, [("content-type", "application/octet-stream")], bytes(datum.value)
    if datum.type == "json":
        text = datum.value if isinstance(datum.value, str) else json.dumps(datum.value)
        return 200, [("content-type", "application/json")], text.encode("utf-8")
    return 200, [("content-type", "text/plain; charset=utf-8")], str(datum.value).encode()


def _text(value: Any) -> str:
    if isinstance(value, Datum):
        value = value.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


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
        headers, query, url = _request_parts(scope)
        datum = _http_datum(scope, headers, query, url, body, params)
        # JSON body properties are binding data only for functions with other bindings
        data = {**query, **params} if plain else binding_data(query, params, body=body)
        metadata: dict[str, Any] = {
            **data,
            # json Datums may hold the parsed value: no dumps/loads round trip per request
            "Query": Datum(query, "json"),
            "Headers": Datum(headers, "json"),
        }
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
                value, out_datum = None, None
            elif out.is_return:
                value, out_datum = result.return_value, result.return_data
            else:
                value, out_datum = result.outputs.get(out.name), result.output_data.get(out.name)
            status, pairs, payload = _response_parts(
                value, out_datum, threaded=self.runtime.executor if target.threaded else None
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
