"""A full disk under the embedded store: clear errors, clean failures, resume, restart.

The disk is made "full" at the OS boundary: ``os.write`` is wrapped so that a write to a
file under the store's directory fails with ``ENOSPC`` (the file is found through
``/proc/self/fd``), as a real full file system answers; every other write passes through.
(A small tmpfs needs root, and ``RLIMIT_FSIZE`` answers ``EFBIG``, not ``ENOSPC``.)
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from azfunc import StorageError
from azfunc.host.local import LocalHost
from azfunc.host.storage import LocalStorage

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(),
                                reason="finds a descriptor's file through /proc/self/fd")
LEASE = timedelta(minutes=5)


class FullDisk:
    """Switchable ENOSPC for writes under ``root``; counts the writes it refused."""

    def __init__(self, root: Path) -> None:
        self.root = str(root.resolve())
        self.full = False
        self.refused = 0


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FullDisk:
    state = FullDisk(tmp_path)
    write = os.write

    def refusing(fd: int, data: bytes) -> int:
        if state.full:
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                target = ""
            if target.startswith(state.root):
                state.refused += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write(fd, data)

    monkeypatch.setattr(os, "write", refusing)
    return state


def _temp_files(root: Path) -> list[Path]:
    return list(root.rglob(".tmp-*"))


def test_a_put_on_a_full_disk_is_a_storage_error_and_stores_nothing(
    tmp_path: Path, disk: FullDisk
) -> None:
    storage = LocalStorage(tmp_path / "store")
    queue = storage.queue("orders")
    queue.put("before")
    disk.full = True
    with pytest.raises(StorageError, match="No space left") as info:
        queue.put("during")
    assert isinstance(info.value, OSError)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENOSPC
    with pytest.raises(StorageError, match="No space left"):
        queue.put_many(["a", "b"])
    with pytest.raises(StorageError, match="No space left"):
        storage.write_blob("c1/x.txt", b"x")
    assert disk.refused >= 3
    assert [m.body for m in queue.messages()] == [b"before"]
    assert not _temp_files(tmp_path)
    # a fresh reader sees the same: nothing half written was left behind
    assert [m.body for m in LocalStorage(tmp_path / "store").queue("orders").messages()] == [
        b"before"
    ]
    disk.full = False  # space returns: the next put works
    queue.put("after")
    assert [m.body for m in queue.messages()] == [b"before", b"after"]


def test_a_lease_on_a_full_disk_fails_and_leaves_the_message_visible(
    tmp_path: Path, disk: FullDisk
) -> None:
    queue = LocalStorage(tmp_path).queue("jobs")
    queue.put("one")
    disk.full = True
    with pytest.raises(StorageError, match="No space left"):
        queue.get(lease=LEASE)
    disk.full = False
    got = queue.get(lease=LEASE)
    assert got is not None
    assert got.dequeue_count == 1  # the refused lease did not count


def test_a_release_on_a_full_disk_still_ends_the_lease_in_memory(
    tmp_path: Path, disk: FullDisk
) -> None:
    queue = LocalStorage(tmp_path).queue("jobs")
    queue.put("one")
    queue.put("two")  # so the delete below writes a mark, not only removes files
    leased = queue.get(lease=LEASE)
    assert leased is not None
    disk.full = True
    with pytest.raises(StorageError, match="No space left"):
        queue.release(leased.id, leased.pop_receipt)
    disk.full = False
    again = queue.get(lease=LEASE)
    assert again is not None
    assert again.id == leased.id  # visible again at once, not after the 5 minute lease
    assert again.dequeue_count == 2


def test_a_restart_on_a_full_disk_is_not_blocked(tmp_path: Path, disk: FullDisk,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    first = LocalStorage(tmp_path)
    first.claim()
    queue = first.queue("orders")
    queue.put("a")
    assert queue.get(lease=LEASE) is not None
    (tmp_path / "queues" / "orders" / ".tmp-killed.part").write_bytes(b"x" * 100)
    first.release()  # "the host died"
    disk.full = True
    second = LocalStorage(tmp_path)
    with caplog.at_level(logging.WARNING, logger="azfunc.host"):
        second.claim()  # the PID cannot be written: a warning, not a refusal
    try:
        assert "cannot write the PID" in caplog.text
        assert not _temp_files(tmp_path)  # the killed host's temporary file is gone
        assert second.queue("orders").recover() == 1  # in memory: needs no write
        with pytest.raises(StorageError):
            LocalStorage(tmp_path).claim()  # the lock holds although no PID is in it
        disk.full = False
        got = second.queue("orders").get(lease=LEASE)
        assert got is not None
        assert got.body == b"a"
        assert got.dequeue_count == 2
    finally:
        second.release()


def test_the_host_fails_queue_outputs_cleanly_and_its_trigger_resumes(
    app_dir: Path, disk: FullDisk, caplog: pytest.LogCaptureFixture
) -> None:
    disk.root = str((app_dir / ".azfunc").resolve())
    host = LocalHost(app_dir, poll_interval=0.02)
    host.storage.queue("orders").put('{"id": "queued", "note": "before"}')

    async def main() -> tuple[int, int]:
        disk.full = True
        await host.startup()  # claims and recovers on the full disk
        transport = httpx.ASGITransport(app=host)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://h") as client:
                failed = await client.post("/api/orders/full", content=b"x")
                # the trigger cannot lease while the disk is full: it keeps trying
                for _ in range(1000):
                    if disk.refused >= 3:
                        break
                    await asyncio.sleep(0.01)
                assert host.storage.read_blob("done/queued.json") is None
                disk.full = False
                accepted = await client.post("/api/orders/later", content=b"y")
                for _ in range(2000):
                    done = await asyncio.to_thread(host.storage.list_blobs, "done")
                    if len(done) == 2:
                        break
                    await asyncio.sleep(0.01)
        finally:
            await host.shutdown()
        return failed.status_code, accepted.status_code

    with caplog.at_level(logging.INFO, logger="azfunc.host"):
        assert asyncio.run(main()) == (500, 202)
    assert host.storage.list_blobs("done") == ["later.json", "queued.json"]
    assert host.storage.read_blob("done/full.json") is None  # the failed output wrote nothing
    assert not host.storage.queue("orders").messages()
    failures = [r for r in caplog.records if r.exc_info and "[order]" in r.getMessage()]
    assert failures
    assert isinstance(failures[0].exc_info[1], StorageError)  # type: ignore[index]


def test_a_record_the_disk_cut_short_is_cut_off_and_the_segment_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk that takes half a record: the half is truncated away, so the next
    record (once space returns) does not follow a partial one."""
    queue = LocalStorage(tmp_path).queue("half")
    queue.put("before")
    write = os.write
    calls: list[int] = []

    def half_then_full(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".log") and bytes(data).strip(b"\0"):
            calls.append(len(data))  # the record (the zeros ahead of it pass)
            if len(calls) == 1:
                return write(fd, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write(fd, data)

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(StorageError, match="No space left"):
        queue.put("during")
    assert len(calls) == 2
    monkeypatch.undo()
    queue.put("after")
    (segment,) = queue.directory.glob("*.log")
    # two whole records, nothing between them, zeros after
    assert segment.read_bytes().rstrip(b"\0").count(b"\n") == 2
    assert segment.read_bytes().rstrip(b"\0").endswith(b"\n")
    assert [m.body for m in LocalStorage(tmp_path).queue("half").messages()] == [
        b"before", b"after"]


def test_a_full_disk_when_a_segment_begins_leaves_no_file(tmp_path: Path,
                                                         disk: FullDisk) -> None:
    queue = LocalStorage(tmp_path).queue("fresh")
    disk.full = True
    with pytest.raises(StorageError, match="No space left"):
        queue.put("during")
    assert list(queue.directory.iterdir()) == []
    disk.full = False
    queue.put("after")
    assert [m.body for m in LocalStorage(tmp_path).queue("fresh").messages()] == [b"after"]
