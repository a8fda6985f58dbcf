"""Keeping a queue message leased while its function runs, as the Functions queue extension
does (its visibility update timer).

Rules this module keeps:

* A received message is invisible to other consumers for ``lease`` (host.json has no
  setting for it; the extension uses 10 minutes, ``LocalHost(lease=...)`` overrides it).
  While the function runs, :class:`LeaseKeeper` renews it every half lease
  (:meth:`~azfunc.storage.backend.QueueStore.renew`: the embedded store's lease, an
  account's ``update_message``), so a function that runs longer than the lease is not
  handed to a second host.
* Each renewal gives a new pop receipt; :attr:`LeaseKeeper.message` is always the current
  one, and the poller deletes, releases or poisons the message with it.
* A renewal that fails for a transient reason is retried sooner (half the delay, at least
  one second), before the lease runs out. One that finds the receipt stale
  (:class:`~azfunc.LeaseLostError`: another consumer took the message, or it was deleted)
  stops renewing and is logged as an error at once; :attr:`LeaseKeeper.lost` says so, and
  the poller then neither deletes nor releases the message as if nothing happened (it logs
  that the message may run again).
* Stopping waits for a renewal in flight instead of cancelling it, so a receipt the store
  already changed is never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from types import TracebackType

from .._errors import LeaseLostError
from ..storage.backend import QueueMessage, QueueStore

__all__ = ["LeaseKeeper"]

logger = logging.getLogger("azfunc.host")
#: the shortest wait before retrying a renewal that failed for a transient reason
_MIN_RETRY = 1.0


class LeaseKeeper:
    """Renews one message's lease in the background while ``async with`` is open.

    Example:
        >>> import asyncio, tempfile, pathlib
        >>> from azfunc.host.storage import LocalStorage
        >>> from azfunc.host.embedded_backend import EmbeddedQueue
        >>> q = EmbeddedQueue(LocalStorage(pathlib.Path(tempfile.mkdtemp())), "jobs")
        >>> async def run() -> bool:
        ...     await q.put([b"x"])
        ...     [m] = await q.receive(1, timedelta(seconds=0.2))
        ...     async with LeaseKeeper(q, m, timedelta(seconds=0.2), function="f") as keeper:
        ...         await asyncio.sleep(0.5)       # longer than the lease
        ...         again = await q.receive(1, timedelta(seconds=1))
        ...     await q.delete(keeper.message)     # the current receipt
        ...     return again == [] and keeper.message.pop_receipt != m.pop_receipt
        >>> asyncio.run(run())
        True
    """

    def __init__(self, queue: QueueStore, message: QueueMessage, lease: timedelta, *,
                 function: str) -> None:
        self.queue = queue
        #: the message under its current pop receipt
        self.message = message
        self.lease = lease
        self.function = function
        #: why the lease was lost (``None`` while it holds)
        self.lost: str | None = None
        self._interval = max(lease.total_seconds() / 2, 0.05)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LeaseKeeper:
        self._task = asyncio.ensure_future(self._run())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = self._interval
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            if self._stop.is_set():
                return
            try:
                self.message = await self.queue.renew(self.message, self.lease)
            except LeaseLostError as exc:
                self.lost = str(exc)
                logger.error("[%s] the lease of message %s was lost while the function ran "
                             "(%s); another consumer may run it too", self.function,
                             self.message.id, exc)
                return
            except Exception as exc:  # transient: retry before the lease runs out
                delay = max(min(_MIN_RETRY, self._interval), delay / 2)
                logger.warning("[%s] the lease of message %s could not be renewed (%s); "
                               "retrying in %.1f s", self.function, self.message.id, exc, delay)
                continue
            delay = self._interval
