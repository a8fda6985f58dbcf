"""``host.json`` ``functionTimeout`` on the local host, over real HTTP and a real queue."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import httpx
import pytest

import azfunc
from azfunc.host.local import LocalHost
from azfunc.host.timeouts import FunctionTimeoutError, function_timeout

from .conftest import serving, wait_for

HERE = Path(__file__).resolve().parent


@pytest.fixture
def timeout_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(HERE / "timeout_app.py", root / "function_app.py")
    (root / "host.json").write_text('{"version": "2.0", "functionTimeout": "00:00:00.3"}')
    monkeypatch.setenv("AZFUNC_TIMEOUT_MARKS", str(tmp_path))
    monkeypatch.setenv("AzureWebJobsStorage", "")  # empty: the embedded store (not Azurite)
    return root


def test_async_invocation_is_cancelled_and_answers_500(
    timeout_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, "azfunc.host")
    with serving(LocalHost(timeout_dir)) as url:
        r = httpx.get(f"{url}/api/slow-async", timeout=30)
        assert r.status_code == 500
        assert "invocationId" in r.text or "invocation" in r.text
        assert httpx.get(f"{url}/api/quick").text == "quick"
    assert (timeout_dir.parent / "cancelled").read_text() == "yes"
    assert "timed out after 0.3 s (host.json functionTimeout); cancelled" in caplog.text


def test_def_invocation_is_abandoned_and_logged(
    timeout_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, "azfunc.host")
    host = LocalHost(timeout_dir)
    module = sys.modules[host.app.functions["slow_def"].func.__module__]
    try:
        with serving(host) as url:
            r = httpx.get(f"{url}/api/slow-def", timeout=30)
            assert r.status_code == 500
            assert not (timeout_dir.parent / "def-finished").exists()
            assert "abandoned" in caplog.text
            module.RELEASE.set()
            wait_for(lambda: (timeout_dir.parent / "def-finished").exists())
    finally:
        module.RELEASE.set()


def test_queue_message_is_retried_after_a_timeout(timeout_dir: Path) -> None:
    host = LocalHost(timeout_dir, poll_interval=0.05, visibility_timeout=0.05)
    with serving(host):
        host.storage.queue("jobs").put("payload")
        host._woke_queue("jobs")
        wait_for(lambda: (timeout_dir.parent / "job-done").exists(), timeout=20)
    assert (timeout_dir.parent / "job-done").read_text() == "payload"
    assert (timeout_dir.parent / "jobs.log").read_text().split()[:2] == ["1", "2"]


def test_function_timeout_values() -> None:
    assert function_timeout({}) is None
    assert function_timeout({"functionTimeout": "-1"}) is None
    assert function_timeout({"functionTimeout": -1}) is None
    assert function_timeout({"functionTimeout": "PT2M"}) == 120.0
    for bad in ("soon", "00:00:00", 0):
        with pytest.raises(azfunc.ConfigurationError, match="functionTimeout"):
            function_timeout({"functionTimeout": bad})
    assert issubclass(FunctionTimeoutError, TimeoutError)
