"""load_app: what it changes in the process (``app.changes``), and ``close()`` undoing it."""

from __future__ import annotations

import os
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

import azfunc as func

SETTING = "AZFUNC_TEST_LOADER_SETTING"


def _decorator_app(root: Path, value: str, *, settings: dict[str, str] | None = None) -> Path:
    """A decorator app whose function returns ``helper.VALUE`` (``helper`` is its own module)."""
    root.mkdir(parents=True)
    (root / "helper.py").write_text(f"VALUE = {value!r}\n")
    (root / "function_app.py").write_text(textwrap.dedent("""
        import azfunc as func
        import helper

        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="in-items", connection="C")
        @app.queue_output(arg_name="out", queue_name="out-items", connection="C")
        def work(msg: str, out: func.Out[str]) -> None:
            import lazy_helper  # imported at invocation time, not at load time
            out.set(helper.VALUE + lazy_helper.SUFFIX)
    """))
    (root / "lazy_helper.py").write_text("SUFFIX = '!'\n")
    (root / "host.json").write_text(func_json({"version": "2.0"}))
    values = settings if settings is not None else {SETTING: value}
    (root / "local.settings.json").write_text(func_json({"Values": values}))
    return root


def func_json(data: object) -> str:
    import json

    return json.dumps(data)


def _folder_app(root: Path, value: str) -> Path:
    (root / "Work").mkdir(parents=True)
    (root / "host.json").write_text("{}")
    (root / "shared").mkdir()
    (root / "shared" / "__init__.py").write_text(f"VALUE = {value!r}\n")
    (root / "Work" / "function.json").write_text(func_json({"bindings": [
        {"name": "msg", "type": "queueTrigger", "direction": "in"},
        {"name": "$return", "type": "queue", "direction": "out"},
    ]}))
    (root / "Work" / "__init__.py").write_text(
        "from ..shared import VALUE\n\ndef main(msg: str) -> str:\n    return VALUE\n"
    )
    return root


def _app_modules() -> set[str]:
    return {
        name for name in sys.modules
        if name in ("function_app", "helper", "lazy_helper", "__app__")
        or name.startswith("__app__.")
    }


def _modules_under(root: Path) -> set[str]:
    prefix = str(root) + os.sep
    return {
        name for name, module in list(sys.modules.items())
        if str(getattr(module, "__file__", None) or "").startswith(prefix)
    }


def test_changes_name_what_a_decorator_app_set_and_close_undoes_them(tmp_path: Path) -> None:
    root = _decorator_app(tmp_path / "app", "one")
    env, path = dict(os.environ), list(sys.path)
    app = func.load_app(root)
    assert app.changes.environ == {SETTING: "one"}
    assert app.changes.sys_path == (str(root),)
    assert app.changes.modules == ("function_app", "helper")
    assert os.environ[SETTING] == "one"
    assert app.invoke("work", msg="x").outputs == {"out": "one!"}
    assert "lazy_helper" in app.changes.modules  # imported by the invocation
    app.close()
    assert dict(os.environ) == env
    assert sys.path == path
    assert _modules_under(tmp_path) == set()
    assert _app_modules() == set()
    assert app.changes.modules == ()
    assert app.closed
    app.close()  # idempotent


def test_a_folder_app_is_undone_on_leaving_the_with_block(tmp_path: Path) -> None:
    root = _folder_app(tmp_path / "app", "folder")
    path = list(sys.path)
    with func.load_app(root) as app:
        assert app.changes.sys_path == ()
        assert app.changes.modules == ("__app__", "__app__.Work", "__app__.shared")
        assert app.invoke("Work", msg="x").return_value == "folder"
    assert sys.path == path
    assert _modules_under(tmp_path) == set()
    assert _app_modules() == set()


def test_apply_settings_false_leaves_the_environment_alone(tmp_path: Path) -> None:
    root = _decorator_app(tmp_path / "app", "one")
    with func.load_app(root, apply_settings=False) as app:
        assert SETTING not in os.environ
        assert app.settings == {SETTING: "one"}
        assert app.changes.environ == {}


