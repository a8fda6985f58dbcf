"""Hostile app configuration: every problem is an azfunc error or a finding, never a builtin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from azfunc import ConfigurationError, load_app
from azfunc.app.cli import check_main
from azfunc.host.ncrontab import CronSchedule
from azfunc.host.triggers import HostOptions

DEEP = "[" * 5000 + "]" * 5000


def _folder_app(root: Path, function_json: str, host_json: str = '{"version": "2.0"}') -> Path:
    (root / "host.json").write_text(host_json)
    folder = root / "Fn"
    folder.mkdir()
    (folder / "__init__.py").write_text("def main(req): pass\n")
    (folder / "function.json").write_text(function_json)
    return root


def _check(root: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check_main([str(root)], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_a_deeply_nested_function_json_is_a_finding(tmp_path: Path) -> None:
    root = _folder_app(tmp_path, '{"bindings": ' + DEEP + "}")
    with load_app(root, apply_settings=False) as app:
        codes = [finding.code for finding in app.check()]
    assert codes == ["function-json-invalid"]
    code, text = _check(root)
    assert code == 1
    assert "nested too deeply" in text
    assert "Traceback" not in text


def test_a_deeply_nested_host_json_is_a_finding(tmp_path: Path) -> None:
    bindings = json.dumps({"bindings": [
        {"name": "req", "type": "httpTrigger", "direction": "in"},
        {"name": "$return", "type": "http", "direction": "out"},
    ]})
    root = _folder_app(tmp_path, bindings, host_json=DEEP)
    with load_app(root, apply_settings=False) as app:
        assert "host-json-invalid" in [finding.code for finding in app.check()]


def test_a_deeply_nested_local_settings_is_a_configuration_error(tmp_path: Path) -> None:
    from azfunc.app.settings import read_settings

    (tmp_path / "local.settings.json").write_text('{"Values": ' + DEEP + "}")
    with pytest.raises(ConfigurationError, match="nested too deeply"):
        read_settings(tmp_path)


@pytest.mark.parametrize("schedule", ["² * * * * *", "٣ * * * * *", "0 0 0 \x00 * *"])
def test_unicode_digits_in_a_schedule_are_configuration_errors(schedule: str) -> None:
    with pytest.raises(ConfigurationError, match="NCRONTAB"):
        CronSchedule(schedule)


@pytest.mark.parametrize(
    ("key", "value"),
    [("maxPollingInterval", 1e80), ("visibilityTimeout", "99999999999.00:00"),
     ("maxPollingInterval", float("inf")), ("maxDequeueCount", 1e80),
     ("batchSize", float("nan")), ("visibilityTimeout", "P99999999999D")],
)
def test_huge_host_json_durations_are_configuration_errors(key: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=key):
        HostOptions.from_host_json({"extensions": {"queues": {key: value}}})
