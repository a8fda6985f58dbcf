"""On-disk queues and blobs: leases, receipts, visibility, expiry, atomic files."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from azfunc import ConfigurationError, LeaseLostError
from azfunc.host.expressions import BlobPattern, binding_data, resolve_expression
from azfunc.host.group_commit import GroupCommit
from azfunc.host.storage import LocalQueue, LocalStorage, StoredMessage

LEASE = timedelta(minutes=5)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / ".azfunc")


def test_fifo_lease_delete(storage: LocalStorage) -> None:
    queue = storage.queue("Orders")
    assert queue.name == "orders"
    for body in ("one", "two", "three"):
        queue.put(body)
    first = queue.get(lease=LEASE)
    assert first is not None
    assert first.body == b"one"
    assert first.dequeue_count == 1
    assert first.pop_receipt
    assert first.expiration_time - first.insertion_time == timedelta(days=7)
    assert first.next_visible_time > first.insertion_time
    second = queue.get(lease=LEASE)
    assert second is not None
    assert second.body == b"two"
    queue.delete(first.id, first.pop_receipt)
    assert [m.body for m in queue.messages()] == [b"two", b"three"]


def test_release_makes_visible_again_with_count(storage: LocalStorage) -> None:
    queue = storage.queue("jobs")
    queue.put(b"\xff\x00binary")
    leased = queue.get(lease=LEASE)
    assert leased is not None
    assert leased.text is None
    assert queue.get(lease=LEASE) is None
    queue.release(leased.id, leased.pop_receipt)
    again = queue.get(lease=LEASE)
    assert again is not None
    assert again.id == leased.id
    assert again.dequeue_count == 2
    assert again.pop_receipt != leased.pop_receipt
    with pytest.raises(LeaseLostError, match="pop receipt"):
        queue.delete(leased.id, leased.pop_receipt)
    queue.delete(again.id, again.pop_receipt)
    with pytest.raises(LeaseLostError, match="is not in queue"):
        queue.delete(again.id, again.pop_receipt)


def test_release_with_delay_hides(storage: LocalStorage) -> None:
    queue = storage.queue("jobs")
    queue.put("x")
    leased = queue.get(lease=LEASE)
    assert leased is not None
    queue.release(leased.id, leased.pop_receipt, delay=timedelta(hours=1))
    assert queue.get(lease=LEASE) is None
    assert len(queue) == 1


def test_expired_messages_are_dropped(storage: LocalStorage) -> None:
    queue = storage.queue("ttl")
    queue.put("old", ttl=timedelta(seconds=-1))
    queue.put("new")
    got = queue.get(lease=LEASE)
    assert got is not None
    assert got.body == b"new"
    assert len(queue) == 1


def test_survives_a_new_storage_object_and_recover(tmp_path: Path) -> None:
    first = LocalStorage(tmp_path)
    first.queue("persist").put("a")
    first.queue("persist").put("b")
    leased = first.queue("persist").get(lease=LEASE)
    assert leased is not None
    second = LocalStorage(tmp_path)  # "after a restart"
    assert second.queue_names() == ["persist"]
    assert second.queue("persist").recover() == 1
    bodies = []
    while (message := second.queue("persist").get(lease=LEASE)) is not None:
        bodies.append(message.body)
        second.queue("persist").delete(message.id, message.pop_receipt)
    assert sorted(bodies) == [b"a", b"b"]
    assert not list(tmp_path.rglob(".tmp-*"))


def test_corrupt_message_files_are_set_aside(storage: LocalStorage) -> None:
    queue = storage.queue("corrupt")
    queue.put("good")
    queue.directory.joinpath("00000000000000000000-00000000-bad.json").write_text("{nope")
    got = queue.get(lease=LEASE)
    assert got is not None
    assert got.body == b"good"
    assert list(queue.directory.glob("*.corrupt"))


@pytest.mark.parametrize("name", ["ab", "UPPER--x", "-lead", "trail-", "a/b", "..", "x" * 64])
def test_bad_queue_names(storage: LocalStorage, name: str) -> None:
    with pytest.raises(ConfigurationError):
        storage.queue(name)


def test_blobs(storage: LocalStorage) -> None:
    storage.write_blob("Samples/dir/a.txt", "hello")
    assert storage.read_blob("samples/dir/a.txt") == b"hello"
    assert storage.read_blob("samples/missing") is None
    tag = storage.blob_etag("samples/dir/a.txt")
    storage.write_blob("samples/dir/a.txt", b"hello again")
    assert storage.blob_etag("samples/dir/a.txt") != tag
    assert storage.list_blobs("samples") == ["dir/a.txt"]
    for bad in ["../x", "samples/../../etc", "samples", "samples/", "UP_/x", "s/./x"]:
        with pytest.raises(ConfigurationError):
            storage.write_blob(bad, b"x")


def test_state_documents(storage: LocalStorage) -> None:
    assert storage.load_state("timer-x") == {}
    storage.save_state("timer-x", {"next": "2024"})
    assert storage.load_state("timer-x") == {"next": "2024"}


def test_binding_expressions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTAINER", "out")
    data = binding_data({"id": "7", "Obj": {"Inner": 3}}, body=b'{"name": "n", "id": "x"}')
    assert resolve_expression("%CONTAINER%/{id}-{name}-{obj.inner}", data) == "out/7-n-3"
    assert len(resolve_expression("c/{rand-guid}", {})) == 38
    assert resolve_expression("c/{datetime:yyyy}", {}).startswith("c/20")
    with pytest.raises(ConfigurationError, match="missing"):
        resolve_expression("c/{missing}", data)
    with pytest.raises(ConfigurationError):
        resolve_expression("%NOT_A_SETTING_XYZ%/x", data)


def test_blob_patterns() -> None:
    assert BlobPattern("in/{name}").match("in/a/b.txt") == {"name": "a/b.txt"}
    assert BlobPattern("in/{stem}.{ext}").match("IN/x.y.z") == {"stem": "x.y", "ext": "z"}
    assert BlobPattern("in/prefix-{n}").match("in/other") is None
    assert BlobPattern("in").match("in/anything") == {}
    with pytest.raises(ConfigurationError):
        BlobPattern("{c}/x")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(st.binary(max_size=64), min_size=1, max_size=6))
def test_queue_round_trip(tmp_path: Path, bodies: list[bytes]) -> None:
    queue = LocalStorage(tmp_path / f"s{len(list(tmp_path.iterdir()))}").queue("round-trip")
    for body in bodies:
        queue.put(body)
    got = []
    while (message := queue.get(lease=LEASE)) is not None:
        got.append(message.body)
        queue.delete(message.id, message.pop_receipt)
    assert got == bodies


@settings(max_examples=40, deadline=None)
@given(message=st.builds(
    StoredMessage, id=st.uuids().map(str), body=st.binary(max_size=32),
    dequeue_count=st.integers(0, 10),
))
def test_stored_message_json_round_trip(message: StoredMessage) -> None:
    assert StoredMessage.from_json(json.loads(json.dumps(message.to_json()))) == message


def test_expression_errors_keep_their_class() -> None:
    with pytest.raises(ConfigurationError, match="NOT_A_SETTING_H3") as info:
        resolve_expression("%NOT_A_SETTING_H3%/x", {})
    assert type(info.value) is ConfigurationError
    assert info.value.__cause__ is None  # raised as itself, not re-wrapped
    with pytest.raises(ConfigurationError, match=r"\{nosuch\}"):
        resolve_expression("c/{nosuch}", {"other": 1})


# group commit, batch files and deletion marks -------------------------------------------


def _files(queue_dir: Path) -> list[str]:
    return sorted(p.name for p in queue_dir.iterdir())


def test_put_many_is_one_segment_record_and_deletes_leave_nothing(
    storage: LocalStorage,
) -> None:
    queue = storage.queue("batched")
    stored = queue.put_many(["a", "b", "c"])
    assert [m.body for m in stored] == [b"a", b"b", b"c"]
    queue.put("d")  # appended to the same segment: no new file
    (segment,) = _files(queue.directory)
    assert segment.endswith(".log")
    assert queue.directory.joinpath(segment).read_bytes().rstrip(b"\0").count(b"\n") == 2
    first = queue.get(lease=LEASE)
    assert first is not None
    queue.delete(first.id, first.pop_receipt)
    # the segment still holds b, c and d: a's deletion is a mark beside it
    assert sorted(p.rsplit(".", 1)[1] for p in _files(queue.directory)) == ["json", "log"]
    reopened = LocalStorage(storage.root).queue("batched")
    assert [m.body for m in reopened.messages()] == [b"b", b"c", b"d"]
    while (message := queue.get(lease=LEASE)) is not None:
        queue.delete(message.id, message.pop_receipt)
    assert LocalStorage(storage.root).queue("batched").messages() == []
    storage.release()  # the open segment is finished: nothing in it is live, so it goes
    assert _files(queue.directory) == []
    assert queue.put_many([]) == []


def test_a_restart_keeps_leases_dequeue_counts_and_deletes(tmp_path: Path) -> None:
    first = LocalStorage(tmp_path).queue("restart")
    first.put_many(["a", "b", "c"])
    a = first.get(lease=LEASE)
    b = first.get(lease=LEASE)
    assert a is not None
    assert b is not None
    first.delete(a.id, a.pop_receipt)
    first.release(b.id, b.pop_receipt)
    second = LocalStorage(tmp_path).queue("restart")
    assert [(m.body, m.dequeue_count) for m in second.messages()] == [(b"b", 1), (b"c", 0)]
    with pytest.raises(LeaseLostError):
        second.delete(a.id, a.pop_receipt)


def test_an_empty_lease_file_falls_back_to_its_batch(tmp_path: Path) -> None:
    queue = LocalStorage(tmp_path).queue("power")
    queue.put_many(["a", "b"])
    leased = queue.get(lease=LEASE)
    assert leased is not None
    own = [p for p in queue.directory.iterdir() if p.suffix == ".json"]
    assert len(own) == 1
    own[0].write_bytes(b"")  # what a power loss can leave of a write without fsync
    again = LocalStorage(tmp_path).queue("power")
    assert [(m.body, m.dequeue_count) for m in again.messages()] == [(b"a", 0), (b"b", 0)]
    assert not list(queue.directory.glob("*.corrupt"))


def test_marks_of_a_removed_batch_are_cleaned(tmp_path: Path) -> None:
    queue = LocalStorage(tmp_path).queue("marks")
    queue.put_many(["a", "b"])
    leased = queue.get(lease=LEASE)
    assert leased is not None
    queue.delete(leased.id, leased.pop_receipt)
    queue.close()  # the segment is finished; b keeps it
    segment = next(queue.directory.glob("*.log"))
    segment.unlink()  # a crash after the segment went but before its marks did
    fresh = LocalStorage(tmp_path).queue("marks")
    assert fresh.messages() == []
    assert _files(queue.directory) == []


def test_group_commit_takes_everything_pending_in_one_flush() -> None:

    entered = threading.Event()
    go = threading.Event()
    batches: list[list[int]] = []

    def flush(items: list[int]) -> list[int]:
        batches.append(items)
        entered.set()
        go.wait(10)
        if 99 in items:
            raise OSError("refused")
        return [i * 10 for i in items]

    commit: GroupCommit[int, int] = GroupCommit(flush, name="t", writers=1)
    first = commit.submit([1])
    assert entered.wait(10)
    later = [commit.submit([i, i + 100]) for i in range(2, 6)]
    go.set()
    assert first.result(10) == [10]
    assert [f.result(10) for f in later] == [[i * 10, (i + 100) * 10] for i in range(2, 6)]
    assert batches == [[1], [2, 102, 3, 103, 4, 104, 5, 105]]
    failed = commit.submit([99])
    with pytest.raises(OSError, match="refused"):
        failed.result(10)
    assert commit.submit([7]).result(10) == [70]  # the next batch is tried afresh


def test_group_commit_writers_outlive_a_wake_up_for_work_another_took() -> None:
    """Writers end only after ``idle`` without work, never per batch (a thread per batch
    cost more CPU than the batch under HTTP load)."""
    ran: set[threading.Thread] = set()

    def flush(items: list[int]) -> list[int]:
        ran.add(threading.current_thread())
        return items

    commit: GroupCommit[int, int] = GroupCommit(flush, name="t", writers=2, idle=60.0)

    def producer(base: int) -> None:
        for i in range(200):
            assert commit.submit([base + i]).result(10) == [base + i]

    threads = [threading.Thread(target=producer, args=(n * 1000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(ran) <= 2


def test_concurrent_puts_do_not_rescan_the_directory(storage: LocalStorage,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Overlapping batch writes are the queue's own changes: the index is not rebuilt from
    the directory per batch (that cost grew with the queue's length)."""
    import azfunc.host.storage as storage_module

    monkeypatch.setattr(storage_module, "WRITERS", 3)  # batch writes that overlap
    queue = storage.queue("rescan")
    queue.put("first")
    scans: list[object] = []
    real_scandir = storage_module.os.scandir

    def counting_scandir(path: object) -> object:
        scans.append(path)
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(storage_module.os, "scandir", counting_scandir)

    def producer(tag: int) -> None:
        for i in range(30):
            queue.put(f"{tag}-{i}")

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(queue) == 241
    assert scans == []
    monkeypatch.undo()
    other = LocalStorage(storage.root).queue("rescan")
    assert len(other.messages()) == 241  # what was acknowledged is on disk


