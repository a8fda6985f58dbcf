"""The custom-handler worker (``azfunc worker``): the app behind the real Functions host.

Rules this module keeps:

* ``POST /<FunctionName>`` (case-insensitive) with ``{"Data", "Metadata"}`` decodes every
  input through the converters (see :mod:`azfunc.host.custom_handler` for the wire quirks),
  invokes the function and answers 200 with ``{"Outputs", "Logs", "ReturnValue"}``.
* A failure (in the function or in a conversion) answers 500 with the error in ``Logs``:
  the host treats any non-2xx answer as a failed invocation (and retries per policy).
  A malformed request answers 400; an unknown function 404.
* With ``customHandler.enableForwardingHttpRequest`` in ``host.json``, functions whose only
  bindings are an HTTP trigger and an HTTP output receive the original request at its
  original path (``/<routePrefix>/<route>``) and answer it directly.
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
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._context import RetryContext
from .._datum import Datum
from .._errors import AzFuncError, WireFormatError
from .._ids import new_invocation_id
from ..app.invocation import hold_log_capture
from ._asgi import Receive, Scope, Send, lifespan, read_body, send_json, send_text
from .custom_handler import (
    datum_to_output,
    input_datum,
    metadata_datums,
    read_request,
)
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


def forwarding_enabled(host_json: Mapping[str, Any]) -> bool:
    """Whether ``host.json`` asks the host to forward HTTP requests as they are.

    Example:
        >>> forwarding_enabled({"customHandler": {"enableForwardingHttpRequest": True}})
        True
    """
    section = host_json.get("customHandler")
    if not isinstance(section, Mapping):
        return False
    value = section.get("enableForwardingHttpRequest")
    if value is None:
        value = section.get("enableProxyingHttpRequest")
    return value is True or str(value).lower() == "true"


def is_http_only(info: FunctionInfo) -> bool:
    """Whether the function's bindings are exactly an HTTP trigger and HTTP outputs."""
    kinds = {b.type.lower() for b in info.bindings}
    return "httptrigger" in kinds and kinds <= {"httptrigger", "http"}


async def _send_failure(send: Send, info: FunctionInfo, invocation_id: str, what: str,
                        exc: BaseException) -> None:
    """The 500 answer of a failed invocation, naming it in ``Logs``."""
    await send_json(send, 500, {
        "Outputs": {},
        "Logs": [f"ERROR: {info.name} ({invocation_id}) {what}: {type(exc).__name__}: {exc}"],
        "ReturnValue": None,
    })


def _format_log(record: logging.LogRecord) -> str:
    """The ``Logs`` line of a record: the message, prefixed by its level from WARNING up."""
    message = record.getMessage()
    return message if record.levelno < logging.WARNING else f"{record.levelname}: {message}"


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
    ) -> None:
        if isinstance(app, (str, os.PathLike)):
            from ..app.loader import load_app

            app = load_app(app)
        self.app = app
        # streaming HTTP answers stay streams for forwarded requests; the JSON protocol
        # collects them from the HttpResponse itself (HttpOutput.from_response)
        self.runtime = Runtime(threads=threads, registry=streaming_registry(), root=app.root)
        self.max_body_size = max_body_size
        self.forwarding = forwarding_enabled(app.host_json) if forwarding is None else forwarding
        self._log_hold = contextlib.ExitStack()
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
        logger.info("custom handler ready: %d function(s)", len(self.app.functions))

    async def shutdown(self) -> None:
        """Wait for invocations in flight, then close the thread pool (joined off the loop)."""
        try:
            await self.runtime.drain()
            await self.runtime.aclose()
        finally:
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
            trigger_metadata = metadata_datums(
                {k: v for k, v in metadata.items() if k != "RetryContext"}
            )
            retry = metadata.get("RetryContext")
            retry_context = RetryContext.from_wire(retry) if isinstance(retry, Mapping) else None
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
        invocation_id = new_invocation_id()
        try:
            result = await self.runtime.invoke(
                info, inputs, trigger_metadata=trigger_metadata, retry_context=retry_context,
                invocation_id=invocation_id,
            )
        except Exception as exc:  # logged with its traceback by Runtime.invoke
            await _send_failure(send, info, invocation_id, "failed", exc)
            return
        try:
            await self.collect_bodies(result)
            answer = self.encode_result(info, result)
        except Exception as exc:
            logger.exception("[%s] (%s) the answer could not be encoded", info.name,
                             invocation_id)
            await _send_failure(send, info, invocation_id, "answer could not be encoded", exc)
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
        """Datums for every input binding from the request's ``Data``.

        Raises:
            WireFormatError: if a value has the wrong shape.
        """
        folded = {str(k).lower(): v for k, v in data.items()}
        inputs: dict[str, Datum] = {}
        for binding in info.input_bindings:
            name = binding.name
            raw = data[name] if name in data else folded.get(name.lower())
            if raw is None and binding.is_trigger and not data:
                raise WireFormatError(f"Data has no value for the trigger {binding.name!r}")
            inputs[binding.name] = input_datum(raw, binding)
        return inputs

    def encode_result(self, info: FunctionInfo, result: InvocationResult) -> dict[str, Any]:
        """The ``{"Outputs", "Logs", "ReturnValue"}`` answer of a finished invocation."""
        outputs: dict[str, Any] = {}
        for binding in info.output_bindings:
            # an HttpResponse's Datum is a DeferredHttpResponse: every header line kept
            if binding.name in result.output_data:
                outputs[binding.name] = datum_to_output(result.output_data[binding.name],
                                                        binding)
        ret = info.return_binding
        return_value: Any = None
        if ret is not None:
            return_value = datum_to_output(result.return_data, ret)
            if ret.type.lower() == "http":
                # the host reads HTTP answers from Outputs by binding name
                outputs[ret.name] = return_value
        return {
            "Outputs": outputs,
            "Logs": [_format_log(r) for r in result.logs],
            "ReturnValue": return_value,
        }
