"""FUNCTIONS_WORKER_PROCESS_COUNT: ``def`` invocations run in several worker processes.

A real ``azfunc start`` (its own process group, as in a terminal) serves
``procs_app.py`` over 127.0.0.1 with two worker processes; the functions report the
process they ran in and leave marks in a folder.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from azfunc import ConfigurationError
from azfunc.host.local import LocalHost
from azfunc.host.preflight import check_startup
from azfunc.host.processes import MAX_PROCESSES, SETTING, worker_process_count

from .conftest import serving, wait_for

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _environ_restored() -> Iterator[None]:
    """Loading an app puts its local.settings.json Values (FUNCTIONS_WORKER_PROCESS_COUNT
    among them) in the environment; a host refused at construction never undoes that.
    Restore the environment so later tests' hosts do not inherit the count."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(base: Path, count: str = "2", host_json: dict[str, object] | None = None) -> Path:
    root = base / "app"
    root.mkdir()
    shutil.copy(HERE / "procs_app.py", root / "function_app.py")
    (root / "host.json").write_text(json.dumps({"version": "2.0", **(host_json or {})}))
    (root / "local.settings.json").write_text(json.dumps({"Values": {
        SETTING: count, "AzureWebJobsStorage": "",
    }}))
    (base / "marks").mkdir()
    return root


@dataclass
class Served:
    """A running ``azfunc start``: its process, URL, marks folder and log file."""

    proc: subprocess.Popen[bytes]
    url: str
    marks: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self, name: str) -> list[str]:
        path = self.marks / name
        return path.read_text().splitlines() if path.exists() else []


def _serve(base: Path) -> Served:
    root = _app(base)
    port = _free_port()
    log = base / "host.log"
    env = {**os.environ, "AZFUNC_PROCS_MARKS": str(base / "marks")}
    with open(log, "wb") as err, open(base / "host.out", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "azfunc", "start", str(root), "--port", str(port)],
            stdout=out, stderr=err, env=env, start_new_session=True,
        )
    served = Served(proc, f"http://127.0.0.1:{port}", base / "marks", log)
    try:
        wait_for(lambda: _answers(served), timeout=120)
    except AssertionError:
        _stop(served)
        raise AssertionError(f"azfunc start did not come up:\n{served.log_text()}") from None
    return served


def _answers(served: Served) -> bool:
    assert served.proc.poll() is None, served.log_text()
    try:
        return httpx.get(f"{served.url}/", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _ctrl_c(served: Served) -> None:
    """What Ctrl-C in a terminal does: SIGINT to the whole process group."""
    os.killpg(served.proc.pid, signal.SIGINT)


def _stop(served: Served) -> None:
    if served.proc.poll() is None:
        _ctrl_c(served)
        try:
            served.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(served.proc.pid, signal.SIGKILL)
            served.proc.wait(10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = _serve(tmp_path_factory.mktemp("procs"))
    try:
        yield running
    finally:
        _stop(running)


def test_requests_are_spread_over_the_processes(served: Served) -> None:
    # each pid request waits until two processes have served one: with a single process
    # every answer would name the same pid
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.get(f"{served.url}/api/pid", timeout=60),
                                range(4)))
    assert [r.status_code for r in answers] == [200] * 4
    pids = {int(r.text) for r in answers}
    assert len(pids) > 1
    assert served.proc.pid not in pids


def test_async_def_runs_in_the_host_process(served: Served) -> None:
    r = httpx.get(f"{served.url}/api/where-async", timeout=30)
    assert r.status_code == 200
    assert int(r.text) == served.proc.pid


def test_logs_carry_the_function_name_and_invocation_id(served: Served) -> None:
    r = httpx.get(f"{served.url}/api/hello", timeout=30)
    assert r.status_code == 200
    invocation_id = r.text
    line = wait_for(lambda: next((ln for ln in served.log_text().splitlines()
                                  if f"[hello] ({invocation_id}) hello from process" in ln),
                                 None), timeout=30)
    assert int(line.rsplit(" ", 1)[1]) != served.proc.pid  # logged in a worker process


