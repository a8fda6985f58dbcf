"""Running invocations for a host: a thread pool, in-flight tracking and invocation logs.

Rules this module keeps:

* ``def`` functions run on a thread pool sized by ``threads``, else the
  ``PYTHON_THREADPOOL_THREAD_COUNT`` setting, else ``min(32, cpus + 4)``; ``async def``
  functions run on the event loop (both through ``azfunc.app.invocation.invoke_function``).
* The pool is an :class:`InvocationPool`: one hop per invocation (only the call of the
  user's function runs on the worker), and the calls made during one turn of the event loop
  share the wake-ups of one worker; a call stuck behind a blocking one is handed to another
  worker after :data:`RESCUE_AFTER` seconds, so blocking functions still overlap.
* A :class:`~azfunc.Context` is built only for a function that takes one (or when there is
  retry state to carry); the invocation id is chosen here either way and names the
  invocation in the logs and in a 500 answer.
* The pool bounds its queue: past ``max_queued`` calls handed to the workers and not yet
  settled, :meth:`InvocationPool.run_async` callers wait on the loop (their futures are
  handed over as earlier calls finish), so a flood of requests never piles work up in
  the workers' queue. Worker threads are not daemons; :meth:`InvocationPool.shutdown`
  (and interpreter exit, as for ``ThreadPoolExecutor``) lets them finish what was queued
  and joins them. :meth:`Runtime.aclose` joins them on a helper thread, off the loop.
* Every invocation is tracked until it finishes, so :meth:`Runtime.drain` (ASGI lifespan
  shutdown, Ctrl-C) waits for the ones in flight.
* An invocation succeeds only once its output bindings are applied (the ``outputs`` hook
  of :meth:`Runtime.invoke`): a failing output is logged as the invocation's failure,
  with its traceback, and re-raised; "succeeded" is never logged for it.
* With :attr:`Runtime.processes` set (``FUNCTIONS_WORKER_PROCESS_COUNT`` above 1, see
  :mod:`azfunc.host.processes`), a ``def`` function's invocation (decode, call, encode)
  runs in one of the worker processes instead of the thread pool; tracking, timeouts and
  logging stay here, so nothing else changes for the caller. ``async def`` functions, and
  invocations whose inputs cannot be sent to a process, run here as before.
* The records a function logs are re-emitted on the ``azfunc.host`` logger prefixed with
  ``[<function>] (<invocation id>)``; a failure is logged there with its traceback and then
  re-raised for the caller to turn into a 500 / a retry.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import contextlib
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from .._context import Context, RetryContext
from .._errors import ArgumentValueError
from .._ids import new_invocation_id
from ..app.invocation import InvocationResult, invoke_direct, invoke_function
from .timeouts import bounded

if TYPE_CHECKING:
    from .._registry import BindingRegistry
    from ..app.invocation import DirectCall
    from ..app.model import FunctionInfo
    from .processes import WorkerProcesses

__all__ = [
    "InvocationExecutor",
    "InvocationPool",
    "LazyInvocationId",
    "OutputsHook",
    "Runtime",
    "new_invocation_id",
    "thread_count",
]

logger = logging.getLogger("azfunc.host")


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


_T = TypeVar("_T")

#: applies the output bindings of a finished invocation (raises if one fails).
OutputsHook = Callable[["InvocationResult"], Awaitable[None]]


class InvocationExecutor(Protocol):
    """What the host needs of the pool ``def`` functions (and their streams) run on."""

    def run_async(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Awaitable[_T]:
        """Run ``fn(*args, **kwargs)`` on a worker thread; await it on the running loop."""
        ...

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        """Run ``fn(*args, **kwargs)`` on a worker thread (``Executor.submit``)."""
        ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking calls; with ``wait``, join the threads once queued calls ran."""
        ...


#: how long calls handed to a worker together wait behind one that blocks before another
#: worker takes them over (seconds).
RESCUE_AFTER: Final = 0.002
#: the default bound of calls handed over and not settled, per worker thread.
QUEUE_PER_WORKER: Final = 64


class _Call:
    """One call to run on a worker thread and the future that receives its outcome."""

    __slots__ = ("args", "fn", "future", "kwargs")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 future: Any) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.future = future


