"""Runs one local host in its own process, for the tests that kill a host mid-run.

    python -m tests.storage.host_driver <app folder> <lease seconds> <poll seconds>

Serves no HTTP (the triggers are what these tests exercise) and runs until killed.
"""

from __future__ import annotations

import asyncio
import sys


async def _serve(root: str, lease: float, poll: float) -> None:
    from azfunc.host.local import LocalHost

    host = LocalHost(root, lease=lease, poll_interval=poll)
    await host.startup()
    try:
        await asyncio.Event().wait()
    finally:
        await host.shutdown()


def main(argv: list[str]) -> None:
    root, lease, poll = argv[0], float(argv[1]), float(argv[2])
    asyncio.run(_serve(root, lease, poll))


if __name__ == "__main__":
    main(sys.argv[1:])
