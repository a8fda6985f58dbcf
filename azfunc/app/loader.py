"""Finding and loading a function app of either layout, ready to check or to invoke.

Rules this module keeps:

* ``load_app(path)`` takes a directory holding ``function_app.py`` (a decorator app) or
  function folders with ``function.json`` (a folder app, usually beside ``host.json``), or a
  ``function_app.py`` file. A path holding neither raises :class:`~azfunc.FunctionLoadError`.
* With ``apply_settings`` (the default), ``local.settings.json`` ``Values`` become environment
  variables before any function code is imported, without overwriting variables already set.
* A decorator app is imported as the module ``function_app`` with its directory on
  ``sys.path`` (so its own modules and blueprints import as in the worker). Loading another
  decorator app takes the previous one's directory off ``sys.path`` again and purges the
  modules imported from either directory, so apps never share a module and a reload sees
  fresh code.
* Loading changes exactly three pieces of process state, and says which: the environment
  variables it set, the ``sys.path`` entry it added and the ``sys.modules`` entries of the
  app's own code (:attr:`LoadedApp.changes`). :meth:`LoadedApp.close` (or leaving
  ``with load_app(...) as app:``) undoes them; modules the app imported from elsewhere
  (the standard library, installed packages) stay, as any import does.
* Loading never stops at the first broken function: problems are kept in
  :attr:`LoadedApp.errors` and reported by :meth:`LoadedApp.check`; the other functions load.
* ``host.json`` ``functions`` (a list of names) restricts which functions are loaded; the
  setting ``AzureWebJobs.<name>.Disabled`` (environment or local settings) disables one.
* Process state this module keeps: :data:`_ADDED_ROOTS`, the decorator-app directory this
  module put on ``sys.path`` and the app that owns it (at most one at a time).
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Final

from .._errors import ConfigurationError, FunctionLoadError
from .findings import Finding
from .folder import APP_PACKAGE, HOST_JSON, function_folders, load_folder_app, read_host_json
from .invocation import InvocationResult, invoke_function
from .model import FunctionIndex, fold_name
from .settings import apply_settings as _apply_settings
from .settings import read_settings
from .validation import check_functions

if TYPE_CHECKING:
    from .._context import Context
    from .._registry import BindingRegistry
    from .model import FunctionInfo

__all__ = ["DECORATOR_SCRIPT", "AppChanges", "LoadedApp", "load_app", "locate_app"]

DECORATOR_SCRIPT: Final = "function_app.py"
#: app-level finding codes that mean no function could load.
_APP_NOT_LOADED: Final = frozenset({"import-error", "no-function-app"})


@dataclass(frozen=True)
class AppChanges:
    """The process state a loaded app changed (what :meth:`LoadedApp.close` undoes).

    Example:
        >>> AppChanges(environ={"A": "1"}, sys_path=("/app",), modules=("function_app",))
        AppChanges(environ={'A': '1'}, sys_path=('/app',), modules=('function_app',))
    """

    #: environment variables set from ``local.settings.json``: name -> the value set.
    environ: Mapping[str, str]
    #: entries put on ``sys.path`` (a decorator app's directory).
    sys_path: tuple[str, ...]
    #: ``sys.modules`` entries holding the app's own code (``function_app``, ``__app__.*``,
    #: modules from the app's directory), sorted.
    modules: tuple[str, ...]


class LoadedApp:
    """A loaded function app: its functions, settings and the problems found loading it.

    Use it as a context manager (or call :meth:`close`) to undo what loading changed in the
    process (:attr:`changes`).

    Example:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "function_app.py").write_text(
        ...     "import azfunc as func\\n"
        ...     "app = func.FunctionApp()\\n"
        ...     "@app.queue_trigger(arg_name='msg', queue_name='q', connection='C')\\n"
        ...     "def work(msg) -> None: pass\\n")
        >>> with load_app(root) as app:
        ...     app.kind, list(app.functions), app.check(), app.changes.modules
        ('decorator', ['work'], [], ('function_app',))
        >>> "function_app" in sys.modules, str(root) in sys.path
        (False, False)
    """

    def __init__(
        self,
        *,
        root: Path,
        kind: str,
        functions: list[FunctionInfo],
        errors: list[Finding] | None = None,
        host_json: dict[str, Any] | None = None,
        settings: dict[str, str] | None = None,
        registry: BindingRegistry | None = None,
    ) -> None:
        self.root = root
        self.kind = kind
        self.host_json: dict[str, Any] = host_json or {}
        self.settings: dict[str, str] = settings or {}
        self.errors: list[Finding] = list(errors or [])
        self.registry = registry
        self._all = list(functions)
        #: the functions by name (the first of a name wins; :meth:`function` ignores case).
        self.functions: FunctionIndex = FunctionIndex(functions)
        #: set by :func:`load_app`; an app built directly changed nothing.
        self._state: _ProcessState | None = None
        self.closed = False

    @property
    def changes(self) -> AppChanges:
        """What loading this app changed in the process, and :meth:`close` undoes."""
        if self._state is None:
            return AppChanges({}, (), ())
        return self._state.changes()

    @property
    def importable(self) -> bool:
        """Whether the app's code is still the importable one (``function_app`` or
        ``__app__`` in ``sys.modules``, its folder on ``sys.path``); loading another app,
        or :meth:`close`, ends it."""
        return not self.closed and self._state is not None and self._state.importable()

    def close(self) -> None:
        """Undo :attr:`changes`: unset the variables the app's settings set (those still
        holding the value set), take its directory off ``sys.path`` and drop its modules
        from ``sys.modules``. Idempotent.

        The functions already loaded still run; an import they run lazily then fails.
        """
        if not self.closed:
            self.closed = True
            if self._state is not None:
                self._state.undo()

    def __enter__(self) -> LoadedApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def function(self, name: str) -> FunctionInfo:
        """The function called ``name`` (matched case-insensitively when not exact).

        Raises:
            FunctionNotFoundError: if the app has no such function.
            FunctionLoadError: if the function exists but could not be loaded, or the app's
                script did not import (chained to the exception that stopped it,
                ``function`` set).
        """
        found = self.functions.find(name)
        if found is not None:
            return found
        folded = fold_name(name)
        for finding in self.errors:
            if finding.function and fold_name(finding.function) == folded:
                raise finding.error()
        for finding in self.errors:
            if finding.function is None and finding.code in _APP_NOT_LOADED:
                # the whole app failed (its script did not import): that is why
                error = FunctionLoadError(finding.message, function=name)
                raise error from finding.exception
        return self.functions.lookup(name, where=f"the app at {self.root}")

    def check(self) -> list[Finding]:
        """Every problem found loading the app and checking its functions.

        Raises:
            AzFuncError: never; problems are returned.
        """
        return [*self.errors, *check_functions(self._all, self.registry)]

    def invoke(
        self,
        name: str,
        /,
        *,
        trigger_metadata: Mapping[str, object] | None = None,
        context: Context | object | None = None,
        **inputs: object,
    ) -> InvocationResult:
        """Run one invocation of ``name`` from synchronous code (in its own event loop).

        ``context`` is the invocation :class:`~azfunc.Context`; any other value is the input
        of a binding named ``context`` (the Durable and MCP triggers' convention).

        Raises:
            RuntimeError: if called while an event loop is running (use :meth:`invoke_async`).
            FunctionNotFoundError: if the app has no such function.
            ConversionError: if an input, output or return value cannot be converted.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "LoadedApp.invoke() cannot run inside a running event loop; "
                "use `await app.invoke_async(...)` instead"
            )
        return asyncio.run(
            self.invoke_async(name, trigger_metadata=trigger_metadata, context=context, **inputs)
        )

    async def invoke_async(
        self,
        name: str,
        /,
        *,
        trigger_metadata: Mapping[str, object] | None = None,
        context: Context | object | None = None,
        **inputs: object,
    ) -> InvocationResult:
        """Run one invocation of ``name`` on the running event loop.

        ``context`` is the invocation :class:`~azfunc.Context`; any other value is the input
        of a binding named ``context`` (the Durable and MCP triggers' convention).

        Raises:
            FunctionNotFoundError: if the app has no such function.
            ConversionError: if an input, output or return value cannot be converted.
        """
        info = self.function(name)
        from .._context import Context

        if context is not None and not isinstance(context, Context):
            # a binding named "context" (Durable's and MCP's convention) takes the value
            inputs = {**inputs, "context": context}
            context = None
        trigger_metadata = _realistic_metadata(info, inputs, trigger_metadata)
        return await invoke_function(
            info, inputs, trigger_metadata=trigger_metadata, context=context,
            registry=self.registry,
        )

    def __repr__(self) -> str:
        closed = " closed" if self.closed else ""
        return (
            f"<LoadedApp {self.kind} {str(self.root)!r}{closed} "
            f"functions={sorted(self.functions)}>"
        )


