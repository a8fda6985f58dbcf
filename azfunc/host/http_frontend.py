"""Serving HTTP-triggered functions over ASGI: route, build the request, send the response.

Rules this module keeps:

* Functions are served at ``/<routePrefix>/<route>`` (``routePrefix`` from ``host.json``
  ``extensions.http.routePrefix``, default ``api``; ``route`` defaults to the function
  name); ``methods`` are honoured with 405 and an ``Allow`` header; unknown paths are 404.
* The request reaches the function as the ``http`` Datum :mod:`azfunc.wire.asgi` builds
  (the shape the host sends); the answer is read back through the same codec.
* The direct path: a function whose bindings are an ``httpTrigger``, a ``$return``
  ``http`` output and maybe other output bindings, whose parameters are the request
  (annotated ``HttpRequest`` or not annotated), at most ``context`` and the ``Out``
  holders of those outputs, served with the built-in ``httpTrigger`` converter, gets the
  same request built straight from the scope (one pass over the headers, no Datum, no
  ``Query``/``Headers`` metadata: nothing would read them) and its ``HttpResponse`` sent
  from the object; its invocation id is made only when something names it. Its outputs
  are applied (``on_outputs``) before the answer is sent, as on the general path; one
  whose output bindings name request data in an expression (``{id}``, ``{query.x}``:
  ``data_names``), or that runs in a worker process, takes the general path, which
  builds that data. Every other function (and one of these when a converter is
  registered for ``httpTrigger``) takes the general path, with the same answers. Which of the two a
  function takes is looked up once per function and kept while the registry's
  ``version`` and the function's plan stay the same (a converter registered after start
  is seen on the next request).
* A route match without route values is remembered per (path, method), up to
  :data:`ROUTE_MEMO_SIZE` of them (the routes never change after start).
* Bodies over ``max_body_size`` answer 413; a body that does not fit in the budget of
  bytes held by all requests at once (``body_budget``, default
  :data:`DEFAULT_BODY_BUDGET` or ``max_body_size`` if larger) answers 503 with
  ``Retry-After`` (refused before reading when ``Content-Length`` announces it); an
  exception from the function (or from an input conversion) answers a generic 500 naming
  the invocation id (never the exception's text) and is logged, with its traceback,
  under the function name and invocation id.
* A function marked ``azfunc_streams_body`` (an ``AsgiFunctionApp``'s) gets a request
  with a body chunk by chunk as it arrives (``azfunc.adapters.streaming``), under the same
  limits; a cut-off body never reaches it as complete.
* What a function runs is marked as served by a transport that streams response bodies
  (:data:`~azfunc.adapters.streaming.streaming_responses`, for the running loop), so
  ``AsgiMiddleware.handle_async`` answers a streaming app with a stream here, and with
  the whole body where nothing streams it.
* Binding data (for the expressions of other bindings) holds the query, the route values
  and, of a JSON object body, only the properties named by ``data_names`` (all of them
  without that hook); functions with only HTTP bindings get no body properties at all.
* The response is read from the ``$return`` or ``http`` output binding: an
  ``HttpResponse`` goes out with every header line (several ``Set-Cookie``) and, when it
  streams, chunk by chunk (:func:`streaming_registry`'s ``http`` converter records a
  :class:`~azfunc.wire.http.DeferredHttpResponse` instead of collecting the stream; a
  ``def`` function's stream is iterated on a worker thread); any other value goes out as
  the ``http`` converter encoded it.
"""

from __future__ import annotations

import logging
from asyncio import get_running_loop
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    MutableMapping,
)
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

from .._datum import Datum
from .._errors import FunctionLoadError, IncompleteBodyError, LimitExceededError
from .._registry import BindingRegistry, Converter, get_binding_registry
from ..adapters.streaming import (
    ReceivedBody,
    end_streaming_responses,
    streaming_body,
    streaming_responses,
    streams_body,
)
from ..app.invocation import DirectCall, direct_call
from ..http._converters import HttpRequestConverter
from ..http.request import HttpRequest
from ..http.response import HttpResponse
from ..wire.asgi import (
    request_datum,
    request_metadata,
    request_parts,
    request_url,
    response_parts,
)
from ..wire.http import DeferredHttpResponse
from ._asgi import (
    BodyBudget,
    Receive,
    Scope,
    Send,
    encode_headers,
    read_body,
    read_declared_body,
    send_chunks,
    send_json,
    send_text,
)
from .expressions import binding_data
from .routing import RouteMatch, Router
from .runtime import InvocationExecutor, LazyInvocationId, OutputsHook, new_invocation_id

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.model import BindingInfo, FunctionInfo
    from .runtime import Runtime

