"""Suite-wide test settings: hypothesis profiles and the pytester plugin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

#: the wire vectors the tests read: copies of reference payloads, each saying where its shape
#: comes from in a ``_source`` field (see ``tests/vectors/README.md``).
VECTORS = Path(__file__).resolve().parent / "vectors"

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI explores a fixed set of examples so that a green main stays green; local runs explore
# new ones each time (and report a reproduction blob for anything they find).
settings.register_profile(
    "ci", parent=settings.get_profile("default"), derandomize=True, print_blob=True
)
# The deep run: ``pytest tests/fuzz --hypothesis-profile=fuzz`` (thousands of examples each).
settings.register_profile(
    "fuzz",
    parent=settings.get_profile("default"),
    max_examples=5000,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


_STORAGE_SETTING = "AzureWebJobsStorage"
#: the value before any app was loaded (collection loads the example apps)
_STORAGE_AT_START = os.environ.get(_STORAGE_SETTING)


def _reset_storage_setting() -> None:
    if _STORAGE_AT_START is None:
        os.environ.pop(_STORAGE_SETTING, None)
    else:
        os.environ[_STORAGE_SETTING] = _STORAGE_AT_START


@pytest.fixture(autouse=True, scope="session")
def _storage_setting_as_the_run_started() -> None:
    """Undo what collecting the example apps applied, before any module fixture runs."""
    _reset_storage_setting()


@pytest.fixture(autouse=True)
def _storage_setting_does_not_leak() -> Iterator[None]:
    """Every test starts and ends with ``AzureWebJobsStorage`` as the test run started.

    Loading an app applies its ``local.settings.json`` to ``os.environ`` (collecting
    ``tests/examples`` does), and an app that says ``UseDevelopmentStorage=true`` sends the
    local host to Azurite: leaked, it would send a later test's host (or a later module
    fixture's) to an Azurite that is not running.
    """
    _reset_storage_setting()
    yield
    _reset_storage_setting()