def test_concurrent_puts_are_all_stored_in_order_per_thread(storage: LocalStorage) -> None:
    queue = storage.queue("concurrent")

    def producer(tag: str) -> None:
        for i in range(25):
            queue.put(f"{tag}-{i:02d}")

    threads = [threading.Thread(target=producer, args=(f"t{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bodies = [m.body.decode() for m in LocalStorage(storage.root).queue("concurrent").messages()]
    assert len(bodies) == 200
    for n in range(8):
        mine = [b for b in bodies if b.startswith(f"t{n}-")]
        assert mine == sorted(mine)  # each producer's messages stay in its order


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["put", "put_many", "get", "delete",
                                               "release"]), st.integers(0, 5)),
                    max_size=25))
def test_the_disk_holds_what_the_index_holds(tmp_path: Path,
                                             ops: list[tuple[str, int]]) -> None:
    root = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    queue = LocalStorage(root).queue("model")
    leased: list[StoredMessage] = []
    counter = 0
    for op, n in ops:
        if op == "put":
            queue.put(f"m{counter}")
            counter += 1
        elif op == "put_many":
            queue.put_many([f"m{counter + i}" for i in range(n)])
            counter += n
        elif op == "get":
            got = queue.get(lease=LEASE)
            if got is not None:
                leased.append(got)
        elif leased:
            message = leased.pop(n % len(leased))
            if op == "delete":
                queue.delete(message.id, message.pop_receipt)
            else:
                queue.release(message.id, message.pop_receipt, delay=timedelta(hours=1))

    def state(q: LocalQueue) -> list[tuple[str, bytes, int, str]]:
        return [(m.id, m.body, m.dequeue_count, m.pop_receipt) for m in q.messages()]

    assert state(LocalStorage(root).queue("model")) == state(queue)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=100).map(str.encode),
       suffix=st.sampled_from([".json", ".batch"]))
@example(raw=b"{}", suffix=".batch")  # a JSON object without "messages" (was a KeyError)
@example(raw=b"[]", suffix=".json")
def test_any_file_in_a_queue_folder_is_read_or_set_aside(tmp_path: Path, raw: bytes,
                                                         suffix: str) -> None:
    root = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    queue = LocalStorage(root).queue("foreign")
    queue.put("good")
    queue.directory.joinpath(f"00000000000000000001-00000000-x{suffix}").write_bytes(raw)
    bodies = [m.body for m in LocalStorage(root).queue("foreign").messages()]
    assert b"good" in bodies
