"""Group commit: many writers, one writer thread, one durable flush per batch.

Rules this module keeps:

* :meth:`GroupCommit.submit` never blocks on I/O: it appends the items to the pending list
  and returns a :class:`concurrent.futures.Future`. An event loop awaits it with
  ``asyncio.wrap_future`` (no thread is held while the batch is written); a thread calls
  ``.result()``.
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

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")


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
        self._pending: list[tuple[list[T], Future[list[R]]]] = []
        self._threads: set[threading.Thread] = set()
        self._idle_threads = 0

    def submit(self, items: Sequence[T]) -> Future[list[R]]:
        """Queue ``items`` for the next batch; the future holds their results."""
        future: Future[list[R]] = Future()
        with self._cond:
            self._pending.append((list(items), future))
            if self._idle_threads:
                self._cond.notify()
            elif len(self._threads) < self._writers:
                thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._threads.add(thread)
                thread.start()
        return future

    def _take(self) -> list[tuple[list[T], Future[list[R]]]] | None:
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
            if not self._pending:
                self._threads.discard(threading.current_thread())
                return None
            batch: list[tuple[list[T], Future[list[R]]]] = []
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
            live = [(items, future) for items, future in batch
                    if future.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                results = self._flush([item for items, _ in live for item in items])
            except Exception as exc:  # handed to every submitter of the batch
                for _, future in live:
                    future.set_exception(exc)
                continue
            start = 0
            for items, future in live:
                future.set_result(results[start:start + len(items)])
                start += len(items)
