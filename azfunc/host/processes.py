"""``FUNCTIONS_WORKER_PROCESS_COUNT``: running ``def`` invocations in several processes.

Rules this module keeps:

* The setting (``local.settings.json`` ``Values`` or the environment) is an integer from 1
  to 10, as on the Functions host; anything else is a :class:`ConfigurationError` naming
  the value. 1 (the default) keeps every invocation in the host's own process.
* With 2 or more, the process model is :class:`concurrent.futures.ProcessPoolExecutor`
  with the ``spawn`` context: the standard library's pool, well kept, with the same start
  method on every OS (no inherited locks, threads or sockets of the serving process, as
  ``fork`` would copy), and the shape the local host already has (an executor handing
  back futures the event loop awaits). uvicorn's multiprocess supervisor was not chosen:
  it runs a whole host per process, so every process would poll the same queues and
  fire the same timers, which the local host must do once.
* Each child loads the app once (its initializer, with ``local.settings.json`` applied),
  ignores SIGINT (a terminal's Ctrl-C reaches the whole process group; the parent drains
  and then stops the pool) and keeps one event loop. :meth:`WorkerProcesses.start` starts
  every child and waits until each has loaded the app, so an app that fails to load in a
  child stops the host at startup with the app's own error.
* What runs where: the parent keeps the triggers (HTTP parsing, queue polling, timers,
  blobs), the bindings' storage I/O and the logging; a child runs one invocation of a
  ``def`` function from its inputs to its encoded outputs (decode, call, encode), one at a
  time per child, so at most ``count`` ``def`` invocations run at once. ``async def``
  functions stay on the parent's event loop, where they already run side by side.
* Everything crossing a process boundary is pickled explicitly: inputs the parent cannot
  pickle make that invocation run in the parent (a warning says so once per function);
  a return value, output or exception a child cannot send back is a
  :class:`ProcessBoundaryError` naming the function and the value's type (its traceback
  text kept), never a broken pool. A child that dies mid-invocation fails that
  invocation with :class:`ProcessBoundaryError`; the pool is started again for the next.
* The log records of an invocation travel back with its outcome, their messages
  formatted in the child, and the runtime re-emits them under the function name and
  invocation id as for an in-process invocation.
* ``functionTimeout`` applies in the parent: past it, the invocation fails and its result
  is dropped; its child runs on until the function returns (a process pool cannot stop
  one call without breaking the others).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copyreg
import io
import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from .._context import Context
from .._errors import AzFuncError, ConfigurationError

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier

    from ..app.invocation import InvocationResult
    from ..app.model import FunctionInfo

__all__ = [
    "MAX_PROCESSES",
    "SETTING",
    "ProcessBoundaryError",
    "WorkerProcesses",
    "worker_process_count",
]

logger = logging.getLogger("azfunc.host")

#: the setting's name, as on the Functions host.
SETTING: Final = "FUNCTIONS_WORKER_PROCESS_COUNT"
#: the largest count the Functions host accepts.
MAX_PROCESSES: Final = 10
#: what may surround the number (ASCII blanks only, as a setting file would hold).
_BLANKS: Final = " \t\r\n"
#: how long :meth:`WorkerProcesses.start` waits for every child to load the app (seconds).
START_TIMEOUT: Final = 120.0


class ProcessBoundaryError(AzFuncError, TypeError):
    """A value cannot cross between the host and a worker process (it does not pickle), or
    a worker process died during an invocation."""


def worker_process_count(settings: Mapping[str, str]) -> int:
    """``FUNCTIONS_WORKER_PROCESS_COUNT`` of ``settings`` (1 when absent or empty).

    Example:
        >>> worker_process_count({}), worker_process_count({"FUNCTIONS_WORKER_PROCESS_COUNT": "4"})
        (1, 4)
        >>> try:
        ...     worker_process_count({"FUNCTIONS_WORKER_PROCESS_COUNT": "11"})
        ... except ConfigurationError as exc:
        ...     print(exc)
        FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number from 1 to 10, got '11'

    Raises:
        ConfigurationError: if the value is not a whole number from 1 to 10.
    """
    raw = settings.get(SETTING)
    text = "" if raw is None else str(raw).strip(_BLANKS)
    if not text:
        return 1
    count = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= count <= MAX_PROCESSES:
        raise ConfigurationError(
            f"{SETTING} must be a whole number from 1 to {MAX_PROCESSES}, got {raw!r}")
    return count


def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(proxy),)


#: how values cross: the default table, plus read-only mappings (azfunc's wire objects hold
#: them), rebuilt read-only on the other side; scoped to these pickles, not the process.
_DISPATCH: Final = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}


def _dumps(value: object) -> bytes:
    """``pickle.dumps`` with :data:`_DISPATCH`."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


