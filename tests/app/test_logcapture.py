"""Log capture: per invocation, and without leaving the root logger changed afterwards."""

from __future__ import annotations

import asyncio
import logging
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import azfunc as func
from azfunc.app._logcapture import capture_logs, hold
from azfunc.app.invocation import invoke_function
from azfunc.app.model import BindingInfo, FunctionInfo

QUEUE = BindingInfo("msg", "queueTrigger", "in", properties={"queueName": "q"})


@pytest.fixture
def root_at_warning() -> Iterator[logging.Logger]:
    """The root logger at its unconfigured level, restored afterwards."""
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.WARNING)
    yield root
    root.setLevel(saved)


def _app(root: Path) -> Path:
    root.mkdir()
    (root / "function_app.py").write_text(textwrap.dedent("""
        import logging
        import azfunc as func

        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
        def work(msg: str) -> None:
            logging.info("user info %s", msg)
            logging.getLogger("user.module").debug("user debug")
    """))
    return root


def test_root_logger_is_unchanged_after_load_invoke_close(
    tmp_path: Path, root_at_warning: logging.Logger
) -> None:
    handlers = list(root_at_warning.handlers)
    with func.load_app(_app(tmp_path / "app")) as app:
        result = app.invoke("work", msg="ada")
        assert root_at_warning.level == logging.WARNING
        assert root_at_warning.handlers == handlers
    assert result.messages == ["user info ada"]  # INFO captured, DEBUG is below INFO
    assert root_at_warning.level == logging.WARNING
    assert root_at_warning.handlers == handlers


def test_the_root_level_is_lowered_only_while_an_invocation_runs(
    root_at_warning: logging.Logger,
) -> None:
    seen: list[tuple[int, bool]] = []

    def main(msg: str) -> None:
        root = logging.getLogger()
        seen.append((root.level, any(h not in handlers for h in root.handlers)))

    handlers = list(root_at_warning.handlers)
    asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"}))
    assert seen == [(logging.INFO, True)]
    assert root_at_warning.level == logging.WARNING
    assert root_at_warning.handlers == handlers


def test_a_level_the_application_set_is_left_alone(root_at_warning: logging.Logger) -> None:
    root_at_warning.setLevel(logging.ERROR)

    def main(msg: str) -> None:
        logging.getLogger("user").warning("below ERROR")
        logging.getLogger("user").error("kept")

    result = asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"}))
    assert result.messages == ["kept"]
    assert root_at_warning.level == logging.ERROR


def test_records_of_another_thread_or_outside_the_invocation_are_not_captured(
    root_at_warning: logging.Logger,
) -> None:
    started = threading.Event()
    logged = threading.Event()

    def other_thread() -> None:
        started.wait(5)
        logging.getLogger("unrelated").warning("from another thread")
        logged.set()

    def main(msg: str) -> None:
        started.set()
        logged.wait(5)
        logging.getLogger("user").warning("from the function")

    thread = threading.Thread(target=other_thread)
    thread.start()
    logging.getLogger("unrelated").warning("before the invocation")
    result = asyncio.run(invoke_function(FunctionInfo("f", main, (QUEUE,)), {"msg": "x"}))
    thread.join(5)
    assert logged.is_set()
    assert result.messages == ["from the function"]


def test_concurrent_invocations_keep_their_own_records(root_at_warning: logging.Logger) -> None:
    async def main(msg: str) -> None:
        for step in range(3):
            logging.getLogger("user").info("%s %d", msg, step)
            await asyncio.sleep(0)

    info = FunctionInfo("f", main, (QUEUE,))

    async def both() -> list[func.InvocationResult]:
        return list(await asyncio.gather(*(
            invoke_function(info, {"msg": name}) for name in ("a", "b")
        )))

    first, second = asyncio.run(both())
    assert first.messages == ["a 0", "a 1", "a 2"]
    assert second.messages == ["b 0", "b 1", "b 2"]
    assert root_at_warning.level == logging.WARNING


def test_nested_captures_and_hold_release_in_order(root_at_warning: logging.Logger) -> None:
    handlers = list(root_at_warning.handlers)
    with hold():
        with capture_logs() as outer:
            logging.getLogger("user").info("outer")
            with capture_logs() as inner:
                logging.getLogger("user").info("inner")
            logging.getLogger("user").info("outer again")
        assert root_at_warning.level == logging.INFO  # still held
    assert [r.getMessage() for r in outer] == ["outer", "outer again"]
    assert [r.getMessage() for r in inner] == ["inner"]
    assert root_at_warning.level == logging.WARNING
    assert root_at_warning.handlers == handlers
