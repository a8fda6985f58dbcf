"""``azfunc export`` and the command-line entry points of the host."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from azfunc.app.loader import load_app
from azfunc.cli import main
from azfunc.host.export import custom_handler_host_json, export_app
from azfunc.wire.custom_handler import host_binding_name
from tests.conftest import VECTORS


def test_export_writes_folder_layout(app_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["export", str(app_dir), str(out)]) == 0
    app = load_app(app_dir, apply_settings=False)
    for name, info in app.functions.items():
        document = json.loads((out / name / "function.json").read_text())
        expected = info.to_function_json()["bindings"]
        for entry in expected:  # Python names the host refuses get the host's spelling
            entry["name"] = host_binding_name(entry["name"])
        assert document["bindings"] == expected
        assert (out / name / document["scriptFile"]).resolve() == (
            out / "function_app.py").resolve()
    host = json.loads((out / "host.json").read_text())
    handler = host["customHandler"]["description"]
    assert handler["defaultExecutablePath"] == "python"
    assert handler["arguments"] == ["-m", "azfunc", "worker"]
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    # the output folder is a self-contained app with the same functions
    exported = load_app(out, apply_settings=False)
    assert sorted(exported.functions) == sorted(app.functions)
    assert exported.check() == []
    # the same keys as the documented host.json variants
    documented = json.loads((VECTORS / "custom_handler" / "host_json_variants.json").read_text())
    assert set(handler) <= set(documented["docs_with_args"]["customHandler"]["description"])
    assert set(host) >= set(documented["docs_bundle"])


def test_export_keeps_existing_host_settings_and_forwarding(app_dir: Path) -> None:
    (app_dir / "host.json").write_text(json.dumps(
        {"version": "2.0", "extensionBundle": {"id": "x", "version": "1"}, "logging": {}}
    ))
    written = export_app(app_dir, python="python3.12", forwarding=True)
    host = json.loads((app_dir / "host.json").read_text())
    assert host["extensionBundle"] == {"id": "x", "version": "1"}
    assert "logging" in host
    assert host["customHandler"]["enableForwardingHttpRequest"] is True
    assert host["customHandler"]["description"]["defaultExecutablePath"] == "python3.12"
    assert app_dir / "hello" / "function.json" in written


def test_custom_handler_section_is_pure() -> None:
    source = {"version": "2.0"}
    result = custom_handler_host_json(source)
    assert source == {"version": "2.0"}
    assert "customHandler" in result


@pytest.mark.parametrize("command", ["start", "worker", "export"])
def test_help_and_bad_paths(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    import azfunc.host.server as server

    monkeypatch.setattr(server, "configure_logging", lambda level=0: None)
    assert main([command, "--help"]) == 0
    assert "usage" in capsys.readouterr().out
    assert main([command, str(tmp_path / "missing")]) == 2  # usage: no app at PATH
    assert "does not exist" in capsys.readouterr().err
    assert main([command, "--nosuchflag"]) == 2


def test_worker_port_from_the_host(monkeypatch: pytest.MonkeyPatch, app_dir: Path) -> None:
    import azfunc.host.server as server

    calls: list[tuple[object, str, int]] = []
    asked: list[tuple[str, int]] = []
    real_bind = server.bind_socket

    def fake_bind(host: str, port: int) -> socket.socket:
        asked.append((host, port))
        return real_bind("127.0.0.1", 0)

    def fake_serve(app: object, *, host: str, port: int, **_: object) -> None:
        calls.append((app, host, asked[-1][1]))

    monkeypatch.setattr(server, "bind_socket", fake_bind)
    monkeypatch.setattr(server, "serve", fake_serve)
    monkeypatch.setattr(server, "configure_logging", lambda level=0: None)
    monkeypatch.setenv("FUNCTIONS_CUSTOMHANDLER_PORT", "45678")
    assert main(["worker", str(app_dir)]) == 0
    assert main(["start", str(app_dir), "--port", "7072", "--threads", "3"]) == 0
    (worker, worker_host, worker_port), (local, _, local_port) = calls
    assert (type(worker).__name__, worker_host, worker_port) == (
        "CustomHandlerWorker", "127.0.0.1", 45678)
    assert (type(local).__name__, local_port) == ("LocalHost", 7072)


_CLASHING_APP = '''
import azfunc as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="in_msg", queue_name="q", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="inMsg", queue_name="o", connection="AzureWebJobsStorage")
def relay(in_msg: str, inMsg: func.Out[str]) -> None:
    inMsg.set(in_msg)
'''


def test_export_refuses_names_it_cannot_map(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "function_app.py").write_text(_CLASHING_APP)
    assert main(["export", str(app), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "'in_msg'" in err
    assert "inMsg" in err
    assert not (tmp_path / "out").exists()


def test_export_summary_names_renames_and_keeps_case_insensitive_sections(
    app_dir: Path, tmp_path: Path
) -> None:
    from azfunc.host.export import export

    (app_dir / "host.json").write_text(json.dumps({
        "version": "2.0", "CustomHandler": {"EnableForwardingHttpRequest": "true"},
        "ExtensionBundle": {"id": "x", "version": "1"}}))
    result = export(app_dir, tmp_path / "out", python="/usr/bin/python3")
    host = json.loads((tmp_path / "out" / "host.json").read_text())
    assert set(host) == {"version", "customHandler", "extensionBundle"}
    assert host["customHandler"]["enableForwardingHttpRequest"] is True
    assert host["extensionBundle"] == {"id": "x", "version": "1"}
    summary = result.summary()
    assert "/usr/bin/python3 -m azfunc worker" in summary
    assert "forwarded" in summary
    assert result.renamed == []  # the sample app's names are valid as they are (the
    # renaming itself: test_conformance.py::test_export_maps_python_parameter_names_...)


def test_export_writes_functions_worker_runtime_custom(app_dir: Path, tmp_path: Path) -> None:
    """With ``FUNCTIONS_WORKER_RUNTIME=python`` the host starts its own Python worker and
    never the custom handler: the settings export writes say ``custom``."""
    from azfunc.host.export import export

    result = export(app_dir, tmp_path / "out")
    settings = json.loads((tmp_path / "out" / "local.settings.json").read_text())
    assert settings["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "custom"
    assert tmp_path / "out" / "local.settings.json" in result.written
    assert "FUNCTIONS_WORKER_RUNTIME=custom" in result.summary()


def test_export_turns_an_existing_python_runtime_into_custom(
    app_dir: Path, tmp_path: Path
) -> None:
    from azfunc.host.export import export

    (app_dir / "local.settings.json").write_text(json.dumps({
        "IsEncrypted": False,
        "Values": {"functions_worker_runtime": "python", "AzureWebJobsStorage": "x"},
        "Host": {"LocalHttpPort": 7999}}))
    result = export(app_dir)  # OUT is the app itself: its own settings file is updated
    settings = json.loads((app_dir / "local.settings.json").read_text())
    assert settings["Values"] == {"FUNCTIONS_WORKER_RUNTIME": "custom",
                                  "AzureWebJobsStorage": "x"}
    assert settings["Host"] == {"LocalHttpPort": 7999}
    summary = result.summary()
    assert "'python'" in summary
    assert "FUNCTIONS_WORKER_RUNTIME=custom" in summary


def test_export_refuses_a_local_settings_file_it_cannot_read(
    app_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app_dir / "local.settings.json").write_text('{"Values": [1]}')
    assert main(["export", str(app_dir), str(tmp_path / "out")]) == 1
    assert "local.settings.json" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
