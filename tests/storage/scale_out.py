"""Several local hosts on one Azurite queue, one killed with SIGKILL mid-run.

Used by ``test_scale_out.py`` (small numbers) and, for the numbers in the report, as

    .venv/bin/python -m tests.storage.scale_out 1000 3

which starts its own Azurite. Each host runs ``azurite_app.py``'s ``process`` function,
which logs every run per process; a message counts as processed when its blob exists,
duplicated when it ran more than once, lost when its blob never appears.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@dataclass(frozen=True)
class Outcome:
    """What a scale-out run did: counts, and who ran what."""

    sent: int
    processed: int
    duplicated: list[str]
    lost: list[str]
    redelivered: list[str]
    killed_ran: set[str]
    runs_per_host: dict[int, int]
    seconds: float


def _done(connection: str) -> ContainerClient:
    """The container the test app writes one blob per processed message into."""
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(connection).get_container_client("done")


def _redelivered(connection: str) -> list[str]:
    """Ids whose final run saw a dequeue count above 1: a run before it did not finish."""
    client = _done(connection)
    again = []
    for blob in client.list_blobs():
        body = json.loads(client.download_blob(blob.name).readall())
        if body["dequeue_count"] > 1:
            again.append(body["id"])
    return sorted(again)


def _blob_names(connection: str) -> set[str]:
    client = _done(connection)
    if not client.exists():
        return set()
    return {b.name for b in client.list_blobs()}


def run(connection: str, work: Path, count: int, hosts: int, *, timeout: float = 600,
        delay: float = 0.005) -> Outcome:
    """Queue ``count`` messages, start ``hosts`` hosts, kill one once a third is done."""
    from azure.storage.queue import QueueServiceClient, TextBase64EncodePolicy

    app = work / "app"
    app.mkdir(parents=True)
    shutil.copy(HERE / "azurite_app.py", app / "function_app.py")
    (app / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": {
        "maxPollingInterval": "00:00:00.200", "batchSize": 8}}}))
    queue = QueueServiceClient.from_connection_string(connection).get_queue_client(
        "orders", message_encode_policy=TextBase64EncodePolicy())
    try:
        queue.create_queue()
    except Exception:  # already there
        queue.clear_messages()
    ids = [f"s{i:05d}" for i in range(count)]
    for ident in ids:  # the whole load first, so the kill falls mid-run, not after it
        queue.send_message(json.dumps({"id": ident, "note": ""}))
    env = {**os.environ, "Store": connection, "AZFUNC_TEST_MARKS": str(work),
           "AZFUNC_TEST_DELAY": str(delay), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.storage.host_driver", str(app), "3", "0.2"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(hosts)]
    victim = procs[0]
    try:
        started = time.monotonic()
        while len(list(work.glob("ready-*"))) < hosts:
            if any(proc.poll() is not None for proc in procs):
                raise AssertionError("a host exited at start")
            time.sleep(0.1)
        while len(_blob_names(connection)) < count // 3:
            if time.monotonic() - started > timeout:
                raise AssertionError("the hosts made no progress")
            time.sleep(0.1)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        wanted = {f"{i}.json" for i in ids}
        while not wanted <= _blob_names(connection):
            if time.monotonic() - started > timeout:
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
    runs: Counter[str] = Counter()
    per_host: dict[int, int] = {}
    killed_ran: set[str] = set()
    for log in work.glob("processed-*.log"):
        pid = int(log.stem.split("-")[1])
        lines = log.read_text().split()
        per_host[pid] = len(lines)
        runs.update(lines)
        if pid == victim.pid:
            killed_ran.update(lines)
    done = {name.removesuffix(".json") for name in _blob_names(connection)}
    return Outcome(
        sent=count, processed=len(done & set(ids)),
        duplicated=sorted(i for i, n in runs.items() if n > 1),
        lost=sorted(set(ids) - done), redelivered=_redelivered(connection),
        killed_ran=killed_ran, runs_per_host=per_host, seconds=seconds,
    )


def main(argv: list[str]) -> None:
    from .conftest import start_azurite, stop_azurite

    count, hosts = int(argv[0]), int(argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "azurite").mkdir()
        process, azurite = start_azurite(base / "azurite")
        try:
            outcome = run(azurite.connection_string, base / "work", count, hosts)
        finally:
            stop_azurite(process)
    print(f"sent {outcome.sent}, processed {outcome.processed}, duplicated "
          f"{len(outcome.duplicated)} (all run by the killed host: "
          f"{set(outcome.duplicated) <= outcome.killed_ran}), redelivered "
          f"{len(outcome.redelivered)}, lost {len(outcome.lost)}, "
          f"runs by the killed host {len(outcome.killed_ran)}, "
          f"runs per host {sorted(outcome.runs_per_host.values())}, "
          f"{outcome.seconds:.1f} s ({outcome.sent / outcome.seconds:.0f} messages/s)")


if __name__ == "__main__":
    main(sys.argv[1:])
