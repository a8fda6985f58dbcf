"""The embedded on-disk store behind the storage protocols of :mod:`azfunc.storage.backend`.

A thin wrapper of :class:`~azfunc.host.storage.LocalStorage` and its queues: every call runs
the store's blocking work on a helper thread (one hop per call, a batch of messages in one
hop), so the queue poller and the blob bindings use one code path for the embedded store
and for storage accounts. The embedded store keeps message bodies as bytes: it has no
message encoding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from ..storage.backend import BLOB_MAX_FAILURES, BLOB_POISON_QUEUE, QueueMessage
from .storage import LocalQueue, LocalStorage, StoredMessage

__all__ = ["EmbeddedBlobs", "EmbeddedQueue", "EmbeddedReceipts"]


def _stored(message: QueueMessage) -> StoredMessage:
    if not isinstance(message, StoredMessage):
        raise TypeError(f"not a message of the embedded store: {message!r}")
    return message


class EmbeddedQueue:
    """A :class:`~azfunc.storage.backend.QueueStore` over one :class:`LocalQueue`.

    Example:
        >>> import asyncio, tempfile, pathlib
        >>> store = LocalStorage(pathlib.Path(tempfile.mkdtemp()))
        >>> q = EmbeddedQueue(store, "jobs")
        >>> asyncio.run(q.put([b"a", "b"]))
        >>> [m.body for m in asyncio.run(q.receive(5, timedelta(seconds=30)))]
        [b'a', b'b']
    """

    def __init__(self, storage: LocalStorage, name: str) -> None:
        self.storage = storage
        self.local: LocalQueue = storage.queue(name)

    @property
    def name(self) -> str:
        return self.local.name

    def _receive(self, count: int, lease: timedelta) -> list[StoredMessage]:
        found: list[StoredMessage] = []
        while len(found) < count:
            message = self.local.get(lease=lease)
            if message is None:
                break
            found.append(message)
        return found

    async def receive(self, count: int, lease: timedelta) -> Sequence[QueueMessage]:
        """Up to ``count`` visible messages, leased for ``lease``."""
        return await asyncio.to_thread(self._receive, count, lease)

    async def put(self, bodies: Sequence[bytes | str]) -> None:
        """Enqueue one message per body, durable when this returns.

        The bodies go to the queue's group commit (:meth:`LocalQueue.submit_async`): puts
        from invocations running at the same time share one segment record and one flush,
        the wait holds no thread, and a commit wakes the loop once for all its puts.
        """
        if bodies:
            await self.local.submit_async(list(bodies))

    async def delete(self, message: QueueMessage) -> None:
        """Remove a leased message (``LeaseLostError`` if the receipt is stale)."""
        await asyncio.to_thread(self.local.delete, message.id, message.pop_receipt)

    async def release(self, message: QueueMessage, delay: timedelta) -> None:
        """Visible again after ``delay``."""
        await asyncio.to_thread(
            lambda: self.local.release(message.id, message.pop_receipt, delay=delay)
        )

    async def renew(self, message: QueueMessage, lease: timedelta) -> QueueMessage:
        """Invisible for ``lease`` from now, under a new pop receipt (``LeaseLostError``
        if the receipt is stale: another consumer has the message, or it is gone)."""
        return await asyncio.to_thread(
            lambda: self.local.release(message.id, message.pop_receipt, delay=lease)
        )

    def _poison(self, message: StoredMessage, queue: str) -> None:
        self.storage.queue(queue).put(message.body)
        self.local.delete(message.id, message.pop_receipt)

    async def poison(self, message: QueueMessage, queue: str) -> None:
        """Copy the body to ``queue`` and delete the message here."""
        await asyncio.to_thread(self._poison, _stored(message), queue)


class EmbeddedBlobs:
    """A :class:`~azfunc.storage.backend.BlobStore` over :class:`LocalStorage`'s blobs."""

    def __init__(self, storage: LocalStorage) -> None:
        self.storage = storage

    async def read(self, path: str) -> bytes | None:
        """The blob's content or ``None``."""
        return await asyncio.to_thread(self.storage.read_blob, path)

    async def write(self, path: str, data: bytes) -> None:
        """Create or replace the blob."""
        await asyncio.to_thread(self.storage.write_blob, path, data)

    async def scan(self, container: str) -> list[tuple[str, str]]:
        """(name, etag) of the container's blobs."""
        return await asyncio.to_thread(self.storage.scan_blobs, container)

    def uri(self, path: str) -> str:
        """The blob file's ``file://`` URI."""
        return self.storage.blob_path(path).resolve().as_uri()


class EmbeddedReceipts:
    """A :class:`~azfunc.storage.backend.BlobReceipts` kept in ``.azfunc/state``.

    One JSON document per function (``blobreceipts-<function>``: path -> etag, done,
    failures), loaded when a scan begins and saved once when it ends, if anything fired.
    One host owns the embedded store, so a claim needs no lock.
    """

    def __init__(self, storage: LocalStorage, function: str) -> None:
        self.storage = storage
        self.state_name = f"blobreceipts-{function}"
        self._receipts: dict[str, Any] = {}
        self._poison: list[str] = []
        self._changed = False

    async def begin(self) -> None:
        """Load the receipts."""
        self._receipts = await asyncio.to_thread(self.storage.load_state, self.state_name)
        self._poison = []
        self._changed = False

    async def claim(self, path: str, etag: str) -> object | None:
        """``(path, etag, failures so far)``, or ``None`` when this version is done."""
        receipt = self._receipts.get(path) or {}
        if receipt.get("etag") == etag and receipt.get("done"):
            return None
        failures = int(receipt.get("failures", 0)) if receipt.get("etag") == etag else 0
        return (path, etag, failures)

    async def done(self, token: object) -> None:
        """Record the version as processed."""
        path, etag, _ = _token(token)
        self._receipts[path] = {"etag": etag, "done": True}
        self._changed = True

    async def failed(self, token: object, report: str) -> bool:
        """Count a failure; after :data:`BLOB_MAX_FAILURES` the version is given up."""
        path, etag, failures = _token(token)
        failures += 1
        given_up = failures >= BLOB_MAX_FAILURES
        self._receipts[path] = {"etag": etag, "done": given_up, "failures": failures}
        self._changed = True
        if given_up:
            self._poison.append(report)
        return given_up

    def _save(self) -> None:
        for report in self._poison:
            self.storage.queue(BLOB_POISON_QUEUE).put(report)
        self.storage.save_state(self.state_name, self._receipts)

    async def end(self) -> None:
        """Save the receipts (and the poison reports) once, if anything fired."""
        if self._changed:
            await asyncio.to_thread(self._save)
            self._changed = False
            self._poison = []


def _token(token: object) -> tuple[str, str, int]:
    if (not isinstance(token, tuple) or len(token) != 3 or not isinstance(token[0], str)
            or not isinstance(token[1], str) or not isinstance(token[2], int)):
        raise TypeError(f"not a receipt token of the embedded store: {token!r}")
    return token[0], token[1], token[2]
