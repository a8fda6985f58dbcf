"""On-disk queues and blobs under ``<app>/.azfunc/``, with Azure Storage queue semantics.

Rules this module keeps:

* Layout: ``queues/<queue>/`` holds ``*.log`` segments of group commits of puts (and the
  ``*.batch`` files of older stores) and a ``*.json`` file per message once it was leased
  (see :class:`LocalQueue`),
  ``blobs/<container>/<blob path>``, ``state/<name>.json`` for small host state (blob
  receipts, timer status). Queue and container names are lower-cased and checked, so a
  name can never escape the storage root.
* Every write but a queue put is atomic: a temporary file in the same directory
  (``.tmp-*.part``, the only kind of temporary file; :mod:`azfunc.host.storage_lock`
  removes those a kill left), ``fsync``, then ``os.replace`` and an ``fsync`` of the
  directory, so a kill never leaves half a file. Puts are group-committed: one writer
  thread per queue appends every message pending at that moment as one record to the
  queue's open segment (:mod:`azfunc.host.queue_segment`: a record a kill cut short is
  never read), and a put is acknowledged only after its record is durable
  (:class:`LocalQueue` says exactly what is durable when).
* A message is *leased* by :meth:`LocalQueue.get` (dequeue count + 1, a new pop receipt,
  invisible until the lease ends) and removed only by :meth:`LocalQueue.delete` with the
  current pop receipt. :meth:`LocalQueue.release` makes it visible again after a delay
  (a failed invocation). Expired messages (7 days by default) are dropped on read.
* One host at a time: a host claims the directory (:meth:`LocalStorage.claim`, a lock file
  with its PID, :mod:`azfunc.host.storage_lock`); a second host is refused, a killed host's
  lock and temporary files do not outlive it.
* Methods are thread-safe within a process (one lock per queue) and do blocking file I/O:
  an event loop calls them through ``asyncio.to_thread`` (as :mod:`azfunc.host.triggers`
  does), never directly, except :meth:`LocalQueue.submit`, which never blocks and returns
  a future the loop awaits (as :mod:`azfunc.host.local_bindings` does for queue outputs).
  Leases live in the in-memory index; the directory is meant for one host process at a
  time.
* Failures of the disk (full, I/O errors) raise :class:`~azfunc.StorageError` with the
  ``OSError`` as ``__cause__``; a pop receipt that no longer holds the lease raises
  :class:`~azfunc.LeaseLostError`; an invalid queue, container or blob name
  :class:`~azfunc.ConfigurationError`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

from .._errors import ConfigurationError, LeaseLostError, StorageError, WireFormatError
from ..storage.backend import trigger_metadata, utf8_text
from .group_commit import GroupCommit
from .queue_segment import SegmentWriter, encode_record, has_more, is_final, read_records
from .storage_lock import TEMP_PREFIX, TEMP_SUFFIX, HostLock

__all__ = ["LocalQueue", "LocalStorage", "StoredMessage", "atomic_write"]

logger = logging.getLogger("azfunc.host")
#: the time a message field holds when nothing was recorded (never, for stored messages)
_EPOCH_TIME: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
DEFAULT_TTL: Final = timedelta(days=7)
_QUEUE_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){2,62}\Z")
_MESSAGE: Final = ".json"  # one message's state, or a deletion mark
_BATCH: Final = ".batch"  # the messages of one group commit (the layout before segments)
_SEGMENT: Final = ".log"  # group commits appended, one record each (queue_segment)
#: a segment this long gets no more appends: the next group commit starts a new one
SEGMENT_BYTES: Final = 4 << 20
#: an open segment this long whose messages are all gone is replaced (and removed) at the
#: next group commit, so a queue that is drained as it is filled keeps its folder small
SEGMENT_SPARE: Final = 256 << 10
#: writer threads per queue. One: puts arriving during a batch's fsync join the next batch,
#: so batches grow with the load; more writers split a load into more, smaller batches
#: (one file creation and journal commit each: measured more CPU per message under HTTP
#: load, and no more puts/s from 32 threads). ``_flush`` still allows concurrent calls.
WRITERS: Final = 1
#: longer than the coarse clock's tick a directory's mtime is stamped with
_TICK_NS: Final = 50_000_000
_CONTAINER_RE: Final = re.compile(r"(?:[a-z0-9](?:[a-z0-9]|-(?!-)){1,62}|\$root|\$web)\Z")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _etag(stat: os.stat_result) -> str:
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{stat.st_ino:x}"


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written: the store's one write to a file."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temp file + ``os.replace``).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "b.txt"
        >>> atomic_write(p, b"hi"); p.read_bytes()
        b'hi'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        try:
            _write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a rename, an unlink) durable; a no-op on Windows."""
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
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
        return utf8_text(self.body)

    def metadata(self) -> dict[str, Any]:
        """The queue trigger metadata (``Id``, ``DequeueCount``, times, ``PopReceipt``)."""
        return trigger_metadata(self, unknown_time=_EPOCH_TIME)

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


