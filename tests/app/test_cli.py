"""``azfunc check``: exit codes and output, in-process and as ``python -m azfunc``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from azfunc.app.cli import check_main
from azfunc.cli import main as azfunc_main

REPO = Path(__file__).resolve().parents[2]


def test_clean_app_exits_0_with_a_summary(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert azfunc_main(["check", str(fixtures / "folder_app")]) == 0
    out = capsys.readouterr().out
    assert "folder app, 6 functions" in out
    assert "  my_first_function: httpTrigger" in out
    assert "  disabled_fn: timerTrigger (disabled)" in out


def test_decorator_app_file_path(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Out[str | None] and Out[list[str]] are fine for azfunc's own hosts, not for the worker
    app = str(fixtures / "decorator_app" / "function_app.py")
    assert check_main([app, "--runtime", "custom"]) == 0
    out = capsys.readouterr().out
    assert "decorator app, 6 functions" in out
    assert "  Renamed: queueTrigger" in out


def test_the_standard_worker_checks_are_on_by_default(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_main([str(fixtures / "decorator_app" / "function_app.py")]) == 1
    out = capsys.readouterr().out
    assert "Renamed: FunctionLoadError: cannot load the Renamed function: binding out has " \
        "invalid non-type annotation" in out


def test_problems_exit_1_one_line_each(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert azfunc_main(["check", str(fixtures / "folder_invalid")]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 18
    assert all(": " in line for line in lines)
    for line in lines:  # "<name>: <message>", the message not repeating the name
        name, _, message = line.partition(": ")
        assert f"the {name} function" not in message, line
        assert not message.startswith("cannot load the "), line
    assert "18 problems found" in captured.err


def test_no_app_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_main([str(tmp_path)]) == 2
    assert "holds no function app" in capsys.readouterr().err
    assert check_main(["--no-such-flag"]) == 2


def test_default_path_is_cwd(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(fixtures / "decorator_duplicates")
    assert check_main([]) == 1
    assert "Same: 2 functions have this name" in capsys.readouterr().out


def test_quiet_prints_nothing_for_a_clean_app(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_main(["-q", str(fixtures / "folder_app")]) == 0
    assert capsys.readouterr().out == ""


def test_check_does_not_apply_local_settings(fixtures: Path) -> None:
    assert check_main(["-q", str(fixtures / "folder_app")]) == 0
    assert "AZFUNC_TEST_FOLDER_SETTING" not in os.environ


@pytest.mark.parametrize(
    ("app", "code"), [("folder_app", 0), ("folder_invalid", 1), ("no_such_dir", 2)]
)
def test_python_dash_m_azfunc(fixtures: Path, app: str, code: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "azfunc", "check", str(fixtures / app)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert proc.returncode == code, proc.stderr
    if code == 1:
        assert "param_without_binding: parameter " in proc.stdout
