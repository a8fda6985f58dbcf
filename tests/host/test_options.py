"""HostOptions reads host.json durations with the one duration rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from azfunc import ConfigurationError
from azfunc.host.triggers import HostOptions


def _queues(**values: object) -> dict[str, object]:
    return {"extensions": {"queues": values}}


@pytest.mark.parametrize(("raw", "expected"), [
    (2, timedelta(seconds=2)),
    ("00:00:02", timedelta(seconds=2)),
    ("PT2S", timedelta(seconds=2)),
    ("0.5", timedelta(milliseconds=500)),
])
def test_durations_read_every_form_and_numbers_are_seconds(raw: object,
                                                            expected: timedelta) -> None:
    options = HostOptions.from_host_json(_queues(maxPollingInterval=raw, visibilityTimeout=raw))
    assert options.poll_interval == expected
    assert options.visibility_timeout == expected


@pytest.mark.parametrize("raw", ["soon", True, "-00:00:01", "99999999999.00:00"])
def test_a_bad_duration_names_the_setting(raw: object) -> None:
    with pytest.raises(ConfigurationError, match=r"extensions\.queues\.visibilityTimeout"):
        HostOptions.from_host_json(_queues(visibilityTimeout=raw))


def test_a_bad_count_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"extensions\.queues\.batchSize"):
        HostOptions.from_host_json(_queues(batchSize=0))