class _Port:
    """What links the pool with one event loop.

    ``outbox`` holds the calls made during one turn of the loop; they go to a worker
    together, as one batch. ``inbox`` holds outcomes for the loop to settle; the first one
    of a run wakes the loop, the others ride along.
    """

    __slots__ = ("backlog", "draining", "flushing", "inbox", "limit", "loop", "on_settled",
                 "outbox", "pending", "watched", "watching")

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int,
                 on_settled: Callable[[_Port], None]) -> None:
        self.loop = loop
        # touched on the loop only:
        self.outbox: list[_Call] = []
        self.flushing = False
        #: calls handed to the workers (outbox included) and not settled yet; at most limit.
        self.pending = 0
        self.limit = limit
        #: calls waiting for pending to drop below limit (the backpressure), oldest first.
        self.backlog: collections.deque[_Call] = collections.deque()
        self.on_settled = on_settled
        #: (deadline, batch) of batches that may wait behind a blocked call, oldest first.
        self.watched: collections.deque[tuple[float, _Batch]] = collections.deque()
        self.watching = False  # a timer is armed
        self.inbox: collections.deque[tuple[asyncio.Future[Any], Any, BaseException | None]]
        self.inbox = collections.deque()
        self.draining = False

    def post(self, outcomes: Iterable[tuple[Any, Any, BaseException | None]]) -> None:
        """Hand outcomes to the loop (from a worker thread)."""
        self.inbox.extend(outcomes)
        if not self.draining:
            self.draining = True
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting
                self.loop.call_soon_threadsafe(self.drain)

    def drain(self) -> None:
        """Settle the outcomes posted so far (on the loop)."""
        self.draining = False  # first: an outcome posted from now on wakes the loop again
        pop = self.inbox.popleft
        settled = 0
        while True:
            try:
                future, value, exc = pop()
            except IndexError:
                break
            settled += 1
            if future.cancelled():
                continue
            if exc is None:
                future.set_result(value)
            else:
                future.set_exception(exc)
        self.pending -= settled
        if self.backlog:
            self.on_settled(self)


class _Batch:
    """Calls a worker runs one after the other; unstarted ones can be taken over."""

    __slots__ = ("calls", "port")

    def __init__(self, calls: Iterable[_Call], port: _Port | None) -> None:
        self.calls = collections.deque(calls)
        self.port = port

    def take_rest(self) -> list[_Call]:
        """Remove and return the calls not started yet (thread-safe)."""
        rest: list[_Call] = []
        pop = self.calls.popleft
        while True:
            try:
                rest.append(pop())
            except IndexError:
                return rest


