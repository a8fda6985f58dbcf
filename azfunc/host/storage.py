"""On-disk queues and blobs under ``<app>/.azfunc/``, with Azure Storage queue semantics.

Rules this module keeps:

* Layout: ``queues/<queue>/<insertion-ns>-<id>.json`` (one file per message),
  ``blobs/<container>/<blob path>``, ``state/<name>.json`` for small host state (blob
  receipts, timer status). Queue and container names are lower-cased and checked, so a
  name can never escape the storage root.
* Every write is atomic: a temporary file in the same directory, ``fsync``, then
  ``os.replace`` (and an ``fsync`` of the directory), so a kill never leaves half a file
  and nothing acknowledged is lost.
* A message is *leased* by :meth:`LocalQueue.get` (dequeue count + 1, a new pop receipt,
  invisible until the lease ends) and removed only by :meth:`LocalQueue.delete` with the
  current pop receipt. :meth:`LocalQueue.release` makes it visible again after a delay
  (a failed invocation). Expired messages (7 days by default) are dropped on read.
* One host at a time: a host claims the directory (:meth:`LocalStorage.claim`, a lock file
  with its PID, :mod:`azfunc.host.storage_lock`); a second host is refused, a killed host's
  lock and temporary files do not outlive it.
* Methods are thread-safe within a process (one lock per queue) and do blocking file I/O:
  an event loop calls them through ``asyncio.to_thread`` (as :mod:`azfunc.host.triggers`
  and :mod:`azfunc.host.local_bindings` do), never directly. The directory is meant for one
  host process at a time.
* Failures of the disk (full, I/O errors) raise :class:`~azfunc.StorageError` with the
  ``OSError`` as ``__cause__``; a pop receipt that no longer holds the lease raises
  :class:`~azfunc.LeaseLostError`; an invalid queue, container or blob name
  :class:`~azfunc.ConfigurationError`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from .._errors import ConfigurationError, LeaseLostError, StorageError, WireFormatError
from .storage_lock import HostLock

__all__ = ["LocalQueue", "LocalStorage", "StoredMessage", "atomic_write"]

logger = logging.getLogger("azfunc.host")
DEFAULT_TTL: Final = timedelta(days=7)
_QUEUE_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){2,62}\Z")
_CONTAINER_RE: Final = re.compile(r"(?:[a-z0-9](?:[a-z0-9]|-(?!-)){1,62}|\$root|\$web)\Z")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _etag(stat: os.stat_result) -> str:
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{stat.st_ino:x}"


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temp file + ``os.replace``).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "b.txt"
        >>> atomic_write(p, b"hi"); p.read_bytes()
        b'hi'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable and hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One queue message as stored, with the fields Azure Storage reports.

    Example:
        >>> m = StoredMessage(id="1", body=b"hi")
        >>> m.dequeue_count, m.text
        (0, 'hi')
    """

    id: str
    body: bytes
    dequeue_count: int = 0
    insertion_time: datetime = datetime(1970, 1, 1, tzinfo=timezone.utc)
    expiration_time: datetime = datetime(9999, 1, 1, tzinfo=timezone.utc)
    next_visible_time: datetime = datetime(1970, 1, 1, tzinfo=timezone.utc)
    pop_receipt: str = ""
    sequence: int = 0

    @property
    def text(self) -> str | None:
        """The body as UTF-8 text, or ``None`` if it is not valid UTF-8."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def metadata(self) -> dict[str, Any]:
        """The queue trigger metadata (``Id``, ``DequeueCount``, times, ``PopReceipt``)."""
        return {
            "Id": self.id,
            "DequeueCount": self.dequeue_count,
            "InsertionTime": _iso(self.insertion_time),
            "ExpirationTime": _iso(self.expiration_time),
            "NextVisibleTime": _iso(self.next_visible_time),
            "PopReceipt": self.pop_receipt,
        }

    def to_json(self) -> dict[str, Any]:
        """The stored JSON form."""
        return {
            "id": self.id,
            "body": base64.b64encode(self.body).decode("ascii"),
            "dequeueCount": self.dequeue_count,
            "insertionTime": _iso(self.insertion_time),
            "expirationTime": _iso(self.expiration_time),
            "nextVisibleTime": _iso(self.next_visible_time),
            "popReceipt": self.pop_receipt,
            "sequence": self.sequence,
        }

    @classmethod
    def from_json(cls, data: Any) -> StoredMessage:
        """Read the stored JSON form.

        Raises:
            WireFormatError: if the data is not a stored message.
        """
        try:
            return cls(
                id=str(data["id"]),
                body=base64.b64decode(data["body"], validate=True),
                dequeue_count=int(data["dequeueCount"]),
                insertion_time=datetime.fromisoformat(data["insertionTime"]),
                expiration_time=datetime.fromisoformat(data["expirationTime"]),
                next_visible_time=datetime.fromisoformat(data["nextVisibleTime"]),
                pop_receipt=str(data["popReceipt"]),
                sequence=int(data.get("sequence", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WireFormatError(f"not a stored queue message: {exc}") from None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def check_queue_name(name: str) -> str:
    """The lower-cased queue name.

    Raises:
        ConfigurationError: if it is not a valid Azure queue name.
    """
    lowered = name.lower()
    if not _QUEUE_RE.match(lowered) or lowered.endswith("-"):
        raise ConfigurationError(
            f"{name!r} is not a valid queue name (3-63 of a-z, 0-9 and single '-')"
        )
    return lowered


class LocalQueue:
    """A queue kept as one JSON file per message, indexed in memory.

    The index (file name -> message, oldest first) is built from the directory on first
    use and brought up to date whenever the directory changed behind this object's back
    (another :class:`LocalStorage` on the same folder, a file dropped in by hand): only the
    files it does not know yet are read. So :meth:`get` reads no file however many
    messages are leased, and :meth:`delete`/:meth:`release` find a message by id at once.

    Example:
        >>> import tempfile, pathlib
        >>> q = LocalStorage(pathlib.Path(tempfile.mkdtemp())).queue("orders")
        >>> _ = q.put(b"one")
        >>> m = q.get(lease=timedelta(seconds=30))
        >>> (m.body, m.dequeue_count, q.get(lease=timedelta(seconds=30)))
        (b'one', 1, None)
        >>> q.delete(m.id, m.pop_receipt); len(q)
        0

    Raises:
        ConfigurationError: if the queue name is invalid.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self.name = check_queue_name(name)
        self.directory = directory / self.name
        self._lock = threading.Lock()
        self._sequence = 0
        #: file name -> message, in file-name (insertion) order; guarded by _lock.
        self._index: dict[str, StoredMessage] = {}
        self._names: dict[str, str] = {}  # message id -> file name
        self._seen: int | None = None  # the directory mtime the index reflects

    def _name(self, message: StoredMessage) -> str:
        stamp = int(message.insertion_time.timestamp() * 1_000_000)
        return f"{stamp:020d}-{message.sequence:08d}-{message.id}.json"

    def _mtime(self) -> int:
        try:
            return os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            return -1

    def _sync(self) -> None:
        """Bring the index up to date with the directory (under the lock)."""
        mtime = self._mtime()
        if mtime == self._seen:
            return
        self._seen = mtime  # first: a change made while listing is seen next time
        try:
            on_disk = {e.name for e in os.scandir(self.directory) if e.name.endswith(".json")}
        except FileNotFoundError:
            on_disk = set()
        for gone in self._index.keys() - on_disk:
            self._names.pop(self._index.pop(gone).id, None)
        fresh = sorted(on_disk - self._index.keys())
        for file_name in fresh:
            message = self._read(self.directory / file_name)
            if message is not None:
                self._index[file_name] = message
                self._names[message.id] = file_name
                self._sequence = max(self._sequence, message.sequence)
        if fresh:
            self._index = dict(sorted(self._index.items()))

    def _write(self, file_name: str, message: StoredMessage) -> None:
        """Persist ``message`` and index it (under the lock)."""
        before = self._mtime()
        atomic_write(self.directory / file_name, json.dumps(message.to_json()).encode())
        self._index[file_name] = message
        self._names[message.id] = file_name
        if before == self._seen or self._seen is None:
            self._seen = self._mtime()  # our own change: nothing to re-read

    def _unlink(self, file_name: str) -> None:
        before = self._mtime()
        try:
            (self.directory / file_name).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"queue {self.name!r}: cannot remove {file_name}: {exc}") from exc
        message = self._index.pop(file_name, None)
        if message is not None:
            self._names.pop(message.id, None)
        if before == self._seen:
            self._seen = self._mtime()

    def _read(self, path: Path) -> StoredMessage | None:
        try:
            return StoredMessage.from_json(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None
        except (ValueError, WireFormatError):
            # a foreign or corrupt file: leave it aside rather than crash the poller
            logger.warning("queue %r: %s is not a stored message; renamed to *.corrupt",
                           self.name, path.name)
            with contextlib.suppress(OSError):
                path.rename(path.with_suffix(".corrupt"))
            return None
        except OSError as exc:
            raise StorageError(f"queue {self.name!r}: cannot read {path.name}: {exc}") from exc

    def put(
        self,
        body: bytes | str,
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> StoredMessage:
        """Add a message; it becomes visible after ``visibility_delay``.

        Raises:
            StorageError: if the message cannot be written (disk full, I/O error).
        """
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        now = _now()
        with self._lock:
            self._sync()
            self._sequence += 1
            message = StoredMessage(
                id=str(uuid.uuid4()),
                body=data,
                insertion_time=now,
                expiration_time=now + ttl,
                next_visible_time=now + visibility_delay,
                sequence=self._sequence,
            )
            self._store(self._name(message), message)
        return message

    def _store(self, file_name: str, message: StoredMessage) -> None:
        try:
            self._write(file_name, message)
        except OSError as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(
                f"queue {self.name!r}: cannot write message {message.id}: {exc}"
            ) from exc

    def messages(self) -> list[StoredMessage]:
        """Every stored message (visible or leased), oldest first.

        Raises:
            StorageError: if the directory cannot be read.
        """
        with self._lock:
            self._sync()
            return list(self._index.values())

    def __len__(self) -> int:
        with self._lock:
            self._sync()
            return len(self._index)

    def get(self, *, lease: timedelta) -> StoredMessage | None:
        """Lease the oldest visible message, or ``None`` if none is visible.

        Raises:
            StorageError: if the lease cannot be written.
        """
        now = _now()
        with self._lock:
            self._sync()
            expired: list[str] = []
            found: tuple[str, StoredMessage] | None = None
            for file_name, message in self._index.items():
                if message.expiration_time <= now:
                    expired.append(file_name)
                elif message.next_visible_time <= now:
                    found = (file_name, message)
                    break
            for file_name in expired:
                self._unlink(file_name)
            if found is None:
                return None
            file_name, message = found
            leased = replace(
                message,
                dequeue_count=message.dequeue_count + 1,
                pop_receipt=secrets.token_urlsafe(12),
                next_visible_time=now + lease,
            )
            self._store(file_name, leased)
            return leased

    def _find(self, message_id: str, pop_receipt: str) -> tuple[str, StoredMessage]:
        self._sync()
        file_name = self._names.get(message_id)
        message = None if file_name is None else self._index.get(file_name)
        if file_name is None or message is None:
            raise LeaseLostError(f"message {message_id} is not in queue {self.name!r}")
        if message.pop_receipt != pop_receipt:
            raise LeaseLostError(
                f"message {message_id} in queue {self.name!r}: the pop receipt "
                "does not match (the lease was lost)"
            )
        return file_name, message

    def delete(self, message_id: str, pop_receipt: str) -> None:
        """Remove a leased message.

        Raises:
            LeaseLostError: if the message is gone or the pop receipt is stale.
            StorageError: if the file cannot be removed.
        """
        with self._lock:
            file_name, _ = self._find(message_id, pop_receipt)
            self._unlink(file_name)

    def release(
        self, message_id: str, pop_receipt: str, *, delay: timedelta = timedelta(0)
    ) -> StoredMessage:
        """End a lease: the message becomes visible again after ``delay``.

        Raises:
            LeaseLostError: if the message is gone or the pop receipt is stale.
            StorageError: if the message cannot be written.
        """
        with self._lock:
            file_name, message = self._find(message_id, pop_receipt)
            updated = replace(
                message, next_visible_time=_now() + delay, pop_receipt=secrets.token_urlsafe(12)
            )
            self._store(file_name, updated)
            return updated

    def recover(self) -> int:
        """Make every leased message visible now (after a restart); returns how many.

        Raises:
            StorageError: if a message cannot be written.
        """
        now = _now()
        count = 0
        with self._lock:
            self._sync()
            for file_name, message in list(self._index.items()):
                if message.pop_receipt and message.next_visible_time > now:
                    self._store(file_name, replace(message, next_visible_time=now,
                                                   pop_receipt=""))
                    count += 1
        return count

    def clear(self) -> None:
        """Remove every message.

        Raises:
            StorageError: if a file cannot be removed.
        """
        with self._lock:
            self._sync()
            for file_name in list(self._index):
                self._unlink(file_name)


class LocalStorage:
    """Queues, blobs and small state files under one directory (``<app>/.azfunc``).

    Example:
        >>> import tempfile, pathlib
        >>> s = LocalStorage(pathlib.Path(tempfile.mkdtemp()))
        >>> s.write_blob("samples/a/b.txt", b"data")
        >>> s.read_blob("samples/a/b.txt"), s.list_blobs("samples")
        (b'data', ['a/b.txt'])

    Raises:
        ConfigurationError: from the blob methods for a malformed blob path.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._queues: dict[str, LocalQueue] = {}
        self._lock = threading.Lock()
        self._host_lock = HostLock(self.root)

    def claim(self) -> None:
        """Claim the directory for this host process (see :mod:`azfunc.host.storage_lock`).

        Raises:
            StorageError: if another live host uses it.
        """
        self._host_lock.acquire()

    def release(self) -> None:
        """Give the directory up (idempotent)."""
        self._host_lock.release()

    def queue(self, name: str) -> LocalQueue:
        """The queue ``name`` (created on first write).

        Raises:
            ConfigurationError: if the name is not a valid queue name.
        """
        key = check_queue_name(name)
        with self._lock:
            found = self._queues.get(key)
            if found is None:
                found = self._queues[key] = LocalQueue(self.root / "queues", key)
            return found

    def queue_names(self) -> list[str]:
        """The queues that exist on disk."""
        base = self.root / "queues"
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    # blobs ---------------------------------------------------------------------------

    def blob_path(self, path: str) -> Path:
        """The file behind ``<container>/<name>``.

        Raises:
            ConfigurationError: if the path has no container or tries to leave it.
        """
        container, _, name = path.strip("/").partition("/")
        container = container.lower()
        if not _CONTAINER_RE.match(container):
            raise ConfigurationError(f"blob path {path!r}: {container!r} is not a container name")
        parts = [part for part in name.split("/") if part]
        if not parts or any(part in {".", ".."} or part.startswith(".tmp-") for part in parts):
            raise ConfigurationError(f"blob path {path!r} needs a blob name inside its container")
        return self.root.joinpath("blobs", container, *parts)

    def write_blob(self, path: str, data: bytes | str) -> None:
        """Create or replace a blob.

        Raises:
            ConfigurationError: for a malformed path.
            StorageError: if the blob cannot be written (disk full, I/O error).
        """
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        target = self.blob_path(path)
        try:
            atomic_write(target, payload)
        except OSError as exc:
            raise StorageError(f"cannot write blob {path!r}: {exc}") from exc

    def read_blob(self, path: str) -> bytes | None:
        """A blob's content, or ``None`` if it does not exist.

        Raises:
            ConfigurationError: for a malformed path.
        """
        try:
            return self.blob_path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"cannot read blob {path!r}: {exc}") from exc

    def blob_etag(self, path: str) -> str | None:
        """A version tag that changes whenever the blob is rewritten."""
        try:
            stat = self.blob_path(path).stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read blob {path!r}: {exc}") from exc
        return _etag(stat)

    def list_blobs(self, container: str) -> list[str]:
        """Blob names in ``container`` (``/``-separated), sorted.

        Raises:
            StorageError: if the container cannot be listed.
        """
        return [name for name, _ in self.scan_blobs(container)]

    def scan_blobs(self, container: str) -> list[tuple[str, str]]:
        """``(name, etag)`` of every blob in ``container``, sorted by name (one walk).

        Raises:
            StorageError: if the container cannot be listed.
        """
        base = self.root / "blobs" / container.lower()
        found: list[tuple[str, str]] = []
        try:
            if not base.is_dir():
                return []
            for directory, _, files in os.walk(base):
                for file_name in files:
                    if file_name.startswith(".tmp-"):
                        continue
                    full = os.path.join(directory, file_name)
                    try:
                        tag = _etag(os.stat(full))
                    except FileNotFoundError:
                        continue
                    found.append((Path(full).relative_to(base).as_posix(), tag))
        except OSError as exc:
            raise StorageError(f"cannot list blob container {container!r}: {exc}") from exc
        found.sort()
        return found

    # small state files ---------------------------------------------------------------

    def _state_path(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        return self.root / "state" / f"{safe}.json"

    def load_state(self, name: str) -> dict[str, Any]:
        """A state document (``{}`` if absent or unreadable)."""
        path = self._state_path(name)
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("state %s is unreadable (%s); starting from an empty one",
                           path, exc, exc_info=True)
            return {}
        return data if isinstance(data, dict) else {}

    def save_state(self, name: str, data: dict[str, Any]) -> None:
        """Replace a state document atomically.

        Raises:
            StorageError: if it cannot be written.
        """
        try:
            atomic_write(self._state_path(name), json.dumps(data, sort_keys=True).encode())
        except OSError as exc:
            raise StorageError(f"cannot write state {name!r}: {exc}") from exc

    def iter_queues(self) -> Iterator[LocalQueue]:
        """Every queue on disk."""
        for name in self.queue_names():
            with contextlib.suppress(ConfigurationError):
                yield self.queue(name)