def test_each_queue_message_is_processed_once(served: Served) -> None:
    # the queue output is set in a worker process and written by the host
    r = httpx.post(f"{served.url}/api/enqueue", content=b"20", timeout=30)
    assert r.status_code == 200
    wanted = {f"m{i}" for i in range(20)}
    wait_for(lambda: wanted <= {ln.split()[0] for ln in served.lines("queue.log")},
             timeout=60)
    r = httpx.post(f"{served.url}/api/enqueue?prefix=end", content=b"1", timeout=30)
    assert r.status_code == 200
    wait_for(lambda: any(ln.startswith("end0 ") for ln in served.lines("queue.log")),
             timeout=60)
    processed = [ln.split()[0] for ln in served.lines("queue.log")]
    assert sorted(processed) == sorted([*wanted, "end0"])
    assert all(int(ln.split()[1]) != served.proc.pid for ln in served.lines("queue.log"))


def test_the_timer_fires_once_per_occurrence(served: Served) -> None:
    lines = wait_for(lambda: (found := served.lines("timer.log")) and len(found) >= 4
                     and found, timeout=60)
    occurrences = [ln.split()[0] for ln in lines]
    assert len(set(occurrences)) == len(occurrences)
    assert occurrences == sorted(occurrences)


def test_a_response_that_cannot_leave_the_process_is_a_clear_500(served: Served) -> None:
    r = httpx.get(f"{served.url}/api/streamed", timeout=30)
    assert r.status_code == 500
    invocation_id = r.json()["invocationId"]
    text = wait_for(lambda: (t := served.log_text()) and f"[streamed] ({invocation_id})" in t
                    and "cannot be sent back from the worker process" in t and t, timeout=30)
    assert "ProcessBoundaryError" in text
    # the pool survived: the next request is served
    assert httpx.get(f"{served.url}/api/where-async", timeout=30).status_code == 200


def test_an_exception_that_cannot_leave_the_process_keeps_its_text(served: Served) -> None:
    r = httpx.get(f"{served.url}/api/odd", timeout=60)
    assert r.status_code == 500
    invocation_id = r.json()["invocationId"]
    text = wait_for(lambda: (t := served.log_text()) and f"[odd] ({invocation_id})" in t
                    and "OddError: 7: odd failure" in t and t, timeout=30)
    assert "an OddError that cannot be sent back from the worker process" in text


def test_a_worker_process_that_dies_fails_only_its_invocation(served: Served) -> None:
    r = httpx.get(f"{served.url}/api/die", timeout=60)
    assert r.status_code == 500
    invocation_id = r.json()["invocationId"]
    wait_for(lambda: f"[die] ({invocation_id})" in served.log_text()
             and "its worker process died during the invocation" in served.log_text(),
             timeout=30)
    # the processes are started again for the next invocation
    r = httpx.get(f"{served.url}/api/hello", timeout=60)
    assert r.status_code == 200
    assert served.proc.poll() is None


def test_ctrl_c_drains_an_invocation_in_a_worker_process(tmp_path: Path) -> None:
    running = _serve(tmp_path)
    try:
        answer: list[httpx.Response] = []
        client = threading.Thread(target=lambda: answer.append(
            httpx.get(f"{running.url}/api/slow", timeout=60)))
        client.start()
        started = wait_for(lambda: (running.marks / "slow-started").exists(), timeout=60)
        assert started
        _ctrl_c(running)  # the worker processes get it too, as from a terminal
        # shutting down: new connections are refused while the request is in flight
        wait_for(lambda: not _connects(running.url), timeout=30)
        (running.marks / "release").touch()
        client.join(60)
        assert [(r.status_code, r.text) for r in answer] == [(200, "done")]
        assert running.proc.wait(60) == 0
    finally:
        _stop(running)


def _connects(url: str) -> bool:
    try:
        httpx.get(f"{url}/", timeout=2)
    except httpx.TransportError:
        return False
    return True


# --- in-process: the LocalHost ASGI app ------------------------------------------------


@pytest.fixture
def timeout_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AZFUNC_PROCS_MARKS", str(tmp_path / "marks"))
    return _app(tmp_path, host_json={"functionTimeout": "00:00:01"})


