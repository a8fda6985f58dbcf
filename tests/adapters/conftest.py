"""Helpers of the adapter tests: requests as the host builds them, real loopback servers."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

import azfunc as func

APPS = Path(__file__).resolve().parent / "apps"


def host_request(
    method: str,
    target: str,
    *,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | str | None = None,
    base: str = "http://localhost:7071",
    prefix: str = "/api",
) -> func.HttpRequest:
    """A request for ``target`` (``"items/1?q=x"``) under the route prefix, as the local host
    builds it for a ``{*route}`` function: full URL, decoded route parameter."""
    path = target.partition("?")[0]
    return func.HttpRequest(
        method,
        f"{base}{prefix}/{target}",
        headers=headers,
        route_params={"route": unquote(path)},
        body=body,
    )


def encoded(method: str, target: str, **kwargs: Any) -> func.HttpRequest:
    """A request whose body and Content-Type httpx encodes (``json=``, ``data=``, ``files=``)."""
    built = httpx.Request(method, f"http://localhost:7071/api/{target}", **kwargs)
    headers = [(k, v) for k, v in built.headers.multi_items() if k.lower() != "host"]
    return host_request(method, target, headers=headers, body=built.read())


@contextmanager
def app_root(tmp_path: Path, module: str) -> Iterator[Path]:
    """A function app directory whose ``function_app.py`` is the test app ``module``."""
    root = tmp_path / module
    root.mkdir()
    shutil.copy(APPS / f"{module}.py", root / "function_app.py")
    (root / "host.json").write_text('{"version": "2.0"}')
    yield root


def chunked(data: bytes) -> bytes:
    """``data`` as one chunk of a ``Transfer-Encoding: chunked`` body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def read_until(sock: socket.socket, marker: bytes, seen: bytes = b"") -> bytes:
    """What ``sock`` received up to and including ``marker`` (the connection must stay open)."""
    while marker not in seen:
        data = sock.recv(65536)
        if not data:
            raise AssertionError(f"the connection closed before {marker!r}; got {seen!r}")
        seen += data
    return seen
