"""A queue message whose function runs longer than its lease keeps the lease (renewed every
half lease, as the queue extension's visibility update timer does), so a second consumer
never gets it and it is processed once, on the embedded store and on Azurite.

The lease is made small (``lease=``, ``host_driver``'s lease argument) and the function
sleeps ``AZFUNC_TEST_DELAY`` seconds, several leases long.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from azfunc.host.embedded_backend import EmbeddedQueue
from azfunc.host.lease_renewal import LeaseKeeper
from azfunc.host.local import LocalHost
from azfunc.host.storage import LocalStorage

from ..host.conftest import serving, wait_for
from .conftest import ROOT, Azurite
from .test_azurite_e2e import app_dir, blob_names, queue_texts, sdk_queue, write_host_json

__all__ = ["app_dir"]  # the fixture, shared with the end-to-end tests


def _started(marks: Path) -> list[str]:
    """The ids of the runs that started (one line per run, written before the sleep)."""
    log = marks / "started.log"
    return log.read_text().split() if log.exists() else []


def _runs(marks: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for log in marks.glob("processed-*.log"):
        found.update(log.read_text().split())
    return found


def test_a_long_run_keeps_its_lease_on_the_embedded_store(
        app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("Store")  # every binding on the embedded store
    monkeypatch.setenv("AZFUNC_TEST_DELAY", "2.5")
    write_host_json(app_dir, batchSize=1)
    host = LocalHost(app_dir, lease=0.5)
    # a second consumer of the host's queue (the embedded store serves one host, so the
    # competitor is in it: what a second poller of the queue would get)
    queue = host.storage.queue("orders")
    queue.put(json.dumps({"id": "long", "note": ""}))
    stolen = []
    with serving(host):
        wait_for(lambda: _started(app_dir.parent), timeout=30)
        while not host.storage.read_blob("done/long.json"):
            message = queue.get(lease=timedelta(seconds=30))
            if message is not None:
                stolen.append(message)
                break
        wait_for(lambda: len(queue) == 0, timeout=30)
    assert stolen == []
    assert _started(app_dir.parent) == ["long"]
    assert _runs(app_dir.parent) == {"long": 1}


def _driver(app_dir: Path, lease: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.host_driver", str(app_dir), str(lease), "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_two_hosts_on_azurite_run_each_long_message_once(
        app_dir: Path, azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = azurite.connection_string
    monkeypatch.setenv("AZFUNC_TEST_DELAY", "3")
    write_host_json(app_dir, batchSize=1)
    ids = ["m0"]  # one message: the other host is idle and polls all along
    hosts = [_driver(app_dir, 1.0) for _ in range(2)]  # the lease: a third of a run
    wait_for(lambda: len(list(app_dir.parent.glob("ready-*"))) == 2, timeout=60)
    queue = sdk_queue(conn, "orders")
    for ident in ids:
        queue.send_message(json.dumps({"id": ident, "note": ""}))
    try:
        wait_for(lambda: len(blob_names(conn, "done")) == len(ids), timeout=120)
        wait_for(lambda: not queue_texts(conn, "orders"), timeout=30)
    finally:
        for host in hosts:
            host.send_signal(signal.SIGTERM)
        for host in hosts:
            host.wait(20)
    assert _started(app_dir.parent) == ids  # never started a second time
    assert _runs(app_dir.parent) == dict.fromkeys(ids, 1)


def test_a_lost_lease_is_logged_and_the_receipt_is_not_reused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    async def run() -> LeaseKeeper:
        queue = EmbeddedQueue(LocalStorage(tmp_path), "jobs")
        await queue.put([b"x"])
        [message] = await queue.receive(1, timedelta(seconds=0.2))
        async with LeaseKeeper(queue, message, timedelta(seconds=0.2), function="f") as keeper:
            await queue.delete(message)  # another consumer finished it meanwhile
            await asyncio.sleep(0.4)
        return keeper

    with caplog.at_level(logging.ERROR, logger="azfunc.host"):
        keeper = asyncio.run(run())
    assert keeper.lost is not None
    assert "lease of message" in caplog.text
    assert "was lost" in caplog.text


class _Records(logging.Handler):
    """The ``azfunc.host`` records (the served host does not propagate them to caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.messages)


def test_a_message_whose_lease_was_lost_is_not_deleted_silently(
        app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("Store")
    monkeypatch.setenv("AZFUNC_TEST_DELAY", "2")
    write_host_json(app_dir, batchSize=1)
    host = LocalHost(app_dir, lease=0.5)
    queue = host.storage.queue("orders")  # the host's own store: one host per folder
    queue.put(json.dumps({"id": "gone", "note": ""}))
    records = _Records()
    logger = logging.getLogger("azfunc.host")
    logger.addHandler(records)
    try:
        with serving(host):
            wait_for(lambda: _started(app_dir.parent), timeout=30)
            queue.clear()  # the message goes while its function runs
            wait_for(lambda: "not deleted and may run again" in records.text(), timeout=30)
    finally:
        logger.removeHandler(records)
    assert "was lost while the function ran" in records.text()
