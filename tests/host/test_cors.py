"""CORS of the local host (``local.settings.json`` ``Host.CORS``), over real HTTP.

Facts from Core Tools, which puts ASP.NET Core's CORS middleware with
``WithOrigins(...).AllowAnyHeader().AllowAnyMethod()`` (plus ``AllowCredentials()`` with
``CORSCredentials``) in front of the functions: preflights never reach a function and echo
the requested method and headers; a disallowed origin gets no CORS header.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc
from azfunc.host.cors import CorsPolicy
from azfunc.host.host_settings import LocalHostSettings
from azfunc.host.local import LocalHost

from .conftest import serving

HERE = Path(__file__).resolve().parent
ALLOWED = "http://127.0.0.1:5500"


def make_app(root: Path, host: dict[str, object] | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "cors_app.py", root / "function_app.py")
    (root / "host.json").write_text('{"version": "2.0"}')
    settings: dict[str, object] = {"IsEncrypted": False, "Values": {}}
    if host is not None:
        settings["Host"] = host
    (root / "local.settings.json").write_text(json.dumps(settings))
    return root


@pytest.fixture
def cors_url(tmp_path: Path) -> Iterator[str]:
    root = make_app(tmp_path / "app", {"CORS": f"{ALLOWED}, http://other.test/"})
    with serving(LocalHost(root)) as url:
        yield url


def test_allowed_origin_gets_origin_and_vary(cors_url: str) -> None:
    r = httpx.get(f"{cors_url}/api/data", headers={"Origin": ALLOWED})
    assert r.status_code == 200
    assert r.text == "data:GET"
    assert r.headers["access-control-allow-origin"] == ALLOWED
    assert r.headers["vary"] == "Accept, Origin"
    assert "access-control-allow-credentials" not in r.headers


def test_disallowed_origin_gets_no_cors_header(cors_url: str) -> None:
    r = httpx.get(f"{cors_url}/api/data", headers={"Origin": "http://evil.test"})
    assert r.status_code == 200
    assert r.text == "data:GET"
    assert not any(k.startswith("access-control-") for k in r.headers)


def test_preflight_is_answered_by_the_host(cors_url: str) -> None:
    r = httpx.options(f"{cors_url}/api/data", headers={
        "Origin": "http://OTHER.test", "Access-Control-Request-Method": "put",
        "Access-Control-Request-Headers": "x-custom, content-type"})
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["access-control-allow-origin"] == "http://OTHER.test"
    assert r.headers["access-control-allow-methods"] == "PUT"
    assert r.headers["access-control-allow-headers"] == "x-custom, content-type"
    assert r.headers["vary"] == "Origin"


def test_preflight_of_disallowed_origin_has_no_cors_header(cors_url: str) -> None:
    r = httpx.options(f"{cors_url}/api/data", headers={
        "Origin": "http://evil.test", "Access-Control-Request-Method": "PUT"})
    assert r.status_code == 204
    assert not any(k.startswith("access-control-") for k in r.headers)


def test_function_setting_its_own_header_keeps_it(cors_url: str) -> None:
    r = httpx.get(f"{cors_url}/api/own", headers={"Origin": ALLOWED})
    assert r.text == "own"
    assert r.headers.get_list("access-control-allow-origin") == ["http://own.test"]


def test_without_cors_functions_answer_options_themselves(tmp_path: Path) -> None:
    root = make_app(tmp_path / "app", None)
    with serving(LocalHost(root)) as url:
        r = httpx.options(f"{url}/api/own", headers={
            "Origin": "http://own.test", "Access-Control-Request-Method": "GET"})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "http://own.test"
        plain = httpx.get(f"{url}/api/data", headers={"Origin": ALLOWED})
        assert "access-control-allow-origin" not in plain.headers


def test_star_allows_any_origin_without_vary(tmp_path: Path) -> None:
    root = make_app(tmp_path / "app", {"CORS": "*"})
    with serving(LocalHost(root)) as url:
        r = httpx.get(f"{url}/api/data", headers={"Origin": "http://anything.test"})
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.headers["vary"] == "Accept"


def test_credentials_are_allowed_with_cors_credentials(tmp_path: Path) -> None:
    root = make_app(tmp_path / "app", {"CORS": ALLOWED, "CORSCredentials": True})
    with serving(LocalHost(root)) as url:
        r = httpx.options(f"{url}/api/data", headers={
            "Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
        assert r.headers["access-control-allow-credentials"] == "true"
        assert r.headers["access-control-allow-origin"] == ALLOWED


def test_star_with_credentials_is_refused(tmp_path: Path) -> None:
    root = make_app(tmp_path / "app", {"CORS": "*", "CORSCredentials": True})
    with pytest.raises(azfunc.ConfigurationError, match="wildcard"):
        LocalHost(root)


@pytest.mark.parametrize("host", [{"CORS": 5}, {"CORS": "a.test"},
                                  {"CORS": "*", "CORSCredentials": "yes"},
                                  {"LocalHttpPort": "x"}, {"LocalHttpPort": 70000},
                                  {"LocalHttpPort": True}])
def test_bad_host_settings_are_configuration_errors(host: dict[str, object]) -> None:
    with pytest.raises(azfunc.ConfigurationError, match="Host\\."):
        LocalHostSettings.from_host_section(host)


def test_local_http_port_is_read() -> None:
    assert LocalHostSettings.from_host_section({"LocalHttpPort": "7090"}).port == 7090
    assert LocalHostSettings.from_host_section({}).port is None


origin_st = st.builds(lambda host, port: f"http://{host}:{port}",
                      st.from_regex(r"[a-z][a-z0-9]{0,10}\.test", fullmatch=True),
                      st.integers(1, 65535))


@given(st.lists(origin_st, min_size=1, max_size=5), origin_st)
def test_parse_round_trip(origins: list[str], probe: str) -> None:
    policy = CorsPolicy.parse(" , ".join(o.upper() + "/" for o in origins))
    assert all(policy.allows(o) for o in origins)
    assert policy.allows(probe) == (probe in origins)


@given(st.text(), st.booleans())
def test_parse_raises_only_our_errors(text: str, credentials: bool) -> None:
    with contextlib.suppress(azfunc.ConfigurationError):
        CorsPolicy.parse(text, credentials)
