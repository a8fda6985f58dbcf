"""authLevel keys, as the Functions host enforces them (AuthUtility / SecretManager rules)."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from pathlib import Path

import httpx
import pytest

from azfunc import ConfigurationError
from azfunc.host.keys import KeyStore, allows, presented_key
from azfunc.host.local import LocalHost

APP = '''
import azfunc as func

app = func.FunctionApp()

@app.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
def open_(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")

@app.route(route="guarded")
def guarded(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("guarded")

@app.route(route="other", auth_level=func.AuthLevel.FUNCTION)
def other(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("other")

@app.route(route="root", auth_level=func.AuthLevel.ADMIN)
def root(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("root")
'''

REMOTE = ("10.1.2.3", 50000)
LOCAL = ("127.0.0.1", 50000)


@pytest.fixture
def host(tmp_path: Path) -> LocalHost:
    root = tmp_path / "app"
    root.mkdir()
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0"}')
    return LocalHost(root)


def _get(host: LocalHost, path: str, *, client: tuple[str, int] = REMOTE,
         key: str | None = None, code: str | None = None) -> int:
    async def main() -> int:
        transport = httpx.ASGITransport(app=host, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://h") as http:
            headers = {"x-functions-key": key} if key is not None else {}
            params = {"code": code} if code is not None else {}
            response = await http.get(path, headers=headers, params=params)
            return response.status_code

    return asyncio.run(main())


def test_the_key_store_is_created_once_private_with_a_key_per_http_function(
    host: LocalHost,
) -> None:
    keys = host.keys
    assert keys.created
    assert set(keys.functions) == {"open_", "guarded", "other", "root"}
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    again = KeyStore.open(keys.path.parent, functions=["guarded"])
    assert not again.created
    assert again.master_key == keys.master_key
    assert again.functions["guarded"] == keys.functions["guarded"]


def test_anonymous_functions_need_no_key(host: LocalHost) -> None:
    assert _get(host, "/api/open") == 200


def test_function_level_takes_its_own_key_a_host_key_or_the_master_key(
    host: LocalHost,
) -> None:
    keys = host.keys
    assert _get(host, "/api/guarded") == 401
    assert _get(host, "/api/guarded", key="wrong") == 401
    assert _get(host, "/api/guarded", key=keys.functions["guarded"]["default"]) == 200
    assert _get(host, "/api/guarded", code=keys.functions["guarded"]["default"]) == 200
    assert _get(host, "/api/guarded", key=keys.host_keys["default"]) == 200
    assert _get(host, "/api/guarded", key=keys.master_key) == 200
    # another function's key does not open this one
    assert _get(host, "/api/guarded", key=keys.functions["other"]["default"]) == 401
    # the header wins over the query, as in the Functions host
    assert _get(host, "/api/guarded", key="wrong", code=keys.master_key) == 401


def test_admin_level_takes_only_the_master_key(host: LocalHost) -> None:
    keys = host.keys
    assert _get(host, "/api/root", key=keys.host_keys["default"]) == 401
    assert _get(host, "/api/root", key=keys.functions["root"]["default"]) == 401
    assert _get(host, "/api/root", key=keys.master_key) == 200


def test_admin_endpoints_take_the_master_key_off_loopback(host: LocalHost) -> None:
    keys = host.keys
    assert _get(host, "/admin/host/status") == 401
    assert _get(host, "/admin/functions", key=keys.host_keys["default"]) == 401
    assert _get(host, "/admin/functions", key=keys.master_key) == 200
    assert _get(host, "/admin/host/status", client=LOCAL) == 200


def test_loopback_is_relaxed_unless_keys_are_enforced(host: LocalHost) -> None:
    assert _get(host, "/api/root", client=LOCAL) == 200
    host.enforce_keys = True
    assert _get(host, "/api/root", client=LOCAL) == 401
    assert _get(host, "/admin/host/status", client=LOCAL) == 401
    assert _get(host, "/api/root", client=LOCAL, key=host.keys.master_key) == 200


def test_unknown_paths_answer_404_without_a_key(host: LocalHost) -> None:
    assert _get(host, "/api/nosuch") == 404


def test_settings_override_the_stored_keys(tmp_path: Path) -> None:
    store = KeyStore.open(tmp_path, settings={"AZFUNC_MASTER_KEY": "m-from-settings",
                                              "AZFUNC_HOST_KEY": "h"})
    assert store.level("m-from-settings", None) == ("_master", "admin")
    assert store.level("h", "any") == ("default", "function")
    assert "m-from-settings" not in store.path.read_text()


def test_system_keys_open_system_functions_only(tmp_path: Path) -> None:
    store = KeyStore.open(tmp_path)
    store.system_keys["ext"] = "s"
    assert store.authorize("system", "s", None)
    assert not store.authorize("function", "s", None)
    assert allows("system", "admin")


@pytest.mark.parametrize("text", ["[", "[]", '{"masterKey": 1}', "[" * 5000,
                                  '{"masterKey": "m", "functionKeys": {"a": 2}}'])
def test_a_broken_key_store_is_a_configuration_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "keys.json").write_text(text)
    with pytest.raises(ConfigurationError, match="key store"):
        KeyStore.open(tmp_path)


def test_the_presented_key_header_first_then_code() -> None:
    assert presented_key([(b"X-Functions-Key", b"a")], b"code=b") == "a"
    assert presented_key([], b"x=1&code=b+c") == "b c"
    assert presented_key([], b"codes=1") is None


def test_keys_never_reach_the_log(host: LocalHost, caplog: pytest.LogCaptureFixture) -> None:
    _get(host, "/api/guarded", key="not-a-key-1234")
    _get(host, "/api/guarded", key=host.keys.master_key)
    text = caplog.text + json.dumps([r.getMessage() for r in caplog.records])
    assert host.keys.master_key not in text
    assert "not-a-key-1234" not in text


@pytest.mark.parametrize(("argv", "enforced"), [
    ([], False), (["--host", "0.0.0.0"], True), (["--host", "::1"], False),
    (["--enforce-keys"], True), (["--host", "192.168.1.4"], True),
])
def test_start_enforces_keys_off_loopback_and_prints_them_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], enforced: bool,
) -> None:
    from azfunc.host import cli, server

    root = tmp_path / "app"
    root.mkdir()
    (root / "function_app.py").write_text(APP)
    served: list[LocalHost] = []
    bound: list[socket.socket] = []
    real_bind = server.bind_socket

    def bind_loopback(host: str, port: int) -> socket.socket:
        # the --host addresses above need not be this machine's; the keys do not care
        bound.append(real_bind("127.0.0.1", 0))
        return bound[-1]

    monkeypatch.setattr(server, "bind_socket", bind_loopback)
    monkeypatch.setattr(server, "serve", lambda app, **kw: served.append(app))
    monkeypatch.setattr(server, "configure_logging", lambda level=0: None)
    assert cli.start_main([str(root), *argv]) == 0
    assert served[0].enforce_keys is enforced
    first = capsys.readouterr().out
    assert served[0].keys.master_key in first
    assert cli.start_main([str(root), *argv]) == 0
    assert served[1].keys.master_key not in capsys.readouterr().out
    for sock in bound:
        sock.close()
