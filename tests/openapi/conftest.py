"""Fixtures of the OpenAPI tests: the typed app loaded, and a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

APP_SOURCE = Path(__file__).resolve().parent / "typed_app.py"


def make_app_dir(tmp_path: Path, host_json: str = '{"version": "2.0"}') -> Path:
    """A folder holding the typed app as ``function_app.py`` and ``host.json``."""
    root = tmp_path / "typed_app"
    root.mkdir(parents=True)
    (root / "function_app.py").write_text(APP_SOURCE.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (root / "host.json").write_text(host_json, encoding="utf-8")
    return root


@pytest.fixture
def typed_app(tmp_path: Path) -> Iterator[Any]:
    """The typed app loaded from a copy (its storage stays out of the repo)."""
    from azfunc.app.loader import load_app

    with load_app(make_app_dir(tmp_path)) as app:
        yield app
