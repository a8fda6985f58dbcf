"""Folder apps: ``host.json`` at the root, one folder per function with ``function.json``.

Rules this module keeps:

* The app root is importable as the package ``__app__`` (a module whose ``__path__`` is the
  root); each function module is imported as ``__app__.<Folder>`` (or
  ``__app__.<Folder>.<module>`` for another ``scriptFile``). So ``from . import example``,
  ``from ..shared_code import x``, ``from __app__ import shared_code`` and
  ``import __app__.shared_code`` work, while ``import example`` and ``import shared_code``
  do not: neither the root nor a function folder is put on ``sys.path``.
* Loading an app re-registers ``__app__`` and first purges ``__app__`` and ``__app__.*`` from
  ``sys.modules``, so several apps loaded in one process never see each other's modules.
  (Functions already loaded keep working; an import they run lazily resolves against the
  app loaded last.)
* ``scriptFile`` defaults to ``__init__.py`` and ``entryPoint`` to ``main``; a script outside
  the app root is refused. ``disabled`` is honoured (the function is still loaded).
* Problems are collected as :class:`~azfunc.app.findings.Finding` objects, one per problem,
  and the other functions still load: a broken function never hides the rest. An import
  error's finding keeps the user's exception (and so its traceback).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from .._errors import ConfigurationError, FunctionLoadError
from .findings import Finding
from .model import BindingInfo, FunctionInfo

__all__ = [
    "APP_PACKAGE",
    "FUNCTION_JSON",
    "HOST_JSON",
    "function_folders",
    "load_folder_app",
    "read_host_json",
    "register_app_package",
]

APP_PACKAGE: Final = "__app__"
HOST_JSON: Final = "host.json"
FUNCTION_JSON: Final = "function.json"


def read_host_json(root: Path) -> dict[str, Any]:
    """The content of ``<root>/host.json`` (``{}`` when absent).

    Raises:
        ConfigurationError: if the file is not a valid JSON object.
    """
    path = root / HOST_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None
    except RecursionError:
        raise ConfigurationError(f"cannot read {path}: its JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} must hold a JSON object")
    return data


def function_folders(root: Path) -> list[Path]:
    """The sub-folders of ``root`` holding a ``function.json``, sorted by name."""
    return sorted(
        child
        for child in root.iterdir()
        if child.is_dir() and not child.name.startswith(".") and (child / FUNCTION_JSON).is_file()
    )


def purge_app_modules(package: str = APP_PACKAGE) -> None:
    """Remove ``package`` and its submodules from ``sys.modules``."""
    prefix = package + "."
    for name in [n for n in sys.modules if n == package or n.startswith(prefix)]:
        del sys.modules[name]


def register_app_package(root: Path) -> ModuleType:
    """Register ``root`` as the package ``__app__`` (purging any previous app first).

    Example:
        >>> import tempfile
        >>> pkg = register_app_package(Path(tempfile.mkdtemp()))
        >>> sys.modules["__app__"] is pkg, len(pkg.__path__)
        (True, 1)
    """
    purge_app_modules()
    spec = importlib.machinery.ModuleSpec(APP_PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [str(root)]
    module = importlib.util.module_from_spec(spec)
    module.__path__ = [str(root)]
    sys.modules[APP_PACKAGE] = module
    importlib.invalidate_caches()
    return module


def _module_name(root: Path, script: Path) -> str:
    parts = list(script.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join([APP_PACKAGE, *parts])


class _Problem(FunctionLoadError):
    """A function-level load problem with its finding code."""

    def __init__(self, code: str, message: str, *, function: str) -> None:
        super().__init__(message, function=function)
        self.code = code

    def finding(self) -> Finding:
        return Finding(self.function, self.binding, self.code, str(self), exception=self.__cause__)


def _read_function_json(folder: Path) -> Mapping[str, Any]:
    path = folder / FUNCTION_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise _Problem(
            "function-json-invalid",
            f"{FUNCTION_JSON} is not valid JSON ({exc})",
            function=folder.name,
        ) from None
    except RecursionError:
        raise _Problem(
            "function-json-invalid",
            f"{FUNCTION_JSON} is nested too deeply",
            function=folder.name,
        ) from None
    if not isinstance(data, dict):
        raise _Problem(
            "function-json-invalid",
            f"{FUNCTION_JSON} must hold a JSON object",
            function=folder.name,
        )
    return data


def _import_entry(root: Path, folder: Path, config: Mapping[str, Any]) -> tuple[Any, str, str]:
    name = folder.name
    script_file = config.get("scriptFile") or "__init__.py"
    entry_point = config.get("entryPoint") or "main"
    if not isinstance(script_file, str) or not isinstance(entry_point, str):
        raise _Problem(
            "function-json-invalid",
            "scriptFile and entryPoint must be strings",
            function=name,
        )
    script = (folder / script_file).resolve()
    if not script.is_relative_to(root.resolve()):
        raise _Problem(
            "script-file-missing",
            f"scriptFile {script_file!r} is outside the app",
            function=name,
        )
    if not script.is_file() or script.suffix != ".py":
        raise _Problem(
            "script-file-missing",
            f"scriptFile {script_file!r} does not exist "
            f"(looked for {script}); create it or fix \"scriptFile\" in {FUNCTION_JSON}",
            function=name,
        )
    module_name = _module_name(root.resolve(), script)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        purge_app_modules(module_name)
        raise _Problem(
            "import-error",
            f"importing {script_file} raised "
            f"{type(exc).__name__}: {exc}",
            function=name,
        ) from exc
    func = getattr(module, entry_point, None)
    if func is None or not callable(func):
        raise _Problem(
            "entry-point-missing",
            f"{script_file} has no callable {entry_point!r}; "
            f"define `def {entry_point}(...)` or set \"entryPoint\" in {FUNCTION_JSON}",
            function=name,
        )
    return func, script_file, entry_point


def _read_bindings(
    name: str, config: Mapping[str, Any]
) -> tuple[list[BindingInfo], list[Finding]]:
    raw_bindings = config.get("bindings")
    if not isinstance(raw_bindings, list) or not raw_bindings:
        message = (
            f"{FUNCTION_JSON} has no \"bindings\" "
            "list; add the trigger and the other bindings"
        )
        return [], [Finding(name, None, "function-json-no-bindings", message)]
    bindings: list[BindingInfo] = []
    findings: list[Finding] = []
    for entry in raw_bindings:
        try:
            bindings.append(BindingInfo.from_json(entry))
        except FunctionLoadError as exc:
            binding = entry.get("name") if isinstance(entry, Mapping) else None
            findings.append(
                Finding(
                    name,
                    binding if isinstance(binding, str) else None,
                    "binding-invalid",
                    f"{exc}",
                )
            )
    return bindings, findings


def _load_function(root: Path, folder: Path) -> FunctionInfo | list[Finding]:
    """The function of ``folder``, or the problems that stop it from loading."""
    name = folder.name
    try:
        config = _read_function_json(folder)
        bindings, findings = _read_bindings(name, config)
        if findings or not bindings:
            return findings
        func, script_file, entry_point = _import_entry(root, folder, config)
    except _Problem as exc:
        return [exc.finding()]
    retry = config.get("retry")
    return FunctionInfo(
        name=name,
        func=func,
        bindings=tuple(bindings),
        directory=folder,
        script_file=script_file,
        entry_point=entry_point,
        disabled=_truthy(config.get("disabled", False)),
        retry=retry if isinstance(retry, Mapping) else None,
    )


def load_folder_app(root: Path) -> tuple[list[FunctionInfo], list[Finding]]:
    """Load every function folder of ``root``; return the functions and the problems found.

    Raises:
        FunctionLoadError: never for a single function's problem (those become findings).
    """
    register_app_package(root)
    functions: list[FunctionInfo] = []
    findings: list[Finding] = []
    for folder in function_folders(root):
        loaded = _load_function(root, folder)
        if isinstance(loaded, FunctionInfo):
            functions.append(loaded)
        else:
            findings.extend(loaded)
    return functions, findings


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)
