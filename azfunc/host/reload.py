"""``azfunc start --reload``: serve the app from a child process restarted on every change.

Rules this module keeps:

* The supervisor (:func:`supervise`) holds the listening socket and each child serves it
  (``azfunc start --listen-fd N``): the port, and the connections waiting in its backlog
  while a child restarts, outlive every restart; the next request after a change is
  answered by the new code on the same port.
* A change is a ``.py`` or ``.json`` file created, changed or deleted under the app folder,
  outside ``.azfunc`` (the local storage and keys), virtual environments, ``__pycache__``
  and version-control folders (``watchfiles``' default ignores). The running child is
  stopped as Ctrl-C stops ``azfunc start`` (SIGINT: in-flight requests finish), killed
  after :data:`SHUTDOWN_SECONDS`, and a new one started.
* A child that exits on its own (a syntax error, an app ``start`` refuses) is reported
  with its exit status; the supervisor stays and starts a new child on the next change.
* Ctrl-C or SIGTERM stop the child, then the supervisor (exit status 0).
* Children run in their own session, so a terminal's Ctrl-C reaches them once, through
  the supervisor. POSIX only (the socket is passed as an inherited file descriptor).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from ..cli import ExitCode

if TYPE_CHECKING:
    import socket

__all__ = ["SHUTDOWN_SECONDS", "supervise"]

#: seconds a child may take to shut down after SIGINT before it is killed.
SHUTDOWN_SECONDS: Final = 10.0
_IGNORED_DIRS: Final = (".azfunc",)
_WATCHED_SUFFIXES: Final = (".py", ".json")


def supervise(path: str, sock: socket.socket, command: Sequence[str]) -> int:
    """Run ``command --listen-fd <sock>`` and restart it whenever the app at ``path`` changes.

    Returns the exit status once interrupted (Ctrl-C, SIGTERM).
    """
    try:
        import watchfiles
    except ImportError:  # pragma: no cover - depends on the environment
        print("azfunc start: --reload needs watchfiles: pip install 'azfunc[host]'",
              file=sys.stderr)
        return ExitCode.ENVIRONMENT
    if os.name != "posix":  # pragma: no cover - the test machines are POSIX
        print("azfunc start: --reload needs a POSIX system", file=sys.stderr)
        return ExitCode.ENVIRONMENT
    from ..app.loader import locate_app

    root = locate_app(path)
    argv = [*command, "--listen-fd", str(sock.fileno())]
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"azfunc start: watching {root} for changes (--reload)", file=sys.stderr,
          flush=True)
    child = _spawn(argv, sock)
    reported = False
    try:
        for changes in watchfiles.watch(root, watch_filter=_app_files(watchfiles),
                                        stop_event=stop, yield_on_timeout=True,
                                        rust_timeout=500, raise_interrupt=False):
            if not reported and child.poll() is not None:
                reported = True
                print(f"azfunc start: the app stopped (exit status {child.returncode}); "
                      "waiting for a change to start it again", file=sys.stderr, flush=True)
            if not changes:
                continue
            shown = ", ".join(sorted({os.path.relpath(p, root) for _, p in changes}))
            print(f"azfunc start: {shown} changed; restarting the app", file=sys.stderr,
                  flush=True)
            _stop(child)
            child, reported = _spawn(argv, sock), False
    finally:
        _stop(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return ExitCode.OK


def _app_files(watchfiles: Any) -> Any:
    """The watch filter: the app's ``.py``/``.json`` files, without storage and tool folders."""

    class AppFiles(watchfiles.DefaultFilter):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs,
                                          *_IGNORED_DIRS))

        def __call__(self, change: Any, path: str) -> bool:
            return path.endswith(_WATCHED_SUFFIXES) and bool(super().__call__(change, path))

    return AppFiles()


def _spawn(argv: Sequence[str], sock: socket.socket) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(argv), pass_fds=(sock.fileno(),), start_new_session=True)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Stop ``child`` as Ctrl-C would; kill it if it has not finished in time."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.wait(SHUTDOWN_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