# --- the parent's side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Invoke:
    """One general-path invocation, as sent to a child."""

    function: str
    inputs: Mapping[str, Any]
    trigger_metadata: Mapping[str, Any] | None
    context: Context | None
    invocation_id: str


@dataclass(frozen=True, slots=True)
class _Direct:
    """One direct-path invocation (one decoded input), as sent to a child."""

    function: str
    input_name: str
    value: Any
    invocation_id: str
    keep: type | None


class WorkerProcesses:
    """``count`` worker processes that each loaded the app at ``root``.

    Example:
        >>> procs = WorkerProcesses("/nowhere", 2)
        >>> procs.count, procs.started
        (2, False)

    Raises:
        ConfigurationError: if ``count`` is not from 1 to :data:`MAX_PROCESSES`.
    """

    def __init__(self, root: str | os.PathLike[str], count: int) -> None:
        if not 1 <= count <= MAX_PROCESSES:
            raise ConfigurationError(f"{SETTING}: {count} is not from 1 to {MAX_PROCESSES}")
        self.root = str(root)
        self.count = count
        self._context = multiprocessing.get_context("spawn")
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._starting: asyncio.Future[None] | None = None
        self._parent_only: set[str] = set()
        self.pids: list[int] = []

    @property
    def started(self) -> bool:
        """Whether the children are up (they start on :meth:`start` or first use)."""
        return self._pool is not None and self._starting is not None and self._starting.done()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        barrier = self._context.Barrier(self.count)
        return concurrent.futures.ProcessPoolExecutor(
            self.count, mp_context=self._context, initializer=_child_init,
            initargs=(self.root, barrier),
        )

    async def start(self) -> None:
        """Start every child and wait until each has loaded the app (idempotent).

        Raises:
            FunctionLoadError: (or any error) if a child cannot load the app.
            ProcessBoundaryError: if a child died while starting.
        """
        starting = self._starting
        if starting is None:
            starting = self._starting = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(starting)
        except BaseException:
            if starting.done() and self._starting is starting:
                self._starting = None  # the next call tries again
            raise

    async def _start(self) -> None:
        pool = self._pool = self._new_pool()
        # one ready call per child: each waits at the barrier, so all ``count`` run at once
        futures = [asyncio.wrap_future(pool.submit(_child_ready)) for _ in range(self.count)]
        try:
            self.pids = sorted(await asyncio.gather(*futures))
        except BrokenProcessPool as exc:
            self._discard(pool)
            raise ProcessBoundaryError(
                f"a worker process ({SETTING}={self.count}) died while loading the app") from exc
        except BaseException:
            self._discard(pool)
            raise
        logger.info("%s=%d: invocations of def functions run in processes %s", SETTING,
                    self.count, ", ".join(map(str, self.pids)))

    def _discard(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
            self._starting = None
        pool.shutdown(wait=False, cancel_futures=True)

    def runs(self, info: FunctionInfo) -> bool:
        """Whether invocations of ``info`` go to the children (``def`` functions)."""
        return not info.is_async and info.name not in self._parent_only

    def _payload(self, info: FunctionInfo, call: _Invoke | _Direct) -> bytes | None:
        try:
            return _dumps(call)
        except Exception as exc:  # unpicklable inputs: this invocation runs in the parent
            if info.name not in self._parent_only:
                logger.warning("[%s] its inputs cannot be sent to a worker process (%s: %s); "
                               "its invocations run in the host process", info.name,
                               type(exc).__name__, exc)
                self._parent_only.add(info.name)
            return None

    async def _submit(self, info: FunctionInfo, payload: bytes) -> Any:
        await self.start()
        pool = self._pool
        assert pool is not None
        try:
            future = pool.submit(_child_call, payload)
        except BrokenProcessPool:
            self._discard(pool)
            await self.start()
            assert self._pool is not None
            future = self._pool.submit(_child_call, payload)
        try:
            answer = await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:
            self._discard(pool)
            raise ProcessBoundaryError(
                f"{info.name}: its worker process died during the invocation",
                function=info.name) from exc
        return pickle.loads(answer)

    async def invoke(self, info: FunctionInfo, inputs: Mapping[str, Any], *,
                     trigger_metadata: Mapping[str, Any] | None, context: Context | None,
                     invocation_id: str) -> InvocationResult | None:
        """Invoke ``info`` in a child (``invoke_function`` there); ``None`` if its inputs
        cannot be sent (the caller runs it in this process).

        Raises:
            ProcessBoundaryError: if the outcome cannot be sent back or the child died.
            Exception: whatever the invocation raised in the child.
        """
        payload = self._payload(info, _Invoke(info.name, inputs, trigger_metadata, context,
                                              invocation_id))
        if payload is None:
            return None
        result: InvocationResult = await self._submit(info, payload)
        return result

    async def invoke_direct(self, info: FunctionInfo, input_name: str, value: Any, *,
                            invocation_id: str, keep: type | None) -> tuple[Any, Any] | None:
        """``invoke_direct`` in a child: ``(datum, records)``, or ``None`` if ``value``
        cannot be sent (the caller runs it in this process).

        Raises:
            ProcessBoundaryError: if the outcome cannot be sent back or the child died.
            Exception: whatever the invocation raised in the child.
        """
        payload = self._payload(info, _Direct(info.name, input_name, value, invocation_id,
                                              keep))
        if payload is None:
            return None
        answer: tuple[Any, Any] = await self._submit(info, payload)
        return answer

    def shutdown(self) -> None:
        """Stop the children once the invocations handed to them finished (blocks)."""
        pool, self._pool = self._pool, None
        self._starting = None
        if pool is not None:
            pool.shutdown(wait=True)


# --- the child's side ------------------------------------------------------------------------


class _Child:
    """What a worker process keeps between invocations."""

    app: Any = None
    load_error: BaseException | None = None
    registry: Any = None
    loop: asyncio.AbstractEventLoop | None = None
    barrier: Barrier | None = None


class _Inline:
    """The executor a child hands ``invoke_function``: the call runs right there, on the
    child's one thread (it runs one invocation at a time)."""

    def run_async(self, fn: Any, /, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting invocation, as a pool does
            future.set_exception(exc)
        return future


def _child_init(root: str, barrier: Barrier) -> None:
    """A child's initializer: load the app once (a failure is kept for every call)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _Child.barrier = barrier
    try:
        from ..app.invocation import hold_log_capture
        from ..app.loader import load_app
        from .http_frontend import streaming_registry

        _Child.app = load_app(root)
        _Child.registry = streaming_registry()
        _Child.loop = asyncio.new_event_loop()
        hold_log_capture().__enter__()  # held for the child's lifetime, as the host does
    except BaseException as exc:
        _Child.load_error = exc


def _child_ready() -> int:
    """Wait until every child is up, then report this one's pid (or its load error)."""
    barrier = _Child.barrier
    if barrier is not None:
        barrier.wait(START_TIMEOUT)
    if _Child.load_error is not None:
        raise _sendable(_Child.load_error, "the worker process could not load the app")
    return os.getpid()


def _child_call(payload: bytes) -> bytes:
    """Run one invocation sent by the parent; its pickled outcome."""
    from ..app.invocation import direct_call, invoke_direct, invoke_function

    if _Child.load_error is not None:
        raise _sendable(_Child.load_error, "the worker process could not load the app")
    call = pickle.loads(payload)
    info = _Child.app.functions.find(call.function)
    loop = _Child.loop
    assert loop is not None
    if info is None:
        raise ProcessBoundaryError(f"the worker process has no function {call.function!r}",
                                   function=call.function)
    try:
        if isinstance(call, _Direct):
            plan = direct_call(info, call.input_name)
            if plan is None or plan.outputs:  # the parent applies outputs: never sent here
                raise ProcessBoundaryError(
                    f"{info.name}: the worker process cannot call it directly",
                    function=info.name)
            outcome: Any = loop.run_until_complete(invoke_direct(
                info, plan, call.value, invocation_id=call.invocation_id,
                root=str(_Child.app.root), registry=_Child.registry,
                executor=_Inline(), keep=call.keep))  # type: ignore[arg-type]
            _flatten(outcome[1])
        else:
            outcome = loop.run_until_complete(invoke_function(
                info, call.inputs, trigger_metadata=call.trigger_metadata,
                context=call.context, registry=_Child.registry, executor=_Inline(),  # type: ignore[arg-type]
                invocation_id=call.invocation_id))
            _flatten(outcome.logs)
    except Exception as exc:
        raise _sendable(exc, f"{info.name}: the invocation failed") from None
    try:
        return _dumps(outcome)
    except Exception as exc:
        raise ProcessBoundaryError(
            f"{info.name}: its outcome cannot be sent back from the worker process "
            f"({type(exc).__name__}: {exc}); return and set values that pickle (a streamed "
            f"response needs {SETTING}=1 or an async def function)", function=info.name,
        ) from None


def _flatten(records: list[logging.LogRecord]) -> None:
    """Make log records pickle: the message formatted, the traceback as text."""
    for record in records:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{''.join(traceback.format_exception(*record.exc_info))}"
        record.msg, record.args, record.exc_info, record.exc_text = message, None, None, None


def _sendable(exc: BaseException, what: str) -> BaseException:
    """``exc`` if it survives a pickle round trip, else a ProcessBoundaryError with its text."""
    try:
        pickle.loads(_dumps(exc))
    except Exception:
        text = "".join(traceback.format_exception(exc)).rstrip()
        name = type(exc).__name__
        article = "an" if name[:1].lower() in "aeiou" else "a"
        return ProcessBoundaryError(f"{what} with {article} {name} that cannot be sent "
                                    f"back from the worker process:\n{text}")
    return exc
