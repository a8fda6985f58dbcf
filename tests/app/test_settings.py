"""local.settings.json: Values become environment variables, never overwriting."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.app.settings import apply_settings, read_settings


def test_load_app_applies_settings_without_overwriting(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZFUNC_TEST_PRESET", "from-environment")
    monkeypatch.delenv("AZFUNC_TEST_FOLDER_SETTING", raising=False)
    app = func.load_app(fixtures / "folder_app")
    assert os.environ["AZFUNC_TEST_FOLDER_SETTING"] == "from-local-settings"
    assert os.environ["AZFUNC_TEST_PRESET"] == "from-environment"
    assert os.environ["AZFUNC_TEST_NUMBER"] == "42"
    assert app.settings["AZFUNC_TEST_PRESET"] == "from-local-settings"


def test_load_app_without_applying(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app", apply_settings=False)
    assert "AZFUNC_TEST_FOLDER_SETTING" not in os.environ
    assert app.settings["AZFUNC_TEST_FOLDER_SETTING"] == "from-local-settings"


def test_settings_are_applied_before_function_code_runs(fixtures: Path) -> None:
    app = func.load_app(fixtures / "decorator_app")
    result = app.invoke("hello", req=func.HttpRequest(
        method="GET", url="http://h/api/hello/x", route_params={"name": "x"}))
    assert result.return_value.get_body() == b"hello x decorated"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"Values": {"A": "1", "B": True, "C": False, "D": 2.5, "E": None}},
         {"A": "1", "B": "true", "C": "false", "D": "2.5", "E": ""}),
        ({"IsEncrypted": False}, {}),
        ({"Values": None}, {}),
    ],
)
def test_read_settings(tmp_path: Path, content: object, expected: dict[str, str]) -> None:
    (tmp_path / "local.settings.json").write_text(json.dumps(content))
    assert read_settings(tmp_path) == expected


@pytest.mark.parametrize(
    "text", ["{bad json", "[]", '{"Values": []}', '{"Values": {"A": {"nested": 1}}}']
)
def test_bad_settings_files(tmp_path: Path, text: str) -> None:
    (tmp_path / "local.settings.json").write_text(text)
    with pytest.raises(func.ConfigurationError, match=r"local\.settings\.json"):
        read_settings(tmp_path)
    (tmp_path / "host.json").write_text("{}")
    assert [f.code for f in func.check_app(tmp_path)] == ["settings-invalid"]


def test_missing_settings_file(tmp_path: Path) -> None:
    assert read_settings(tmp_path) == {}


@given(
    st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True), st.text(
        st.characters(blacklist_characters="\0"), max_size=8), max_size=6),
    st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True), st.text(max_size=4),
                    max_size=4),
)
def test_apply_settings_never_overwrites(values: dict[str, str], env: dict[str, str]) -> None:
    target = dict(env)
    applied = apply_settings(values, target)
    assert set(applied) == set(values) - set(env)
    for name, value in values.items():
        assert target[name] == env.get(name, value)


@pytest.mark.parametrize("name", ["", "A=B", "NUL\0"])
def test_apply_settings_refuses_impossible_names(name: str) -> None:
    with pytest.raises(func.ConfigurationError, match="cannot be an environment variable"):
        apply_settings({name: "x"}, {})
