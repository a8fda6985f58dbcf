"""Fixtures of the conformance suite: the app, its vectors, one server per module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS
from tests.host.conftest import serving

#: the app with one function per binding family (folder model, binding names the host accepts)
FAMILIES = Path(__file__).resolve().parent / "apps" / "families"
#: host-shaped envelopes, each with the host file and behaviour it reflects in ``_source``
HOST_VECTORS = VECTORS / "custom_handler_host"


def vector(name: str) -> dict[str, Any]:
    """One vector of ``tests/vectors/custom_handler_host``."""
    data: dict[str, Any] = json.loads((HOST_VECTORS / name).read_text(encoding="utf-8"))
    return data


def bindings_of(root: Path, function: str) -> list[dict[str, Any]]:
    """The ``function.json`` bindings of one function folder."""
    document = json.loads((root / function / "function.json").read_text(encoding="utf-8"))
    bindings: list[dict[str, Any]] = document["bindings"]
    return bindings


@pytest.fixture(scope="module")
def worker_url() -> Iterator[str]:
    """The families app served by the real worker (uvicorn on 127.0.0.1), once per module."""
    from azfunc.host.worker import CustomHandlerWorker

    with serving(CustomHandlerWorker(FAMILIES)) as url:
        yield url
