"""One host per embedded store: a second is refused, a killed one's lock and temp files go."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from azfunc import StorageError
from azfunc.host.local import LocalHost
from azfunc.host.storage import LocalStorage
from azfunc.host.storage_lock import HostLock

from .conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pathlib import Path; from azfunc.host.storage_lock import HostLock\n"
    "HostLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)\n"
)


def test_a_second_claim_is_refused_until_the_first_releases(tmp_path: Path) -> None:
    first, second = HostLock(tmp_path), HostLock(tmp_path)
    first.acquire()
    with pytest.raises(StorageError, match=f"PID {os.getpid()}") as caught:
        second.acquire()
    assert "one host at a time" in str(caught.value)
    assert isinstance(caught.value, OSError)
    first.release()
    second.acquire()
    assert second.held
    second.release()


def test_a_killed_holder_leaves_no_lock_and_its_temp_files_are_removed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(StorageError, match=f"PID {proc.pid}"):
            HostLock(tmp_path).acquire()
        left = tmp_path / "queues" / "orders" / ".tmp-abc.part"
        left.parent.mkdir(parents=True)
        left.write_bytes(b"half a mess")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    lock = HostLock(tmp_path)
    lock.acquire()  # the lock file is still there, naming a dead PID: stale, taken over
    assert (tmp_path / "host.lock").read_text().strip() == str(os.getpid())
    assert not left.exists()
    lock.release()


def test_a_second_local_host_on_one_app_folder_is_refused(app_dir: Path) -> None:
    first, second = LocalHost(app_dir, poll_interval=0.05), LocalHost(app_dir)

    async def both() -> None:
        await first.startup()
        try:
            with pytest.raises(StorageError, match="another local host"):
                await second.startup()
        finally:
            await first.shutdown()
        await second.startup()  # free again once the first stopped
        await second.shutdown()

    asyncio.run(both())


def test_readers_do_not_need_the_claim(tmp_path: Path) -> None:
    holder = LocalStorage(tmp_path)
    holder.claim()
    try:
        reader = LocalStorage(tmp_path)  # a test or tool looking at the store
        reader.queue("orders").put("hello")
        assert wait_for(lambda: len(holder.queue("orders")) == 1)
    finally:
        holder.release()


#: A host killed (SIGKILL) in the middle of each kind of write the store makes: blobs and
#: state at the ``fsync`` of their temporary file (before the rename), a queue put half way
#: through the append of its segment record.
KILLED_MID_WRITE = (
    "import os, signal, sys; from datetime import timedelta; from pathlib import Path\n"
    "from azfunc.host.storage import LocalStorage\n"
    "s = LocalStorage(Path(sys.argv[1])); s.claim(); q = s.queue('orders')\n"
    "q.put_many(['a', 'b']); leased = q.get(lease=timedelta(minutes=5))\n"
    "write = os.write\n"
    "def half(fd, data):\n"
    "    write(fd, bytes(data)[: len(data) // 2]); os.kill(os.getpid(), signal.SIGKILL)\n"
    "{hook}\n"
    "{write}\n"
)
AT_FSYNC = "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)"


@pytest.mark.parametrize(("hook", "write"), [
    ("os.write = half", "q.put('x')"),  # a queue put
    (AT_FSYNC, "s.write_blob('c1/a.txt', b'x')"),  # a blob
    (AT_FSYNC, "s.save_state('receipts', {'a': 1})"),  # a state document
])
def test_a_kill_in_the_middle_of_any_write_leaves_nothing_a_restart_keeps(
    tmp_path: Path, hook: str, write: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WRITE.format(hook=hook, write=write), str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    if write.startswith("q."):
        (segment,) = tmp_path.rglob("*.log")
        assert not segment.read_bytes().rstrip(b"\0").endswith(b"\n"), "the kill came late"
    else:
        assert list(tmp_path.rglob(".tmp-*.part")), "the kill came after the write"
    storage = LocalStorage(tmp_path)
    storage.claim()
    try:
        assert not list(tmp_path.rglob(".tmp-*"))
        queue = storage.queue("orders")
        assert queue.recover() == 1  # the lease taken before the kill
        assert [m.body for m in queue.messages()] == [b"a", b"b"]
        assert storage.read_blob("c1/a.txt") is None
        assert storage.load_state("receipts") == {}
        queue.put("after")  # a new segment: the killed one's torn tail is never appended to
        assert [m.body for m in LocalStorage(tmp_path).queue("orders").messages()] == [
            b"a", b"b", b"after"]
    finally:
        storage.release()
