"""The local host never blocks its loop, and every host-side failure reaches the log.

Structural checks, no clocks: storage work is recorded with the thread it runs on, a
storage call held on an event proves the loop still serves other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from azfunc import ConfigurationError, StorageError
from azfunc.host import storage as storage_module
from azfunc.host.local import LocalHost
from azfunc.host.storage import LocalQueue, LocalStorage
from azfunc.host.triggers import BlobWatcher


@asynccontextmanager
async def running(host: LocalHost) -> AsyncIterator[httpx.AsyncClient]:
    """The host started (triggers too) and an HTTP client that calls it in-process."""
    await host.startup()
    transport = httpx.ASGITransport(app=host)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            yield client
    finally:
        await host.shutdown()


async def until(check: Callable[[], Any], *, attempts: int = 1000) -> Any:
    """Yield to the loop (sleeping 10 ms per attempt) until ``check`` is truthy.

    ``check`` runs on a helper thread: it may read the storage without touching the loop.
    """
    for _ in range(attempts):
        value = await asyncio.to_thread(check)
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError("the condition was never met")


def test_storage_work_runs_off_the_loop_thread(app_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    write = storage_module.atomic_write

    def recording(path: Path, data: bytes, *, durable: bool = True) -> None:
        threads.append(threading.get_ident())
        write(path, data, durable=durable)

    monkeypatch.setattr(storage_module, "atomic_write", recording)
    sync = LocalQueue._sync

    def recording_sync(self: LocalQueue) -> None:
        threads.append(threading.get_ident())
        sync(self)

    monkeypatch.setattr(LocalQueue, "_sync", recording_sync)
    host = LocalHost(app_dir, poll_interval=0.02)

    async def main() -> int:
        async with running(host) as client:
            # HTTP -> queue output -> queue trigger -> blob output -> blob trigger -> queue
            response = await client.post("/api/orders/off", content=b"n")
            assert response.status_code == 202
            await until(lambda: host.storage.queue("notes").messages())
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert threads, "no storage work was recorded"
    assert loop_thread not in threads


def test_the_loop_serves_requests_while_a_queue_write_blocks(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = threading.Event()
    release = threading.Event()
    released: list[bool] = []
    flush = LocalQueue._flush  # where a queue output's batch is written

    def held_flush(self: LocalQueue, items: list[Any]) -> Any:
        if self.name == "orders":
            entered.set()
            # True only if the test released it: on the loop thread the loop would be
            # stuck here and the other request could not be served
            released.append(release.wait(10))
        return flush(self, items)

    monkeypatch.setattr(LocalQueue, "_flush", held_flush)
    host = LocalHost(app_dir, poll_interval=0.02)

    async def main() -> tuple[int, int]:
        async with running(host) as client:
            order = asyncio.ensure_future(client.post("/api/orders/held", content=b"x"))
            await asyncio.to_thread(entered.wait, 10)
            other = await client.get("/api/hello/World")  # served while the put is held
            release.set()
            return other.status_code, (await order).status_code

    assert asyncio.run(main()) == (200, 202)
    assert released == [True]


def test_a_failed_output_binding_is_a_failed_invocation(
    app_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    host = LocalHost(app_dir)

    async def main() -> httpx.Response:
        async with running(host) as client:
            return await client.get("/api/bad-output")

    with caplog.at_level(logging.DEBUG, logger="azfunc.host"):
        response = asyncio.run(main())
    assert response.status_code == 500
    body = response.json()
    assert body["function"] == "bad_output"
    assert body["invocationId"]
    assert "ConfigurationError" not in response.text
    mine = [r for r in caplog.records if "[bad_output]" in r.getMessage()]
    assert not [r for r in mine if "succeeded" in r.getMessage()]
    failed = [r for r in mine if "failed" in r.getMessage()]
    assert failed
    assert failed[0].exc_info is not None
    assert body["invocationId"] in failed[0].getMessage()
    assert isinstance(failed[0].exc_info[1], ConfigurationError)


def test_a_failed_input_binding_of_a_blob_trigger_is_logged(
    app_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    host = LocalHost(app_dir, poll_interval=0.02)
    host.storage.write_blob("broken/x.txt", b"x")

    def logged() -> list[logging.LogRecord]:
        return [r for r in caplog.records
                if "[broken_input] the input bindings could not be read" in r.getMessage()]

    async def main() -> None:
        async with running(host):
            await until(logged)

    with caplog.at_level(logging.ERROR, logger="azfunc.host"):
        asyncio.run(main())
    record = logged()[0]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ConfigurationError)
    receipts = host.storage.load_state("blobreceipts-broken_input")
    assert receipts["broken/x.txt"]["failures"] >= 1


def test_a_blob_scan_saves_its_receipts_once(app_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    host = LocalHost(app_dir)
    for i in range(5):
        host.storage.write_blob(f"done/b{i}.json", b"{}")
    saved: list[str] = []
    save = LocalStorage.save_state

    def counting(self: LocalStorage, name: str, data: dict[str, Any]) -> None:
        saved.append(name)
        save(self, name, data)

    monkeypatch.setattr(LocalStorage, "save_state", counting)
    info = host.app.functions["on_done"]
    assert info.trigger is not None

    async def main() -> int:
        watcher = BlobWatcher(info, info.trigger, runtime=host.runtime,
                              bindings=host.bindings, options=host.options,
                              wake=asyncio.Event())
        try:
            return await watcher.scan()
        finally:
            await host.runtime.aclose()

    assert asyncio.run(main()) == 5
    assert saved == ["blobreceipts-on_done"]
    assert len(host.storage.queue("notes")) == 5


def test_get_reads_no_file_however_many_messages_are_leased(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = LocalStorage(tmp_path).queue("busy")
    for i in range(30):
        queue.put(f"m{i}")
    lease = timedelta(minutes=5)
    leased = [queue.get(lease=lease) for _ in range(30)]
    assert all(m is not None for m in leased)
    other = LocalStorage(tmp_path).queue("busy")
    assert len(other) == 30  # its index is built now, so its put below reads nothing
    reads: list[Path] = []
    read = LocalQueue._read

    def counting(self: LocalQueue, path: Path) -> Any:
        if self is queue:
            reads.append(path)
        return read(self, path)

    monkeypatch.setattr(LocalQueue, "_read", counting)
    real_records = storage_module.read_records

    def counting_records(path: Path, offset: int = 0) -> Any:
        reads.append(path)
        return real_records(path, offset)

    monkeypatch.setattr(storage_module, "read_records", counting_records)
    assert queue.get(lease=lease) is None
    assert reads == []
    # a message another storage object adds is found (only its segment is read)
    other.put("late")
    got = queue.get(lease=lease)
    assert got is not None
    assert got.body == b"late"
    assert len(reads) == 1


def test_disk_failures_are_storage_errors_with_the_os_error_as_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path)
    queue = storage.queue("full")

    def full(path: Path, data: bytes, *, durable: bool = True) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_module, "atomic_write", full)
    def no_segment(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_module, "SegmentWriter", no_segment)  # a put's new segment
    for attempt in (lambda: queue.put("x"), lambda: storage.write_blob("c1/x", b"x"),
                    lambda: storage.save_state("s", {})):
        with pytest.raises(StorageError, match="No space left") as info:
            attempt()
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.__cause__.errno == errno.ENOSPC
    assert len(queue) == 0
