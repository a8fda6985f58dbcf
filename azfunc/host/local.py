"""The local host (``azfunc start``): one ASGI 3 application running a whole function app.

Rules this module keeps:

* ``/<routePrefix>/...`` serves HTTP-triggered functions (see
  :mod:`azfunc.host.http_frontend`); ``POST /admin/functions/<name>`` with
  ``{"input": "..."}`` invokes any other function and answers 202, as Core Tools do;
  ``GET /admin/host/status`` and ``GET /admin/functions`` describe the host;
  ``GET /admin/openapi.json`` and ``/admin/openapi`` serve the app's OpenAPI document
  and its docs page (:mod:`azfunc.openapi.serve`).
* Queues and blobs live under ``<app>/.azfunc`` (:mod:`azfunc.host.storage`); queue, blob
  and timer triggers run as background loops started by the ASGI lifespan startup.
* No blocking I/O on the event loop: storage work runs on helper threads (see
  :mod:`azfunc.host.triggers`), the thread pool is joined off the loop.
* Keys (:mod:`azfunc.host.keys`) are checked before a request reaches a function or an
  admin endpoint: an HTTP function's ``authLevel`` (``function`` when absent), and the
  master key for every ``/admin`` endpoint. A client off loopback is always checked; a
  loopback client only with ``enforce_keys`` (``azfunc start --enforce-keys``, implied by
  a non-loopback ``--host``), as Core Tools do not check keys locally. A refused request
  is a 401 and never reaches the function; 404 and 405 need no key.
* ``local.settings.json`` ``Host.CORS``/``CORSCredentials`` put
  :class:`~azfunc.host.cors.CorsMiddleware` in front of the HTTP functions (before the key
  check, as a browser's preflight carries no key); ``Host.LocalHttpPort`` is read into
  :attr:`LocalHost.host_settings` for ``azfunc start``.
* ``host.json`` ``functionTimeout`` bounds every invocation (:mod:`azfunc.host.timeouts`).
* ``FUNCTIONS_WORKER_PROCESS_COUNT`` above 1 runs ``def`` invocations in that many worker
  processes (:mod:`azfunc.host.processes`), started with the trigger loops.
* Lifespan shutdown stops the loops, then waits for every invocation in flight (HTTP,
  admin, queue, blob, timer) before the thread pool is closed. Without a lifespan (an
  in-process test) HTTP and admin requests still work; triggers then run only after
  :meth:`LocalHost.startup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import AzFuncError
from ..adapters.lifespan import AppLifecycle, function_lifecycles
from ..app.invocation import hold_log_capture
from ._asgi import Receive, Scope, Send, lifespan, read_body, send_json, send_text
from .cors import CorsMiddleware
from .host_settings import LocalHostSettings
from .http_frontend import (
    DEFAULT_MAX_BODY_SIZE,
    HttpFrontend,
    http_trigger,
    route_prefix,
    streaming_registry,
)
from .keys import KeyStore, presented_key
from .local_bindings import LocalBindings, host_id
from .processes import WorkerProcesses, worker_process_count
from .runtime import Runtime
from .storage import LocalStorage
from .timeouts import function_timeout
from .triggers import (
    BlobWatcher,
    HostOptions,
    QueuePoller,
    TimerRunner,
    admin_inputs,
    invoke_with_bindings,
)

if TYPE_CHECKING:
    from ..app.loader import LoadedApp

__all__ = ["LocalHost"]

logger = logging.getLogger("azfunc.host")


class LocalHost:
    """The local host of a function app, as an ASGI application.

    Example:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "function_app.py").write_text(
        ...     "import azfunc as func\\napp = func.FunctionApp()\\n")
        >>> host = LocalHost(str(root))
        >>> host.prefix, host.storage.root.name
        ('api', '.azfunc')

    Raises:
        FunctionLoadError: if the app cannot be loaded or a trigger is misconfigured.
    """

    def __init__(
        self,
        app: LoadedApp | str | os.PathLike[str],
        *,
        storage_dir: str | os.PathLike[str] | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        threads: int | None = None,
        poll_interval: float | None = None,
        visibility_timeout: float | None = None,
        max_dequeue_count: int | None = None,
        lease: float | None = None,
        enforce_keys: bool = False,
    ) -> None:
        if isinstance(app, (str, os.PathLike)):
            from ..app.loader import load_app

            app = load_app(app)
        self.app = app
        self.options = HostOptions.from_host_json(
            app.host_json,
            poll_interval=None if poll_interval is None else timedelta(seconds=poll_interval),
            visibility_timeout=(
                None if visibility_timeout is None else timedelta(seconds=visibility_timeout)
            ),
            max_dequeue_count=max_dequeue_count,
            lease=None if lease is None else timedelta(seconds=lease),
        )
        self.storage = LocalStorage(Path(storage_dir) if storage_dir else app.root / ".azfunc")
        self.runtime = Runtime(threads=threads, registry=streaming_registry(), root=app.root)
        self.runtime.function_timeout = function_timeout(app.host_json)
        self.prefix = route_prefix(app.host_json)
        self._queue_wake: dict[str, asyncio.Event] = {}
        self._blob_wake: list[asyncio.Event] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        settings = dict(os.environ)
        settings.update(getattr(app, "settings", {}) or {})
        processes = worker_process_count(settings)  # FUNCTIONS_WORKER_PROCESS_COUNT
        if processes > 1:
            self.runtime.processes = WorkerProcesses(app.root, processes)
        self.bindings = LocalBindings(
            self.storage, settings=settings, on_enqueue=self._woke_queue, on_blob=self._woke_blob,
            message_encoding=self.options.message_encoding,
            host_id=host_id(settings, app.root.name),
        )
        functions = list(app.functions.values())
        self.http = HttpFrontend(
            functions,
            runtime=self.runtime,
            prefix=self.prefix,
            max_body_size=max_body_size,
            on_outputs=self.bindings.apply_outputs,
            extra_inputs=self.bindings.inputs,
            data_names=self.bindings.expression_names,
        )
        #: check keys for loopback clients too (clients off loopback are always checked)
        self.enforce_keys = enforce_keys
        self.keys = KeyStore.open(
            self.storage.root,
            functions=[info.name for info in functions if http_trigger(info) is not None],
            settings=settings,
        )
        self._stop = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._started = False
        self._log_hold = contextlib.ExitStack()
        self._lifecycles: list[AppLifecycle] = []
        #: ``local.settings.json`` ``Host``: LocalHttpPort and the CORS policy
        self.host_settings = LocalHostSettings.read(app.root)
        cors = self.host_settings.cors
        self._serve_http: Any = (
            self._authorized_http if cors is None else CorsMiddleware(self._authorized_http, cors)
        )
        self._no_cors = cors is None

    # wake-ups ----------------------------------------------------------------------------

    def _wake_event(self, queue: str) -> asyncio.Event:
        return self._queue_wake.setdefault(queue, asyncio.Event())

    def _set_threadsafe(self, event: asyncio.Event) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    def _woke_queue(self, queue: str) -> None:
        event = self._queue_wake.get(queue)
        if event is not None:
            self._set_threadsafe(event)

    def _woke_blob(self, path: str) -> None:
        for event in self._blob_wake:
            self._set_threadsafe(event)

    # lifecycle ---------------------------------------------------------------------------

    async def startup(self) -> None:
        """Start the queue, blob and timer loops (idempotent).

        Raises:
            FunctionLoadError: if a trigger is misconfigured.
            ConfigurationError: if a schedule, queue name or setting is invalid.
            StorageError: if leased messages cannot be recovered.
        """
        if self._started:
            return
        try:
            await self._start()
        except Exception:
            logger.exception("the local host could not start")
            self._started = False
            self.storage.release()
            raise

    async def _start(self) -> None:
        self._started = True
        # a host invokes continuously: keep log capture attached for its lifetime instead of
        # attaching and detaching it around every invocation (restored at shutdown)
        self._log_hold.enter_context(hold_log_capture())
        # framework apps (AsgiFunctionApp...) run their ASGI lifespan once, before serving;
        # a failing startup stops the host with the app's error
        self._lifecycles = function_lifecycles(self.app.functions.values())
        for hooks in self._lifecycles:
            await hooks.startup()
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self.runtime.start()  # worker processes, if any, with the app loaded
        await asyncio.to_thread(self._recover)
        for problem in await asyncio.to_thread(self._unreachable_storage):
            logger.warning("%s", problem)
        runners: list[Any] = []
        for info in self.app.functions.values():
            trigger = info.trigger
            if trigger is None or info.disabled:
                continue
            kind = trigger.type.lower()
            if kind == "queuetrigger":
                name = self.bindings.queue_name(trigger)
                runners.append(QueuePoller(
                    info, trigger, runtime=self.runtime, bindings=self.bindings,
                    options=self.options, wake=self._wake_event(name.lower()),
                ))
            elif kind == "blobtrigger":
                wake = asyncio.Event()
                self._blob_wake.append(wake)
                runners.append(BlobWatcher(
                    info, trigger, runtime=self.runtime, bindings=self.bindings,
                    options=self.options, wake=wake,
                ))
            elif kind == "timertrigger":
                runners.append(TimerRunner(info, trigger, runtime=self.runtime,
                                           bindings=self.bindings))
            elif kind not in {"httptrigger", "warmuptrigger"}:
                logger.info("[%s] the %s trigger is not emulated locally; invoke it with "
                            "POST /admin/functions/%s", info.name, trigger.type, info.name)
        self._loops = []
        for runner in runners:
            task = asyncio.ensure_future(runner.run(self._stop))
            task.add_done_callback(functools.partial(_loop_ended, runner.info.name))
            self._loops.append(task)
        functions = ", ".join(sorted(self.app.functions)) or "(none)"
        logger.info("local host started: %d function(s): %s", len(self.app.functions), functions)

    def _unreachable_storage(self) -> list[str]:
        """The storage endpoints the app's bindings name that do not answer (see
        :mod:`azfunc.storage.reachability`); a binding whose connection cannot be
        resolved is ``azfunc check``'s to report, not this check's."""
        from ..storage.connection import AccountConnection, Service
        from ..storage.reachability import unreachable_endpoints

        services: dict[str, Service] = {"queue": "queue", "queuetrigger": "queue", "blob": "blob",
                    "blobtrigger": "blob", "table": "table"}
        uses: list[tuple[AccountConnection, Service]] = []
        for info in self.app.functions.values():
            for binding in info.bindings:
                service = services.get(binding.type.lower())
                if service is None or info.disabled:
                    continue
                try:
                    connection = self.bindings.connection(binding)
                except AzFuncError:
                    continue
                if isinstance(connection, AccountConnection):
                    uses.append((connection, service))
        return unreachable_endpoints(uses) if uses else []

    def _recover(self) -> None:
        """Claim the embedded store and make messages leased before a restart visible again
        (blocking); skipped when all the app's storage is in accounts (hosts share those)."""
        if not self.bindings.uses_embedded_store(self.app.functions.values()):
            return
        self.storage.claim()  # one host per embedded store (storage_lock)
        for queue in self.storage.iter_queues():
            recovered = queue.recover()
            if recovered:
                logger.info("queue %r: %d message(s) leased before a restart are visible again",
                            queue.name, recovered)

    async def shutdown(self) -> None:
        """Stop the loops and wait for every invocation in flight."""
        self._stop.set()
        try:
            if self._loops:
                await asyncio.gather(*self._loops, return_exceptions=True)
            self._loops = []
            await self.runtime.drain()
            for hooks in reversed(self._lifecycles):
                await hooks.shutdown()
            await self.runtime.aclose()
            await self.bindings.aclose()
        except Exception:
            logger.exception("the local host could not shut down cleanly")
            raise
        finally:
            self._log_hold.close()
            self._started = False
            self.storage.release()

    # ASGI ----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI 3 entry point."""
        kind = scope["type"]
        if kind == "lifespan":
            await lifespan(receive, send, self.startup, self.shutdown)
            return
        if kind != "http":
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        path = scope.get("path", "/")
        if path.startswith("/admin/"):
            if not self._authorized(scope, "admin", None):
                await _unauthorized(send)
                return
            await self.admin(scope, receive, send)
        elif self.http.handles(path):
            if self._no_cors and not self.enforce_keys and _from_loopback(scope):
                # no CORS policy, no key to check: what _serve_http does, without its calls
                await self.http(scope, receive, send)
            else:
                await self._serve_http(scope, receive, send)
        elif path == "/":
            await send_text(send, 200, "azfunc local host is running\n")
        else:
            await send_text(send, 404, f"no function serves {path}\n")

    async def _authorized_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An HTTP function's route, behind its key check (CORS preflights come first)."""
        if not self._http_authorized(scope, scope.get("path", "/")):
            await _unauthorized(send)
            return
        await self.http(scope, receive, send)

    # keys ----------------------------------------------------------------------------------

    def _checks_keys(self, scope: Scope) -> bool:
        return self.enforce_keys or not _from_loopback(scope)

    def _authorized(self, scope: Scope, level: str, function: str | None) -> bool:
        """Whether the request's key opens ``level`` (always, when keys are relaxed)."""
        if level == "anonymous" or not self._checks_keys(scope):
            return True
        key = presented_key(scope.get("headers", ()), scope.get("query_string", b""))
        return self.keys.authorize(level, key, function)

    def _http_authorized(self, scope: Scope, path: str) -> bool:
        """The ``authLevel`` check of the function ``path`` routes to (404s pass through)."""
        if not self._checks_keys(scope):
            return True
        prefix = self.http.prefix
        sub = path[len(prefix) + 1 :] if prefix else path
        found = self.http.router.match(sub, str(scope.get("method", "GET")))
        if found.target is None:
            return True  # 404 and 405 are answered without a key, as the Functions host does
        info = found.target.info
        raw = found.target.trigger.properties.get("authLevel")
        level = str(getattr(raw, "value", raw) or "function").lower()
        return self._authorized(scope, level, info.name)

    async def admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ``/admin`` endpoints."""
        import json

        path = scope["path"].rstrip("/")
        method = scope.get("method", "GET").upper()
        if path.startswith("/admin/openapi"):  # the app's OpenAPI document and docs page
            from ..openapi import serve

            if serve.handles(path):
                await serve.serve_openapi(self.app, {**scope, "path": path}, send)
                return
        if path == "/admin/host/status":
            await send_json(send, 200, {"state": "Running", "inFlight": self.runtime.in_flight})
            return
        if path == "/admin/functions" and method == "GET":
            await send_json(send, 200, [_describe(info) for info in self.app.functions.values()])
            return
        prefix = "/admin/functions/"
        if not path.startswith(prefix) or "/" in path[len(prefix):]:
            await send_text(send, 404, f"unknown admin endpoint {path}\n")
            return
        name = path[len(prefix):]
        info = self.app.functions.find(name)
        if info is None:
            await send_json(send, 404, {"error": f"no function named {name!r}"})
            return
        if method != "POST":
            await send_json(send, 200, _describe(info))
            return
        trigger = info.trigger
        if trigger is None or trigger.type.lower() == "httptrigger":
            await send_json(send, 400, {
                "error": f"{info.name!r} is an HTTP function; call its route instead"
            })
            return
        try:
            body = await read_body(scope, receive, self.http.max_body_size)
            document = json.loads(body or b"{}")
            payload = document.get("input", "") if isinstance(document, dict) else None
            if not isinstance(payload, str):
                payload = json.dumps(payload)
            inputs, metadata, data = await admin_inputs(info, trigger, payload, self.bindings)
        except (ValueError, AzFuncError) as exc:
            await send_json(send, 400, {"error": str(exc)})
            return
        except RecursionError:
            await send_json(send, 400, {"error": "the request body is nested too deeply"})
            return
        self.runtime.spawn(self._run_admin(info, inputs, metadata, data))
        await send_text(send, 202, "", content_type="text/plain")

    async def _run_admin(self, info: Any, inputs: dict[str, Any],
                         metadata: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        # a failure is logged with its traceback by invoke_with_bindings / Runtime.invoke
        with contextlib.suppress(Exception):
            await invoke_with_bindings(self.runtime, self.bindings, info, inputs, metadata, data)


_LOOPBACK = ("127.", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.")


#: client address -> whether it is on this machine (bounded: a host sees few addresses)
_LOOPBACK_SEEN: dict[str, bool] = {}


def _from_loopback(scope: Scope) -> bool:
    """Whether the client is on this machine (an in-process client counts as local)."""
    client = scope.get("client")
    if not client:
        return True
    address = client[0]
    if type(address) is str:
        seen = _LOOPBACK_SEEN.get(address)
        if seen is not None:
            return seen
    local = str(address).lower().startswith(_LOOPBACK) or address == "localhost"
    if type(address) is str and len(_LOOPBACK_SEEN) < 1024:
        _LOOPBACK_SEEN[address] = local
    return local


async def _unauthorized(send: Send) -> None:
    await send_text(send, 401, "a valid key is required: send it in the x-functions-key "
                    "header or the code query parameter\n")


def _loop_ended(name: str, task: asyncio.Task[None]) -> None:
    """Log a trigger loop that ended with an error (it should never end but at stop)."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("[%s] the trigger loop stopped after an error", name,
                     exc_info=(type(exc), exc, exc.__traceback__))


def _describe(info: Any) -> dict[str, Any]:
    trigger = info.trigger
    return {
        "name": info.name,
        "trigger": trigger.type if trigger is not None else None,
        "disabled": info.disabled,
        "bindings": [b.to_json() for b in info.bindings],
    }
