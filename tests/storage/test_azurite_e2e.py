"""The local host against a real Azurite: every binding names an account connection.

The tests put messages and blobs in with Microsoft's SDKs from outside, and read what the
app wrote the same way, so what they check is what another service would see.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient, TextBase64EncodePolicy

from azfunc.host.local import LocalHost

from ..host.conftest import serving, wait_for
from .conftest import ROOT, Azurite

HERE = Path(__file__).resolve().parent


def _clean(connection: str) -> None:
    queues = QueueServiceClient.from_connection_string(connection)
    for queue in queues.list_queues():
        queues.delete_queue(queue.name)
    blobs = BlobServiceClient.from_connection_string(connection)
    for container in blobs.list_containers():
        blobs.delete_container(container.name)


@pytest.fixture
def app_dir(tmp_path: Path, azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Azurite app in a fresh folder, ``Store`` naming the (emptied) Azurite."""
    _clean(azurite.connection_string)
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(HERE / "azurite_app.py", root / "function_app.py")
    write_host_json(root)
    monkeypatch.setenv("Store", azurite.connection_string)
    monkeypatch.setenv("AZFUNC_TEST_MARKS", str(tmp_path))
    return root


def write_host_json(root: Path, **queues: Any) -> None:
    settings = {"maxPollingInterval": "00:00:00.200", "maxDequeueCount": 3, **queues}
    (root / "host.json").write_text(json.dumps(
        {"version": "2.0", "extensions": {"queues": settings}}
    ))


def queue_texts(connection: str, name: str) -> list[str]:
    """The raw texts of the messages in ``name`` (peeked: they stay)."""
    client = QueueServiceClient.from_connection_string(connection).get_queue_client(name)
    try:
        return [m.content for m in client.peek_messages(max_messages=32)]
    except Exception:  # the queue does not exist yet
        return []


def blob_names(connection: str, container: str) -> list[str]:
    client = BlobServiceClient.from_connection_string(connection).get_container_client(container)
    if not client.exists():
        return []
    return sorted(b.name for b in client.list_blobs())


def read_blob(connection: str, path: str) -> bytes:
    container, _, name = path.partition("/")
    blobs = BlobServiceClient.from_connection_string(connection)
    return blobs.get_blob_client(container, name).download_blob().readall()


def sdk_queue(connection: str, name: str, *, base64_text: bool = True) -> Any:
    """A sync queue client as another service would use it (base64 text by default)."""
    client = QueueServiceClient.from_connection_string(connection).get_queue_client(
        name, message_encode_policy=TextBase64EncodePolicy() if base64_text else None,
    )
    try:
        client.create_queue()
    except Exception:  # already there
        client.get_queue_properties()
    return client


def test_http_queue_blob_chain_through_azurite(app_dir: Path, azurite: Azurite) -> None:
    conn = azurite.connection_string
    with serving(LocalHost(app_dir)) as url, httpx.Client(base_url=url, timeout=20) as client:
        assert client.post("/api/orders/7", content=b"first").status_code == 202
        wait_for(lambda: "7.json" in blob_names(conn, "done"), timeout=30)
        done = json.loads(read_blob(conn, "done/7.json"))
        assert (done["id"], done["note"], done["dequeue_count"]) == ("7", "first", 1)
        # the blob trigger fired and its queue output is the queue extension's base64
        notes = wait_for(lambda: queue_texts(conn, "notes"), timeout=30)
        assert json.loads(base64.b64decode(notes[0])) == {
            "blob": "done/7.json", "size": len(read_blob(conn, "done/7.json")),
        }
        # the blob input reads the account too
        answer = client.get("/api/done/7")
        assert answer.status_code == 200
        assert answer.json()["id"] == "7"
        assert client.get("/api/done/nothing").status_code == 404
        # the blob trigger's table output, read back by table inputs (one entity, a query)
        row = wait_for(lambda: client.get("/api/rows/7.json").status_code == 200 and
                       client.get("/api/rows/7.json").json(), timeout=30)
        assert (row["PartitionKey"], row["RowKey"], row["Blob"]) == ("done", "7.json",
                                                                      "done/7.json")
        assert row["Size"] == len(read_blob(conn, "done/7.json"))
        assert [r["RowKey"] for r in client.get("/api/rows").json()] == ["7.json"]
        assert client.get("/api/rows/none.json").status_code == 404
    assert queue_texts(conn, "orders") == []  # processed and deleted
    receipts = blob_names(conn, "azure-webjobs-hosts")
    assert [r for r in receipts if r.startswith("blobreceipts/app/on_done/")
            and r.endswith("/done/7.json")]