def test_close_keeps_variables_set_before_or_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _decorator_app(tmp_path / "app", "one", settings={SETTING: "one", "AZFUNC_B": "b"})
    monkeypatch.setenv(SETTING, "preset")
    app = func.load_app(root)
    assert app.changes.environ == {"AZFUNC_B": "b"}
    os.environ["AZFUNC_B"] = "changed by the test"
    app.close()
    assert os.environ[SETTING] == "preset"
    assert os.environ["AZFUNC_B"] == "changed by the test"
    monkeypatch.delenv("AZFUNC_B")


@pytest.mark.parametrize("make", [_decorator_app, _folder_app], ids=["decorator", "folder"])
def test_apps_loaded_one_after_the_other_share_no_module(tmp_path: Path, make: object) -> None:
    build = _decorator_app if make is _decorator_app else _folder_app
    name = "work" if build is _decorator_app else "Work"
    before = _app_modules()
    with func.load_app(build(tmp_path / "a", "first")) as first:
        result = first.invoke(name, msg="x")
        assert "first" in str(result.outputs or result.return_value)
    assert _app_modules() == before
    with func.load_app(build(tmp_path / "b", "second")) as second:
        result = second.invoke(name, msg="x")
        assert "second" in str(result.outputs or result.return_value)
        assert "first" not in str(result.outputs or result.return_value)
    assert _app_modules() == before


def test_closing_an_older_app_leaves_the_newer_one_loaded(tmp_path: Path) -> None:
    first = func.load_app(_decorator_app(tmp_path / "a", "first"))
    second = func.load_app(_decorator_app(tmp_path / "b", "second"))
    first.close()
    assert str(tmp_path / "b") in sys.path
    assert second.invoke("work", msg="x").outputs == {"out": "second!"}
    second.close()
    assert str(tmp_path / "b") not in sys.path
    assert _app_modules() == set()


def test_check_app_undoes_the_load(tmp_path: Path) -> None:
    root = _decorator_app(tmp_path / "app", "one")
    path = list(sys.path)
    assert func.check_app(root) == []
    assert sys.path == path
    assert _modules_under(tmp_path) == set()
    assert _app_modules() == set()
    assert SETTING not in os.environ


def test_function_lookup_ignores_case_and_names_the_function(tmp_path: Path) -> None:
    with func.load_app(_folder_app(tmp_path / "app", "v")) as app:
        assert app.function("work") is app.function("WORK") is app.functions["Work"]
        assert app.functions.find("wOrK") is app.functions["Work"]
        with pytest.raises(func.FunctionNotFoundError, match="no function named 'nope'") as info:
            app.function("nope")
        assert info.value.function == "nope"


def test_a_function_that_failed_to_load_raises_its_load_error_chained(tmp_path: Path) -> None:
    root = _folder_app(tmp_path / "app", "v")
    (root / "Work" / "__init__.py").write_text("raise KeyError('user module failed')\n")
    with func.load_app(root) as app:
        (finding,) = app.check()
        assert finding.code == "import-error"
        assert finding.traceback is not None
        assert "raise KeyError('user module failed')" in finding.traceback
        with pytest.raises(func.FunctionLoadError, match=r"importing __init__\.py raised") as info:
            app.function("work")
    error = info.value
    assert error.function == "Work"
    assert isinstance(error.__cause__, KeyError)
    assert error.__cause__ is finding.exception
    shown = "".join(traceback.format_exception(error))
    assert "user module failed" in shown


def test_asking_a_function_of_an_app_that_did_not_import_raises_the_cause(
    fixtures: Path,
) -> None:
    with func.load_app(fixtures / "decorator_import_error") as app:
        (finding,) = app.check()
        with pytest.raises(func.FunctionLoadError, match="cannot load the app") as info:
            app.function("anything")
    assert info.value.function == "anything"
    assert info.value.__cause__ is finding.exception is not None
