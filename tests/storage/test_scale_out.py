"""Three hosts on one Azurite queue are competing consumers; a SIGKILL loses nothing."""

from __future__ import annotations

from pathlib import Path

from .conftest import Azurite
from .scale_out import run
from .test_azurite_e2e import _clean


def test_three_hosts_one_killed_lose_nothing_and_duplicate_only_interrupted(
    tmp_path: Path, azurite: Azurite
) -> None:
    _clean(azurite.connection_string)
    outcome = run(azurite.connection_string, tmp_path, 90, 3, timeout=240, delay=0.05)
    assert outcome.lost == []
    assert outcome.processed == 90
    # only messages the killed host had started can run twice: ones it did not finish
    # (their last run saw a dequeue count > 1), at most its batch in flight
    assert set(outcome.duplicated) <= outcome.killed_ran
    assert set(outcome.duplicated) <= set(outcome.redelivered)
    assert len(outcome.redelivered) <= 8 + 4  # the killed host's batch and prefetch, no more
    assert len([n for n in outcome.runs_per_host.values() if n]) >= 2  # shared work
    assert len(outcome.killed_ran) < outcome.sent // 2  # the kill fell mid-run
