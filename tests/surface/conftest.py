"""The upstream environment, made once per session for the tests that compare with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.surface.upstream_env import upstream_python


@pytest.fixture(scope="session")
def upstream() -> Path:
    """The Python of the environment holding ``azure-functions`` (see ``upstream_env``)."""
    return upstream_python()
