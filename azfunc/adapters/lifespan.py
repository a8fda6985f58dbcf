"""The ASGI lifespan protocol, driven once per process, and the app lifecycle hooks.

Rules this module keeps:

* :class:`Lifespan` runs an ASGI app's ``lifespan`` scope as one task on the event loop
  that calls :meth:`Lifespan.startup`; requests served on that loop see the lifespan
  ``state`` (each request gets a shallow copy, as the spec says). :meth:`~Lifespan.startup`
  and :meth:`~Lifespan.shutdown` are idempotent and safe to call concurrently.
* An app that raises before it first calls ``receive`` (Django, apps without lifespan
  support) does not support lifespan: startup succeeds, logged at debug level. A
  ``lifespan.startup.failed`` message, or an exception after the app received the startup
  event, is a failed startup: :class:`~azfunc.FunctionLoadError` with the app's message.
  A failed shutdown is logged, never raised (the process is ending anyway).
* :class:`AppLifecycle` is the hook a host calls on a loaded app object: ``await
  app.startup()`` before serving the first request (on the loop that serves requests), and
  ``await app.shutdown()`` when it stops (Ctrl-C included). :func:`lifecycle_of` finds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Protocol, runtime_checkable

from .._errors import FunctionLoadError

__all__ = ["AppLifecycle", "AsgiApp", "Lifespan", "lifecycle_of"]

logger = logging.getLogger("azfunc.adapters")

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: an ASGI 3 application: ``await app(scope, receive, send)``.
AsgiApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


@runtime_checkable
class AppLifecycle(Protocol):
    """What a host calls on an app object that has process-wide setup and teardown."""

    async def startup(self) -> None:
        """Run once before the first request; raise to refuse to start."""

    async def shutdown(self) -> None:
        """Run once when the host stops."""


def lifecycle_of(app: object) -> AppLifecycle | None:
    """The app's lifecycle hooks, if it has them (hosts call this on the loaded app).

    Example:
        >>> lifecycle_of(object()) is None
        True
    """
    return app if isinstance(app, AppLifecycle) else None


def function_lifecycles(functions: Iterable[object]) -> list[AppLifecycle]:
    """The lifecycle hooks of the framework middlewares behind ``functions`` (each
    :class:`~azfunc.app.model.FunctionInfo` whose function carries ``azfunc_middleware``),
    once each: what a host starts before serving and shuts down after draining.

    Example:
        >>> function_lifecycles([])
        []
    """
    found: list[AppLifecycle] = []
    for info in functions:
        middleware = getattr(getattr(info, "func", None), "azfunc_middleware", None)
        hooks = lifecycle_of(middleware)
        if hooks is not None and all(hooks is not seen for seen in found):
            found.append(hooks)
    return found


class Lifespan:
    """The lifespan scope of one ASGI app: startup once, shutdown once.

    Example:
        >>> async def app(scope, receive, send):
        ...     assert (await receive())["type"] == "lifespan.startup"
        ...     scope["state"]["db"] = "open"
        ...     await send({"type": "lifespan.startup.complete"})
        ...     assert (await receive())["type"] == "lifespan.shutdown"
        ...     await send({"type": "lifespan.shutdown.complete"})
        >>> async def run():
        ...     life = Lifespan(app)
        ...     await life.startup()
        ...     state = dict(life.state)
        ...     await life.shutdown()
        ...     return state, life.started
        >>> asyncio.run(run())
        ({'db': 'open'}, False)

    Raises:
        FunctionLoadError: from :meth:`startup`, if the app reports a failed startup.
    """

    def __init__(self, app: AsgiApp) -> None:
        self.app = app
        #: the lifespan ``state``: what the app put there during startup.
        self.state: dict[str, Any] = {}
        self.started = False
        self.supported = True
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._reply: asyncio.Future[Message] | None = None
        self._received = False
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait for the answer (once; later calls return).

        Raises:
            FunctionLoadError: if the app sends ``lifespan.startup.failed`` or raises after
                receiving the startup event.
        """
        if self.started:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._up():  # another caller may have started it while this one waited
                await self._startup()

    def _up(self) -> bool:
        return self.started

    async def _startup(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._received = False
        self.supported = True
        self._reply = self.loop.create_future()
        self._inbox.put_nowait({"type": "lifespan.startup"})
        scope: dict[str, Any] = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._task = self.loop.create_task(self._run(scope))
        answer = await self._reply
        kind = answer.get("type")
        if kind == "lifespan.startup.complete":
            self.started = True
            return
        if kind == "unsupported":
            self.supported = False
            self.started = True
            logger.debug("the ASGI app does not support lifespan: %s", answer.get("message"))
            return
        message = answer.get("message") or "no message"
        raise FunctionLoadError(f"the ASGI app's lifespan startup failed: {message}")

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.app(scope, self._receive, self._send)
        except BaseException as exc:
            ending = isinstance(exc, (KeyboardInterrupt, SystemExit, asyncio.CancelledError))
            if self._reply is not None and not self._reply.done():
                if self._received:
                    self._reply.set_result(
                        {"type": "failed", "message": f"{type(exc).__name__}: {exc}"}
                    )
                else:
                    self._reply.set_result({"type": "unsupported", "message": repr(exc)})
            elif self.started and self.supported and not ending:
                logger.exception("the ASGI app's lifespan task failed")
            if ending:
                raise
        else:
            if self._reply is not None and not self._reply.done():
                self._reply.set_result({"type": "unsupported", "message": "returned early"})

    async def _receive(self) -> Message:
        assert self._inbox is not None
        self._received = True
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        reply = self._reply
        if reply is not None and not reply.done():
            reply.set_result(dict(message))

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the app (once; a no-op if not started)."""
        if not self.started:
            return
        self.started = False
        task, inbox = self._task, self._inbox
        self._task = None
        if not self.supported or task is None or inbox is None or task.done():
            return
        self._reply = asyncio.get_running_loop().create_future()
        inbox.put_nowait({"type": "lifespan.shutdown"})
        pending: list[asyncio.Future[Any]] = [self._reply, task]
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if self._reply.done():
            answer = self._reply.result()
            if answer.get("type") in ("lifespan.shutdown.failed", "failed"):
                logger.error("the ASGI app's lifespan shutdown failed: %s", answer.get("message"))
        else:
            self._reply.cancel()
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), 5)
            except (asyncio.TimeoutError, Exception):
                task.cancel()
