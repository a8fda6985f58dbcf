"""``azfunc export``: write a decorator app in the folder layout the Functions host reads.

Rules this module keeps:

* One ``<function>/function.json`` per function, from ``FunctionInfo.to_function_json()``,
  with ``scriptFile`` pointing back at the app's module so nothing is copied.
* ``host.json`` keeps the app's own settings and gains a ``customHandler`` section that
  starts ``python -m azfunc worker`` (the host sets ``FUNCTIONS_CUSTOMHANDLER_PORT``) and an
  ``extensionBundle`` (v4) unless one is set already.
* ``OUT`` defaults to the app directory itself. Another ``OUT`` first receives a copy of
  the app (without ``.azfunc``, ``.venv``, ``__pycache__``, ``.git`` and ``OUT`` itself),
  so it is a self-contained deployment folder. Existing ``function.json`` files of the
  same functions are replaced; nothing is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._errors import FunctionLoadError
from .storage import atomic_write

if TYPE_CHECKING:
    from ..app.loader import LoadedApp

__all__ = ["DEFAULT_BUNDLE", "custom_handler_host_json", "export_app"]

DEFAULT_BUNDLE: Final = {
    "id": "Microsoft.Azure.Functions.ExtensionBundle",
    "version": "[4.*, 5.0.0)",
}


def custom_handler_host_json(host_json: dict[str, Any], *, python: str = "python",
                             forwarding: bool = False) -> dict[str, Any]:
    """``host_json`` with the ``customHandler`` section that runs ``azfunc worker``.

    Example:
        >>> doc = custom_handler_host_json({"version": "2.0"})
        >>> doc["customHandler"]["description"]["arguments"]
        ['-m', 'azfunc', 'worker']
    """
    out = dict(host_json)
    out.setdefault("version", "2.0")
    section: dict[str, Any] = {
        "description": {
            "defaultExecutablePath": python,
            "arguments": ["-m", "azfunc", "worker"],
            "workingDirectory": "",
        },
    }
    if forwarding:
        section["enableForwardingHttpRequest"] = True
    out["customHandler"] = section
    out.setdefault("extensionBundle", dict(DEFAULT_BUNDLE))
    return out


_SKIP: Final = frozenset({".azfunc", ".venv", "__pycache__", ".git", ".python_packages"})


def _copy_app(root: Path, target: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        here = Path(directory).resolve()
        return {n for n in names if n in _SKIP or (here / n).resolve() == target}

    shutil.copytree(root, target, ignore=ignore, dirs_exist_ok=True)


def export_app(app: LoadedApp | str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
               *, python: str = "python", forwarding: bool = False) -> list[Path]:
    """Write ``function.json`` files and ``host.json``; returns the files written.

    Raises:
        FunctionLoadError: if the app cannot be loaded or a function name is not a valid
            folder name.
    """
    if isinstance(app, (str, os.PathLike)):
        from ..app.loader import load_app

        app = load_app(app, apply_settings=False)
    target = Path(out).resolve() if out is not None else app.root
    if target != app.root:
        _copy_app(app.root, target)
    written: list[Path] = []
    for name, info in sorted(app.functions.items()):
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FunctionLoadError(f"cannot export {name!r}: not a valid folder name")
        document = info.to_function_json()
        script = Path(info.script_file)
        if not script.is_absolute():
            source_dir = info.directory or app.root
            script = (source_dir / script).resolve()
        if target != app.root and script.is_relative_to(app.root):
            script = target / script.relative_to(app.root)
        document["scriptFile"] = os.path.relpath(script, (target / name).resolve())
        path = target / name / "function.json"
        atomic_write(path, (json.dumps(document, indent=2) + "\n").encode(), durable=False)
        written.append(path)
    host = custom_handler_host_json(dict(app.host_json), python=python, forwarding=forwarding)
    host_path = target / "host.json"
    atomic_write(host_path, (json.dumps(host, indent=2) + "\n").encode(), durable=False)
    written.append(host_path)
    return written
