"""The runtime's thread pool and invocation path: results, errors, overlap, limits, shutdown."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
import traceback
import types
import uuid
from typing import Any

import pytest

import azfunc as func
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host.runtime import InvocationPool, Runtime, new_invocation_id, thread_count

QUEUE = BindingInfo("msg", "queueTrigger", "in", properties={"queueName": "q"})


@pytest.fixture
def pool() -> Any:
    pool = InvocationPool(4, thread_name_prefix="azfunc-test")
    yield pool
    pool.shutdown()


def _gather(pool: InvocationPool, calls: list[tuple[Any, ...]]) -> list[Any]:
    async def main() -> list[Any]:
        return list(await asyncio.gather(*(pool.run_async(*call) for call in calls)))

    return asyncio.run(main())


def test_run_async_returns_results_in_order(pool: InvocationPool) -> None:
    assert _gather(pool, [(pow, 2, i) for i in range(20)]) == [2**i for i in range(20)]


def test_run_async_runs_on_a_named_worker_thread(pool: InvocationPool) -> None:
    names = _gather(pool, [(lambda: threading.current_thread().name,)])
    assert names[0].startswith("azfunc-test")
    assert names[0] != threading.current_thread().name


def test_keyword_arguments_are_passed(pool: InvocationPool) -> None:
    async def main() -> str:
        return await pool.run_async("-".join, ["a", "b"])

    assert asyncio.run(main()) == "a-b"

    async def kw() -> Any:
        return await pool.run_async(dict, a=1)

    assert asyncio.run(kw()) == {"a": 1}


def test_exception_is_the_same_object_with_its_frames(pool: InvocationPool) -> None:
    raised: list[BaseException] = []

    def user_code() -> None:
        exc = KeyError("from user code")
        raised.append(exc)
        raise exc

    async def main() -> None:
        await pool.run_async(user_code)

    with pytest.raises(KeyError) as info:
        asyncio.run(main())
    assert info.value is raised[0]
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-1] == "user_code"


def test_one_failure_does_not_spoil_its_batch(pool: InvocationPool) -> None:
    def maybe(i: int) -> int:
        if i == 3:
            raise ValueError("three")
        return i

    async def main() -> list[Any]:
        calls = [pool.run_async(maybe, i) for i in range(6)]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    out = asyncio.run(main())
    assert out[:3] == [0, 1, 2]
    assert out[4:] == [4, 5]
    assert isinstance(out[3], ValueError)


def test_blocking_calls_overlap(pool: InvocationPool) -> None:
    # each call waits at a barrier of 4: they all pass only if 4 run at the same time
    # (the barrier's timeout only keeps a failure finite)
    barrier = threading.Barrier(4, timeout=10)
    assert sorted(_gather(pool, [(barrier.wait,) for _ in range(4)])) == [0, 1, 2, 3]


def test_calls_made_in_separate_turns_all_get_a_worker(pool: InvocationPool) -> None:
    # regression: a worker woken for one batch may take an older one first; every batch
    # stays watched, so none is stranded behind blocked workers
    barrier = threading.Barrier(4, timeout=10)

    async def main() -> list[Any]:
        await pool.run_async(len, "warm up one worker")
        calls = []
        for _ in range(4):
            calls.append(pool.run_async(barrier.wait))
            await asyncio.sleep(0)
        return list(await asyncio.gather(*calls))

    assert sorted(asyncio.run(main())) == [0, 1, 2, 3]


def test_max_workers_is_a_limit() -> None:
    pool = InvocationPool(2)
    seen: set[str] = set()
    running = 0
    most = 0
    lock = threading.Lock()
    pair = threading.Barrier(2, timeout=10)  # two at a time do run together

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            seen.add(threading.current_thread().name)
        pair.wait()
        with lock:
            running -= 1

    try:
        _gather(pool, [(work,) for _ in range(6)])
    finally:
        pool.shutdown()
    assert most == 2
    assert len(seen) == 2


def test_a_call_queued_behind_a_blocked_one_is_handed_over(pool: InvocationPool) -> None:
    release = threading.Event()

    async def main() -> bool:
        blocked = pool.run_async(release.wait, 10)
        await asyncio.sleep(0)  # the blocked call is handed over first
        await pool.run_async(release.set)  # runs only if another worker takes it
        return await blocked

    # True: the event was set by the second call, not left to time out
    assert asyncio.run(main()) is True


def test_backpressure_holds_calls_past_the_bound_on_the_loop() -> None:
    pool = InvocationPool(1, max_queued=2)
    gate = threading.Event()

    async def main() -> list[Any]:
        calls = [pool.run_async(gate.wait, 10) for _ in range(5)]
        await asyncio.sleep(0)
        port = pool._port
        assert port is not None
        assert port.pending == 2  # two handed to the worker ...
        assert len(port.backlog) == 3  # ... three wait on the loop
        gate.set()
        results = list(await asyncio.gather(*calls))
        assert port.pending == 0
        assert not port.backlog
        return results

    try:
        assert asyncio.run(main()) == [True] * 5
    finally:
        pool.shutdown()


def test_submit_blocks_while_the_bound_is_reached() -> None:
    pool = InvocationPool(1, max_queued=1)
    gate = threading.Event()
    first = pool.submit(gate.wait, 10)
    submitted = threading.Event()

    def second() -> None:
        pool.submit(len, "x")
        submitted.set()  # submit returned

    helper = threading.Thread(target=second)
    helper.start()
    # submit cannot return while the first call holds the only slot (this wait can only
    # make the test pass wrongly on a very slow machine, never fail it)
    assert not submitted.wait(0.2)
    assert pool._slots.acquire(blocking=False) is False
    gate.set()
    helper.join(10)
    assert submitted.is_set()
    assert first.result(10) is True
    pool.shutdown()


def test_shutdown_joins_non_daemon_workers() -> None:
    pool = InvocationPool(3)
    _gather(pool, [(len, "abc") for _ in range(3)])
    threads = list(pool._threads)
    assert threads
    assert not any(t.daemon for t in threads)
    pool.shutdown(wait=True)
    assert not any(t.is_alive() for t in threads)


def test_aclose_joins_the_pool_off_the_loop() -> None:
    runtime = Runtime(threads=1)
    gate = threading.Event()

    async def main() -> bool:
        running = runtime.executor.run_async(gate.wait, 10)
        await asyncio.sleep(0)
        closing = asyncio.ensure_future(runtime.aclose())
        await asyncio.sleep(0)
        assert not closing.done()  # joining: the call still runs ...
        gate.set()  # ... and the loop is free to release it
        await closing
        return await running

    assert asyncio.run(main()) is True


def test_contextvars_reach_the_worker_through_context_run(pool: InvocationPool) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def one(value: str) -> str:
        var.set(value)
        return await pool.run_async(contextvars.copy_context().run, var.get)

    async def main() -> list[str]:
        return list(await asyncio.gather(*(one(f"v{i}") for i in range(8))))

    assert asyncio.run(main()) == [f"v{i}" for i in range(8)]


def test_submit_serves_run_in_executor(pool: InvocationPool) -> None:
    assert pool.submit(sum, [1, 2, 3]).result(5) == 6

    async def main() -> int:
        return await asyncio.get_running_loop().run_in_executor(pool, max, 1, 9)

    assert asyncio.run(main()) == 9
    assert list(pool.map(abs, [-1, -2])) == [1, 2]


def test_cancelled_caller_does_not_break_the_pool(pool: InvocationPool) -> None:
    async def main() -> int:
        slow = pool.run_async(time.sleep, 0.2)
        slow.cancel()
        await asyncio.sleep(0.3)
        return await pool.run_async(len, "abc")

    assert asyncio.run(main()) == 3


def test_shutdown_waits_for_running_calls_and_refuses_new_ones() -> None:
    pool = InvocationPool(2)
    done: list[int] = []

    def slow() -> None:
        time.sleep(0.2)
        done.append(1)

    future = pool.submit(slow)
    time.sleep(0.05)
    pool.shutdown(wait=True)
    assert done == [1]
    assert future.done()
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(len, "x")

    async def main() -> None:
        await pool.run_async(len, "x")

    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(main())


def test_shutdown_can_cancel_queued_calls() -> None:
    pool = InvocationPool(1)
    gate = threading.Event()
    first = pool.submit(gate.wait, 5)
    queued = pool.submit(len, "x")
    time.sleep(0.05)
    gate.set()
    pool.shutdown(wait=True, cancel_futures=True)
    assert first.result() is True
    assert queued.cancelled() or queued.result() == 1


def test_max_workers_must_be_positive() -> None:
    with pytest.raises(func.ArgumentValueError, match="positive"):
        InvocationPool(0)
    with pytest.raises(func.ArgumentValueError, match="positive"):
        InvocationPool(1, max_queued=0)


def test_thread_count_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_THREADPOOL_THREAD_COUNT", "3")
    runtime = Runtime()
    assert runtime.threads == 3
    assert runtime.executor.max_workers == 3
    runtime.close()
    assert Runtime(threads=5).threads == 5 == thread_count(5)


def test_invocation_ids_are_uuid4() -> None:
    ids = {new_invocation_id() for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.version == 4
        assert str(parsed) == value
        assert parsed.variant == uuid.RFC_4122


def test_runtime_invokes_def_functions_on_its_pool_with_isolated_logs() -> None:
    def main(msg: str) -> str:
        logging.getLogger("fn").warning("got %s on %s", msg, threading.current_thread().name)
        return msg.upper()

    info = FunctionInfo("f", main, (QUEUE, BindingInfo("$return", "queue", "out")))
    runtime = Runtime(threads=4)

    async def run() -> list[Any]:
        calls = [runtime.invoke(info, {"msg": f"m{i}"}, invocation_id=f"id-{i}")
                 for i in range(10)]
        return list(await asyncio.gather(*calls))

    try:
        results = asyncio.run(run())
    finally:
        runtime.close()
    for i, result in enumerate(results):
        assert result.invocation_id == f"id-{i}"
        assert result.return_value == f"M{i}"
        assert len(result.logs) == 1
        assert result.logs[0].getMessage().startswith(f"got m{i} on azfunc-invoke")


def test_runtime_context_carries_the_id_directory_and_retry_state(tmp_path: Any) -> None:
    seen: list[func.Context] = []

    def main(msg: str, context: func.Context) -> None:
        seen.append(context)

    runtime = Runtime(threads=2, root=tmp_path)
    retry = func.RetryContext(retry_count=1, max_retry_count=3)
    try:
        asyncio.run(runtime.invoke(FunctionInfo("plain", main, (QUEUE,)), {"msg": "x"},
                                   invocation_id="given"))
        asyncio.run(runtime.invoke(
            FunctionInfo("in_dir", main, (QUEUE,), directory=tmp_path / "in_dir"),
            {"msg": "x"}, retry_context=retry))
    finally:
        runtime.close()
    assert (seen[0].invocation_id, seen[0].function_directory) == ("given", str(tmp_path))
    assert seen[0].function_name == "plain"
    assert seen[1].function_directory == str(tmp_path / "in_dir")
    assert seen[1].retry_context.retry_count == 1
    assert uuid.UUID(seen[1].invocation_id).version == 4


def test_runtime_logs_a_failure_with_the_invocation_id(caplog: pytest.LogCaptureFixture) -> None:
    def main(msg: str) -> None:
        raise RuntimeError("boom")

    runtime = Runtime(threads=1)
    try:
        with caplog.at_level(logging.ERROR, logger="azfunc.host"), \
                pytest.raises(RuntimeError, match="boom"):
            asyncio.run(runtime.invoke(FunctionInfo("bad", main, (QUEUE,)), {"msg": "x"},
                                       invocation_id="inv-1"))
    finally:
        runtime.close()
    assert any("[bad] (inv-1) failed" in r.getMessage() and r.exc_info for r in caplog.records)
    assert runtime.in_flight == 0


def test_a_generator_coroutine_returned_by_def_is_awaited_after_a_plain_generator() -> None:
    # whether a generator is awaitable depends on the object, not its type: a plain one
    # returned first must not make a later generator-based coroutine go unawaited
    @types.coroutine
    def finish() -> Any:
        yield None
        return "awaited"

    def plain(msg: str) -> Any:
        return (part for part in msg)

    def coroutine(msg: str) -> Any:
        return finish()

    class Later:
        def __await__(self) -> Any:
            yield None
            return "awaited"

    def later(msg: str) -> Any:
        return Later()

    runtime = Runtime(threads=2)

    async def run() -> list[Any]:
        results = []
        for main in (plain, coroutine, plain, coroutine, later, later):
            info = FunctionInfo(main.__name__, main, (QUEUE,))
            results.append((await runtime.invoke(info, {"msg": "ab"})).return_value)
        return results

    try:
        answers = asyncio.run(run())
    finally:
        runtime.close()
    assert [type(a) is types.GeneratorType for a in answers] == [True, False, True, False,
                                                                 False, False]
    assert answers[1::2] == ["awaited"] * 3
