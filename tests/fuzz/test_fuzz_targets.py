"""The coverage-guided fuzz targets (``fuzz/targets.py``) stay importable and honest.

``scripts/fuzz.py`` runs them for minutes; this runs each on its seeds and on a few dozen
arbitrary inputs, so a refactor that breaks a target's imports or its contract (only
``AzFuncError`` escapes) fails the suite instead of the next fuzzing campaign.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azfunc import AzFuncError
from fuzz.targets import SEEDS, TARGETS


def test_every_target_has_seeds() -> None:
    assert set(SEEDS) == set(TARGETS)
    assert all(SEEDS[name] for name in TARGETS)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_run_without_foreign_errors(name: str) -> None:
    for seed in SEEDS[name]:
        with contextlib.suppress(AzFuncError):
            TARGETS[name](seed)


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_raise_only_azfunc_errors(name: str, data: bytes) -> None:
    with contextlib.suppress(AzFuncError):
        TARGETS[name](data)
