"""``azfunc check`` reports storage bindings whose connection setting cannot be resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azfunc.app.cli import check_main

APP = '''
import azfunc as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="work", connection="Jobs")
def worker(msg: func.QueueMessage) -> None:
    pass
'''


def _app(tmp_path: Path, values: dict[str, str]) -> Path:
    (tmp_path / "function_app.py").write_text(APP)
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    (tmp_path / "local.settings.json").write_text(json.dumps({"Values": values}))
    return tmp_path


@pytest.mark.parametrize("value", ["", "UseDevelopmentStorage=true", "AccountName=a;AccountKey=k"])
def test_resolvable_connections_are_clean(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_main(["-q", str(_app(tmp_path, {"Jobs": value}))]) == 0, capsys.readouterr()


def test_unresolvable_connection_is_a_finding_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_main([str(_app(tmp_path, {"Jobs": "AccountName=a"}))]) == 1
    out = capsys.readouterr().out
    assert "worker" in out
    assert "has no credential: add AccountKey=" in out


def test_missing_endpoint_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"Jobs": "BlobEndpoint=http://127.0.0.1:1/a;SharedAccessSignature=sv=1"}
    assert check_main([str(_app(tmp_path, values))]) == 1
    assert "no queue endpoint" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["azure.storage.queue", "azure.identity"])
def test_a_missing_sdk_package_is_a_finding_with_the_fix(
    tmp_path: Path, module: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    values = {"Jobs__queueServiceUri": "https://a.queue.core.windows.net"}
    assert check_main([str(_app(tmp_path, values))]) == 1
    out = capsys.readouterr().out
    fix = "pip install 'azfunc[storage]'" if "storage" in module else "pip install azure-identity"
    assert fix in out


def test_the_embedded_store_needs_no_sdk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "azure.storage.queue", None)
    assert check_main(["-q", str(_app(tmp_path, {"Jobs": ""}))]) == 0, capsys.readouterr()