def test_function_timeout_applies_to_worker_processes(
    timeout_app: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "azfunc.host")
    marks = timeout_app.parent / "marks"
    host = LocalHost(timeout_app)
    assert host.runtime.processes is not None
    assert host.runtime.processes.count == 2
    with serving(host) as url:
        r = httpx.get(f"{url}/api/slow", timeout=60)
        assert (marks / "slow-started").exists()
        started_in = int((marks / "slow-started").read_text())
        (marks / "release").touch()  # lets the abandoned call end, so shutdown is quick
        assert r.status_code == 500
        assert r.json()["invocationId"]
    assert started_in != os.getpid()
    assert any("timed out after 1 s (host.json functionTimeout)" in rec.getMessage()
               for rec in caplog.records)


def test_the_processes_start_with_the_host_and_stop_with_it(timeout_app: Path) -> None:
    host = LocalHost(timeout_app)
    processes = host.runtime.processes
    assert processes is not None

    async def run() -> list[int]:
        await host.startup()
        try:
            return list(processes.pids)
        finally:
            await host.shutdown()

    pids = asyncio.run(run())
    assert len(set(pids)) == 2
    assert os.getpid() not in pids
    assert not processes.started


# --- the setting -------------------------------------------------------------------------


@given(st.text(max_size=12))
def test_any_setting_is_a_count_or_a_configuration_error(raw: str) -> None:
    text = raw.strip(" \t\r\n")
    if not text:
        assert worker_process_count({SETTING: raw}) == 1
    elif text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PROCESSES:
        assert worker_process_count({SETTING: raw}) == int(text)
    else:
        with pytest.raises(ConfigurationError, match=SETTING) as caught:
            worker_process_count({SETTING: raw})
        assert isinstance(caught.value, ValueError)


@given(st.integers(min_value=1, max_value=MAX_PROCESSES))
def test_every_count_from_1_to_10_is_read(count: int) -> None:
    assert worker_process_count({SETTING: f" {count} "}) == count


@pytest.mark.parametrize("raw", ["0", "11", "two", "-1", "2.5"])
def test_the_host_refuses_an_invalid_count(raw: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=f"{SETTING} must be a whole number from 1 to "
                       f"10, got '{raw}'"):
        LocalHost(_app(tmp_path, count=raw))


def test_azfunc_start_refuses_an_invalid_count(tmp_path: Path) -> None:
    root = _app(tmp_path, count="11")
    done = subprocess.run(
        [sys.executable, "-m", "azfunc", "start", str(root), "--port", str(_free_port())],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert f"azfunc start: {SETTING} must be a whole number from 1 to 10, got '11'" in done.stderr


def test_azfunc_check_names_an_invalid_count() -> None:
    findings = check_startup([], {}, {SETTING: "zero"}, kind="decorator", root=None)
    assert [(f.code, f.message) for f in findings] == [
        ("worker-process-count", f"{SETTING} must be a whole number from 1 to 10, got 'zero'")]
    assert check_startup([], {}, {SETTING: "3"}, kind="decorator", root=None) == []


def test_inputs_that_do_not_pickle_run_in_the_host(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from azfunc.app.loader import load_app
    from azfunc.host.processes import WorkerProcesses

    caplog.set_level(logging.WARNING, "azfunc.host")
    root = _app(tmp_path)
    with load_app(root) as loaded:
        info = loaded.functions["hello"]
        processes = WorkerProcesses(root, 2)
        assert processes.runs(info)
        sent = asyncio.run(processes.invoke(info, {"req": lambda: None}, trigger_metadata=None,
                                            context=None, invocation_id="x"))
        assert sent is None  # the caller runs it here
        assert not processes.runs(info)
        assert not processes.started
    assert any("[hello] its inputs cannot be sent to a worker process" in rec.getMessage()
               for rec in caplog.records)


def test_one_process_keeps_invocations_in_the_host(tmp_path: Path) -> None:
    host = LocalHost(_app(tmp_path, count="1"))
    assert host.runtime.processes is None
