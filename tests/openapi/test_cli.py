"""``azfunc openapi``: exit statuses 0 (written), 1 (no app or a function that failed to
load), 2 (usage), stdout or ``-o FILE``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from azfunc.cli import COMMANDS, main

from .conftest import make_app_dir


def test_the_command_is_in_the_table() -> None:
    assert COMMANDS["openapi"][0] == "azfunc.openapi.cli:openapi_main"


def test_writes_the_document_to_stdout(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", str(make_app_dir(tmp_path)), "--title", "Shop",
                 "--api-version", "2.1"]) == 0
    document = json.loads(capsys.readouterr().out)
    validate(document)
    assert document["info"] == {"title": "Shop", "version": "2.1"}


def test_writes_the_document_to_a_file(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "openapi.json"
    assert main(["openapi", str(make_app_dir(tmp_path)), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    validate(json.loads(out.read_text()))


def test_no_app_is_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", str(tmp_path)]) == 1
    assert "holds no function app" in capsys.readouterr().err


def test_an_app_whose_module_fails_is_1(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "function_app.py").write_text("raise RuntimeError('boom')\n")
    assert main(["openapi", str(tmp_path)]) == 1
    assert "boom" in capsys.readouterr().err


def test_an_unwritable_output_is_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "missing" / "dir" / "openapi.json"
    assert main(["openapi", str(make_app_dir(tmp_path)), "-o", str(out)]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_bad_usage_is_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "--no-such-flag"]) == 2
    assert "usage: azfunc openapi" in capsys.readouterr().err
