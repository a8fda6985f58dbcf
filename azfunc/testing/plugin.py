"""The azfunc pytest plugin: fixtures for a Context, output holders and a loaded function app.

Installed as the ``pytest11`` entry point ``azfunc``; without it, enable it with
``-p azfunc.testing.plugin`` or ``pytest_plugins = ["azfunc.testing.plugin"]`` in the root
``conftest.py``.

Rules this module keeps:

* Importing the plugin imports nothing from azfunc beyond the package ``__init__`` modules
  (which load their names lazily): every pytest session loads it, so the fixtures import
  what they need when first used.
* ``azfunc_context`` is a fresh :class:`~azfunc.Context` per test, named after the test
  (``function_name`` is the test's name, ``function_directory`` its folder).
* ``azfunc_out`` is a factory: ``azfunc_out()`` returns a new, unset :class:`~azfunc.Out`.
* ``azfunc_app`` is the app named by the closest ``@pytest.mark.azfunc_app(path)`` marker
  or else by the ``azfunc_app`` ini option (relative to the inifile's folder). A marker path
  is resolved as :func:`resolve_app_path` says: against the current directory, as
  ``check_app(path)`` and ``load_app(path)`` resolve it, else against the test file's
  folder. Each app is loaded once per session.
* Every test carrying the marker (whether it uses the fixture or not) runs with its app as
  the importable one (``function_app`` / ``__app__``), whichever tests ran before (``-k``),
  and with the app's ``local.settings.json`` values set as environment variables (never
  overwriting a variable already set), removed again afterwards.
* The ini option's app is loaded when the session starts, as the worker would load it (its
  settings applied to the environment for the session), so test modules can import function
  code at module level and share the app's modules: a folder app is the package ``__app__``
  (``from __app__.HttpTrigger import main``), a decorator app is ``function_app`` with its
  folder on ``sys.path`` (``from function_app import app``).
* When the session ends every app it loaded is closed (:meth:`~azfunc.LoadedApp.close`):
  the environment variables, ``sys.path`` entry and modules loading added are taken back.

Example ``pyproject.toml``::

    [tool.pytest.ini_options]
    azfunc_app = "src/my_app"
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from azfunc._context import Context
    from azfunc._out import Out
    from azfunc.app.loader import LoadedApp

__all__ = [
    "azfunc_app",
    "azfunc_context",
    "azfunc_out",
    "make_importable",
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_unconfigure",
    "resolve_app_path",
]

INI_NAME = "azfunc_app"
MARKER = (
    "azfunc_app(path): the function app (folder or function_app.py; a relative path from "
    "the current directory, else from the test file) the azfunc_app fixture loads and the "
    "test can import"
)
#: the apps loaded in this session, by resolved path.
_APPS = pytest.StashKey[dict[Path, "LoadedApp"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ``azfunc_app`` ini option."""
    parser.addini(
        INI_NAME,
        help=(
            "path of the function app (folder or function_app.py) the azfunc_app fixture "
            "loads, relative to the ini file; it is loaded (and importable) for the session"
        ),
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``azfunc_app`` marker; load the ini option's app for the session.

    Raises:
        pytest.UsageError: if the ``azfunc_app`` ini option names no function app.
    """
    config.addinivalue_line("markers", MARKER)
    apps: dict[Path, LoadedApp] = {}
    config.stash[_APPS] = apps
    app_path = _ini_path(config)
    if app_path is not None:
        apps[app_path] = make_importable(app_path)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the apps loaded in this session (undoing what loading them changed)."""
    apps = config.stash.get(_APPS, {})
    for app in reversed(list(apps.values())):
        app.close()
    apps.clear()


def make_importable(path: str | os.PathLike[str]) -> LoadedApp:
    """Load the app at ``path`` the way the worker does, so tests can import its modules.

    Its ``local.settings.json`` values become environment variables (never overwriting one
    already set), then its code is imported: a folder app as the package ``__app__``
    (``from __app__.HttpTrigger import main``), a decorator app as ``function_app`` with its
    folder on ``sys.path`` (``from function_app import app``). Test modules that import
    function code at module level then share the module objects of the returned app.

    Raises:
        pytest.UsageError: if ``path`` does not exist or holds no function app.
    """
    target = Path(path).resolve()
    if not target.exists():
        raise pytest.UsageError(f"azfunc_app: {target} does not exist")
    from azfunc._errors import ConfigurationError, FunctionLoadError
    from azfunc.app.loader import load_app

    try:
        return load_app(target)
    except (FunctionLoadError, ConfigurationError) as exc:
        raise pytest.UsageError(f"azfunc_app: {exc}") from None


def _ini_path(config: pytest.Config) -> Path | None:
    value = str(config.getini(INI_NAME) or "").strip()
    if not value:
        return None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return (base / value).resolve()


@pytest.fixture
def azfunc_context(request: pytest.FixtureRequest) -> Context:
    """A new :class:`~azfunc.Context` named after the test, with a fresh invocation id."""
    from azfunc._context import Context

    return Context(
        function_name=request.node.name,
        function_directory=str(request.path.parent),
    )


@pytest.fixture
def azfunc_out() -> Callable[[], Out[Any]]:
    """A factory of output holders: ``azfunc_out()`` returns a new, unset ``Out``."""
    from azfunc._out import Out

    def make() -> Out[Any]:
        return Out()

    return make


@pytest.fixture
def azfunc_app(request: pytest.FixtureRequest) -> LoadedApp:
    """The function app named by ``@pytest.mark.azfunc_app(path)`` or the ini option.

    Raises:
        pytest.UsageError: if neither names an app (via ``pytest.fail``), or the path is
            missing.
    """
    marked: LoadedApp | None = request.node.stash.get(_MARKED, None)
    if marked is not None:
        return marked  # loaded, importable and its settings set by pytest_runtest_setup
    path = _requested_path(request.node, request.config)
    apps = request.config.stash.setdefault(_APPS, {})
    app = apps.get(path)
    if app is None:
        from azfunc.app.loader import load_app

        app = load_app(path, apply_settings=False)
        apps[path] = app
    return app


#: the marker app of a running test, and the undo of the settings set for it.
_MARKED = pytest.StashKey["LoadedApp"]()
_SETTINGS = pytest.StashKey[pytest.MonkeyPatch]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Make a marked test's app importable and set its settings, fixture used or not.

    Every test that carries ``@pytest.mark.azfunc_app(path)`` gets its app as the
    importable one (``function_app`` or ``__app__``), whichever tests ran before it (``-k``
    selects any subset), and the app's ``local.settings.json`` values as environment
    variables (never overwriting one already set) until the test ends.
    """
    if item.get_closest_marker("azfunc_app") is None:
        return
    path = _requested_path(item, item.config)
    apps = item.config.stash.setdefault(_APPS, {})
    app = apps.get(path)
    if app is None or not app.importable:
        if app is not None:
            app.close()
        from azfunc.app.loader import load_app

        app = load_app(path, apply_settings=False)
        apps.pop(path, None)
        apps[path] = app
    patch = pytest.MonkeyPatch()
    for name, value in app.settings.items():
        if name not in os.environ:
            patch.setenv(name, value)
    item.stash[_SETTINGS] = patch
    item.stash[_MARKED] = app


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Take back the settings :func:`pytest_runtest_setup` set for a marked test."""
    patch = item.stash.get(_SETTINGS, None)
    if patch is not None:
        patch.undo()
        del item.stash[_SETTINGS]


def resolve_app_path(value: str | os.PathLike[str], test_file: Path | None = None) -> Path:
    """Where an app path given to the test kit points (the marker, ``check_app``, ...).

    An absolute path is used as it is. A relative path is resolved against the current
    directory, as :func:`~azfunc.check_app`, :func:`~azfunc.load_app` and ``azfunc check``
    resolve it; when nothing exists there and ``test_file`` is given, against the test
    file's folder (so a marker keeps working when pytest runs from another directory).

    Example:
        >>> resolve_app_path("/srv/app").as_posix()
        '/srv/app'
    """
    path = Path(value).expanduser()
    if path.is_absolute():
        return path.resolve()
    from_cwd = path.resolve()
    if from_cwd.exists() or test_file is None:
        return from_cwd
    return (test_file.parent / path).resolve()


def _requested_path(node: pytest.Item, config: pytest.Config) -> Path:
    marker = node.get_closest_marker("azfunc_app")
    if marker is not None:
        value = marker.args[0] if marker.args else marker.kwargs.get("path")
        if not isinstance(value, (str, os.PathLike)):
            raise pytest.UsageError(
                "@pytest.mark.azfunc_app needs the app's path: "
                "@pytest.mark.azfunc_app('path/to/app')"
            )
        path = resolve_app_path(value, node.path)
    else:
        ini = _ini_path(config)
        if ini is None:
            pytest.fail(
                "the azfunc_app fixture needs an app: mark the test with "
                "@pytest.mark.azfunc_app('path/to/app') or set the azfunc_app ini option",
                pytrace=False,
            )
        path = ini
    if not path.exists():
        raise pytest.UsageError(f"azfunc_app: {path} does not exist")
    return path
