"""The custom-handler worker (``azfunc worker``): the app behind the real Functions host.

Rules this module keeps (the wire rules are :mod:`azfunc.wire.custom_handler`'s; this module
is the I/O and the glue):

* ``POST /<FunctionName>`` (case-insensitive) with ``{"Data", "Metadata"}`` decodes every
  input through the converters, invokes the function with the invocation id of the
  ``X-Azure-Functions-InvocationId`` header and answers 200 with ``{"Outputs", "Logs",
  "ReturnValue"}``. Binding names ``azfunc export`` renamed for the host (``in_msg`` ->
  ``inMsg``) are read and answered under the host's name.
* A failure (in the function, a conversion, or an answer JSON mode cannot carry) answers
  500 with the error in ``Logs``: the host fails the invocation on any non-2xx answer
  (``EnsureSuccessStatusCode``) and never reads those ``Logs``, so the failure and the
  invocation's log lines are also written to the process's stderr, which the host captures.
  A malformed request answers 400; an unknown function 404.
* Forwarding (``customHandler.enableForwardingHttpRequest``, keys in any case, or the app
  setting ``AzureFunctionsJobHost__customHandler__enableForwardingHttpRequest``): functions
  whose only bindings are one HTTP trigger and one HTTP output receive the original request
  at its original path (``/<routePrefix>/<route>``) and answer it directly.
* Without a ``$return`` binding, the return value of a trigger with an implicit output
  (Durable) goes back as ``ReturnValue``, a plain JSON value.
* The worker runs no triggers of its own: the host owns queues, blobs and timers.
* ``Logs`` holds the invocation's log messages as plain strings (the host writes each as
  an information trace); WARNING and above are prefixed with their level.
* User code never runs on the event loop: a ``def`` function runs on the invocation pool,
  and so does the collection of a streaming ``HttpResponse`` body that is a sync iterable
  (an async one is collected on the loop). The answer is encoded after the invocation, in
  its own error handling: a body or an output that fails is logged with its traceback and
  answers 500 with ``Logs`` naming the invocation id, never a bare 500.
* The status of a bad request comes from the error's ``http_status`` (400, 413 for a body
  over the limit).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .._context import RetryContext
from .._datum import Datum
from .._errors import AzFuncError, WireFormatError
from .._ids import new_invocation_id
from .._registry import get_binding_registry
from ..adapters.lifespan import AppLifecycle, function_lifecycles
from ..app.invocation import hold_log_capture
from ..wire.custom_handler import (
    INVOCATION_ID_HEADER,
    datum_to_output,
    forwarding_enabled,
    host_binding_name,
    implicit_return_value,
    input_datum,
    invocation_id,
    is_http_in_and_out,
    read_request,
    retry_context_fields,
    trigger_metadata,
)
from ._asgi import Receive, Scope, Send, lifespan, read_body, send_json, send_text
from .http_frontend import (
    DEFAULT_MAX_BODY_SIZE,
    HttpFrontend,
    route_prefix,
    streaming_registry,
)
from .runtime import Runtime

if TYPE_CHECKING:
    from ..app.invocation import InvocationResult
    from ..app.loader import LoadedApp
    from ..app.model import FunctionInfo

__all__ = ["CustomHandlerWorker", "forwarding_enabled", "is_http_only"]

logger = logging.getLogger("azfunc.host")

_INVOCATION_ID_KEY = INVOCATION_ID_HEADER.encode("latin-1")


def is_http_only(info: FunctionInfo) -> bool:
    """Whether the host forwards this function's requests when forwarding is on
    (:func:`~azfunc.wire.custom_handler.is_http_in_and_out`)."""
    return is_http_in_and_out(info.bindings)


def _header(scope: Scope, key: bytes) -> str | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == key:
            return bytes(value).decode("latin-1")
    return None


def _to_stderr(lines: Iterable[str]) -> None:
    """Write failure lines where the host captures them (it never reads a 500's ``Logs``)."""
    with contextlib.suppress(OSError, ValueError):
        for line in lines:
            print(line, file=sys.stderr)
        sys.stderr.flush()


async def _send_failure(send: Send, info: FunctionInfo, invocation: str, what: str,
                        exc: BaseException, logs: list[str] | None = None) -> None:
    """The 500 answer of a failed invocation, naming it in ``Logs`` (and on stderr)."""
    line = f"ERROR: {info.name} ({invocation}) {what}: {type(exc).__name__}: {exc}"
    lines = [*(logs or []), line]
    _to_stderr(f"[{info.name}] ({invocation}) {entry}" for entry in lines)
    await send_json(send, 500, {"Outputs": {}, "Logs": lines, "ReturnValue": None})


def _format_log(record: logging.LogRecord) -> str:
    """The ``Logs`` line of a record: the message, prefixed by its level from WARNING up."""
    message = record.getMessage()
    return message if record.levelno < logging.WARNING else f"{record.levelname}: {message}"


_FAILURE_LOGS: ContextVar[list[logging.LogRecord] | None] = ContextVar(
    "azfunc_worker_failure_logs", default=None
)


class _LogTap(logging.Handler):
    """Keeps the records of the invocation running in this context, so a failure can show
    them on stderr (the invocation's own capture is dropped with its exception)."""

    def emit(self, record: logging.LogRecord) -> None:
        records = _FAILURE_LOGS.get()
        if records is not None:
            records.append(record)


class CustomHandlerWorker:
    """A function app served as an Azure Functions custom handler (ASGI 3).

    Example:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "function_app.py").write_text(
        ...     "import azfunc as func\\napp = func.FunctionApp()\\n")
        >>> CustomHandlerWorker(str(root)).forwarding
        False

    Raises:
        FunctionLoadError: if the app cannot be loaded.
    """

    def __init__(
        self,
        app: LoadedApp | str | os.PathLike[str],
        *,
        threads: int | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        forwarding: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(app, (str, os.PathLike)):
            from ..app.loader import load_app

            app = load_app(app)
        self.app = app
        # streaming HTTP answers stay streams for forwarded requests; the JSON protocol
        # collects them from the HttpResponse itself (HttpOutput.from_response)
        self.runtime = Runtime(threads=threads, registry=streaming_registry(), root=app.root)
        self.max_body_size = max_body_size
        env = self._environ = os.environ if environ is None else environ
        self.forwarding = (forwarding_enabled(app.host_json, env) if forwarding is None
                           else forwarding)
        self._log_hold = contextlib.ExitStack()
        self._lifecycles: list[AppLifecycle] = []
        self._tap: _LogTap | None = None
        forwarded = [f for f in app.functions.values() if is_http_only(f)]
        self.http = HttpFrontend(
            forwarded if self.forwarding else [],
            runtime=self.runtime,
            prefix=route_prefix(app.host_json),
            max_body_size=max_body_size,
        )

    async def startup(self) -> None:
        """Keep log capture attached while the worker serves (see ``hold_log_capture``)."""
        self._log_hold.enter_context(hold_log_capture())
        tap = self._tap = _LogTap()
        logging.getLogger().addHandler(tap)
        self._log_hold.callback(logging.getLogger().removeHandler, tap)
        logger.info("custom handler ready: %d function(s)%s", len(self.app.functions),
                    ", forwarding HTTP requests" if self.forwarding else "")
        from ..app.validation import check_custom_handler

        for finding in check_custom_handler(self.app.functions.values(), self.app.host_json,
                                            self._environ):
            logger.warning("%s", finding)
        self._lifecycles = function_lifecycles(self.app.functions.values())
        for hooks in self._lifecycles:  # framework apps: their ASGI lifespan, once
            await hooks.startup()

    async def shutdown(self) -> None:
        """Wait for invocations in flight, then close the thread pool (joined off the loop)."""
        try:
            await self.runtime.drain()
            for hooks in reversed(self._lifecycles):
                await hooks.shutdown()
            await self.runtime.aclose()
        finally:
            self._tap = None
            self._log_hold.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI 3 entry point."""
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.startup, self.shutdown)
            return
        if scope["type"] != "http":
            return
        path = scope.get("path", "/")
        if self.forwarding and len(self.http.router) and self.http.handles(path):
            found = self.http.router.match(
                path[len(self.http.prefix) + 1:] if self.http.prefix else path,
                scope.get("method", "GET"),
            )
            if found.target is not None or found.allowed:
                await self.http(scope, receive, send)
                return
        name = path.strip("/")
        info = self.app.functions.find(name)
        if info is None or "/" in name:
            await send_text(send, 404, f"no function named {name!r}\n")
            return
        if scope.get("method", "GET").upper() != "POST":
            await send_text(send, 405, "use POST\n", headers=[("allow", "POST")])
            return
        try:
            body = await read_body(scope, receive, self.max_body_size)
            data, metadata = read_request(body)
            inputs = self.decode_inputs(info, data)
            metadata_in = trigger_metadata(info.trigger, metadata)
            retry = retry_context_fields(metadata.get("RetryContext"))
            retry_context = RetryContext.from_wire(retry) if retry is not None else None
        except Exception as exc:
            # an azfunc error here is about the request's content (400 unless it says
            # otherwise, 413 for a body over the limit); anything else is a bug here
            status = (exc.http_status or 400) if isinstance(exc, AzFuncError) else None
            if status is None:
                logger.exception("[%s] the request could not be decoded", info.name)
                status = 500
            else:
                logger.warning("[%s] a bad request (%d): %s", info.name, status, exc,
                               exc_info=True)
            await send_json(send, status, {"Outputs": {}, "Logs": [f"{exc}"],
                                           "ReturnValue": None})
            return
        invocation = invocation_id(_header(scope, _INVOCATION_ID_KEY)) or new_invocation_id()
        records: list[logging.LogRecord] | None = [] if self._tap is not None else None
        token = _FAILURE_LOGS.set(records)
        try:
            result = await self.runtime.invoke(
                info, inputs, trigger_metadata=metadata_in, retry_context=retry_context,
                invocation_id=invocation,
            )
        except Exception as exc:  # logged with its traceback by Runtime.invoke
            logs = [_format_log(r) for r in records or ()]
            await _send_failure(send, info, invocation, "failed", exc, logs)
            return
        finally:
            _FAILURE_LOGS.reset(token)
        try:
            await self.collect_bodies(result)
            answer = self.encode_result(info, result)
        except Exception as exc:
            logger.exception("[%s] (%s) the answer could not be encoded", info.name,
                             invocation)
            await _send_failure(send, info, invocation, "answer could not be encoded", exc,
                                [_format_log(r) for r in result.logs])
            return
        await send_json(send, 200, answer)

    async def collect_bodies(self, result: InvocationResult) -> None:
        """Collect the streaming ``HttpResponse`` bodies of ``result`` off user code's way:
        a sync iterable on the invocation pool, an async one on the loop.

        Raises:
            Exception: whatever the body's iterator raised.
        """
        for value in (result.return_value, *result.outputs.values()):
            if not getattr(value, "is_streaming", False) or not hasattr(value, "aget_body"):
                continue
            if isinstance(getattr(value, "_stream", None), Iterable):
                await self.runtime.executor.run_async(value.get_body)
            else:
                await value.aget_body()

    def decode_inputs(self, info: FunctionInfo, data: Mapping[str, Any]) -> dict[str, Datum]:
        """Datums for every input binding from the request's ``Data`` (looked up by the
        binding's name, then by the name ``azfunc export`` gave the host, then in any case).

        Raises:
            WireFormatError: if a value has the wrong shape.
        """
        folded: dict[str, Any] | None = None
        inputs: dict[str, Datum] = {}
        for binding in info.input_bindings:
            name = binding.name
            if name in data:
                raw = data[name]
            else:
                host_name = host_binding_name(name)
                if host_name in data:
                    raw = data[host_name]
                else:
                    if folded is None:
                        folded = {str(k).lower(): v for k, v in data.items()}
                    raw = folded.get(name.lower(), folded.get(host_name.lower()))
            if raw is None and binding.is_trigger and not data:
                raise WireFormatError(f"Data has no value for the trigger {binding.name!r}")
            inputs[binding.name] = input_datum(raw, binding)
        return inputs

    def encode_result(self, info: FunctionInfo, result: InvocationResult) -> dict[str, Any]:
        """The ``{"Outputs", "Logs", "ReturnValue"}`` answer of a finished invocation.

        Raises:
            ConversionError: if a value cannot reach its binding exactly (an HTTP answer
                that needs forwarding mode: ``ForwardingRequiredError``).
        """
        outputs: dict[str, Any] = {}
        for binding in info.output_bindings:
            # an HttpResponse's Datum is a DeferredHttpResponse: every header line kept
            if binding.name in result.output_data:
                try:
                    value = datum_to_output(result.output_data[binding.name], binding)
                except AzFuncError as exc:
                    exc.function, exc.binding = info.name, binding.name
                    raise
                outputs[host_binding_name(binding.name)] = value
        ret = info.return_binding
        return_value: Any = None
        if ret is not None:
            return_value = datum_to_output(result.return_data, ret)
            if ret.type.lower() == "http":
                # the host reads HTTP answers from Outputs by binding name
                outputs[ret.name] = return_value
        elif result.return_value is not None:
            return_value = self._implicit_return(info, result.return_value)
        return {
            "Outputs": outputs,
            "Logs": [_format_log(r) for r in result.logs],
            "ReturnValue": return_value,
        }

    def _implicit_return(self, info: FunctionInfo, value: Any) -> Any:
        """The return value of a trigger with an implicit output (Durable), as plain JSON;
        ``None`` (dropped, as the host drops it) for any other trigger."""
        trigger = info.trigger
        if trigger is None:
            return None
        registry = self.runtime.registry or get_binding_registry()
        converter = registry.get_or_generic(trigger.type)
        if not converter.has_implicit_output():
            return None
        return implicit_return_value(converter.encode(value))
