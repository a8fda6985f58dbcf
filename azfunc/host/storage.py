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
* Methods are thread-safe within a process (one lock per queue); the directory is meant
  for one host process at a time.
"""

from __future__ import annotations

import base64
import contextlib
import json
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

from .._errors import ConversionError, WireFormatError

__all__ = ["LocalQueue", "LocalStorage", "StoredMessage", "atomic_write"]

DEFAULT_TTL: Final = timedelta(days=7)
_QUEUE_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){2,62}\Z")
_CONTAINER_RE: Final = re.compile(r"(?:[a-z0-9](?:[a-z0-9]|-(?!-)){1,62}|\$root|\$web)\Z")


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
        ConversionError: if it is not a valid Azure queue name.
    """
    lowered = name.lower()
    if not _QUEUE_RE.match(lowered) or lowered.endswith("-"):
        raise ConversionError(
            f"{name!r} is not a valid queue name (3-63 of a-z, 0-9 and single '-')"
        )
    return lowered


class LocalQueue:
    """A queue kept as one JSON file per message.

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
        ConversionError: if the queue name is invalid.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self.name = check_queue_name(name)
        self.directory = directory / self.name
        self._lock = threading.Lock()
        self._sequence = 0

    def _path(self, message: StoredMessage) -> Path:
        stamp = int(message.insertion_time.timestamp() * 1_000_000)
        return self.directory / f"{stamp:020d}-{message.sequence:08d}-{message.id}.json"

    def _write(self, message: StoredMessage) -> None:
        atomic_write(self._path(message), json.dumps(message.to_json()).encode())

    def _files(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if p.suffix == ".json")
        except FileNotFoundError:
            return []

    def _read(self, path: Path) -> StoredMessage | None:
        try:
            return StoredMessage.from_json(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None
        except (ValueError, WireFormatError):
            # a foreign or corrupt file: leave it aside rather than crash the poller
            with contextlib.suppress(OSError):
                path.rename(path.with_suffix(".corrupt"))
            return None

    def put(
        self,
        body: bytes | str,
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> StoredMessage:
        """Add a message; it becomes visible after ``visibility_delay``."""
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        now = _now()
        with self._lock:
            self._sequence += 1
            message = StoredMessage(
                id=str(uuid.uuid4()),
                body=data,
                insertion_time=now,
                expiration_time=now + ttl,
                next_visible_time=now + visibility_delay,
                sequence=self._sequence,
            )
            self._write(message)
        return message

    def messages(self) -> list[StoredMessage]:
        """Every stored message (visible or leased), oldest first."""
        found = (self._read(path) for path in self._files())
        return [m for m in found if m is not None]

    def __len__(self) -> int:
        return len(self._files())

    def get(self, *, lease: timedelta) -> StoredMessage | None:
        """Lease the oldest visible message, or ``None`` if none is visible."""
        now = _now()
        with self._lock:
            for path in self._files():
                message = self._read(path)
                if message is None:
                    continue
                if message.expiration_time <= now:
                    path.unlink(missing_ok=True)
                    continue
                if message.next_visible_time > now:
                    continue
                leased = replace(
                    message,
                    dequeue_count=message.dequeue_count + 1,
                    pop_receipt=secrets.token_urlsafe(12),
                    next_visible_time=now + lease,
                )
                self._write(leased)
                return leased
        return None

    def _find(self, message_id: str, pop_receipt: str) -> tuple[Path, StoredMessage]:
        for path in self._files():
            if path.stem.endswith(message_id):
                message = self._read(path)
                if message is not None and message.id == message_id:
                    if message.pop_receipt != pop_receipt:
                        raise ConversionError(
                            f"message {message_id} in queue {self.name!r}: the pop receipt "
                            "does not match (the lease was lost)"
                        )
                    return path, message
        raise ConversionError(f"message {message_id} is not in queue {self.name!r}")

    def delete(self, message_id: str, pop_receipt: str) -> None:
        """Remove a leased message.

        Raises:
            ConversionError: if the message is gone or the pop receipt is stale.
        """
        with self._lock:
            path, _ = self._find(message_id, pop_receipt)
            path.unlink(missing_ok=True)

    def release(
        self, message_id: str, pop_receipt: str, *, delay: timedelta = timedelta(0)
    ) -> StoredMessage:
        """End a lease: the message becomes visible again after ``delay``.

        Raises:
            ConversionError: if the message is gone or the pop receipt is stale.
        """
        with self._lock:
            _, message = self._find(message_id, pop_receipt)
            updated = replace(
                message, next_visible_time=_now() + delay, pop_receipt=secrets.token_urlsafe(12)
            )
            self._write(updated)
            return updated

    def recover(self) -> int:
        """Make every leased message visible now (after a restart); returns how many."""
        now = _now()
        count = 0
        with self._lock:
            for message in self.messages():
                if message.pop_receipt and message.next_visible_time > now:
                    self._write(replace(message, next_visible_time=now, pop_receipt=""))
                    count += 1
        return count

    def clear(self) -> None:
        """Remove every message."""
        with self._lock:
            for path in self._files():
                path.unlink(missing_ok=True)


class LocalStorage:
    """Queues, blobs and small state files under one directory (``<app>/.azfunc``).

    Example:
        >>> import tempfile, pathlib
        >>> s = LocalStorage(pathlib.Path(tempfile.mkdtemp()))
        >>> s.write_blob("samples/a/b.txt", b"data")
        >>> s.read_blob("samples/a/b.txt"), s.list_blobs("samples")
        (b'data', ['a/b.txt'])

    Raises:
        ConversionError: from the blob methods for a malformed blob path.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._queues: dict[str, LocalQueue] = {}
        self._lock = threading.Lock()

    def queue(self, name: str) -> LocalQueue:
        """The queue ``name`` (created on first write).

        Raises:
            ConversionError: if the name is not a valid queue name.
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
            ConversionError: if the path has no container or tries to leave it.
        """
        container, _, name = path.strip("/").partition("/")
        container = container.lower()
        if not _CONTAINER_RE.match(container):
            raise ConversionError(f"blob path {path!r}: {container!r} is not a container name")
        parts = [part for part in name.split("/") if part]
        if not parts or any(part in {".", ".."} or part.startswith(".tmp-") for part in parts):
            raise ConversionError(f"blob path {path!r} needs a blob name inside its container")
        return self.root.joinpath("blobs", container, *parts)

    def write_blob(self, path: str, data: bytes | str) -> None:
        """Create or replace a blob.

        Raises:
            ConversionError: for a malformed path.
        """
        payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        atomic_write(self.blob_path(path), payload)

    def read_blob(self, path: str) -> bytes | None:
        """A blob's content, or ``None`` if it does not exist.

        Raises:
            ConversionError: for a malformed path.
        """
        try:
            return self.blob_path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def blob_etag(self, path: str) -> str | None:
        """A version tag that changes whenever the blob is rewritten."""
        try:
            stat = self.blob_path(path).stat()
        except FileNotFoundError:
            return None
        return f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{stat.st_ino:x}"

    def list_blobs(self, container: str) -> list[str]:
        """Blob names in ``container`` (``/``-separated), sorted."""
        base = self.root / "blobs" / container.lower()
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(base).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    # small state files ---------------------------------------------------------------

    def _state_path(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        return self.root / "state" / f"{safe}.json"

    def load_state(self, name: str) -> dict[str, Any]:
        """A state document (``{}`` if absent or unreadable)."""
        try:
            data = json.loads(self._state_path(name).read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_state(self, name: str, data: dict[str, Any]) -> None:
        """Replace a state document atomically."""
        atomic_write(self._state_path(name), json.dumps(data, sort_keys=True).encode())

    def iter_queues(self) -> Iterator[LocalQueue]:
        """Every queue on disk."""
        for name in self.queue_names():
            with contextlib.suppress(ConversionError):
                yield self.queue(name)