def test_a_message_put_with_the_sdk_triggers_the_function(app_dir: Path,
                                                           azurite: Azurite) -> None:
    conn = azurite.connection_string
    sdk_queue(conn, "orders").send_message(json.dumps({"id": "sdk", "note": "from outside"}))
    with serving(LocalHost(app_dir)):
        wait_for(lambda: "sdk.json" in blob_names(conn, "done"), timeout=30)
    assert json.loads(read_blob(conn, "done/sdk.json"))["note"] == "from outside"


def test_binary_messages_round_trip_base64(app_dir: Path, azurite: Azurite) -> None:
    conn = azurite.connection_string
    payload = bytes(range(256))
    message = sdk_queue(conn, "raw", base64_text=False).send_message(
        base64.b64encode(payload).decode()
    )
    with serving(LocalHost(app_dir)):
        wait_for(lambda: blob_names(conn, "raw"), timeout=30)
    assert read_blob(conn, f"raw/{message.id}.bin") == payload


def test_poison_after_max_dequeue_count(app_dir: Path, azurite: Azurite) -> None:
    conn = azurite.connection_string
    text = base64.b64encode(b"doomed").decode()
    sdk_queue(conn, "flaky", base64_text=False).send_message(text)
    with serving(LocalHost(app_dir, visibility_timeout=0)):
        poisoned = wait_for(lambda: queue_texts(conn, "flaky-poison"), timeout=60)
    assert poisoned == [text]  # moved unchanged
    assert queue_texts(conn, "flaky") == []
    log = (app_dir.parent / "flaky.log").read_text().split()
    assert log == ["1", "2", "3"]


def test_a_message_that_is_not_base64_goes_to_the_poison_queue(app_dir: Path,
                                                                azurite: Azurite) -> None:
    conn = azurite.connection_string
    sdk_queue(conn, "raw", base64_text=False).send_message("not base64 at all!")
    with serving(LocalHost(app_dir)):
        poisoned = wait_for(lambda: queue_texts(conn, "raw-poison"), timeout=30)
    assert poisoned == ["not base64 at all!"]
    assert blob_names(conn, "raw") == []


def test_message_encoding_none_reads_and_writes_plain_text(app_dir: Path,
                                                            azurite: Azurite) -> None:
    conn = azurite.connection_string
    write_host_json(app_dir, messageEncoding="none")
    sdk_queue(conn, "orders", base64_text=False).send_message('{"id": "plain", "note": "n"}')
    with serving(LocalHost(app_dir)):
        notes = wait_for(lambda: queue_texts(conn, "notes"), timeout=30)
    assert json.loads(notes[0])["blob"] == "done/plain.json"  # written as plain text


def _driver(app_dir: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.host_driver", str(app_dir), "2", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def driver_env(app_dir: Path) -> dict[str, str]:
    return {**os.environ, "AZFUNC_TEST_DELAY": "0.2", "PYTHONPATH": str(ROOT)}


def test_kill_mid_queue_then_restart_loses_nothing(app_dir: Path, azurite: Azurite,
                                                   driver_env: dict[str, str]) -> None:
    conn = azurite.connection_string
    ids = [f"k{i}" for i in range(12)]
    queue = sdk_queue(conn, "orders")
    for ident in ids:
        queue.send_message(json.dumps({"id": ident, "note": ""}))
    write_host_json(app_dir, batchSize=1)
    proc = _driver(app_dir, driver_env)
    try:
        wait_for(lambda: len(blob_names(conn, "done")) >= 2, timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert len(blob_names(conn, "done")) < len(ids), "the kill came too late to test anything"
    # the restart: a message leased by the killed host is visible again after its lease (2 s)
    restarted = _driver(app_dir, driver_env)
    try:
        wait_for(lambda: len(blob_names(conn, "done")) == len(ids), timeout=90)
        wait_for(lambda: not queue_texts(conn, "orders"), timeout=30)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(10)
    assert blob_names(conn, "done") == sorted(f"{i}.json" for i in ids)
