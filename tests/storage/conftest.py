"""Azurite for the storage tests: a real Azurite from npm on free 127.0.0.1 ports.

``scripts/dev.py test`` installs it into the repo's git-ignored ``.azurite/``
(``ensure_azurite``). Each test module that asks for ``azurite`` gets one process with a
temporary ``--location``, stopped by its PID when the module ends. A missing install is a
failure with the fix, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / ".azurite" / "node_modules" / ".bin" / "azurite"
ACCOUNT = "devstoreaccount1"
#: Azurite's published well-known key (not a secret)
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    """One running Azurite: its ports and a connection string naming them."""

    pid: int
    blob_port: int
    queue_port: int
    table_port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.blob_port}/{ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{self.table_port}/{ACCOUNT};"
        )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_azurite(location: Path) -> tuple[subprocess.Popen[bytes], Azurite]:
    """Start Azurite on free ports with ``location`` as its data folder; wait until it serves."""
    if not AZURITE.exists():
        pytest.fail(
            f"Azurite is not installed at {AZURITE}: run `python3 scripts/dev.py test` (it "
            "installs it with npm; Node.js and npm are required)", pytrace=False,
        )
    blob, queue, table = _free_ports(3)
    log = open(location / "azurite.log", "wb")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(
        [str(AZURITE), "--silent", "--skipApiVersionCheck", "--loose",
         "--location", str(location),
         "--blobHost", "127.0.0.1", "--blobPort", str(blob),
         "--queueHost", "127.0.0.1", "--queuePort", str(queue),
         "--tableHost", "127.0.0.1", "--tablePort", str(table)],
        stdout=log, stderr=subprocess.STDOUT, cwd=location,
    )
    log.close()
    deadline = time.monotonic() + 60
    while not all(_listening(p) for p in (blob, queue, table)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = (location / "azurite.log").read_text(errors="replace")
            pytest.fail(f"Azurite did not start (exit {process.returncode}):\n{output}")
        time.sleep(0.1)
    return process, Azurite(process.pid, blob, queue, table)


def stop_azurite(process: subprocess.Popen[bytes]) -> None:
    """Stop the Azurite process by its PID (TERM, then KILL)."""
    if process.poll() is None:
        os.kill(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, 9)
            process.wait()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A running Azurite for the module (fresh data folder)."""
    process, running = start_azurite(tmp_path_factory.mktemp("azurite"))
    try:
        yield running
    finally:
        stop_azurite(process)
