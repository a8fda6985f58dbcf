"""Shared fixtures of the function-app tests: fixture apps and process-state isolation.

Loading an app changes process state (``sys.modules``, ``sys.path`` for decorator apps,
``os.environ`` from local settings); every test gets it restored afterwards.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

#: the fixture apps; not collected as tests or doctests.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True)
def _isolate_process_state() -> Iterator[None]:
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    yield
    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path
    prefix = str(FIXTURES) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        from_fixture = isinstance(file, str) and file.startswith(prefix)
        if from_fixture or name in ("__app__", "function_app") or name.startswith("__app__."):
            del sys.modules[name]


@pytest.fixture
def fixtures() -> Path:
    """The folder holding the fixture apps."""
    return FIXTURES
