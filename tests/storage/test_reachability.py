"""A host pointed at a storage endpoint that does not answer says so at start, with the fix."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from azfunc.storage.connection import resolve_connection
from azfunc.storage.reachability import unreachable_endpoints


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def open_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def _development(port: int) -> object:
    return resolve_connection(None, {"AzureWebJobsStorage": (
        f"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1:{port}")})


def test_an_azurite_that_is_not_running_is_named_with_the_fix(closed_port: int) -> None:
    conn = _development(closed_port)
    found = unreachable_endpoints([(conn, "queue"), (conn, "blob")], timeout=1)  # type: ignore[list-item]
    assert found, "a refused connection must be reported"
    assert all("start Azurite" in m and 'set AzureWebJobsStorage to ""' in m for m in found)
    assert all(f"127.0.0.1:{closed_port}" in m or "127.0.0.1:1000" in m for m in found)


def test_an_account_that_answers_gives_nothing(open_port: int) -> None:
    conn = resolve_connection(None, {"AzureWebJobsStorage": (
        f"AccountName=a;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:{open_port}/a")})
    assert unreachable_endpoints([(conn, "queue")], timeout=1) == []  # type: ignore[list-item]


def test_each_address_is_tried_once(closed_port: int) -> None:
    text = f"AccountName=a;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:{closed_port}/a"
    conn = resolve_connection(None, {"AzureWebJobsStorage": text})
    found = unreachable_endpoints([(conn, "queue")] * 3, timeout=1)  # type: ignore[list-item]
    assert len(found) == 1
    assert "check the connection string" in found[0]