@dataclass(frozen=True, slots=True)
class _Put:
    """One message waiting for its group commit."""

    body: bytes
    visibility_delay: timedelta
    ttl: timedelta


@dataclass(frozen=True, slots=True)
class _FileContent:
    """What one queue file holds: a batch's messages, one message, or a deletion mark."""

    messages: list[StoredMessage]
    segment: str | None = None  # for a message or mark: the batch it was put in
    deleted: bool = False


class LocalQueue:
    """A queue on disk: group commits of puts appended to a segment, leases one file each.

    Files in ``queues/<queue>/`` (``<key>`` is ``<insertion-us>-<sequence>-<id>``, so file
    names sort in insertion order):

    * ``<first key>.log``: a segment, the messages of many group commits as put, one
      record per commit (:mod:`azfunc.host.queue_segment`: a record a kill cut short is
      never read). This queue appends to one segment at a time and starts the next after
      :data:`SEGMENT_BYTES` (or, once all its messages are gone, :data:`SEGMENT_SPARE`).
    * ``<first key>.batch``: the messages of one group commit (one JSON document), as the
      store wrote them before segments: still read, and removed like a finished segment.
    * ``<key>.json``: a message's current state once it was leased or released (it wins
      over its segment's copy), or a deletion mark ``{"deleted": true}`` while its segment
      still holds other live messages or is still appended to. When a finished segment
      holds no live message any more, it goes (and the directory is synced), then its
      marks.

    What is durable when:

    * :meth:`put`, :meth:`put_many` and :meth:`submit`'s future return once the record
      holding the message is on disk (``fdatasync`` of the segment; for a new segment also
      ``fsync`` of the directory). Puts from many threads or coroutines share a record: one
      writer thread (:class:`~azfunc.host.group_commit.GroupCommit`) appends everything
      pending at once.
    * A lease (:meth:`get`), a :meth:`release` and a :meth:`delete` are written (atomic
      replace) before they return, without ``fsync``: they survive the host being killed
      (``kill -9`` included: the data is in the kernel), and a power loss or kernel crash
      only after the file system's next commit (seconds; ext4 commits every 5 s). What
      such a crash can lose is a dequeue count or a delete of those last seconds, so a
      message may run once more: at least once, never lost. A delete that removes the
      last live message of a batch removes the batch file and syncs the directory.
    * :meth:`recover` (after a restart) changes only the in-memory index, so a host can
      start on a full disk.

    The index (key -> message, oldest first) is built from the directory on first use and
    brought up to date whenever the directory changed behind this object's back (another
    :class:`LocalStorage` on the same folder, a file dropped in by hand): only the files it
    does not know yet are read, and of a segment another writer still appends to, only
    what it appended since (checked on every read of the index). So :meth:`get`
    reads no file however many messages are leased, and :meth:`delete`/:meth:`release`
    find a message by id at once. While a new segment is being created the directory's
    changes are taken as this queue's own (a rescan cost more than the commit): a change
    from behind its back made meanwhile is seen with the next directory change after it.

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
        #: key -> message, in key (insertion) order; everything below is guarded by _lock.
        self._index: dict[str, StoredMessage] = {}
        self._names: dict[str, str] = {}  # message id -> key
        self._home: dict[str, str] = {}  # key -> the file holding its state (key or batch)
        self._origin: dict[str, str] = {}  # key -> the batch file it was put in
        self._members: dict[str, set[str]] = {}  # batch file -> keys not deleted
        self._dead: dict[str, str] = {}  # deletion mark file -> its batch file
        self._seen: int | None = None  # the directory mtime the index reflects
        self._writing: set[str] = set()  # segments a writer thread is creating now
        #: while segments are created: the index held every file but theirs when the first
        #: began, so a directory change meanwhile is theirs (no rescan per segment)
        self._fresh = False
        #: segments another writer still holds open -> the bytes of it read so far
        self._foreign: dict[str, int] = {}
        #: message file -> its inode when the directory was last listed (not for our own
        #: writes since: those need no re-read)
        self._inodes: dict[str, tuple[int, int, int]] = {}
        self._recent = False  # the last listing saw a directory mtime of the current tick
        #: the segment this queue appends to, and its name (guarded by _append)
        self._segment: SegmentWriter | None = None
        self._segment_name: str | None = None
        self._append = threading.Lock()  # one append at a time; taken before _lock
        self._commit: GroupCommit[_Put, StoredMessage] = GroupCommit(
            self._flush, name=f"azfunc-queue-{self.name}", writers=WRITERS
        )

    def _name(self, message: StoredMessage) -> str:
        stamp = int(message.insertion_time.timestamp() * 1_000_000)
        return f"{stamp:020d}-{message.sequence:08d}-{message.id}{_MESSAGE}"

    def _mtime(self) -> int:
        try:
            return os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            return -1

    # the index -----------------------------------------------------------------------

    def _sync(self) -> None:
        """Bring the index up to date with the directory (under the lock)."""
        if self._foreign:
            self._follow()
        mtime = self._mtime()
        if (mtime == self._seen and not self._recent) or (self._writing and self._fresh):
            return
        self._seen = mtime  # first: a change made while listing is seen next time
        # the kernel stamps a directory change with a coarse clock (a tick, some ms), so a
        # change made after this listing within the same tick keeps this mtime: list again
        # next time until the mtime is older than that
        self._recent = 0 <= time.time_ns() - mtime < _TICK_NS
        try:
            on_disk = {e.name for e in os.scandir(self.directory)
                       if e.name.endswith((_MESSAGE, _BATCH, _SEGMENT))}
        except FileNotFoundError:
            on_disk = set()
        for key in [k for k, home in self._home.items() if home not in on_disk]:
            self._forget(key)
        for batch in [b for b in self._members if b not in on_disk | self._writing]:
            del self._members[batch]
            self._foreign.pop(batch, None)
        for mark in [m for m in self._dead if m not in on_disk]:
            del self._dead[mark]
        known = (set(self._home.values()) | self._members.keys() | self._dead.keys()
                 | self._writing)
        # a known message file replaced behind our back (a lease turned into a deletion
        # mark by another object) is another version (inode, mtime, size): read again
        # (taken before anything is read, so a replacement after the read is seen next time;
        # a file this queue wrote since the last listing has no version: it needs no read)
        versions = {name: self._version(name) for name in on_disk if name.endswith(_MESSAGE)}
        replaced = {name for name, version in versions.items()
                    if name in known and self._inodes.get(name, version) != version}
        self._inodes = versions
        fresh = sorted((on_disk - known) | replaced)
        for file_name in fresh:  # single messages and marks first: they win over batches
            if file_name.endswith(_MESSAGE):
                self._adopt_message(file_name)
        for file_name in fresh:
            if file_name.endswith(_BATCH):
                self._adopt_batch(file_name)
            elif file_name.endswith(_SEGMENT):
                self._adopt_segment(file_name)
        for mark, batch in list(self._dead.items()):
            if batch not in self._members:  # its batch is gone: the mark is spent
                self._remove_file(mark)
                del self._dead[mark]
        if fresh:
            self._index = dict(sorted(self._index.items()))
        if self._writing:
            self._fresh = True  # every file but those being written is indexed

    def _version(self, file_name: str) -> tuple[int, int, int]:
        try:
            stat = os.stat(self.directory / file_name)
        except FileNotFoundError:
            return (0, 0, 0)
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _adopt_message(self, file_name: str) -> None:
        content = self._read(self.directory / file_name)
        if content is None:
            return
        if content.deleted:
            self._dead[file_name] = content.segment or ""
            self._members.get(content.segment or "", set()).discard(file_name)
            self._forget(file_name)
            return
        message = content.messages[0]
        self._remember(file_name, message, home=file_name)
        if content.segment:
            self._origin[file_name] = content.segment

    def _adopt_batch(self, file_name: str) -> None:
        content = self._read(self.directory / file_name)
        if content is None:
            return
        self._adopt_messages(file_name, content.messages)
        if not self._members[file_name]:
            self._drop_batch(file_name)

    def _adopt_messages(self, file_name: str, messages: list[StoredMessage]) -> None:
        """Index the messages a batch or segment holds (those without a deletion mark)."""
        live = self._members.setdefault(file_name, set())
        for message in messages:
            key = self._name(message)
            self._sequence = max(self._sequence, message.sequence)
            if key in self._dead:
                continue
            live.add(key)
            self._origin[key] = file_name
            if key not in self._home:
                self._remember(key, message, home=file_name)

    def _adopt_segment(self, file_name: str, offset: int = 0) -> bool:
        """Read a segment from ``offset`` (another writer's, or one a past run left); True
        if it held new messages. A finished one with nothing live is removed."""
        path = self.directory / file_name
        try:
            final = is_final(path)  # first: whatever was appended before it ended is read
            records = read_records(path, offset)
        except FileNotFoundError:
            self._foreign.pop(file_name, None)
            return False
        except OSError as exc:
            raise StorageError(f"queue {self.name!r}: cannot read {file_name}: {exc}") from exc
        messages: list[StoredMessage] = []
        corrupt = records.corrupt
        for document in records.documents:
            rows = document.get("messages") if isinstance(document, dict) else None
            try:
                if not isinstance(rows, list):
                    raise WireFormatError("a segment record holds {'messages': [...]}")
                messages.extend(StoredMessage.from_json(row) for row in rows)
            except WireFormatError:
                corrupt += 1
        if corrupt:
            logger.warning("queue %r: %s: %d record(s) are not stored messages; skipped",
                           self.name, file_name, corrupt)
        if final and records.torn:
            logger.info("queue %r: %s ends in a record a kill cut short; it was never "
                        "acknowledged and is not read", self.name, file_name)
        self._adopt_messages(file_name, messages)
        if not final:
            self._foreign[file_name] = records.offset
        else:
            self._foreign.pop(file_name, None)
            if not self._members[file_name]:
                self._drop_batch(file_name)
        return bool(messages)

    def _follow(self) -> None:
        """Read what other writers appended to their segments since (under the lock)."""
        grew = False
        for file_name, offset in list(self._foreign.items()):
            path = self.directory / file_name
            try:
                final = is_final(path)
                more = has_more(path, offset)
            except FileNotFoundError:  # removed: the directory listing forgets it
                continue
            except OSError as exc:
                raise StorageError(
                    f"queue {self.name!r}: cannot read {file_name}: {exc}") from exc
            if more:
                grew = self._adopt_segment(file_name, offset) or grew
            elif final:  # its writer finished: nothing more will come
                del self._foreign[file_name]
                if not self._members.get(file_name):
                    self._drop_batch(file_name)
        if grew:
            self._index = dict(sorted(self._index.items()))

    def _remember(self, key: str, message: StoredMessage, *, home: str) -> None:
        self._index[key] = message
        self._names[message.id] = key
        self._home[key] = home
        self._sequence = max(self._sequence, message.sequence)

    def _forget(self, key: str) -> None:
        message = self._index.pop(key, None)
        if message is not None:
            self._names.pop(message.id, None)
        self._home.pop(key, None)
        self._origin.pop(key, None)

    def _read(self, path: Path) -> _FileContent | None:
        try:
            raw = path.read_bytes()
            if not raw and path.name.endswith(_MESSAGE):
                # a lease or mark whose data a power loss took (written without fsync):
                # the message's batch copy holds again
                logger.debug("queue %r: %s is empty; removed", self.name, path.name)
                path.unlink(missing_ok=True)
                return None
            data = json.loads(raw)
            if path.name.endswith(_BATCH):
                rows = data.get("messages") if isinstance(data, dict) else None
                if not isinstance(rows, list):
                    raise WireFormatError("a batch file holds {'messages': [...]}")
                return _FileContent([StoredMessage.from_json(row) for row in rows])
            segment = data.get("segment") if isinstance(data, dict) else None
            segment = segment if isinstance(segment, str) else None
            if isinstance(data, dict) and data.get("deleted") is True:
                return _FileContent([], segment, deleted=True)
            return _FileContent([StoredMessage.from_json(data)], segment)
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

    # writing -------------------------------------------------------------------------

    def _persist(self, file_name: str, payload: bytes, *, what: str,
                 durable: bool = True) -> None:
        """Write one file atomically (under the lock); our own change needs no re-read."""
        before = self._mtime()
        self._inodes.pop(file_name, None)
        try:
            atomic_write(self.directory / file_name, payload, durable=durable)
        except OSError as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"queue {self.name!r}: cannot write {what}: {exc}") from exc
        if before == self._seen or self._seen is None:
            self._seen, self._recent = self._mtime(), False  # our own change: no re-read

    def _remove_file(self, file_name: str) -> None:
        before = self._mtime()
        try:
            (self.directory / file_name).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"queue {self.name!r}: cannot remove {file_name}: {exc}") from exc
        if before == self._seen:
            self._seen, self._recent = self._mtime(), False  # our own change: no re-read

    def _set_state(self, key: str, message: StoredMessage) -> None:
        """Persist a message's new state in its own file and index it (under the lock)."""
        data = message.to_json()
        origin = self._origin.get(key)
        if origin is not None:
            data["segment"] = origin
        self._persist(key, json.dumps(data).encode(), what=f"message {message.id}",
                      durable=False)
        self._remember(key, message, home=key)

    def _remove(self, key: str) -> None:
        """Delete one message for good (under the lock)."""
        origin = self._origin.get(key)
        members = self._members.get(origin) if origin is not None else None
        if origin is None or members is None:
            self._remove_file(key)  # a message with its own file only
        else:
            if any(member != key for member in members) or not self._finished(origin):
                mark = json.dumps({"deleted": True, "segment": origin}).encode()
                self._persist(key, mark, what=f"the deletion of {key}", durable=False)
                members.discard(key)
                self._dead[key] = origin
            else:
                members.discard(key)
                self._drop_batch(origin)
                self._remove_file(key)
        self._forget(key)

    def _finished(self, file_name: str) -> bool:
        """Whether nothing is appended to this batch or segment any more (under the lock):
        only then may it go once nothing in it is live."""
        return file_name != self._segment_name and file_name not in self._foreign

    def _drop_batch(self, batch: str) -> None:
        """Remove a batch none of whose messages is live, then its marks (under the lock)."""
        self._remove_file(batch)
        try:
            _fsync_directory(self.directory)  # the batch is gone for good before its marks go
        except OSError as exc:
            raise StorageError(f"queue {self.name!r}: cannot sync its directory: {exc}") from exc
        self._members.pop(batch, None)
        for mark, owner in list(self._dead.items()):
            if owner == batch:
                self._remove_file(mark)
                del self._dead[mark]

    def _flush(self, items: list[_Put]) -> list[StoredMessage]:
        """Append one group commit's messages to the open segment (on a writer thread).

        The record is written and flushed outside the lock, so leases go on meanwhile; the
        messages join the index only once their record is durable. A new segment is begun
        when there is none (or it broke, or grew past :data:`SEGMENT_BYTES`, or is spare):
        created under a temporary name, locked and renamed, its directory entry synced.
        """
        with self._append:
            with self._lock:
                self._sync()
                messages = self._stamp(items)
                keys = [self._name(message) for message in messages]
                writer, current = self._segment, self._segment_name
                spare = writer is not None and writer.size >= SEGMENT_SPARE and not any(
                    self._members.get(current or "", ()))
                fresh = (writer is None or writer.broken or writer.size >= SEGMENT_BYTES
                         or spare)
                segment = keys[0][: -len(_MESSAGE)] + _SEGMENT if fresh else current
                assert segment is not None
                if fresh:
                    if not self._writing:
                        self._fresh = True  # just synced: the index holds the whole directory
                    self._writing.add(segment)  # _sync leaves it to us
            record = encode_record({"messages": [m.to_json() for m in messages]})
            created: SegmentWriter | None = None
            try:
                if fresh:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    created = SegmentWriter(self.directory / segment)
                    created.append(record)
                    _fsync_directory(self.directory)
                else:
                    assert writer is not None
                    writer.append(record)
            except OSError as exc:
                if created is not None:  # a segment whose first record is not acknowledged
                    created.close()
                    with contextlib.suppress(OSError):
                        os.unlink(created.path)
                if fresh:
                    with self._lock:
                        self._written(segment)
                if isinstance(exc, StorageError):
                    raise
                raise StorageError(
                    f"queue {self.name!r}: cannot write {len(messages)} message(s): {exc}"
                ) from exc
            with self._lock:
                if created is not None:
                    self._segment, self._segment_name = created, segment
                    self._members.setdefault(segment, set())
                    self._written(segment)
                    if writer is not None:
                        writer.close()  # its lock goes: the segment is finished
                    if current is not None and not self._members.get(current, True):
                        self._drop_batch(current)
                self._index_put(segment, keys, messages)
        return messages

    def _stamp(self, items: list[_Put]) -> list[StoredMessage]:
        """The stored messages of a group commit (under the lock: stamped in order)."""
        now = _now()
        messages: list[StoredMessage] = []
        for item in items:
            self._sequence += 1
            messages.append(StoredMessage(
                id=str(uuid.uuid4()),
                body=item.body,
                insertion_time=now,
                expiration_time=now + item.ttl,
                next_visible_time=now + item.visibility_delay,
                sequence=self._sequence,
            ))
        return messages

    def _index_put(self, segment: str, keys: list[str], messages: list[StoredMessage]) -> None:
        """Index a durable group commit's messages (under the lock)."""
        in_order = not self._index or next(reversed(self._index)) < keys[0]
        members = self._members.setdefault(segment, set())
        for key, message in zip(keys, messages, strict=True):
            self._origin[key] = segment
            members.add(key)
            if key not in self._home:
                self._remember(key, message, home=segment)
        if not in_order:  # a message stamped earlier was indexed after this one
            self._index = dict(sorted(self._index.items()))

    def _written(self, batch: str) -> None:
        """A segment's creation ended (under the lock): after the last of a run of them
        the directory's changes were ours, so its mtime is taken as seen."""
        self._writing.discard(batch)
        if not self._writing:
            if self._fresh:
                self._seen, self._recent = self._mtime(), False  # our own changes
            self._fresh = False

    # the public API -----------------------------------------------------------------

    def submit(
        self,
        bodies: Sequence[bytes | str],
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> Future[list[StoredMessage]]:
        """Queue messages for the next group commit without waiting (never blocks on I/O).

        The future's result is the stored messages, set once they are durable; its
        exception a :class:`~azfunc.StorageError` if they could not be written. An event
        loop awaits it with ``asyncio.wrap_future``.
        """
        items = [_Put(b.encode("utf-8") if isinstance(b, str) else bytes(b),
                      visibility_delay, ttl) for b in bodies]
        return self._commit.submit(items)

    def submit_async(
        self,
        bodies: Sequence[bytes | str],
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> asyncio.Future[list[StoredMessage]]:
        """As :meth:`submit`, called on an event loop: a future of that loop, resolved with
        the rest of its group commit's futures in one loop callback.

        Raises:
            RuntimeError: if no event loop runs in this thread.
        """
        items = [_Put(b.encode("utf-8") if isinstance(b, str) else bytes(b),
                      visibility_delay, ttl) for b in bodies]
        return self._commit.submit_async(items)

    def put_many(
        self,
        bodies: Sequence[bytes | str],
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> list[StoredMessage]:
        """Add several messages in one group commit; returns once they are durable.

        Raises:
            StorageError: if the messages cannot be written (disk full, I/O error).
        """
        if not bodies:
            return []
        return self.submit(bodies, visibility_delay=visibility_delay, ttl=ttl).result()

    def put(
        self,
        body: bytes | str,
        *,
        visibility_delay: timedelta = timedelta(0),
        ttl: timedelta = DEFAULT_TTL,
    ) -> StoredMessage:
        """Add a message; it becomes visible after ``visibility_delay``; durable on return.

        Raises:
            StorageError: if the message cannot be written (disk full, I/O error).
        """
        return self.put_many([body], visibility_delay=visibility_delay, ttl=ttl)[0]

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
            for key, message in self._index.items():
                if message.expiration_time <= now:
                    expired.append(key)
                elif message.next_visible_time <= now:
                    found = (key, message)
                    break
            for key in expired:
                self._remove(key)
            if found is None:
                return None
            key, message = found
            leased = replace(
                message,
                dequeue_count=message.dequeue_count + 1,
                pop_receipt=secrets.token_urlsafe(12),
                next_visible_time=now + lease,
            )
            self._set_state(key, leased)
            return leased

    def _find(self, message_id: str, pop_receipt: str) -> tuple[str, StoredMessage]:
        self._sync()
        key = self._names.get(message_id)
        message = None if key is None else self._index.get(key)
        if key is None or message is None:
            raise LeaseLostError(f"message {message_id} is not in queue {self.name!r}")
        if message.pop_receipt != pop_receipt:
            raise LeaseLostError(
                f"message {message_id} in queue {self.name!r}: the pop receipt "
                "does not match (the lease was lost)"
            )
        return key, message

    def delete(self, message_id: str, pop_receipt: str) -> None:
        """Remove a leased message.

        Raises:
            LeaseLostError: if the message is gone or the pop receipt is stale.
            StorageError: if the file cannot be removed.
        """
        with self._lock:
            key, _ = self._find(message_id, pop_receipt)
            self._remove(key)

    def release(
        self, message_id: str, pop_receipt: str, *, delay: timedelta = timedelta(0)
    ) -> StoredMessage:
        """End a lease: the message becomes visible again after ``delay``.

        If the new state cannot be written the lease still ends in memory (and the error
        is raised): a full disk does not hide the message until its lease runs out.

        Raises:
            LeaseLostError: if the message is gone or the pop receipt is stale.
            StorageError: if the message cannot be written.
        """
        with self._lock:
            key, message = self._find(message_id, pop_receipt)
            updated = replace(
                message, next_visible_time=_now() + delay, pop_receipt=secrets.token_urlsafe(12)
            )
            try:
                self._set_state(key, updated)
            except StorageError:
                # the disk refused (full?): the index still ends the lease, so the message
                # is retried once space returns; on disk the old lease runs out by itself
                self._index[key] = updated
                raise
            return updated

    def recover(self) -> int:
        """Make every leased message visible now (after a restart); returns how many.

        Only the in-memory index changes (the next lease writes the message), so a host
        restarts on a full disk; the dequeue counts stay.

        Raises:
            StorageError: if the directory cannot be read.
        """
        now = _now()
        count = 0
        with self._lock:
            self._sync()
            for key, message in list(self._index.items()):
                if message.pop_receipt and message.next_visible_time > now:
                    self._index[key] = replace(message, next_visible_time=now, pop_receipt="")
                    count += 1
        return count

    def close(self) -> None:
        """Finish the segment this queue appends to (its lock goes with it; it is removed
        if nothing in it is live). A later put begins a new one.

        Raises:
            StorageError: if the finished segment cannot be removed.
        """
        with self._append, self._lock:
            writer, name = self._segment, self._segment_name
            self._segment = self._segment_name = None
            if writer is not None:
                writer.close()
            if name is not None and not self._members.get(name, True):
                self._drop_batch(name)

    def clear(self) -> None:
        """Remove every message.

        Raises:
            StorageError: if a file cannot be removed.
        """
        with self._lock:
            self._sync()
            for key in list(self._index):
                self._remove(key)


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
        """Give the directory up (idempotent); the queues' open segments are finished."""
        with self._lock:
            queues = list(self._queues.values())
        for queue in queues:
            try:
                queue.close()
            except StorageError as exc:  # the lock goes anyway; the next host removes it
                logger.warning("%s", exc)
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
        if not parts or any(part in {".", ".."} or part.startswith(TEMP_PREFIX)
                            for part in parts):
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
                    if file_name.startswith(TEMP_PREFIX):
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
