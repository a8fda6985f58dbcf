"""Runs one local host in its own process, for the tests that kill a host mid-run.

    python -m tests.storage.host_driver <app folder> <lease seconds> <poll seconds>

Serves no HTTP (the triggers are what these tests exercise) and runs until killed. Once
started it writes ``ready-<pid>`` into ``AZFUNC_TEST_MARKS`` when that is set.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


async def _serve(root: str, lease: float, poll: float) -> None:
    from azfunc.host.local import LocalHost

    host = LocalHost(root, lease=lease, poll_interval=poll)
    await host.startup()
    marks = os.environ.get("AZFUNC_TEST_MARKS")
    if marks:
        (Path(marks) / f"ready-{os.getpid()}").write_text("ready")
    try:
        await asyncio.Event().wait()
    finally:
        await host.shutdown()


def main(argv: list[str]) -> None:
    root, lease, poll = argv[0], float(argv[1]), float(argv[2])
    asyncio.run(_serve(root, lease, poll))


if __name__ == "__main__":
    main(sys.argv[1:])
