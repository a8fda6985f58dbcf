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
* Loading never stops at the first broken function: problems are kept in
  :attr:`LoadedApp.errors` and reported by :meth:`LoadedApp.check`; the other functions load.
* ``host.json`` ``functions`` (a list of names) restricts which functions are loaded; the
  setting ``AzureWebJobs.<name>.Disabled`` (environment or local settings) disables one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Final

from .._errors import FunctionLoadError, FunctionNotFoundError
from .folder import HOST_JSON, function_folders, load_folder_app, read_host_json
from .invocation import InvocationResult, invoke_function
from .settings import apply_settings as _apply_settings
from .settings import read_settings
from .validation import Finding, check_functions

if TYPE_CHECKING:
    from .._context import Context
    from .._registry import BindingRegistry
    from .model import FunctionInfo

__all__ = ["DECORATOR_SCRIPT", "LoadedApp", "load_app"]

DECORATOR_SCRIPT: Final = "function_app.py"


class LoadedApp:
    """A loaded function app: its functions, settings and the problems found loading it.

    Example:
        >>> import tempfile, pathlib
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "function_app.py").write_text(
        ...     "import azfunc as func\\n"
        ...     "app = func.FunctionApp()\\n"
        ...     "@app.queue_trigger(arg_name='msg', queue_name='q', connection='C')\\n"
        ...     "def work(msg) -> None: pass\\n")
        >>> app = load_app(root)
        >>> app.kind, list(app.functions), app.check()
        ('decorator', ['work'], [])
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
        by_name: dict[str, FunctionInfo] = {}
        for info in functions:
            by_name.setdefault(info.name, info)
        self.functions: Mapping[str, FunctionInfo] = MappingProxyType(by_name)

    def function(self, name: str) -> FunctionInfo:
        """The function called ``name`` (matched case-insensitively when not exact).

        Raises:
            FunctionNotFoundError: if the app has no such function.
            FunctionLoadError: if the function exists but could not be loaded.
        """
        found = self.functions.get(name)
        if found is not None:
            return found
        for key, info in self.functions.items():
            if key.lower() == name.lower():
                return info
        for finding in self.errors:
            if finding.function and finding.function.lower() == name.lower():
                raise FunctionLoadError(finding.message)
        known = ", ".join(sorted(self.functions)) or "none"
        raise FunctionNotFoundError(
            f"the app at {self.root} has no function named {name!r}; its functions: {known}"
        )

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
        trigger_metadata: Mapping[str, Any] | None = None,
        context: Context | None = None,
        **inputs: Any,
    ) -> InvocationResult:
        """Run one invocation of ``name`` from synchronous code (in its own event loop).

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
        trigger_metadata: Mapping[str, Any] | None = None,
        context: Context | None = None,
        **inputs: Any,
    ) -> InvocationResult:
        """Run one invocation of ``name`` on the running event loop.

        Raises:
            FunctionNotFoundError: if the app has no such function.
            ConversionError: if an input, output or return value cannot be converted.
        """
        info = self.function(name)
        return await invoke_function(
            info, inputs, trigger_metadata=trigger_metadata, context=context,
            registry=self.registry,
        )

    def __repr__(self) -> str:
        return f"<LoadedApp {self.kind} {str(self.root)!r} functions={sorted(self.functions)}>"


def _purge_modules_under(root: Path) -> None:
    prefix = str(root.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.abspath(file).startswith(prefix):
            del sys.modules[name]


#: decorator-app roots this process put on ``sys.path`` (the last loaded is current).
_ADDED_ROOTS: list[str] = []


def _activate_root(root: Path) -> None:
    """Make ``root`` the one decorator-app root on ``sys.path``; forget earlier apps' modules."""
    for old in [*_ADDED_ROOTS, str(root)]:
        _purge_modules_under(Path(old))
    while _ADDED_ROOTS:
        old = _ADDED_ROOTS.pop()
        if old in sys.path:
            sys.path.remove(old)
    sys.modules.pop("function_app", None)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
        _ADDED_ROOTS.append(str(root))


def _load_decorator_app(script: Path) -> tuple[list[FunctionInfo], list[Finding]]:
    from .decorators import FunctionApp

    root = script.parent
    _activate_root(root)
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
    functions = [dataclasses.replace(f, directory=root) for f in apps[0].get_functions()]
    return functions, findings


def _is_disabled(name: str, settings: Mapping[str, str]) -> bool:
    key = f"AzureWebJobs.{name}.Disabled"
    value = os.environ.get(key, settings.get(key, ""))
    return value.strip().lower() in ("true", "1")


def load_app(
    path: str | os.PathLike[str],
    *,
    apply_settings: bool = True,
    registry: BindingRegistry | None = None,
) -> LoadedApp:
    """Load the function app at ``path`` (either layout).

    Raises:
        FunctionLoadError: if ``path`` does not exist or holds no function app.
    """
    target = Path(path).expanduser().resolve()
    if target.is_file():
        if target.suffix != ".py":
            raise FunctionLoadError(f"{target} is not a function app: give a folder or a .py file")
        root, script = target.parent, target
    elif target.is_dir():
        root, script = target, target / DECORATOR_SCRIPT
    else:
        raise FunctionLoadError(f"{target} does not exist")
    errors: list[Finding] = []
    try:
        host_json = read_host_json(root)
    except FunctionLoadError as exc:
        host_json = {}
        errors.append(Finding(None, None, "host-json-invalid", f"cannot load the app: {exc}"))
    try:
        settings = read_settings(root)
    except FunctionLoadError as exc:
        settings = {}
        errors.append(Finding(None, None, "settings-invalid", f"cannot load the app: {exc}"))
    if script.is_file():
        kind = "decorator"
    elif (root / HOST_JSON).is_file() or function_folders(root):
        kind = "folder"
    else:
        raise FunctionLoadError(
            f"{root} holds no function app: expected {DECORATOR_SCRIPT} or function folders "
            f"with function.json (and {HOST_JSON})"
        )
    if apply_settings:
        _apply_settings(settings)
    if kind == "decorator":
        functions, problems = _load_decorator_app(script)
    else:
        functions, problems = load_folder_app(root)
    errors.extend(problems)
    only = host_json.get("functions")
    if isinstance(only, list):
        wanted = {str(n).lower() for n in only}
        functions = [f for f in functions if f.name.lower() in wanted]
    functions = [
        dataclasses.replace(f, disabled=True) if _is_disabled(f.name, settings) else f
        for f in functions
    ]
    return LoadedApp(
        root=root,
        kind=kind,
        functions=functions,
        errors=errors,
        host_json=host_json,
        settings=settings,
        registry=registry,
    )
