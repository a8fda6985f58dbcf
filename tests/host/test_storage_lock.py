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