#: trigger type -> the test-kit factory whose metadata a raw trigger value gets.
_RAW_TRIGGER_FACTORIES: Final = {
    "queuetrigger": "queue_message_payload",
    "servicebustrigger": "service_bus_message_payload",
}


def _realistic_metadata(
    info: FunctionInfo, inputs: Mapping[str, object], given: Mapping[str, object] | None
) -> Mapping[str, object] | None:
    """The trigger metadata of an invocation whose trigger input is a raw value.

    A raw ``str``/``bytes``/JSON value given to a queue or Service Bus trigger gets the
    metadata the host sends with a fresh message (id, dequeue or delivery count 1, times),
    made by the same test-kit factory as ``testing.queue_message``; names given in
    ``trigger_metadata`` win. Datums and binding objects are left alone.
    """
    trigger = info.trigger
    if trigger is None or trigger.name not in inputs:
        return given
    factory_name = _RAW_TRIGGER_FACTORIES.get(trigger.type.lower())
    value = inputs[trigger.name]
    if factory_name is None or not isinstance(value, (str, bytes, dict, list)):
        return given
    from .. import testing

    body: object = value
    if factory_name == "queue_message_payload" and not isinstance(value, (str, bytes)):
        import json

        body = json.dumps(value)  # a queue message's text: what QueueTrigger names
    _, defaults = getattr(testing, factory_name)(body)
    return {**defaults, **(given or {})}


