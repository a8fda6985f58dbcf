"""On-disk queues and blobs: leases, receipts, visibility, expiry, atomic files."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azfunc import ConfigurationError, LeaseLostError
from azfunc.host.expressions import BlobPattern, binding_data, resolve_expression
from azfunc.host.storage import LocalStorage, StoredMessage

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
