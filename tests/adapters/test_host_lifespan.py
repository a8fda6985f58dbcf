"""Hosts run a framework app's ASGI lifespan once, when they start and stop, not per request."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import azfunc as func
from azfunc.host.local import LocalHost
from azfunc.host.worker import CustomHandlerWorker


def _app(root: Path, events: list[str], *, fail: bool = False) -> func.LoadedApp:
    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    events.append("startup")
                    if fail:
                        await send({"type": "lifespan.startup.failed", "message": "no db"})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    events.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = func.AsgiFunctionApp(asgi, http_auth_level=func.AuthLevel.ANONYMOUS)
    return func.LoadedApp(root=root, kind="decorator", functions=app.get_functions())


@pytest.mark.parametrize("host_class", [LocalHost, CustomHandlerWorker])
def test_startup_and_shutdown_run_once_with_the_host(host_class: Any, tmp_path: Path) -> None:
    events: list[str] = []
    host = host_class(_app(tmp_path, events))

    async def run() -> None:
        await host.startup()
        assert events == ["startup"]  # before any request
        await host.shutdown()

    asyncio.run(run())
    assert events == ["startup", "shutdown"]


def test_a_failing_startup_stops_the_host_with_the_apps_message(tmp_path: Path) -> None:
    events: list[str] = []
    host = LocalHost(_app(tmp_path, events, fail=True))

    async def run() -> None:
        await host.startup()

    with pytest.raises(func.FunctionLoadError, match="no db"):
        asyncio.run(run())
    assert events == ["startup"]
