"""One set of exit statuses for every ``azfunc`` command, and ``--help`` shows defaults.

0 ok, 1 the app is refused, 2 usage (bad arguments, no function app at PATH), 3 the
environment (the port is in use, the output cannot be written).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from azfunc.app.cli import check_main
from azfunc.cli import EXIT_STATUS_HELP, ExitCode, main
from azfunc.host.cli import export_main, start_main, worker_main

GOOD = """\
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="ping")
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")
"""
#: an app ``start`` and ``check`` refuse: the route template does not parse.
REFUSED = GOOD.replace('route="ping"', 'route="items/{id"')
#: an app whose script raises on import.
BROKEN = "raise RuntimeError('broken on import')\n"


def _app(tmp_path: Path, source: str, name: str = "app") -> str:
    root = tmp_path / name
    root.mkdir()
    (root / "function_app.py").write_text(source)
    (root / "host.json").write_text('{"version": "2.0"}')
    return str(root)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_the_codes() -> None:
    assert (ExitCode.OK, ExitCode.APP_ERROR, ExitCode.USAGE, ExitCode.ENVIRONMENT) == (0, 1, 2, 3)


def test_azfunc_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == ExitCode.USAGE
    assert main(["no-such-command"]) == ExitCode.USAGE
    assert main(["--help"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert EXIT_STATUS_HELP in out
    assert all(f"  {name}" in out for name in ("check", "start", "worker", "export"))


@pytest.mark.parametrize("command", [check_main, start_main, worker_main, export_main])
def test_usage_errors_are_2(command: object, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(command)
    assert command(["--no-such-flag"]) == ExitCode.USAGE
    assert command([str(tmp_path / "nowhere")]) == ExitCode.USAGE  # no function app
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert command([str(empty)]) == ExitCode.USAGE
    assert "holds no function app" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--port", "x"], ["--threads", "0"],
                                  ["--header-timeout", "-1"]])
def test_bad_values_are_2(argv: list[str], tmp_path: Path) -> None:
    root = _app(tmp_path, GOOD)
    assert start_main([root, *argv]) == ExitCode.USAGE
    assert worker_main([root, *argv]) == ExitCode.USAGE


@pytest.mark.parametrize("command", [check_main, start_main])
def test_a_refused_app_is_1(command: object, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(command)
    extra = ["--port", "0"] if command is start_main else []
    assert command([_app(tmp_path, REFUSED), *extra]) == ExitCode.APP_ERROR
    captured = capsys.readouterr()
    assert "items/{id" in captured.err + captured.out


@pytest.mark.parametrize("command", [check_main, export_main])
def test_an_app_that_does_not_import_is_1(command: object, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(command)
    assert command([_app(tmp_path, BROKEN)]) == ExitCode.APP_ERROR
    captured = capsys.readouterr()
    assert "broken on import" in captured.err + captured.out


def test_check_and_export_succeed_with_0(tmp_path: Path) -> None:
    root = _app(tmp_path, GOOD)
    assert check_main([root]) == ExitCode.OK
    assert export_main([root, str(tmp_path / "out")]) == ExitCode.OK
    assert (tmp_path / "out" / "ping" / "function.json").is_file()


@pytest.mark.parametrize("command", [start_main, worker_main])
def test_a_busy_port_is_3(command: object, busy_port: int, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(command)
    assert command([_app(tmp_path, GOOD), "--port", str(busy_port)]) == ExitCode.ENVIRONMENT
    err = capsys.readouterr().err
    assert f"port {busy_port} on 127.0.0.1 is in use" in err
    assert "--port" in err


def test_an_address_not_of_this_machine_is_3(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface
    assert start_main([_app(tmp_path, GOOD), "--host", "192.0.2.1", "--port", "0"]) == 3
    assert "cannot listen on 192.0.2.1:0" in capsys.readouterr().err


def test_export_to_an_unwritable_place_is_3(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert export_main([_app(tmp_path, GOOD), str(blocker / "out")]) == ExitCode.ENVIRONMENT
    assert "azfunc export: cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "defaults"), [
    (check_main, ["(default: .)", "(default: python)"]),
    (start_main, ["(default: .)", "(default: 127.0.0.1)", "(default: 10.0)",
                  "(default: 104857600)", "(default: 1000)",
                  "(default: local.settings.json Host.LocalHttpPort, else 7071)",
                  "(default: PYTHON_THREADPOOL_THREAD_COUNT)", "(default: host.json)"]),
    (worker_main, ["(default: .)", "(default: 127.0.0.1)", "(default: 30.0)",
                   "(default: FUNCTIONS_CUSTOMHANDLER_PORT, else 8080)"]),
    (export_main, ["(default: .)", "(default: PATH)", "(default: python)"]),
])
def test_help_names_defaults_and_exit_statuses(command: object, defaults: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(command)
    assert command(["--help"]) == ExitCode.OK
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for default in defaults:
        assert default in text
    assert " ".join(EXIT_STATUS_HELP.split()) in text
    assert "(default: None)" not in text
    assert "(default: False)" not in text
