"""The pipelined keep-alive HTTP load generator the server benchmarks share.

Rules this module keeps:

* A raw asyncio client (no HTTP library): each of ``connections`` keep-alive connections
  writes ``depth`` requests at once and reads their ``depth`` answers, so the client spends
  little CPU per request and the server, not the client, is the bottleneck on a small
  machine.
* Every answer must be 200 (a ``RuntimeError`` otherwise) and carry a Content-Length.
* With ``latencies``, the time from a burst's write to each of its answers is appended:
  the latency a request sees under this load (pipeline queueing included).
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["load", "read_full_response", "read_response"]


async def read_full_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    """(status, head, body) of one response with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, head, await reader.readexactly(length)


async def read_response(reader: asyncio.StreamReader) -> int:
    """The status of one response (its body read and dropped)."""
    return (await read_full_response(reader))[0]


async def load(port: int, request: bytes, duration: float, connections: int,
               depth: int = 8, latencies: list[float] | None = None) -> tuple[float, int]:
    """(requests per second, requests) of ``request`` sent for ``duration`` seconds over
    ``connections`` keep-alive connections to 127.0.0.1:``port``, ``depth`` per write."""
    count = 0
    stop = time.perf_counter() + duration
    burst = request * depth

    async def one() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                writer.write(burst)
                for _ in range(depth):
                    if await read_response(reader) != 200:
                        raise RuntimeError("a benchmark request failed")
                    if latencies is not None:
                        latencies.append(time.perf_counter() - sent)
                count += depth
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(connections)))
    return count / (time.perf_counter() - started), count
