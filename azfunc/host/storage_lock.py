"""One host per embedded store: an exclusive lock on ``<app>/.azfunc/host.lock``.

Rules this module keeps:

* :meth:`HostLock.acquire` takes an exclusive, non-blocking ``flock`` on the lock file and
  writes the holder's PID into it. The kernel drops the lock when the holder exits, however
  it exits (``kill -9`` included), so a stale lock file never blocks a restart; the PID is
  only there for the message.
* Without ``fcntl`` (Windows) the PID in the file decides: a file naming a live process
  other than this one refuses; a dead one is stale and taken over.
* A second host is refused with :class:`~azfunc.StorageError` naming the holder's PID, the
  directory and the way out (stop it, or share an Azure Storage account / Azurite).
* Once the lock is held nothing else writes the directory, so temporary files a killed host
  left behind are removed: ``.tmp-*.part`` (:data:`TEMP_PREFIX`, :data:`TEMP_SUFFIX`) is
  the only kind the store creates (:func:`~azfunc.host.storage.atomic_write` writes every
  blob, state file, lease and deletion mark through one; a queue segment is created as
  one and renamed once locked), anywhere under the store. They go before the PID is
  written, so a full disk gets their space back first.
* A full disk never blocks a restart: the PID is best effort (the ``flock`` is the lock).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

from .._errors import StorageError

if sys.platform != "win32":
    import fcntl

__all__ = ["TEMP_PREFIX", "TEMP_SUFFIX", "HostLock", "remove_temp_files"]

logger = logging.getLogger("azfunc.host")
LOCK_NAME = "host.lock"
#: How every temporary file of the store is named (``.tmp-<random>.part``): the one kind
#: :func:`~azfunc.host.storage.atomic_write` creates, for blobs, state and queue files.
TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OSError:
        return False
    return True


def _read_pid(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def remove_temp_files(root: Path) -> int:
    """Delete the ``.tmp-*.part`` files under ``root``; how many were removed."""
    removed = 0
    if not root.is_dir():
        return 0
    for path in root.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


class HostLock:
    """The exclusive claim of one storage directory by one host process."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def _refuse(self, pid: int | None) -> StorageError:
        holder = f"PID {pid}" if pid is not None else "another process"
        return StorageError(
            f"another local host ({holder}) is using the embedded store {self.root}: it "
            "serves one host at a time. Stop that host, or set AzureWebJobsStorage to an "
            "Azure Storage account or Azurite (UseDevelopmentStorage=true) to share queues "
            "between hosts"
        )

    def acquire(self) -> None:
        """Take the lock and clean up a killed host's temporary files (blocking I/O).

        Raises:
            StorageError: if another live host holds it, or the directory cannot be written.
        """
        if self._fd is not None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot create the host lock {self.path}: {exc}") from exc
        try:
            if sys.platform == "win32":  # pragma: no cover - no flock there
                pid = _read_pid(fd)
                if pid is not None and pid != os.getpid() and _pid_alive(pid):
                    raise self._refuse(pid)
            else:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise self._refuse(_read_pid(fd)) from None
        except StorageError:
            os.close(fd)
            raise
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"cannot take the host lock {self.path}: {exc}") from exc
        self._fd = fd
        removed = remove_temp_files(self.root)  # first: it frees space a full disk needs
        self._write_pid(fd)
        if removed:
            logger.info("removed %d temporary file(s) a stopped host left in %s",
                        removed, self.root)

    def _write_pid(self, fd: int) -> None:
        """Record this host's PID for a refused second host's message (best effort).

        With ``flock`` the lock, not the PID, decides, so a disk too full for these bytes
        does not block a restart: the file then names no PID and a warning says why.
        """
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError as exc:
            if sys.platform == "win32":  # pragma: no cover - there the PID is the lock
                self.release()
                raise StorageError(f"cannot write the host lock {self.path}: {exc}") from exc
            logger.warning("cannot write the PID into %s (%s); the host holds the lock anyway",
                           self.path, exc)

    def release(self) -> None:
        """Give the lock up (idempotent); the file stays, empty."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
