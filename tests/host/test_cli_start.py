"""``azfunc start`` as a process: the port is bound before the app starts, the banner after.

A busy port fails with exit status 3 before any function (a ``runOnStartup`` timer) runs;
the banner is printed only once the port accepts connections.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import wait_for

APP = """\
from pathlib import Path
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARK = Path(__file__).with_name("boot.mark")

@app.route(route="ping")
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")

@app.timer_trigger(arg_name="t", schedule="0 0 0 1 1 *", run_on_startup=True)
def boot(t: func.TimerRequest) -> None:
    MARK.write_text("ran")
"""


def _app(tmp_path: Path, source: str = APP) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "function_app.py").write_text(source)
    (root / "host.json").write_text('{"version": "2.0"}')
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "azfunc", "start", str(root), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_a_busy_port_fails_with_status_3_before_any_function_runs(tmp_path: Path) -> None:
    root = _app(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run(root, "--port", str(port))
    assert done.returncode == 3, done.stderr
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr
    assert "--port" in done.stderr
    assert "azfunc local host on" not in done.stdout  # no banner
    assert not (root / "boot.mark").exists()  # the runOnStartup timer never ran


def test_an_app_start_refuses_exits_1_without_a_banner(tmp_path: Path) -> None:
    root = _app(tmp_path, APP.replace('route="ping"', 'route="items/{id"'))
    done = _run(root, "--port", "0")
    assert done.returncode == 1, done.stderr
    assert "ping: route 'items/{id'" in done.stderr  # names the function, as check does
    assert "azfunc local host on" not in done.stdout


def test_no_app_at_path_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(tmp_path / "nowhere", "--port", "0")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


@pytest.mark.parametrize("parser", ["h11", "httptools"])
def test_the_banner_follows_the_startup_and_the_port_answers(tmp_path: Path,
                                                             parser: str) -> None:
    root = _app(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "azfunc", "start", str(root), "--port", "0",
                             "--http-parser", parser],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = ""
        while "azfunc local host on" not in line:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        assert port != 0
        # printed after the startup: the socket listens and the startup timer was started
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass
        assert httpx.get(f"http://127.0.0.1:{port}/api/ping", timeout=30).text == "pong"
        wait_for(lambda: (root / "boot.mark").exists(), timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean shutdown, exit status 0
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