class InvocationPool(concurrent.futures.Executor):
    """The worker threads ``def`` functions run on: a lighter ``ThreadPoolExecutor``.

    :meth:`run_async` is the invocation path. A thread hop costs the loop and the workers
    far more in wake-ups (futex calls, a self-pipe write, GIL hand-offs) than the Python it
    runs, so wake-ups are shared:

    * the calls made during one turn of the event loop go to the workers as one batch,
      which one worker runs one call after the other;
    * a batch wakes a sleeping worker only when no worker is awake; an awake worker takes
      the next batch when it is done with its own, without sleeping in between;
    * a worker hands the outcomes of a batch back through a per-loop inbox with one
      ``loop.call_soon_threadsafe`` (none if the loop has not drained the last one yet),
      and the loop settles every ``asyncio`` future in the inbox at once;
    * calls of a batch still not started :data:`RESCUE_AFTER` seconds after the batch was
      handed over (a worker is stuck in a function that blocks, sleeps or does I/O) are
      handed over again and one more worker is woken, so blocking functions still run side
      by side, up to ``max_workers`` at a time.

    Threads start on demand (up to ``max_workers``) and live until :meth:`shutdown`.
    :meth:`submit` serves any other use (``loop.run_in_executor``); like
    ``ThreadPoolExecutor`` it wakes or starts a worker for every call.

    Backpressure: at most ``max_queued`` (default ``64 * max_workers``) calls of one loop
    are handed over and not settled; later :meth:`run_async` calls wait, in order, until
    earlier ones settle. :meth:`submit` blocks its calling thread while ``max_queued`` of
    its calls are unfinished.

    Example:
        >>> pool = InvocationPool(2)
        >>> pool.submit(sum, [1, 2]).result()
        3
        >>> async def main() -> int:
        ...     return await pool.run_async(max, 4, 5)
        >>> asyncio.run(main())
        5
        >>> pool.shutdown()

    Raises:
        ArgumentValueError: if ``max_workers`` or ``max_queued`` is not positive.
    """

    def __init__(self, max_workers: int, *, thread_name_prefix: str = "azfunc-invoke",
                 max_queued: int | None = None) -> None:
        if max_workers <= 0:
            raise ArgumentValueError(f"max_workers must be positive, got {max_workers}")
        if max_queued is not None and max_queued <= 0:
            raise ArgumentValueError(f"max_queued must be positive, got {max_queued}")
        self.max_workers = max_workers
        #: calls handed over and not settled, per loop (run_async) and for submit.
        self.max_queued = max_queued if max_queued is not None else max_workers * QUEUE_PER_WORKER
        self._slots = threading.BoundedSemaphore(self.max_queued)  # submit's bound
        self._prefix = thread_name_prefix
        self._work: collections.deque[_Batch] = collections.deque()
        #: one token per wake-up; sleeping workers wait on it.
        self._doorbell: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._awake = 0  # workers running or woken (guarded by _lock)
        self._closed = False
        self._port: _Port | None = None
        _register_exit(self)

    def run_async(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> asyncio.Future[_T]:
        """Run ``fn(*args, **kwargs)`` on a worker thread; await the outcome on this loop.

        Raises:
            RuntimeError: if no event loop is running or the pool was shut down.
        """
        if self._closed:
            raise RuntimeError("cannot run new calls after the pool was shut down")
        loop = asyncio.get_running_loop()
        port = self._port
        if port is None or port.loop is not loop:
            port = self._port = _Port(loop, self.max_queued, self._admit)
        future: asyncio.Future[_T] = loop.create_future()
        call = _Call(fn, args, kwargs, future)
        if port.pending >= port.limit:
            port.backlog.append(call)  # backpressure: handed over when a call settles
            return future
        port.pending += 1
        port.outbox.append(call)
        if not port.flushing:
            port.flushing = True
            loop.call_soon(self._flush, port)
        return future

    def _admit(self, port: _Port) -> None:
        """Hand calls waiting in the backlog over while there is room (on the loop)."""
        backlog = port.backlog
        while backlog and port.pending < port.limit:
            call = backlog.popleft()
            if call.future.cancelled():
                continue
            port.pending += 1
            port.outbox.append(call)
        if port.outbox and not port.flushing:
            port.flushing = True
            port.loop.call_soon(self._flush, port)

    def _flush(self, port: _Port) -> None:
        port.flushing = False
        calls, port.outbox = port.outbox, []
        batch = _Batch(calls, port)
        try:
            self._dispatch(batch, force=False)
        except RuntimeError as exc:  # shut down meanwhile
            port.pending -= len(calls)
            for call in [*calls, *port.backlog]:
                if not call.future.done():
                    call.future.set_exception(exc)
            port.backlog.clear()
            return
        # watched even when a worker was woken for it: that worker may take an older batch
        self._watch(port, batch)

    def _watch(self, port: _Port, batch: _Batch) -> None:
        # One timer per loop at a time, not one per batch: the timer checks every batch
        # watched and re-arms itself while some are left.
        loop = port.loop
        port.watched.append((loop.time() + RESCUE_AFTER, batch))
        if not port.watching:
            port.watching = True
            loop.call_later(RESCUE_AFTER, self._check, port)

    def _check(self, port: _Port) -> None:
        loop, watched = port.loop, port.watched
        now = loop.time()
        while watched:
            deadline, batch = watched[0]
            if not batch.calls:  # every call started: nothing waits any more
                watched.popleft()
            elif deadline <= now:
                watched.popleft()
                self._rescue(port, batch)
            else:
                break
        if watched:
            loop.call_at(watched[0][0], self._check, port)
        else:
            port.watching = False

    def _rescue(self, port: _Port, batch: _Batch) -> None:
        rest = batch.take_rest()
        if not rest:
            return
        moved = _Batch(rest, port)
        try:
            self._dispatch(moved, force=True)
        except RuntimeError:  # shut down: the worker that has the batch runs them
            batch.calls.extend(rest)
            return
        # watched again even for one call: the worker it woke may take another batch first
        port.watched.append((port.loop.time() + RESCUE_AFTER, moved))

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        """Run ``fn(*args, **kwargs)`` on a worker thread (``Executor.submit``).

        Raises:
            RuntimeError: if the pool was shut down.
        """
        future: Future[_T] = Future()
        self._slots.acquire()  # backpressure: blocks the submitting thread while full
        future.add_done_callback(lambda _: self._slots.release())
        try:
            self._dispatch(_Batch((_Call(fn, args, kwargs, future),), None), force=True)
        except BaseException:
            self._slots.release()
            raise
        return future

    def _dispatch(self, batch: _Batch, *, force: bool) -> bool:
        """Queue ``batch``; wake a worker if none is awake (or ``force``): whether one was."""
        thread = None
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot run new calls after the pool was shut down")
            self._work.append(batch)
            if self._awake and not force:
                return False
            if self._awake < len(self._threads):
                self._doorbell.put(None)
            elif len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._run, name=f"{self._prefix}_{len(self._threads)}"
                )
                self._threads.append(thread)
            else:
                return False  # every worker is busy: the first one free takes it
            self._awake += 1
        if thread is not None:
            thread.start()
        return True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the threads once the calls queued have run (``Executor.shutdown``).

        Calls still waiting in a loop's backlog fail with ``RuntimeError`` (or are cancelled
        with ``cancel_futures``). Blocks while it joins: call it off the event loop.
        """
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            port = self._port
            if cancel_futures:
                while self._work:
                    batch = self._work.popleft()
                    for call in batch.take_rest():
                        _cancel(call, batch.port)
            for _ in threads:
                self._doorbell.put(None)
        if port is not None and port.backlog:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
                port.loop.call_soon_threadsafe(self._refuse_backlog, port, cancel_futures)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()

    @staticmethod
    def _refuse_backlog(port: _Port, cancel: bool) -> None:
        while port.backlog:
            future = port.backlog.popleft().future
            if future.done():
                continue
            if cancel:
                future.cancel()
            else:
                future.set_exception(
                    RuntimeError("cannot run new calls after the pool was shut down"))

    def _next(self) -> _Batch | None:
        """The next batch to run, sleeping while there is none; ``None`` once shut down."""
        work, lock = self._work, self._lock
        while True:
            try:
                return work.popleft()
            except IndexError:
                pass
            with lock:
                if work:
                    continue
                if self._closed:
                    return None
                self._awake -= 1
            self._doorbell.get()  # whoever rings counts this worker awake again

    def _run(self) -> None:
        while (batch := self._next()) is not None:
            port = batch.port
            pop = batch.calls.popleft
            outcomes: list[tuple[Any, Any, BaseException | None]] = []
            while True:
                try:
                    call = pop()
                except IndexError:
                    break
                value: Any = None
                error: BaseException | None = None
                try:
                    value = call.fn(*call.args, **call.kwargs)
                except BaseException as exc:  # handed to the caller, as ThreadPoolExecutor does
                    error = exc
                outcomes.append((call.future, value, error))
                del call, value, error
            if port is not None:
                port.post(outcomes)
            else:
                for future, value, error in outcomes:
                    _settle_concurrent(future, value, error)
            del batch, port, pop, outcomes


def _settle_concurrent(future: Future[Any], value: Any, exc: BaseException | None) -> None:
    if future.set_running_or_notify_cancel():
        if exc is None:
            future.set_result(value)
        else:
            future.set_exception(exc)


def _cancel(call: _Call, port: _Port | None) -> None:
    if port is None:
        call.future.cancel()
    else:
        with contextlib.suppress(RuntimeError):
            port.loop.call_soon_threadsafe(call.future.cancel)


def _register_exit(pool: InvocationPool) -> None:
    """At interpreter exit, let ``pool``'s (non-daemon) workers finish and leave.

    Like ``ThreadPoolExecutor``, this hooks ``threading``'s exit callbacks, which run
    before non-daemon threads are joined; the pool is held weakly, so a pool that was
    shut down and dropped costs nothing.
    """
    ref = weakref.ref(pool)

    def stop() -> None:
        found = ref()
        if found is not None:
            found.shutdown(wait=False)

    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(stop)
    else:  # pragma: no cover - every supported CPython has it
        atexit.register(stop)


class LazyInvocationId:
    """An invocation id made on first :meth:`get` (most invocations never name theirs).

    Example:
        >>> ids = LazyInvocationId()
        >>> ids.get() == ids.get()
        True
    """

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value: str | None = None

    def get(self) -> str:
        """The id (a fresh UUID4 string the first time)."""
        value = self._value
        if value is None:
            value = self._value = new_invocation_id()
        return value


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
        self._executor: InvocationPool | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._active = 0
        self._idle: asyncio.Event | None = None
        #: host.json ``functionTimeout`` in seconds (None: no limit), see timeouts.bounded
        self.function_timeout: float | None = None
        #: the worker processes ``def`` invocations run in (None: this process's threads)
        self.processes: WorkerProcesses | None = None

    @property
    def executor(self) -> InvocationPool:
        """The thread pool of ``def`` functions (created on first use)."""
        if self._executor is None:
            self._executor = InvocationPool(self.threads, thread_name_prefix="azfunc-invoke")
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
        outputs: OutputsHook | None = None,
    ) -> InvocationResult:
        """Invoke ``info`` with ``inputs``; logs its records and any failure.

        ``outputs``, if given, applies the output bindings of the result; the invocation
        has succeeded only once it returned.

        Raises:
            Exception: whatever the function, an input conversion or ``outputs`` raised.
        """
        invocation_id = invocation_id or new_invocation_id()
        context = None  # invoke_function makes the Context if the function takes one
        if retry_context is not None or not info.directory:
            context = Context(
                invocation_id=invocation_id,
                function_name=info.name,
                function_directory=str(info.directory) if info.directory else self.root,
                retry_context=retry_context,
            )
        self._active += 1
        if self._idle is not None:
            self._idle.clear()
        started = time.perf_counter()
        try:
            running = self._invoke(info, inputs, trigger_metadata, context, invocation_id)
            result = await (running if self.function_timeout is None else bounded(
                running, self.function_timeout, function=info.name,
                invocation_id=invocation_id, is_async=info.is_async))
            if result.logs:
                prefix = f"[{info.name}] ({invocation_id})"
                for record in result.logs:
                    logger.log(record.levelno, "%s %s", prefix, record.getMessage())
        except Exception:
            logger.exception(
                "[%s] (%s) failed after %.1f ms", info.name, invocation_id,
                (time.perf_counter() - started) * 1000,
            )
            raise
        else:
            if outputs is not None:
                try:
                    await outputs(result)
                except Exception:
                    logger.exception(
                        "[%s] (%s) failed after %.1f ms: an output binding could not be "
                        "applied", info.name, invocation_id,
                        (time.perf_counter() - started) * 1000,
                    )
                    raise
        finally:
            self._active -= 1
            if self._active == 0 and self._idle is not None:
                self._idle.set()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("[%s] (%s) succeeded in %.1f ms", info.name, invocation_id,
                         (time.perf_counter() - started) * 1000)
        return result

    def runs_here(self, info: FunctionInfo) -> bool:
        """Whether invocations of ``info`` run in this process (not in a worker process)."""
        return self.processes is None or not self.processes.runs(info)

    async def invoke_direct(
        self, info: FunctionInfo, call: DirectCall, value: Any, *,
        invocation_id: LazyInvocationId, keep: type | None = None,
        outputs: OutputsHook | None = None,
    ) -> Any:
        """:meth:`invoke` for a function whose one input ``value`` is decoded already (see
        :func:`azfunc.app.invocation.invoke_direct`): the encoded return value (a Datum or
        ``None``), or the return value itself if it is an instance of ``keep``. Tracked,
        its records and a failure logged, as :meth:`invoke` does; the invocation id is
        made only when something names the invocation (a ``context``, a log line, an
        ``outputs`` hook).

        A function with ``Out`` parameters runs in this process (its outputs are applied
        here; a caller that wants it in a worker process takes :meth:`invoke`):
        ``outputs``, if given, is handed the :class:`InvocationResult` holding them, and
        the invocation has succeeded only once it returned, as with :meth:`invoke`.

        Raises:
            Exception: whatever the function, encoding its return value or outputs, or
                ``outputs`` raised.
        """
        self._active += 1
        if self._idle is not None:
            self._idle.clear()
        started = time.perf_counter()
        into = None if not call.outputs else InvocationResult(
            info.name, "" if outputs is None else invocation_id.get())
        try:
            running: Awaitable[tuple[Any, list[logging.LogRecord]]]
            # the common case, without the two calls below; a call with outputs has them
            # applied here, so it never goes to a worker process
            if self.processes is None or into is not None:
                running = invoke_direct(
                    info, call, value, root=self.root,
                    invocation_id="" if call.context_name is None else invocation_id.get(),
                    registry=self.registry,
                    executor=None if call.plan.is_async else self.executor, keep=keep,
                    into=into,
                )
            else:
                running = self._invoke_direct(info, call, value, invocation_id, keep)
            datum, records = await (running if self.function_timeout is None else bounded(
                running, self.function_timeout, function=info.name,
                invocation_id=invocation_id.get(), is_async=call.plan.is_async))
            if records:
                prefix = f"[{info.name}] ({invocation_id.get()})"
                for record in records:
                    logger.log(record.levelno, "%s %s", prefix, record.getMessage())
        except Exception:
            logger.exception(
                "[%s] (%s) failed after %.1f ms", info.name, invocation_id.get(),
                (time.perf_counter() - started) * 1000,
            )
            raise
        else:
            if outputs is not None and into is not None:
                try:
                    await outputs(into)
                except Exception:
                    logger.exception(
                        "[%s] (%s) failed after %.1f ms: an output binding could not be "
                        "applied", info.name, invocation_id.get(),
                        (time.perf_counter() - started) * 1000,
                    )
                    raise
        finally:
            self._active -= 1
            if self._active == 0 and self._idle is not None:
                self._idle.set()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("[%s] (%s) succeeded in %.1f ms", info.name, invocation_id.get(),
                         (time.perf_counter() - started) * 1000)
        return datum

    def _invoke(
        self, info: FunctionInfo, inputs: Mapping[str, Any],
        trigger_metadata: Mapping[str, Any] | None, context: Context | None,
        invocation_id: str,
    ) -> Awaitable[InvocationResult]:
        """One invocation: in a worker process when there are some, else here (the
        coroutine of ``invoke_function`` itself: no extra frame on the default path)."""
        processes = self.processes
        if processes is not None and processes.runs(info):
            return self._invoke_sent(processes, info, inputs, trigger_metadata, context,
                                     invocation_id)
        return invoke_function(
            info, inputs, trigger_metadata=trigger_metadata, context=context,
            registry=self.registry, executor=self.executor, invocation_id=invocation_id,
        )

    async def _invoke_sent(
        self, processes: WorkerProcesses, info: FunctionInfo, inputs: Mapping[str, Any],
        trigger_metadata: Mapping[str, Any] | None, context: Context | None,
        invocation_id: str,
    ) -> InvocationResult:
        """:meth:`_invoke` in a worker process; here if the inputs cannot be sent."""
        result = await processes.invoke(info, inputs, trigger_metadata=trigger_metadata,
                                        context=context, invocation_id=invocation_id)
        if result is not None:
            return result
        return await invoke_function(
            info, inputs, trigger_metadata=trigger_metadata, context=context,
            registry=self.registry, executor=self.executor, invocation_id=invocation_id,
        )

    def _invoke_direct(
        self, info: FunctionInfo, call: DirectCall, value: Any,
        invocation_id: LazyInvocationId, keep: type | None,
    ) -> Awaitable[tuple[Any, list[logging.LogRecord]]]:
        """One direct-path invocation: in a worker process when there are some, else the
        coroutine of ``invoke_direct`` itself."""
        processes = self.processes
        if processes is not None and processes.runs(info):
            return self._invoke_direct_sent(processes, info, call, value, invocation_id, keep)
        return self._direct_here(info, call, value, invocation_id, keep)

    def _direct_here(
        self, info: FunctionInfo, call: DirectCall, value: Any,
        invocation_id: LazyInvocationId, keep: type | None,
    ) -> Awaitable[tuple[Any, list[logging.LogRecord]]]:
        return invoke_direct(
            info, call, value, root=self.root,
            invocation_id="" if call.context_name is None else invocation_id.get(),
            registry=self.registry,
            executor=None if call.plan.is_async else self.executor, keep=keep,
        )

    async def _invoke_direct_sent(
        self, processes: WorkerProcesses, info: FunctionInfo, call: DirectCall, value: Any,
        invocation_id: LazyInvocationId, keep: type | None,
    ) -> tuple[Any, list[logging.LogRecord]]:
        """:meth:`_invoke_direct` in a worker process; here if ``value`` cannot be sent."""
        # a child names the invocation in its log records: the id is made here
        answer = await processes.invoke_direct(
            info, call.input_name, value, invocation_id=invocation_id.get(), keep=keep)
        if answer is not None:
            datum, records = answer
            return datum, list(records)
        return await self._direct_here(info, call, value, invocation_id, keep)

    async def start(self) -> None:
        """Start the worker processes, if any, and wait until each loaded the app.

        Raises:
            Exception: the app's load error in a worker process.
        """
        if self.processes is not None:
            await self.processes.start()

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
        """Shut the thread pool (and the worker processes) down, waiting for them (blocks:
        not on a loop)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        if self.processes is not None:
            self.processes.shutdown()

    async def aclose(self) -> None:
        """:meth:`close`, joining the threads and processes on a helper thread so the loop
        keeps running."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True)
        if self.processes is not None:
            await asyncio.to_thread(self.processes.shutdown)