# --- process state ---------------------------------------------------------------------------


#: the decorator-app directory this module put on ``sys.path`` and the state that owns it.
_ADDED_ROOTS: dict[str, _ProcessState] = {}


class _ProcessState:
    """The process state one app's loading changes, recorded so that it can be undone."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = str(root) + os.sep
        self._before: dict[str, ModuleType] = dict(sys.modules)
        self.environ: dict[str, str] = {}
        self.sys_path: list[str] = []
        self.top_modules: dict[str, ModuleType] = {}

    def record_top_modules(self) -> None:
        """Remember the app's top modules once loaded (what :meth:`importable` checks)."""
        for name in ("function_app", APP_PACKAGE):
            module = sys.modules.get(name)
            if module is not None and self._is_own(name, module):
                self.top_modules[name] = module

    def importable(self) -> bool:
        return bool(self.top_modules) and all(
            sys.modules.get(name) is module for name, module in self.top_modules.items()
        ) and all(entry in sys.path for entry in self.sys_path)

    def set_environ(self, values: Mapping[str, str]) -> None:
        for name in _apply_settings(values):
            self.environ[name] = values[name]

    def activate_root(self) -> None:
        """Make the app's root the one decorator-app root on ``sys.path``."""
        root = str(self.root)
        for old in [*_ADDED_ROOTS, root]:
            _purge_modules_under(Path(old))
        for old in list(_ADDED_ROOTS):
            del _ADDED_ROOTS[old]
            if old in sys.path:
                sys.path.remove(old)
        sys.modules.pop("function_app", None)
        if root not in sys.path:
            sys.path.insert(0, root)
            _ADDED_ROOTS[root] = self
            self.sys_path.append(root)

    def _is_own(self, name: str, module: ModuleType) -> bool:
        if self._before.get(name) is module:
            return False  # there before the app was loaded
        if name == APP_PACKAGE or name.startswith(APP_PACKAGE + ".") or name == "function_app":
            return True
        file = getattr(module, "__file__", None)
        return isinstance(file, str) and os.path.abspath(file).startswith(self._prefix)

    def modules(self) -> list[str]:
        return sorted(n for n, m in list(sys.modules.items()) if self._is_own(n, m))

    def changes(self) -> AppChanges:
        return AppChanges(dict(self.environ), tuple(self.sys_path), tuple(self.modules()))

    def undo(self) -> None:
        for name, value in self.environ.items():
            if os.environ.get(name) == value:
                del os.environ[name]
        for entry in self.sys_path:
            if _ADDED_ROOTS.get(entry) is self:
                del _ADDED_ROOTS[entry]
                if entry in sys.path:
                    sys.path.remove(entry)
        for name in self.modules():
            del sys.modules[name]


