"""Queue segments: appended group commits, torn tails after a kill, the old batch layout."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azfunc.host.group_commit import GroupCommit
from azfunc.host.queue_segment import SegmentWriter, encode_record, is_final, read_records
from azfunc.host.storage import LocalStorage

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
LEASE = timedelta(minutes=5)


def _drain(storage: LocalStorage, name: str) -> list[bytes]:
    queue = storage.queue(name)
    bodies = []
    while (message := queue.get(lease=LEASE)) is not None:
        bodies.append(message.body)
        queue.delete(message.id, message.pop_receipt)
    return bodies


def test_a_torn_or_garbled_tail_is_never_delivered(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.queue("torn").put_many(["a", "b"])
    storage.queue("torn").put("c")
    storage.release()
    (segment,) = tmp_path.rglob("*.log")
    whole = segment.read_bytes().rstrip(b"\0")  # the records, without the zeros ahead
    last = whole[: -1].rfind(b"\n") + 1  # where the record of "c" begins
    garbled = whole[:last] + whole[last:].replace(b'"body":"', b'"body":"Zm9v', 1)
    segment.write_bytes(garbled + encode_record({"messages": []})[:7])  # and a torn one
    assert _drain(LocalStorage(tmp_path), "torn") == [b"a", b"b"]
    assert not segment.exists()  # finished and nothing live: removed, torn tail and all
    LocalStorage(tmp_path).queue("torn").put("d")
    assert _drain(LocalStorage(tmp_path), "torn") == [b"d"]


WRITER = (
    "import sys, threading; from pathlib import Path\n"
    "from azfunc.host.storage import LocalStorage\n"
    "s = LocalStorage(Path(sys.argv[1])); s.claim(); q = s.queue('killed')\n"
    "lock = threading.Lock()\n"
    "def put(t):\n"
    "    for i in range(100000):\n"
    "        body = f'{t}-{i}-' + 'x' * (i % 300)\n"
    "        q.put(body)\n"
    "        with lock:\n"
    "            print(body, flush=True)\n"
    "for t in range(8):\n"
    "    threading.Thread(target=put, args=(t,)).start()\n"
)


def test_kill_9_of_a_busy_writer_loses_nothing_acknowledged(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    acknowledged = []
    try:
        for line in proc.stdout:
            acknowledged.append(line.decode().strip())
            if len(acknowledged) >= 600:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    assert len(acknowledged) >= 600
    storage = LocalStorage(tmp_path)
    storage.claim()  # the killed writer's temporary files go; its segment is final now
    try:
        stored = [m.body.decode() for m in storage.queue("killed").messages()]
        assert set(acknowledged) <= set(stored)  # nothing acknowledged is lost
        for body in stored:  # and nothing half-written is delivered
            thread, index, pad = body.split("-")
            assert pad == "x" * (int(index) % 300), body
            assert 0 <= int(thread) < 8
        assert len(stored) == len(set(stored))
        assert not list(tmp_path.rglob(".tmp-*"))
        storage.queue("killed").put("after")
        assert _drain(storage, "killed")[-1] == b"after"
    finally:
        storage.release()
    assert not list((tmp_path / "queues" / "killed").iterdir())  # all finished, all gone


def test_a_store_in_the_batch_file_layout_is_read_and_emptied(tmp_path: Path) -> None:
    """A ``.azfunc`` folder written before segments (batch files, a lease, a deletion mark)
    survives the upgrade: its messages, lease and dequeue count are read as they were."""
    shutil.copytree(FIXTURES / "store_v1", tmp_path / "store")
    storage = LocalStorage(tmp_path / "store")
    queue = storage.queue("legacy")
    assert [(m.body, m.dequeue_count) for m in queue.messages()] == [
        (b"b", 1), (b"c", 0), (b"d", 0)]
    assert queue.recover() == 1  # b's lease, taken before the upgrade
    queue.put("e")  # new puts go to a segment beside the batch files
    assert sorted(p.suffix for p in queue.directory.iterdir()) == [
        ".batch", ".batch", ".json", ".json", ".log"]
    leased = queue.get(lease=LEASE)
    assert leased is not None
    assert (leased.body, leased.dequeue_count) == (b"b", 2)
    queue.release(leased.id, leased.pop_receipt)
    assert _drain(storage, "legacy") == [b"b", b"c", b"d", b"e"]
    storage.release()
    assert list(queue.directory.iterdir()) == []


def test_a_reader_sees_what_another_writer_appends(tmp_path: Path) -> None:
    writer, reader = LocalStorage(tmp_path), LocalStorage(tmp_path)
    writer.queue("shared").put("one")
    assert [m.body for m in reader.queue("shared").messages()] == [b"one"]
    writer.queue("shared").put("two")  # an append: the directory does not change
    assert [m.body for m in reader.queue("shared").messages()] == [b"one", b"two"]
    got = reader.queue("shared").get(lease=LEASE)
    assert got is not None
    reader.queue("shared").delete(got.id, got.pop_receipt)
    writer.release()  # finished now: the reader may remove it once nothing is live
    writer.queue("shared").put("three")
    assert [m.body for m in reader.queue("shared").messages()] == [b"two", b"three"]


def test_segments_rotate_and_drained_ones_go(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import azfunc.host.storage as storage_module

    monkeypatch.setattr(storage_module, "SEGMENT_BYTES", 2048)
    monkeypatch.setattr(storage_module, "SEGMENT_SPARE", 1024)
    queue = LocalStorage(tmp_path).queue("rotate")
    for i in range(40):
        queue.put(f"m{i}-" + "x" * 100)
    segments = list(queue.directory.glob("*.log"))
    assert len(segments) > 2
    assert all(len(p.read_bytes().rstrip(b"\0")) < 2048 + 1024 for p in segments)
    assert len(_drain(LocalStorage(tmp_path), "rotate")) == 40
    for i in range(40):  # drained as filled: spare segments are replaced and removed
        queue.put(f"n{i}-" + "x" * 100)
        message = queue.get(lease=LEASE)
        assert message is not None
        queue.delete(message.id, message.pop_receipt)
    assert len(list(queue.directory.glob("*.log"))) <= 2
    assert len(list(queue.directory.glob("*.json"))) < 40


def test_a_segment_is_final_only_once_its_writer_closed(tmp_path: Path) -> None:
    writer = SegmentWriter(tmp_path / "a.log")
    assert not is_final(tmp_path / "a.log")
    writer.close()
    assert is_final(tmp_path / "a.log")
    with pytest.raises(FileExistsError):
        SegmentWriter(tmp_path / "a.log")
    assert [p.name for p in tmp_path.iterdir()] == ["a.log"]


documents = st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=20) | st.integers(),
                                     max_size=3), max_size=6)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=documents, cut=st.integers(0, 10_000))
def test_records_round_trip_and_a_cut_tail_loses_only_the_cut_record(
    tmp_path: Path, docs: list[dict[str, object]], cut: int
) -> None:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.log"
    data = b"".join(encode_record(doc) for doc in docs)
    path.write_bytes(data)
    assert read_records(path).documents == docs
    path.write_bytes(data[: min(cut, len(data))])
    found = read_records(path)
    assert found.documents == docs[: len(found.documents)]  # a prefix, nothing partial
    assert found.corrupt == 0
    assert read_records(path, found.offset).documents == []


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_any_bytes_in_a_segment_are_read_or_skipped(tmp_path: Path, raw: bytes) -> None:
    root = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    queue = LocalStorage(root).queue("foreign")
    queue.put("good")
    queue.directory.joinpath("00000000000000000001-00000000-x.log").write_bytes(raw)
    assert b"good" in [m.body for m in LocalStorage(root).queue("foreign").messages()]


def test_a_batch_of_loop_submissions_wakes_the_loop_once() -> None:
    """Every future of one group commit is resolved from one loop callback (a self-pipe
    write per future cost a wake-up per message)."""
    go = threading.Event()

    def flush(items: list[int]) -> list[int]:
        go.wait(10)
        return [i * 2 for i in items]

    commit: GroupCommit[int, int] = GroupCommit(flush, name="t")

    async def main() -> tuple[list[list[int]], int]:
        loop = asyncio.get_running_loop()
        calls = 0
        real = loop.call_soon_threadsafe

        def counting(*args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign,assignment]
        first = commit.submit_async([0])
        await asyncio.sleep(0.05)  # the writer holds the first batch
        rest = [commit.submit_async([i]) for i in range(1, 9)]
        go.set()
        results = [await first] + [await f for f in rest]
        return results, calls

    results, calls = asyncio.run(main())
    assert results == [[i * 2] for i in range(9)]
    assert calls == 2  # the first batch, then the eight that waited for it


def test_a_cancelled_loop_submission_is_not_written() -> None:
    seen: list[list[int]] = []
    gate = threading.Event()

    def flush(items: list[int]) -> list[int]:
        seen.append(items)
        gate.wait(10)
        return items

    commit: GroupCommit[int, int] = GroupCommit(flush, name="t")

    async def main() -> list[int]:
        first = commit.submit_async([1])
        await asyncio.sleep(0.05)
        dropped = commit.submit_async([2])
        dropped.cancel()
        kept = commit.submit_async([3])
        gate.set()
        await first
        return await kept

    assert asyncio.run(main()) == [3]
    assert seen == [[1], [3]]
