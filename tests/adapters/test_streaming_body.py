"""ReceivedBody (the request body a host streams to an ASGI app) as a parser of ASGI
``http.request`` messages: any chunking round-trips, the limits hold, a cut-off body never
ends as complete, only azfunc's own errors come out, and the budget is always given back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.adapters.streaming import ReceivedBody, streamed_body, streaming_body
from azfunc.host._asgi import BodyBudget

CHUNKS = st.lists(st.binary(max_size=40), max_size=8)


def _messages(chunks: list[bytes], *, cut: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "http.request", "body": c, "more_body": True}
                                 for c in chunks]
    out.append({"type": "http.disconnect"} if cut else {"type": "http.request", "body": b""})
    return out


def _read(body: ReceivedBody) -> tuple[list[bytes], BaseException | None]:
    got: list[bytes] = []

    async def read() -> None:
        async for chunk in body:
            got.append(chunk)

    try:
        asyncio.run(read())
    except func.AzFuncError as exc:
        return got, exc
    return got, None


def _body(messages: list[dict[str, Any]], limit: int, budget: BodyBudget | None,
          declared: int | None = None) -> ReceivedBody:
    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return ReceivedBody(receive, limit=limit, declared=declared, budget=budget)


@given(CHUNKS)
def test_any_chunking_round_trips(chunks: list[bytes]) -> None:
    budget = BodyBudget(1000)
    body = _body(_messages(chunks, cut=False), 1000, budget)
    body.reserve()
    got, error = _read(body)
    assert error is None
    assert b"".join(got) == b"".join(chunks)
    assert [c for c in chunks if c] == got
    assert body.complete
    assert body.size == budget.in_flight == len(b"".join(chunks))
    body.release()
    assert budget.in_flight == 0


@given(CHUNKS, st.integers(0, 200), st.integers(0, 200), st.booleans())
def test_limits_and_cut_offs_end_with_our_own_error(
        chunks: list[bytes], limit: int, room: int, cut: bool) -> None:
    budget = BodyBudget(room)
    body = _body(_messages(chunks, cut=cut), limit, budget)
    got, error = _read(body)
    total = len(b"".join(chunks))
    if error is None:
        assert not cut
        assert total <= limit
        assert total <= room
        assert body.complete
        assert b"".join(got) == b"".join(chunks)
    else:
        assert isinstance(error, (func.IncompleteBodyError, func.LimitExceededError))
        assert body.error is error
        assert not body.complete
        assert len(b"".join(got)) <= min(limit, room)
    body.release()
    assert budget.in_flight == 0


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_a_declared_length_is_refused_or_held_whole(declared: int, limit: int,
                                                    room: int) -> None:
    budget = BodyBudget(room)
    body = _body([], limit, budget, declared=declared)
    if declared <= min(limit, room):
        body.reserve()
        assert budget.in_flight == declared
        body.release()
    else:
        with pytest.raises(func.LimitExceededError) as caught:
            body.reserve()
        # over the limit: 413; within it but not in the budget: 503 (retry later)
        assert caught.value.http_status == (503 if declared <= limit else 413)
    assert budget.in_flight == 0


@given(st.lists(st.tuples(st.sampled_from([b"content-length", b"Transfer-Encoding", b"x-a"]),
                          st.binary(max_size=8)), max_size=4))
def test_declared_length_reads_any_headers(headers: list[tuple[bytes, bytes]]) -> None:
    announced, declared = ReceivedBody.declared_length(headers)
    assert declared is None or declared >= 0
    if any(name.lower() == b"transfer-encoding" for name, _ in headers):
        assert announced


def test_the_stream_is_set_for_what_runs_inside_only() -> None:
    body = _body([], 0, None)
    assert streamed_body() is None
    with streaming_body(body):
        assert streamed_body() is body
    assert streamed_body() is None
