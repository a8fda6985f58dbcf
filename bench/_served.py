"""A server subprocess on a free 127.0.0.1 port, for the cases that load a real server.

Rules this module keeps:

* The port is chosen before the process starts (:func:`free_port`) and the start is awaited
  by connecting to it, bounded in time; a process that exits or never listens raises
  ``RuntimeError`` naming it. With ``http_ready``, the start is awaited until an HTTP
  request is answered (any status): ``azfunc start`` listens before its app's startup
  runs, and a startup that fails closes the connections that came meanwhile.
* The process is terminated (killed after 10 s) when the context ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ServedProcess", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(probe: socket.socket, deadline: float) -> bool:
    """Whether an HTTP request on ``probe`` gets a status line before ``deadline``."""
    probe.settimeout(max(0.1, deadline - time.monotonic()))
    probe.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    return probe.recv(16).startswith(b"HTTP/1.")


class ServedProcess:
    """``cmd`` started with ``env`` (and ``cwd``), serving on :attr:`port` once built."""

    def __init__(self, cmd: list[str], *, port: int, env: Mapping[str, str], what: str,
                 cwd: Path | None = None, timeout: float = 30.0,
                 http_ready: bool = False) -> None:
        self.port = port
        self.proc = subprocess.Popen(cmd, env=dict(env), cwd=cwd)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as probe:
                    if not http_ready or _answers(probe, deadline):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                code = self.proc.poll()
                self.close()
                raise RuntimeError(f"{what} did not start (exit code {code})")
            time.sleep(0.05)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server process has used (Linux ``/proc``)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self) -> ServedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