__all__ = [
    "DEFAULT_BODY_BUDGET",
    "DEFAULT_MAX_BODY_SIZE",
    "HttpFrontend",
    "route_prefix",
    "streaming_registry",
]

DEFAULT_MAX_BODY_SIZE: Final = 100 * 1024 * 1024
#: bytes of request bodies held at once by default (at least ``max_body_size``): four
#: concurrent 90 MiB bodies must not take 800 MB; the rest are answered 503.
DEFAULT_BODY_BUDGET: Final = 256 * 1024 * 1024
#: how many (path, method) -> function answers of parameterless routes are remembered.
ROUTE_MEMO_SIZE: Final = 1024
logger = logging.getLogger("azfunc.host")

#: called after a successful invocation with (function, result, binding data), except for
#: functions with only HTTP bindings (they have no other output to apply).
OutputHook = Callable[["FunctionInfo", "InvocationResult", Mapping[str, Any]], Awaitable[None]]
#: extra inputs (blob inputs...) for (function, binding data); not asked for functions with
#: only HTTP bindings.
InputHook = Callable[["FunctionInfo", Mapping[str, Any]], Awaitable[dict[str, Any]]]
#: the lower-cased names the bindings of a function look up in its binding data (see
#: ``LocalBindings.expression_names``): only those JSON body properties are computed.
NamesHook = Callable[["FunctionInfo"], Collection[str]]


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


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class _Target:
    """What the router hands back: a function and what each request needs from it."""

    info: FunctionInfo
    trigger: BindingInfo
    output: BindingInfo | None
    plain: bool  # only HTTP bindings: no binding data or extra inputs needed
    threaded: bool  # a def function: its response stream is iterated on a thread
    #: an ``httpTrigger``, a ``$return`` ``http`` binding and maybe other outputs: may
    #: take the direct path
    direct: bool = False
    #: reads its body as it arrives (a framework app's function, see ``adapters.streaming``)
    streams: bool = False


