"""Folder apps: function.json folders, the ``__app__`` package and every import form."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest

import azfunc as func
from azfunc.app.folder import register_app_package


def _http(url: str, params: dict[str, str]) -> func.Datum:
    return func.Datum(
        {
            "method": func.Datum("GET", "string"),
            "url": func.Datum(url, "string"),
            "headers": {},
            "query": {},
            "params": {k: func.Datum(v, "string") for k, v in params.items()},
            "body": func.Datum(b"", "bytes"),
        },
        "http",
    )


def test_folder_app_loads_every_function(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app")
    assert app.kind == "folder"
    assert app.host_json == {"version": "2.0"}
    assert sorted(app.functions) == [
        "custom_entry", "disabled_fn", "logging_fn", "my_first_function",
        "my_second_function", "outputs_fn",
    ]
    assert app.check() == []
    first = app.function("my_first_function")
    assert first.directory == fixtures / "folder_app" / "my_first_function"
    assert (first.script_file, first.entry_point) == ("__init__.py", "main")
    assert first.func.__module__ == "__app__.my_first_function"


def test_every_working_import_form(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app")
    result = app.invoke("my_first_function", req=_http("http://h/api/first/7", {"id": "7"}))
    assert result.return_value.get_body() == (
        b"7|example|helped x|shared_code package|shared_code package"
    )
    assert "__app__.shared_code" in sys.modules
    assert "__app__.my_first_function.example" in sys.modules


@pytest.mark.parametrize(
    ("function", "missing"),
    [("import_example", "example"), ("from_example", "example"), ("import_shared", "shared_code")],
)
def test_import_forms_that_must_fail(fixtures: Path, function: str, missing: str) -> None:
    app = func.load_app(fixtures / "folder_bad_imports")
    assert function not in app.functions
    (finding,) = [f for f in app.check() if f.function == function]
    assert finding.code == "import-error"
    assert function not in finding.message  # the finding names it: "<function>: ..."
    assert str(finding) == f"{function}: {finding.message}"
    assert f"No module named '{missing}'" in finding.message
    assert isinstance(finding.exception, ModuleNotFoundError)
    expected = f"cannot load the {function} function: .*No module named '{missing}'"
    with pytest.raises(func.FunctionLoadError, match=expected):
        app.function(function)


def test_neither_root_nor_function_folder_is_on_sys_path(fixtures: Path) -> None:
    root = fixtures / "folder_bad_imports"
    app = func.load_app(root)
    assert str(root) not in sys.path
    assert str(root / "my_first_function") not in sys.path
    try_import = sys.modules[app.function("my_first_function").func.__module__].try_import
    assert try_import("shared_code") == "fails: ModuleNotFoundError"
    assert try_import("example") == "fails: ModuleNotFoundError"
    assert try_import("__app__.shared_code") == "works"
    assert try_import("__app__.my_first_function.example") == "works"


def test_script_file_and_entry_point_are_honoured(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app")
    info = app.function("custom_entry")
    assert (info.script_file, info.entry_point, info.func.__name__) == (
        "main.py", "customentry", "customentry",
    )
    assert info.func.__module__ == "__app__.custom_entry.main"
    assert app.invoke("custom_entry", msg="hello").return_value == "HELLO"


def test_disabled_is_honoured(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app")
    assert app.function("disabled_fn").disabled
    assert not app.function("my_first_function").disabled
    assert app.function("disabled_fn").to_function_json()["disabled"] is True


def test_disabled_by_app_setting(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobs.custom_entry.Disabled", "true")
    app = func.load_app(fixtures / "folder_app")
    assert app.function("custom_entry").disabled


def test_host_json_functions_list_restricts(tmp_path: Path, fixtures: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(fixtures / "folder_app", root)
    (root / "host.json").write_text(json.dumps({"version": "2.0", "functions": ["custom_entry"]}))
    assert list(func.load_app(root).functions) == ["custom_entry"]


def test_two_apps_in_one_process_do_not_collide(tmp_path: Path) -> None:
    for tag in ("one", "two"):
        fn = tmp_path / tag / "fn"
        fn.mkdir(parents=True)
        (tmp_path / tag / "host.json").write_text("{}")
        (tmp_path / tag / "shared.py").write_text(f"TAG = {tag!r}\n")
        (fn / "function.json").write_text(json.dumps({"bindings": [
            {"name": "msg", "type": "queueTrigger", "direction": "in", "queueName": "q"},
            {"name": "$return", "type": "queue", "direction": "out", "queueName": "r"},
        ]}))
        (fn / "__init__.py").write_text(
            "from .. import shared\n\ndef main(msg) -> str:\n    return shared.TAG\n"
        )
    one = func.load_app(tmp_path / "one")
    two = func.load_app(tmp_path / "two")
    assert one.invoke("fn", msg="x").return_value == "one"
    assert two.invoke("fn", msg="x").return_value == "two"
    assert sys.modules["__app__"].__path__ == [str(tmp_path / "two")]


def test_two_decorator_apps_with_same_module_names(tmp_path: Path) -> None:
    for tag in ("one", "two"):
        (tmp_path / tag).mkdir()
        (tmp_path / tag / "helpers.py").write_text(f"TAG = {tag!r}\n")
        (tmp_path / tag / "function_app.py").write_text(
            "import azfunc as func\nimport helpers\n\napp = func.FunctionApp()\n\n"
            "@app.queue_trigger(arg_name='msg', queue_name='q', connection='S')\n"
            "@app.queue_output(arg_name='out', queue_name='o', connection='S')\n"
            "def fn(msg: str, out: func.Out[str]) -> None:\n    out.set(helpers.TAG)\n"
        )
    one = func.load_app(tmp_path / "one")
    two = func.load_app(tmp_path / "two")
    assert one.invoke("fn", msg="x").outputs == {"out": "one"}
    assert two.invoke("fn", msg="x").outputs == {"out": "two"}
    assert str(tmp_path / "two") in sys.path
    assert str(tmp_path / "one") not in sys.path


def test_register_app_package_purges_previous_modules(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mod.py").write_text("X = 1\n")
    register_app_package(tmp_path / "a")
    assert importlib.import_module("__app__.mod").X == 1
    (tmp_path / "b").mkdir()
    register_app_package(tmp_path / "b")
    assert "__app__.mod" not in sys.modules
    with pytest.raises(ModuleNotFoundError, match=r"No module named '__app__\.mod'"):
        importlib.import_module("__app__.mod")


def test_script_file_outside_the_app_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app" / "fn").mkdir(parents=True)
    (tmp_path / "evil.py").write_text("def main(msg): pass\n")
    (tmp_path / "app" / "host.json").write_text("{}")
    (tmp_path / "app" / "fn" / "function.json").write_text(json.dumps({
        "scriptFile": "../../evil.py",
        "bindings": [{"name": "msg", "type": "queueTrigger", "direction": "in"}],
    }))
    (finding,) = func.check_app(tmp_path / "app")
    assert finding.code == "script-file-missing"
    assert "outside the app" in finding.message


def test_bad_host_json_is_reported(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text("{not json")
    findings = func.check_app(tmp_path)
    assert [f.code for f in findings] == ["host-json-invalid"]


def test_unknown_function_name(fixtures: Path) -> None:
    app = func.load_app(fixtures / "folder_app")
    assert app.function("CUSTOM_ENTRY").name == "custom_entry"
    with pytest.raises(func.FunctionNotFoundError, match="custom_entry"):
        app.function("nope")


def test_path_without_an_app(tmp_path: Path) -> None:
    with pytest.raises(func.FunctionLoadError, match="holds no function app"):
        func.load_app(tmp_path)
    with pytest.raises(func.FunctionLoadError, match="does not exist"):
        func.load_app(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(func.FunctionLoadError, match="not a function app"):
        func.load_app(tmp_path / "notes.txt")
