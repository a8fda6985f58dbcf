"""``wsgi.input`` over a streamed body (``azfunc.adapters.blocking_body``): read from a
worker thread, the bytes come out as the chunks went in, whatever the read sizes; a
cut-off body raises on every read; reading on the loop's own thread is refused."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc
from azfunc.adapters.blocking_body import blocking_body
from azfunc.adapters.streaming import ReceivedBody


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


async def _chunks(parts: list[bytes], error: Exception | None = None) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part
    if error is not None:
        raise error


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.binary(max_size=40), max_size=8),
       sizes=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6))
def test_reads_give_back_the_chunks_in_order(
        loop: asyncio.AbstractEventLoop, parts: list[bytes], sizes: list[int]) -> None:
    stream = blocking_body(_chunks(parts), loop)
    got = b""
    for size in sizes:
        data = stream.read(size)
        assert len(data) == size or len(got) + len(data) == len(b"".join(parts))
        got += data
    got += stream.read()
    assert got == b"".join(parts)
    assert stream.read(1) == b""


@settings(max_examples=40, deadline=None)
@given(parts=st.lists(st.binary(max_size=20), min_size=1, max_size=6),
       size=st.integers(min_value=1, max_value=30))
def test_a_received_body_reads_whole_and_ends(
        loop: asyncio.AbstractEventLoop, parts: list[bytes], size: int) -> None:
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
                for i, part in enumerate(parts)]

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    body = ReceivedBody(receive, limit=1000, declared=None)
    stream = blocking_body(body, loop)
    got = b""
    while data := stream.read(size):
        got += data
    assert (got, body.complete, messages) == (b"".join(parts), True, [])
    assert stream.read() == b""


def test_lines_and_iteration(loop: asyncio.AbstractEventLoop) -> None:
    stream = blocking_body(_chunks([b"a\nb", b"c\n", b"", b"d"]), loop)
    assert stream.readline() == b"a\n"
    assert list(stream) == [b"bc\n", b"d"]


@pytest.mark.parametrize("error", [
    azfunc.IncompleteBodyError("the client left"),
    azfunc.LimitExceededError("too big", limit="max_body_size", value=1),
])
def test_a_cut_off_body_raises_on_every_read(
        loop: asyncio.AbstractEventLoop, error: Exception) -> None:
    stream = blocking_body(_chunks([b"abc"], error), loop)
    assert stream.read(3) == b"abc"
    for _ in range(2):
        with pytest.raises(type(error), match=str(error).split()[0]):
            stream.read(1)


def test_reading_on_the_loops_thread_is_refused() -> None:
    async def main() -> None:
        stream = blocking_body(_chunks([b"x"]), asyncio.get_running_loop())
        with pytest.raises(azfunc.ConversionError, match="worker thread"):
            stream.read(1)

    asyncio.run(main())
