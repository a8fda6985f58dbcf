"""Group commit: many writers, one writer thread, one durable flush per batch.

Rules this module keeps:

* :meth:`GroupCommit.submit` never blocks on I/O: it appends the items to the pending list
  and returns a :class:`concurrent.futures.Future` (a thread calls ``.result()``).
  :meth:`GroupCommit.submit_async`, called on an event loop, returns an
  :class:`asyncio.Future` of that loop instead: the writer resolves every such future of a
  batch with one ``call_soon_threadsafe`` per loop, so a batch wakes the loop once, not
  once per submission (as ``asyncio.wrap_future`` of each would). No thread is held while
  the batch is written.
* A submission wakes an idle writer only if none was woken already and has yet to take
  the work: a burst of submissions costs one wake-up, and none while a writer is busy.
* Up to ``writers`` writer threads (started as submissions arrive, each gone after
  ``idle`` seconds without work); a free one takes everything pending, up to ``max_batch``
  items (a submission is never split), and hands it to ``flush`` in one call. A writer
  woken for work another writer took waits on: threads are not started per batch. With two,
  the next batch is written while the previous one waits for the disk, so the disk
  commits them together; ``flush`` must allow concurrent calls then.
* A future is resolved only after ``flush`` returned, so whatever ``flush`` makes durable
  is durable before the submitter hears of it.
* ``flush`` returns one result per item, in order. If it raises, every future of that batch
  gets the exception and nothing of the batch is acknowledged; the next batch is tried
  afresh (a full disk fails the writes made while it is full, not the ones after).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")
#: a submission's future: a thread's, or an event loop's (with the loop that owns it)
_Waiter = Future[list[R]] | tuple[asyncio.AbstractEventLoop, asyncio.Future[list[R]]]


class GroupCommit(Generic[T, R]):
    """Batch items submitted from any thread into calls of ``flush`` on one writer thread.

    Example:
        >>> batches = []
        >>> commit = GroupCommit(lambda items: batches.append(items) or items, name="doc")
        >>> commit.submit([1, 2]).result(), commit.submit([3]).result()
        ([1, 2], [3])
    """

    def __init__(self, flush: Callable[[list[T]], list[R]], *, name: str,
                 max_batch: int = 512, idle: float = 2.0, writers: int = 1) -> None:
        self._flush = flush
        self._name = name
        self._writers = writers
        self._max_batch = max_batch
        self._idle = idle
        self._cond = threading.Condition()
        self._pending: list[tuple[list[T], _Waiter[R]]] = []
        self._threads: set[threading.Thread] = set()
        self._idle_threads = 0
        self._woken = 0  # writers notified that have not taken work yet

    def submit(self, items: Sequence[T]) -> Future[list[R]]:
        """Queue ``items`` for the next batch; the future holds their results."""
        future: Future[list[R]] = Future()
        self._add(list(items), future)
        return future

    def submit_async(self, items: Sequence[T]) -> asyncio.Future[list[R]]:
        """As :meth:`submit`, for a coroutine: the future belongs to the running loop.

        Raises:
            RuntimeError: if no event loop runs in this thread.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[R]] = loop.create_future()
        self._add(list(items), (loop, future))
        return future

    def _add(self, items: list[T], waiter: _Waiter[R]) -> None:
        with self._cond:
            self._pending.append((items, waiter))
            if self._idle_threads > self._woken:
                self._woken += 1
                self._cond.notify()
            elif not self._idle_threads and len(self._threads) < self._writers:
                thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._threads.add(thread)
                thread.start()

    def _take(self) -> list[tuple[list[T], _Waiter[R]]] | None:
        """The next batch, or ``None`` when idle for too long (the thread then ends)."""
        with self._cond:
            deadline = time.monotonic() + self._idle
            # a wake-up whose work another writer took is no reason to end: wait on until
            # ``idle`` passed without work (ending then would start a thread per batch)
            while not self._pending and (left := deadline - time.monotonic()) > 0:
                self._idle_threads += 1
                try:
                    self._cond.wait(left)
                finally:
                    self._idle_threads -= 1
                    # every notify ends one wait (a timed-out waiter can swallow one, so
                    # the return value does not tell): count any wait's end as the wake-up
                    self._woken = max(0, self._woken - 1)
            if not self._pending:
                self._threads.discard(threading.current_thread())
                return None
            batch: list[tuple[list[T], _Waiter[R]]] = []
            count = 0
            while self._pending and (not batch or count + len(self._pending[0][0])
                                     <= self._max_batch):
                entry = self._pending.pop(0)
                batch.append(entry)
                count += len(entry[0])
            return batch

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            with self._cond:  # an unexpected end: the next submission starts a new thread
                self._threads.discard(threading.current_thread())

    def _serve(self) -> None:
        while (batch := self._take()) is not None:
            live = [(items, waiter) for items, waiter in batch if _start(waiter)]
            if not live:
                continue
            outcome: list[R] | BaseException
            try:
                outcome = self._flush([item for items, _ in live for item in items])
            except Exception as exc:  # handed to every submitter of the batch
                outcome = exc
            _resolve(live, outcome)


def _start(waiter: _Waiter[R]) -> bool:
    """Whether the submission is still wanted (a cancelled one is not written)."""
    if isinstance(waiter, Future):
        return waiter.set_running_or_notify_cancel()
    return not waiter[1].cancelled()  # a read from another thread: at worst it is written


def _resolve(live: list[tuple[list[T], _Waiter[R]]], outcome: list[R] | BaseException) -> None:
    """Hand each submission its results (or the batch's exception): thread futures at
    once, each event loop's futures in one callback on that loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[list[R]],
                                                         list[R] | BaseException]]] = {}
    start = 0
    for items, waiter in live:
        part = outcome if isinstance(outcome, BaseException) else outcome[start:start + len(items)]
        start += len(items)
        if isinstance(waiter, Future):
            if isinstance(part, BaseException):
                waiter.set_exception(part)
            else:
                waiter.set_result(part)
        else:
            by_loop.setdefault(waiter[0], []).append((waiter[1], part))
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_settle, futures)


def _settle(futures: list[tuple[asyncio.Future[R], R | BaseException]]) -> None:
    """On the loop: resolve a batch's futures (those not cancelled meanwhile)."""
    for future, part in futures:
        if future.done():
            continue
        if isinstance(part, BaseException):
            future.set_exception(part)
        else:
            future.set_result(part)
