"""The pytest plugin (``azfunc.testing.plugin``), exercised in inner pytest runs (pytester).

Inner runs that import azfunc binding modules are subprocesses: an in-process run would import
modules that pytester then drops from ``sys.modules``, leaving this session with two copies
of some classes. They are few and each holds many inner tests, to keep the suite fast. Runs
that only touch the plugin itself (which imports nothing from azfunc) stay in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: the plugin loads through its pytest11 entry point; no ``-p`` needed.
PLUGIN: tuple[str, ...] = ()
SETTING = "AZFUNC_PLUGIN_TEST_SETTING"
INI = "[pytest]\nfilterwarnings = error\n"
# In-process runs cannot assert-rewrite the plugin: this session imported it already.
INI_INPROCESS = (
    "[pytest]\nfilterwarnings =\n    error\n"
    "    ignore:Module already imported:pytest.PytestAssertRewriteWarning\n"
)

FIXTURE_TESTS = '''
import os

import pytest

import azfunc as func
from azfunc import testing

ids = []


def test_context_one(azfunc_context, request):
    assert isinstance(azfunc_context, func.Context)
    assert azfunc_context.function_name == "test_context_one"
    assert azfunc_context.function_directory == str(request.path.parent)
    ids.append(azfunc_context.invocation_id)


def test_context_two(azfunc_context):
    assert azfunc_context.function_name == "test_context_two"
    assert ids and azfunc_context.invocation_id not in ids


def test_out(azfunc_out):
    first, second = azfunc_out(), azfunc_out()
    assert isinstance(first, func.Out)
    assert first is not second
    assert not first.is_set
    first.set("x")
    assert first.get() == "x" and second.get() is None


@pytest.mark.azfunc_app("app")
def test_marker_app(azfunc_app):
    assert "HttpTrigger" in azfunc_app.functions
    req = testing.http_request("GET", "/api/HttpTrigger", params={"name": "x"})
    assert azfunc_app.invoke("HttpTrigger", req=req).return_value.get_body() == b"Hello x"


@pytest.mark.azfunc_app(path="app")
def test_marker_app_cached(azfunc_app, request):
    from azfunc.testing.plugin import _APPS
    assert list(request.config.stash[_APPS].values()) == [azfunc_app]


@pytest.mark.azfunc_app("app")
def test_settings_applied(azfunc_app):
    assert os.environ["SETTING"] == "from-local-settings"
    assert os.environ["AzureWebJobsStorage"] == "kept-from-environment"


def test_settings_removed_after():
    assert "SETTING" not in os.environ


def test_needs_app(azfunc_app):
    pass


@pytest.mark.azfunc_app("no/such/app")
def test_missing(azfunc_app):
    pass


@pytest.mark.azfunc_app()
def test_no_path(azfunc_app):
    pass
'''.replace("SETTING", SETTING)


def folder_app(root: Path, name: str = "app") -> Path:
    target = root / name
    shutil.copytree(EXAMPLES / "folder_app", target)
    settings = {"Values": {SETTING: "from-local-settings", "AzureWebJobsStorage": "from-file"}}
    (target / "local.settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return target


def test_fixtures_and_marker(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini(INI)
    folder_app(pytester.path)
    monkeypatch.delenv(SETTING, raising=False)
    monkeypatch.setenv("AzureWebJobsStorage", "kept-from-environment")
    pytester.makepyfile(test_fixtures=FIXTURE_TESTS)
    result = pytester.runpytest_subprocess(*PLUGIN, "--strict-markers", "-p", "no:randomly", "-rA")
    result.assert_outcomes(passed=7, errors=3)
    result.stdout.fnmatch_lines(["*the azfunc_app fixture needs an app*"])
    result.stdout.fnmatch_lines(["*azfunc_app: *no/such/app does not exist*"])
    result.stdout.fnmatch_lines(["*needs the app's path*"])
    result.stdout.fnmatch_lines(["ERROR*test_needs_app*"])
    assert os.environ.get(SETTING) is None


def test_ini_option_loads_a_folder_app_at_session_start(pytester: pytest.Pytester) -> None:
    folder_app(pytester.path, "src_app")
    pytester.makeini(INI + "azfunc_app = src_app\n")
    pytester.makepyfile(
        test_guide="""
        import os

        import azfunc as func
        from __app__.HttpTrigger import my_function

        def test_direct_call():
            req = func.HttpRequest(method="GET", url="/api/HttpTrigger", params={"name": "T"})
            assert my_function(req).get_body() == b"Hello T"

        def test_fixture_uses_the_ini_app(azfunc_app):
            assert azfunc_app.kind == "folder"
            assert azfunc_app.root.name == "src_app"
            # the module the test imported is the one the loaded app runs
            assert azfunc_app.function("HttpTrigger").func is my_function

        def test_settings_applied_for_the_session():
            assert os.environ["SETTING"] == "from-local-settings"
        """.replace("SETTING", SETTING)
    )
    pytester.runpytest_subprocess(*PLUGIN).assert_outcomes(passed=3)


def test_ini_option_with_a_decorator_app(pytester: pytest.Pytester) -> None:
    shutil.copytree(EXAMPLES / "decorator_app", pytester.path / "dapp")
    pytester.makeini(INI + "azfunc_app = dapp/function_app.py\n")
    pytester.makepyfile(
        """
        from azfunc import testing
        from function_app import hello

        def test_direct(azfunc_app):
            req = testing.http_request("GET", "/api/HttpTrigger", params={"name": "D"})
            assert hello(req).get_body() == b"Hello D"
            assert azfunc_app.kind == "decorator"
            assert azfunc_app.function("HttpTrigger").func is hello
        """
    )
    pytester.runpytest_subprocess(*PLUGIN).assert_outcomes(passed=1)


# --- in-process: the plugin alone ----------------------------------------------------------


def test_ini_option_with_a_missing_path_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI_INPROCESS + "azfunc_app = missing_app\n")
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(*PLUGIN)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*azfunc_app: *missing_app does not exist*"])


def test_marker_and_ini_option_are_declared(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI_INPROCESS)
    markers = pytester.runpytest(*PLUGIN, "--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.azfunc_app(path):*"])
    help_text = pytester.runpytest(*PLUGIN, "--help")
    help_text.stdout.fnmatch_lines(["*azfunc_app*path of the function app*"])


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, azfunc.testing.plugin\n"
        "print([m for m in sys.modules if m.startswith('azfunc.')"
        " and m not in ('azfunc._errors', 'azfunc._version', 'azfunc.testing',"
        " 'azfunc.testing.plugin')])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_session_apps_are_closed_when_the_session_ends(pytester: pytest.Pytester) -> None:
    folder_app(pytester.path, "src_app")
    pytester.makeini(INI + "azfunc_app = src_app\n")
    report = pytester.path / "after.json"
    pytester.makeconftest(f"""
        import json, os, sys
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_unconfigure(config):
            with open({str(report)!r}, "w") as f:
                json.dump({{"package": "__app__" in sys.modules,
                           "setting": os.environ.get({SETTING!r})}}, f)
    """)
    pytester.makepyfile(test_inner="""
        import os, sys

        def test_loaded(azfunc_app):
            assert "__app__" in sys.modules
            assert os.environ["SETTING"] == "from-local-settings"
        """.replace("SETTING", SETTING))
    pytester.runpytest_subprocess(*PLUGIN).assert_outcomes(passed=1)
    assert json.loads(report.read_text()) == {"package": False, "setting": None}


MARKED_TESTS = '''
import os
import pytest

import azfunc


@pytest.mark.azfunc_app("apps/dapp")
def test_uses_the_fixture(azfunc_app):
    assert azfunc_app.kind == "decorator"


@pytest.mark.azfunc_app("apps/dapp")
def test_imports_without_the_fixture():
    from function_app import hello
    assert hello.__module__ == "function_app"
    assert os.environ["DAPP_SETTING"] == "on"


@pytest.mark.azfunc_app("apps/fapp")
def test_folder_app_importable():
    from __app__.HttpTrigger import my_function
    assert callable(my_function)


@pytest.mark.azfunc_app("apps/dapp")
def test_back_to_the_decorator_app(azfunc_app):
    from function_app import hello
    assert azfunc_app.function("HttpTrigger").func is hello


def test_check_app_resolves_like_the_marker():
    assert azfunc.check_app("apps/dapp") == []


def test_settings_gone_afterwards():
    assert "DAPP_SETTING" not in os.environ
'''


@pytest.mark.parametrize("select", [[], ["-k", "imports_without"], ["-k", "back_to"]])
def test_marker_apps_are_importable_whichever_tests_run(
    pytester: pytest.Pytester, select: list[str]
) -> None:
    apps = pytester.path / "apps"
    shutil.copytree(EXAMPLES / "decorator_app", apps / "dapp")
    (apps / "dapp" / "local.settings.json").write_text(
        json.dumps({"Values": {"DAPP_SETTING": "on"}}), encoding="utf-8"
    )
    folder_app(apps, "fapp")
    pytester.makeini(INI)
    # the test file lives in a subfolder: "apps/dapp" resolves from the current directory,
    # exactly as check_app("apps/dapp") does
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_marked.py").write_text(MARKED_TESTS, encoding="utf-8")
    result = pytester.runpytest_subprocess(*PLUGIN, "-p", "no:randomly", *select)
    result.assert_outcomes(passed=6 if not select else 1)


def test_a_marker_path_falls_back_to_the_test_files_folder(pytester: pytest.Pytester) -> None:
    (pytester.path / "tests").mkdir()
    shutil.copytree(EXAMPLES / "decorator_app", pytester.path / "tests" / "dapp")
    pytester.makeini(INI)
    (pytester.path / "tests" / "test_here.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.azfunc_app('dapp')\n"
        "def test_x(azfunc_app):\n"
        "    assert azfunc_app.root.name == 'dapp'\n",
        encoding="utf-8",
    )
    pytester.runpytest_subprocess(*PLUGIN).assert_outcomes(passed=1)
