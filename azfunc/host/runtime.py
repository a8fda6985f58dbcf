"""Running invocations for a host: a thread pool, in-flight tracking and invocation logs.

Rules this module keeps:

* ``def`` functions run on a thread pool sized by ``threads``, else the
  ``PYTHON_THREADPOOL_THREAD_COUNT`` setting, else ``min(32, cpus + 4)``; ``async def``
  functions run on the event loop (both through ``azfunc.app.invocation.invoke_function``).
* Every invocation is tracked until it finishes, so :meth:`Runtime.drain` (ASGI lifespan
  shutdown, Ctrl-C) waits for the ones in flight.
* The records a function logs are re-emitted on the ``azfunc.host`` logger prefixed with
  ``[<function>] (<invocation id>)``; a failure is logged there with its traceback and then
  re-raised for the caller to turn into a 500 / a retry.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import random
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._context import Context, RetryContext

if TYPE_CHECKING:
    from .._registry import BindingRegistry
    from ..app.invocation import InvocationResult
    from ..app.model import FunctionInfo

__all__ = ["Runtime", "new_invocation_id", "thread_count"]

logger = logging.getLogger("azfunc.host")
#: seeded from os.urandom once; invocation ids need uniqueness, not secrecy.
_random = random.Random()


def new_invocation_id() -> str:
    """A random (version 4) UUID string, without a system call per id.

    Example:
        >>> len(new_invocation_id()), new_invocation_id()[14]
        (36, '4')
    """
    return str(uuid.UUID(int=_random.getrandbits(128), version=4))


def thread_count(threads: int | None = None) -> int:
    """The thread-pool size: ``threads``, ``PYTHON_THREADPOOL_THREAD_COUNT`` or a default.

    Example:
        >>> thread_count(3)
        3
    """
    if threads is not None and threads > 0:
        return threads
    env = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return min(32, (os.cpu_count() or 1) + 4)


class Runtime:
    """Invokes functions with one executor, tracking what is in flight.

    Example:
        >>> rt = Runtime(threads=2)
        >>> rt.threads, rt.in_flight
        (2, 0)
        >>> rt.close()
    """

    def __init__(
        self,
        *,
        threads: int | None = None,
        registry: BindingRegistry | None = None,
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        self.threads = thread_count(threads)
        self.registry = registry
        #: ``context.function_directory`` of functions without a folder (decorator apps).
        self.root = str(root) if root is not None else ""
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._active = 0
        self._idle: asyncio.Event | None = None

    @property
    def executor(self) -> concurrent.futures.ThreadPoolExecutor:
        """The thread pool of ``def`` functions (created on first use)."""
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.threads, thread_name_prefix="azfunc-invoke"
            )
        return self._executor

    @property
    def in_flight(self) -> int:
        """How many invocations are running."""
        return self._active

    async def invoke(
        self,
        info: FunctionInfo,
        inputs: Mapping[str, Any],
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        retry_context: RetryContext | None = None,
        invocation_id: str | None = None,
    ) -> InvocationResult:
        """Invoke ``info`` with ``inputs``; logs its records and any failure.

        Raises:
            Exception: whatever the function (or an input conversion) raised.
        """
        from ..app.invocation import invoke_function

        context = Context(
            invocation_id=invocation_id or new_invocation_id(),
            function_name=info.name,
            function_directory=str(info.directory) if info.directory else self.root,
            retry_context=retry_context,
        )
        prefix = f"[{info.name}] ({context.invocation_id})"
        self._active += 1
        if self._idle is not None:
            self._idle.clear()
        started = time.perf_counter()
        try:
            result = await invoke_function(
                info,
                inputs,
                trigger_metadata=trigger_metadata,
                context=context,
                registry=self.registry,
                executor=self.executor,
            )
        except Exception:
            logger.exception(
                "%s failed after %.1f ms", prefix, (time.perf_counter() - started) * 1000
            )
            raise
        finally:
            self._active -= 1
            if self._active == 0 and self._idle is not None:
                self._idle.set()
        for record in result.logs:
            logger.log(record.levelno, "%s %s", prefix, record.getMessage())
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s succeeded in %.1f ms", prefix, (time.perf_counter() - started) * 1000)
        return result

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine as a tracked background task."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until background tasks and invocations in flight have finished."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._tasks or self._active:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=remaining)
            else:
                self._idle = asyncio.Event()
                if self._active:
                    try:
                        await asyncio.wait_for(self._idle.wait(), remaining)
                    except asyncio.TimeoutError:
                        break

    def close(self) -> None:
        """Shut the thread pool down, waiting for running threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
