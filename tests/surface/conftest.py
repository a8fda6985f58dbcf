"""The upstream environments, made once per session for the tests that compare with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.surface.upstream_env import upstream_python


@pytest.fixture(scope="session")
def upstream() -> Path:
    """The Python of the environment holding ``azure-functions`` 1.x (see ``upstream_env``)."""
    return upstream_python(".venv-upstream")


@pytest.fixture(scope="session")
def upstream2() -> Path:
    """The Python 3.13 environment holding ``azure-functions`` 2.x and the Durable SDK."""
    return upstream_python(".venv-upstream2")
