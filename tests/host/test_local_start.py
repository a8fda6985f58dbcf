"""``azfunc start`` as a process: Host.LocalHttpPort, and --port winning over it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from .conftest import wait_for

APP = """\
import os
from pathlib import Path
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="ping")
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")

@app.timer_trigger(arg_name="t", schedule="0 0 0 1 1 *", run_on_startup=True)
def boot(t: func.TimerRequest) -> None:
    Path(os.environ["BOOT_MARK"]).write_text("ran")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(tmp_path: Path, host: dict[str, object]) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0"}')
    (root / "local.settings.json").write_text(json.dumps({"Values": {}, "Host": host}))
    return root


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BOOT_MARK": str(root.parent / "boot.mark")}
    return subprocess.Popen([sys.executable, "-m", "azfunc", "start", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def test_local_http_port_is_used(tmp_path: Path) -> None:
    port = _free_port()
    root = _app(tmp_path, {"LocalHttpPort": port})
    proc = _start(root)
    try:
        assert proc.stdout is not None
        line = ""
        while "azfunc local host on" not in line:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
        assert f"http://127.0.0.1:{port}/api/" in line
        wait_for(lambda: _answers(port), timeout=30)
    finally:
        _stop(proc)


def test_port_flag_wins_over_local_http_port(tmp_path: Path) -> None:
    port = _free_port()
    root = _app(tmp_path, {"LocalHttpPort": 1})
    proc = _start(root, "--port", str(port))
    try:
        wait_for(lambda: _answers(port), timeout=30)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.communicate(timeout=30)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/ping").text == "pong"
    except httpx.TransportError:
        return False
