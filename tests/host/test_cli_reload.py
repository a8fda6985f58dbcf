"""``azfunc start --reload`` as a process over loopback: the new code answers on the same port.

The supervisor keeps the listening socket across restarts; a syntax error is reported and
the supervisor stays, so fixing the file brings the app back on the same port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from .conftest import wait_for

APP = """\
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="ping")
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("{answer}")
"""


class _Lines:
    """The lines a stream prints, read on a thread."""

    def __init__(self, stream: object) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line)

    def close(self, stream: object) -> None:
        self._thread.join(timeout=30)
        stream.close()  # type: ignore[attr-defined]

    def text(self) -> str:
        return "".join(self.lines)


def _answer(port: int) -> str | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/api/ping", timeout=10)
    except httpx.TransportError:
        return None
    return response.text if response.status_code == 200 else None


def test_a_changed_file_is_served_on_the_same_port(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "host.json").write_text('{"version": "2.0"}')
    script = root / "function_app.py"
    script.write_text(APP.format(answer="one"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "azfunc", "start", str(root), "--port", "0", "--reload"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    out, err = _Lines(proc.stdout), _Lines(proc.stderr)
    try:
        banner = wait_for(lambda: next(
            (line for line in out.lines if "azfunc local host on" in line), None), timeout=60)
        port = int(banner.split("127.0.0.1:")[1].split("/")[0])
        assert wait_for(lambda: _answer(port), timeout=60) == "one"

        script.write_text(APP.format(answer="two"))
        wait_for(lambda: _answer(port) == "two", timeout=60)  # same port, new code
        assert "function_app.py changed; restarting the app" in err.text()

        script.write_text("import azfunc as func\ndef broken(:\n")
        wait_for(lambda: "SyntaxError" in err.text(), timeout=60)
        assert proc.poll() is None  # the supervisor stays

        script.write_text(APP.format(answer="three"))
        wait_for(lambda: _answer(port) == "three", timeout=60)
        banners = [line for line in out.lines if "azfunc local host on" in line]
        assert len(banners) >= 3
        assert all(f"127.0.0.1:{port}/" in line for line in banners)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        out.close(proc.stdout)
        err.close(proc.stderr)
    assert proc.returncode == 0, err.text()