#: :meth:`HttpFrontend._direct_keep`'s answer for a request the direct path cannot serve.
_GENERAL: Final = object()
#: the binding data of a direct-path invocation: its outputs' expressions name none.
_NO_DATA: Final[Mapping[str, Any]] = MappingProxyType({})


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
        data_names: NamesHook | None = None,
        body_budget: int | None = None,
    ) -> None:
        self.prefix = prefix.strip("/")
        self._lowered_prefix = "/" + self.prefix.lower() if self.prefix else ""
        self._lowered_prefix_slash = self._lowered_prefix + "/"
        self.max_body_size = max_body_size
        self.runtime = runtime
        self.on_outputs = on_outputs
        self.extra_inputs = extra_inputs
        self.data_names = data_names
        self.budget = BodyBudget(
            max(DEFAULT_BODY_BUDGET, max_body_size) if body_budget is None else body_budget
        )
        self.router: Router[_Target] = Router()
        for info in functions:
            trigger = http_trigger(info)
            if trigger is None or info.disabled:
                continue
            output = http_output(info)
            plain = all(b.type.lower() in ("httptrigger", "http") for b in info.bindings)
            target = _Target(
                info=info,
                trigger=trigger,
                output=output,
                plain=plain,
                threaded=not info.is_async,
                direct=output is not None and output.is_return and all(
                    b is trigger or b is output
                    or (b.direction == "out" and b.type.lower() != "http")
                    for b in info.bindings),
                streams=streams_body(info.func),
            )
            route = trigger.properties.get("route") or info.name
            methods = trigger.properties.get("methods") or None
            if isinstance(methods, str):
                methods = [methods]
            names = [str(getattr(m, "value", m)) for m in methods] if methods else None
            try:
                self.router.add(str(route), target, methods=names)
            except FunctionLoadError as exc:  # name the function, as azfunc check does
                raise FunctionLoadError(f"{info.name}: {exc}", function=info.name,
                                        binding=trigger.name) from None
        #: (path, method) -> the function of a match without route values (the router's
        #: answer, remembered; bounded, never evicted: the routes do not change).
        self._memo: dict[tuple[str, str], _Target] = {}
        #: target -> (registry, its version, DirectCall, (keep, outputs hook)) for which
        #: the direct path was last found to apply (see :meth:`_direct_keep`).
        self._direct_checked: dict[_Target, tuple[BindingRegistry, int, DirectCall, Any]] = {}

    def handles(self, path: str) -> bool:
        """Whether ``path`` lies under the route prefix."""
        prefix = self._lowered_prefix
        if not prefix:
            return True
        lowered = path.lower()
        return lowered == prefix or lowered.startswith(self._lowered_prefix_slash)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (404 / 405 / 413 / 500 / the function's answer)."""
        path = scope.get("path", "/")
        method = str(scope.get("method", "GET")).upper()
        target = self._memo.get((path, method))
        params: Mapping[str, str]
        if target is None:
            found = self._match(path, method)
            if found.target is None:
                if found.allowed:
                    allow = ", ".join(sorted(found.allowed))
                    await send_text(send, 405,
                                    f"method {method} not allowed; allowed: {allow}\n",
                                    headers=[("allow", allow)])
                else:
                    await send_text(send, 404, f"no function serves {path}\n")
                return
            target, params = found.target, found.params
        else:
            params = {}
        token = streaming_responses(get_running_loop())
        try:
            if target.streams:
                announced, declared = ReceivedBody.declared_length(scope.get("headers", ()))
                if announced:
                    await self._streamed(target, scope, receive, params, send, declared)
                    return
            if target.direct:
                await self._direct(target, scope, receive, params, send, method)
                return
            body = await self._body(scope, receive, send)
            if body is None:
                return
            try:
                await self.invoke(target, scope, body, params, send)
            finally:
                if body:  # an empty body holds nothing of the budget
                    self.budget.give(len(body))
        finally:
            end_streaming_responses(token)

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole request body, or ``None`` once the request was answered (413, 503) or
        the client left before the body was complete (never handed to a function). A body
        holds ``len(body)`` bytes of :attr:`budget`: the caller gives them back."""
        try:
            return await read_body(scope, receive, self.max_body_size, self.budget)
        except LimitExceededError as exc:
            await _send_refusal(send, exc)
        except IncompleteBodyError as exc:
            logger.info("%s %s: %s; the function is not invoked", scope.get("method"),
                        scope.get("path"), exc)
        return None

    async def _streamed(
        self, target: _Target, scope: Scope, receive: Receive, params: Mapping[str, str],
        send: Send, declared: int | None,
    ) -> None:
        """Serve a function that reads its body while it arrives: the limits of
        :meth:`_body` hold (a declared length over the limit or the budget is refused before
        the function runs; bytes over them end the stream, and a 413/503 replaces the
        answer if it has not started)."""
        body = ReceivedBody(receive, limit=self.max_body_size, declared=declared,
                            budget=self.budget)
        try:
            body.reserve()
        except LimitExceededError as exc:
            await _send_refusal(send, exc)
            return
        refused = False

        async def guarded(message: MutableMapping[str, Any]) -> None:
            nonlocal refused
            error = body.error
            if (not refused and isinstance(error, LimitExceededError)
                    and message["type"] == "http.response.start"):
                refused = True
                await _send_refusal(send, error)
            if not refused:
                await send(message)

        try:
            with streaming_body(body):
                await self.invoke(target, scope, b"", params, guarded)
        finally:
            body.release()

    def _match(self, path: str, method: str) -> RouteMatch[_Target]:
        """The router's answer for ``path``; a match without route values is remembered."""
        sub = path[len(self.prefix) + 1 :] if self.prefix else path
        found = self.router.match(sub, method)
        if found.target is not None and not found.params and len(self._memo) < ROUTE_MEMO_SIZE:
            self._memo[(path, method)] = found.target
        return found

    async def _direct(
        self, target: _Target, scope: Scope, receive: Receive, params: Mapping[str, str],
        send: Send, method: str,
    ) -> None:
        """Serve a function with an ``httpTrigger``, a ``$return`` ``http`` binding and
        maybe other outputs.

        The request is built from the scope in one pass over its headers (no ``http``
        Datum, no ``Query``/``Headers`` metadata: the built-in ``httpTrigger`` converter
        does not read them and no other binding's expression does) and an
        ``HttpResponse`` answer goes out from the object, once the outputs were applied.
        Whenever that is not what the general path would do (a converter registered for
        ``httpTrigger``, a request subclass annotated, other parameters than the request,
        ``context`` and ``Out`` holders, an output naming request data, a worker
        process), the request takes the general path.
        """
        assert self.runtime is not None, "HttpFrontend needs a runtime to invoke functions"
        runtime = self.runtime
        info = target.info
        try:
            call = direct_call(info, target.trigger.name)
        except Exception:  # unresolvable annotations: the general path answers the 500
            call = None
        registry = runtime.registry or get_binding_registry()
        checked = self._direct_checked.get(target)
        if (
            checked is not None
            and checked[2] is call
            and checked[0] is registry
            and checked[1] == registry.version
        ):
            chosen = checked[3]
        else:
            chosen = self._direct_keep(target, call, registry)
        if chosen is _GENERAL or call is None:
            body = await self._body(scope, receive, send)
            if body is not None:
                try:
                    await self.invoke(target, scope, body, params, send)
                finally:
                    if body:
                        self.budget.give(len(body))
            return
        headers: dict[str, Datum] = {}
        declared: str | None = None
        chunked = False
        for raw_name, raw_value in scope.get("headers", ()):
            name = (raw_name if type(raw_name) is bytes else bytes(raw_name)).decode(
                "latin-1").lower()
            value = (raw_value if type(raw_value) is bytes else bytes(raw_value)).decode(
                "latin-1")
            seen = headers.get(name)
            if seen is None:
                headers[name] = Datum(value, "string")
            else:
                joined = f"{seen.value}{'; ' if name == 'cookie' else ', '}{value}"
                headers[name] = Datum(joined, "string")
            if name == "content-length":
                declared = value
            elif name == "transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            body = b""  # no Content-Length, no Transfer-Encoding: no body (RFC 9112 6.3)
        else:
            try:
                body = await read_declared_body(receive, self.max_body_size, declared,
                                                chunked, self.budget)
            except LimitExceededError as exc:
                await _send_refusal(send, exc)
                return
            except IncompleteBodyError as exc:
                logger.info("%s %s: %s; the function is not invoked", scope.get("method"),
                            scope.get("path"), exc)
                return
        # the rest in this frame (no coroutine per step: every request runs through here)
        host = headers.get("host")
        url = request_url(scope, None if host is None else host.value,
                          bytes(scope.get("query_string", b"")).decode("latin-1"))
        invocation_id = LazyInvocationId()
        start: dict[str, Any] | None = None
        payload = b""
        try:
            request = HttpRequest._from_wire(
                method, url, headers, None,
                {k: Datum(v, "string") for k, v in params.items()} if params else None, body,
            )
            try:
                keep, applies = chosen
                answer = await runtime.invoke_direct(info, call, request,
                                                     invocation_id=invocation_id, keep=keep,
                                                     outputs=applies)
            except Exception as exc:  # logged by the runtime with its traceback
                await _send_failure(send, info, invocation_id.get(), exc)
                return
            try:
                if type(answer) is Datum and type(answer.value) is DeferredHttpResponse:
                    answer = answer.value.response
                wire = answer._wire() if isinstance(answer, HttpResponse) else None
                if wire is not None:
                    # an HttpResponse with its body: sent from the object, no copy of it
                    status, raw_headers, payload = wire
                    start = {"type": "http.response.start", "status": status,
                             "headers": raw_headers}
                else:
                    if isinstance(answer, HttpResponse):
                        answer = Datum(DeferredHttpResponse(answer), "http")
                    parts = response_parts(answer, threaded=self._driver(target))
            except Exception as exc:
                _log_unsendable(info, invocation_id.get())
                await _send_failure(send, info, invocation_id.get(), exc)
                return
            if start is not None:
                await send(start)
                await send({"type": "http.response.body",
                            "body": b"" if method == "HEAD" else payload})
                return
            await self._send(send, scope, info, invocation_id.get(), *parts)
        finally:
            if body:  # an empty body holds nothing of the budget
                self.budget.give(len(body))

    def _direct_keep(self, target: _Target, call: DirectCall | None,
                     registry: BindingRegistry) -> Any:
        """What :meth:`_direct` passes as ``keep`` and ``outputs`` for ``call`` under
        ``registry``, or :data:`_GENERAL` when the request must take the general path; an
        answer for a ``call`` is remembered with the registry's
        :attr:`~BindingRegistry.version`, so a converter registered later is seen on the
        next request."""
        applies: OutputsHook | None = None
        if call is not None and not target.plain:
            applies = self._outputs_without_data(target.info)
        if (
            call is None
            or (call.pytype is not None and call.pytype is not HttpRequest)
            or type(registry.get("httpTrigger")) is not HttpRequestConverter
            or (not target.plain and applies is None)
        ):
            self._direct_checked.pop(target, None)
            return _GENERAL
        # the host's own http converter defers every HttpResponse: skip making the Datum
        keep = HttpResponse if type(registry.get("http")) is _StreamingHttpConverter else None
        chosen = (keep, applies)
        self._direct_checked[target] = (registry, registry.version, call, chosen)
        return chosen

    def _outputs_without_data(self, info: FunctionInfo) -> OutputsHook | None:
        """The hook applying the outputs of ``info`` on the direct path, or ``None`` when
        they need what only the general path gives: request data for an expression, an
        invocation in a worker process, or no ``on_outputs`` to apply them (whose
        absence the general path keeps as it is)."""
        hook, names, runtime = self.on_outputs, self.data_names, self.runtime
        if (hook is None or names is None or names(info) or runtime is None
                or not runtime.runs_here(info)):
            return None

        def applies(result: InvocationResult) -> Awaitable[None]:
            return hook(info, result, _NO_DATA)

        return applies

    def _driver(self, target: _Target) -> Callable[[Iterator[bytes]], AsyncIterator[bytes]] | None:
        """What drives a ``def`` function's response stream: the invocation pool."""
        if not target.threaded:
            return None
        assert self.runtime is not None
        pool = self.runtime.executor
        return lambda chunks: _threaded_chunks(chunks, pool)

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
        if plain:
            data = {**query, **params}
        else:  # the body's JSON properties only for the names the bindings use
            names = None if self.data_names is None else self.data_names(info)
            data = binding_data(query, params, body=body, names=names)
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
        except Exception as exc:  # logged by the runtime with its traceback
            await _send_failure(send, info, invocation_id, exc)
            return
        try:
            out = target.output
            if out is None:
                out_datum = None
            elif out.is_return:
                out_datum = result.return_data
            else:
                out_datum = result.output_data.get(out.name)
            answer = response_parts(out_datum, threaded=self._driver(target))
        except Exception as exc:
            _log_unsendable(info, invocation_id)
            await _send_failure(send, info, invocation_id, exc)
            return
        await self._send(send, scope, info, invocation_id, *answer)

    @staticmethod
    async def _send(
        send: Send,
        scope: Scope,
        info: FunctionInfo,
        invocation_id: str,
        status: int,
        pairs: list[tuple[str, str]],
        payload: bytes | AsyncIterator[bytes],
    ) -> None:
        """Send an answer: a body with its length, or a stream chunk by chunk."""
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


async def _send_refusal(send: Send, exc: LimitExceededError) -> None:
    """Answer a body refused by a limit: 413 when it is too large, 503 (retry later) when
    the bodies in flight leave no room for it. The connection is closed: the rest of the
    body is not read."""
    status = exc.http_status or 413
    headers = [("connection", "close")]
    if status == 503:
        headers.append(("retry-after", "1"))
    await send_text(send, status, f"{exc}\n", headers=headers)


def _log_unsendable(info: FunctionInfo, invocation_id: str) -> None:
    """Log (with the traceback) an answer that cannot be sent after the function returned."""
    logger.error("[%s] (%s) failed: its answer could not be sent", info.name, invocation_id,
                 exc_info=True)


async def _send_failure(send: Send, info: FunctionInfo, invocation_id: str,
                        exc: Exception) -> None:
    """The 500 answer of a failed invocation: generic, with the invocation id to find the
    details in the log (the runtime logged the exception and its traceback already). The
    exception's text never reaches the client: it may hold paths or secrets."""
    del exc  # named for the log, never for the client
    await send_json(send, 500, {
        "error": "the function failed; the host's log has the details under this "
                 "invocation id",
        "function": info.name,
        "invocationId": invocation_id,
    })