def _purge_modules_under(root: Path) -> None:
    prefix = str(root.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
            del sys.modules[name]


# --- loading ---------------------------------------------------------------------------------


def _load_decorator_app(
    script: Path, state: _ProcessState
) -> tuple[list[FunctionInfo], list[Finding]]:
    from .decorators import FunctionApp

    root = script.parent
    state.activate_root()
    spec = importlib.util.spec_from_file_location("function_app", script)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise FunctionLoadError(f"cannot import {script}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop("function_app", None)
        message = (
            f"cannot load the app: importing {script.name} raised {type(exc).__name__}: {exc}"
        )
        return [], [Finding(None, None, "import-error", message, exception=exc)]
    apps = [v for v in vars(module).values() if isinstance(v, FunctionApp)]
    if not apps:
        message = (
            f"cannot load the app: {script.name} defines no azfunc.FunctionApp; "
            "add `app = func.FunctionApp()` and decorate the functions with it"
        )
        return [], [Finding(None, None, "no-function-app", message)]
    findings: list[Finding] = []
    if len(apps) > 1:
        findings.append(
            Finding(
                None,
                None,
                "several-function-apps",
                f"cannot load the app: {script.name} defines {len(apps)} FunctionApp objects; "
                "define one and register blueprints into it",
            )
        )
    functions = [dataclasses.replace(f, directory=root) for f in apps[0].collect_functions()]
    return functions, findings


def locate_app(path: str | os.PathLike[str]) -> Path:
    """The root folder of the app at ``path``, found without importing anything.

    Raises:
        FunctionLoadError: if ``path`` does not exist or holds no function app.
    """
    return _locate(path)[0]


def _locate(path: str | os.PathLike[str]) -> tuple[Path, Path, str]:
    """(root, decorator script, kind) of the app at ``path``."""
    target = Path(path).expanduser().resolve()
    if target.is_file():
        if target.suffix != ".py":
            raise FunctionLoadError(f"{target} is not a function app: give a folder or a .py file")
        root, script = target.parent, target
    elif target.is_dir():
        root, script = target, target / DECORATOR_SCRIPT
    else:
        raise FunctionLoadError(f"{target} does not exist")
    if script.is_file():
        return root, script, "decorator"
    if (root / HOST_JSON).is_file() or function_folders(root):
        return root, script, "folder"
    raise FunctionLoadError(
        f"{root} holds no function app: expected {DECORATOR_SCRIPT} or function folders "
        f"with function.json (and {HOST_JSON})"
    )


def _read_config(root: Path, errors: list[Finding]) -> tuple[dict[str, Any], dict[str, str]]:
    """``host.json`` and the ``local.settings.json`` values; problems go to ``errors``."""
    try:
        host_json = read_host_json(root)
    except ConfigurationError as exc:
        host_json = {}
        errors.append(Finding(None, None, "host-json-invalid", f"cannot load the app: {exc}"))
    try:
        settings = read_settings(root)
    except ConfigurationError as exc:
        settings = {}
        errors.append(Finding(None, None, "settings-invalid", f"cannot load the app: {exc}"))
    return host_json, settings


def _is_disabled(name: str, settings: Mapping[str, str]) -> bool:
    key = f"AzureWebJobs.{name}.Disabled"
    value = os.environ.get(key, settings.get(key, ""))
    return value.strip().lower() in ("true", "1")


def _select(
    functions: list[FunctionInfo], host_json: Mapping[str, Any], settings: Mapping[str, str]
) -> list[FunctionInfo]:
    """``host.json`` ``functions`` applied, and the disabled-setting marked."""
    only = host_json.get("functions")
    if isinstance(only, list):
        wanted = {fold_name(str(n)) for n in only}
        functions = [f for f in functions if fold_name(f.name) in wanted]
    return [
        dataclasses.replace(f, disabled=True) if _is_disabled(f.name, settings) else f
        for f in functions
    ]


def _drop_duplicates(
    functions: list[FunctionInfo],
) -> tuple[list[FunctionInfo], list[Finding]]:
    """Functions whose name no other function has; a finding per name two or more share
    (the host refuses such an app: neither is kept, so invoking the name raises)."""
    counts: dict[str, int] = {}
    for info in functions:
        counts[fold_name(info.name)] = counts.get(fold_name(info.name), 0) + 1
    kept = [f for f in functions if counts[fold_name(f.name)] == 1]
    findings = []
    for info in functions:
        count = counts.pop(fold_name(info.name), 1)
        if count > 1:
            findings.append(Finding(
                info.name, None, "duplicate-function",
                f"{count} functions have this name; "
                "function names must be unique (use function_name(...) to rename one)",
            ))
    return kept, findings


def load_app(
    path: str | os.PathLike[str],
    *,
    apply_settings: bool = True,
    registry: BindingRegistry | None = None,
) -> LoadedApp:
    """Load the function app at ``path`` (either layout).

    ``apply_settings=False`` leaves the environment alone (``local.settings.json`` is still
    read into :attr:`LoadedApp.settings`). What loading changed is
    :attr:`LoadedApp.changes`; :meth:`LoadedApp.close` undoes it.

    Raises:
        FunctionLoadError: if ``path`` does not exist or holds no function app.
        ConfigurationError: if a ``local.settings.json`` value cannot be set in the
            environment (a name with ``=``); an unreadable file is a finding instead.
    """
    root, script, kind = _locate(path)
    errors: list[Finding] = []
    host_json, settings = _read_config(root, errors)
    state = _ProcessState(root)
    if apply_settings:
        state.set_environ(settings)
    if kind == "decorator":
        functions, problems = _load_decorator_app(script, state)
    else:
        functions, problems = load_folder_app(root)
    errors.extend(problems)
    state.record_top_modules()
    functions, duplicated = _drop_duplicates(functions)
    errors.extend(duplicated)
    app = LoadedApp(
        root=root,
        kind=kind,
        functions=_select(functions, host_json, settings),
        errors=errors,
        host_json=host_json,
        settings=settings,
        registry=registry,
    )
    app._state = state
    return app

