"""``azfunc export``: write a function app in the folder layout the Functions host reads.

Rules this module keeps:

* A broken app is refused: every problem ``azfunc check --runtime custom`` would report
  fails the export (:class:`~azfunc.FunctionLoadError` listing them), and nothing is
  written, so a broken deployment never looks like an empty, working one.
* One ``<function>/function.json`` per function, from ``FunctionInfo.to_function_json()``,
  with ``scriptFile`` pointing back at the app's module so nothing is copied. A decorator
  app's binding names that the host refuses (``in_msg``) are written as the name
  :func:`~azfunc.wire.custom_handler.host_binding_name` gives (``inMsg``); the worker maps
  them back. A folder app's ``function.json`` names are the user's and are only checked.
* ``host.json`` keeps the app's own settings and gains a ``customHandler`` section that
  starts ``<python> -m azfunc worker`` (the host sets ``FUNCTIONS_CUSTOMHANDLER_PORT``) and
  an ``extensionBundle`` (v4) unless one is set already; keys are matched in any case, as
  the host reads them, and forwarding the app already enabled stays enabled.
* ``OUT`` defaults to the app directory itself. Another ``OUT`` first receives a copy of
  the app (without ``.azfunc``, ``.venv``, ``__pycache__``, ``.git`` and ``OUT`` itself),
  so it is a self-contained deployment folder. Existing ``function.json`` files of the
  same functions are replaced; nothing is deleted.
* ``OUT/local.settings.json`` (the app's own, copied, or a new one) gets
  ``FUNCTIONS_WORKER_RUNTIME=custom``, any other value (``python``) replaced, every other
  setting kept: with ``python`` the host starts its own Python worker and never the custom
  handler. The summary says to set the same app setting on Azure (``local.settings.json``
  is not deployed). A settings file that is not a JSON object with an object ``Values``
  refuses the export before anything is written.
* The result says what to deploy and which interpreter the host will start
  (:meth:`Export.summary`); warnings (``forwarding-needed``) are reported, not refused.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._errors import FunctionLoadError
from ..wire.custom_handler import forwarding_enabled, host_binding_name
from .storage import atomic_write

if TYPE_CHECKING:
    from ..app.findings import Finding
    from ..app.loader import LoadedApp
    from ..app.model import FunctionInfo

__all__ = [
    "DEFAULT_BUNDLE",
    "Export",
    "custom_handler_host_json",
    "custom_runtime_settings",
    "export",
    "export_app",
]

DEFAULT_BUNDLE: Final = {
    "id": "Microsoft.Azure.Functions.ExtensionBundle",
    "version": "[4.*, 5.0.0)",
}

#: the app setting that makes the host start a custom handler (``customHandler`` in
#: host.json) instead of a language worker, and the value it needs.
WORKER_RUNTIME: Final = "FUNCTIONS_WORKER_RUNTIME"
CUSTOM_RUNTIME: Final = "custom"
SETTINGS_FILE: Final = "local.settings.json"

#: the finding codes an export reports but does not refuse.
WARNING_CODES: Final = frozenset({"forwarding-needed"})


def _without(document: dict[str, Any], key: str) -> tuple[dict[str, Any], Any]:
    """``document`` without ``key`` in any case, and the value it had (the last one)."""
    out: dict[str, Any] = {}
    value: Any = None
    for name, item in document.items():
        if name.lower() == key.lower():
            value = item
        else:
            out[name] = item
    return out, value


def custom_handler_host_json(host_json: dict[str, Any], *, python: str = "python",
                             forwarding: bool = False) -> dict[str, Any]:
    """``host_json`` with the ``customHandler`` section that runs ``azfunc worker``.

    Example:
        >>> doc = custom_handler_host_json({"version": "2.0"})
        >>> doc["customHandler"]["description"]["arguments"]
        ['-m', 'azfunc', 'worker']
    """
    out, _ = _without(dict(host_json), "httpWorker")
    out, previous = _without(out, "customHandler")
    out, bundle = _without(out, "extensionBundle")
    out.setdefault("version", "2.0")
    section: dict[str, Any] = {
        "description": {
            "defaultExecutablePath": python,
            "arguments": ["-m", "azfunc", "worker"],
            "workingDirectory": "",
        },
    }
    if forwarding or forwarding_enabled({"customHandler": previous or {}}):
        section["enableForwardingHttpRequest"] = True
    out["customHandler"] = section
    out["extensionBundle"] = bundle if bundle is not None else dict(DEFAULT_BUNDLE)
    return out


_SKIP: Final = frozenset({".azfunc", ".venv", "__pycache__", ".git", ".python_packages"})


def _copy_app(root: Path, target: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        here = Path(directory).resolve()
        return {n for n in names if n in _SKIP or (here / n).resolve() == target}

    shutil.copytree(root, target, ignore=ignore, dirs_exist_ok=True)


@dataclass
class Export:
    """What an export wrote, and what to tell the user about it."""

    target: Path
    python: str
    forwarding: bool
    written: list[Path] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    #: ``(function, python name, host name)`` of every binding renamed for the host.
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    #: the ``FUNCTIONS_WORKER_RUNTIME`` local.settings.json had before (``None``: unset).
    previous_runtime: str | None = None

    def summary(self) -> str:
        """What to deploy, what the host will start, and the warnings.

        Example:
            >>> print(Export(Path("/out"), "python3", False).summary())  # doctest: +ELLIPSIS
            deploy the folder /out ...
        """
        lines = [
            f"deploy the folder {self.target} (the function app root: host.json and one "
            "folder per function)",
            f"the Functions host will start: {self.python} -m azfunc worker (in that folder, "
            "FUNCTIONS_CUSTOMHANDLER_PORT set); that interpreter must import azfunc and the "
            "app's dependencies",
            "HTTP requests: " + ("forwarded as they are to functions with only an HTTP "
                                 "trigger and an HTTP output" if self.forwarding else
                                 "JSON mode (enableForwardingHttpRequest is off)"),
        ]
        runtime = f"{WORKER_RUNTIME}={CUSTOM_RUNTIME}"
        lines.append(
            f"app setting {runtime}: set it on the function app in Azure ({SETTINGS_FILE} "
            "is not deployed); without it the host does not start the custom handler"
        )
        if self.previous_runtime not in (None, CUSTOM_RUNTIME):
            lines.append(f"{SETTINGS_FILE} had {WORKER_RUNTIME}={self.previous_runtime!r}, "
                         f"now {runtime}: with {self.previous_runtime!r} the host would start "
                         "its own language worker instead of azfunc worker")
        lines += [f"binding {old!r} of {function} is {new!r} for the host"
                  for function, old, new in self.renamed]
        lines += [f"warning: {finding}" for finding in self.warnings]
        return "\n".join(lines)


def _bindings(info: FunctionInfo, renamed: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The ``function.json`` bindings, decorator names mapped to names the host accepts."""
    from ..app.validation import from_function_json

    bindings: list[dict[str, Any]] = info.to_function_json()["bindings"]
    if from_function_json(info):
        return bindings
    for entry in bindings:
        name = str(entry["name"])
        mapped = host_binding_name(name)
        if mapped != name:
            entry["name"] = mapped
            renamed.append((info.name, name, mapped))
    return bindings


def _read_settings(path: Path) -> dict[str, Any]:
    """A ``local.settings.json`` document (``{}`` when there is none).

    Raises:
        FunctionLoadError: if the file is not a JSON object with an object ``Values``.
    """
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}  # nothing there yet (writing it then says why it cannot be written)
    except OSError as exc:
        raise FunctionLoadError(f"cannot read {path}: {exc}") from None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise FunctionLoadError(f"{path} is not valid JSON") from None
    values = document.get("Values", {}) if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise FunctionLoadError(f"{path} must be a JSON object with an object \"Values\"")
    return dict(document)


def custom_runtime_settings(document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """``local.settings.json`` with ``FUNCTIONS_WORKER_RUNTIME=custom`` (the key matched in
    any case, other settings kept), and the value it had.

    Example:
        >>> custom_runtime_settings({"Values": {"functions_worker_runtime": "python"}})
        ({'Values': {'FUNCTIONS_WORKER_RUNTIME': 'custom'}}, 'python')
        >>> custom_runtime_settings({})[0]
        {'IsEncrypted': False, 'Values': {'FUNCTIONS_WORKER_RUNTIME': 'custom'}}
    """
    out: dict[str, Any] = dict(document) if document else {"IsEncrypted": False}
    values, previous = _without(dict(out.get("Values") or {}), WORKER_RUNTIME)
    out["Values"] = {WORKER_RUNTIME: CUSTOM_RUNTIME, **values}
    return out, None if previous is None else str(previous)


def _problems(app: LoadedApp, environ: dict[str, str]) -> list[Finding]:
    from ..app.validation import check_custom_handler

    return [*app.check(), *check_custom_handler(app.functions.values(), app.host_json,
                                                environ)]


def export(app: LoadedApp | str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
           *, python: str = "python", forwarding: bool = False) -> Export:
    """Export the app (see the module rules); returns what was written and the summary.

    Raises:
        FunctionLoadError: if the app cannot be loaded or has problems (every one listed),
            or a function name is not a valid folder name.
    """
    if isinstance(app, (str, os.PathLike)):
        from ..app.loader import load_app

        with load_app(app, apply_settings=False) as loaded:
            return export(loaded, out, python=python, forwarding=forwarding)
    environ = {**app.settings, **os.environ}
    findings = _problems(app, environ)
    errors = [f for f in findings if f.code not in WARNING_CODES]
    if errors:
        count = len(errors)
        raise FunctionLoadError(
            f"cannot export {app.root}: {count} problem{'s' if count != 1 else ''} "
            "(azfunc check lists them):\n" + "\n".join(f"  {f}" for f in errors)
        )
    target = Path(out).resolve() if out is not None else app.root
    for name in app.functions:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FunctionLoadError(f"cannot export {name!r}: not a valid folder name")
    settings_doc = _read_settings(app.root / SETTINGS_FILE)
    if not settings_doc and target != app.root:  # the app has none: keep OUT's own
        settings_doc = _read_settings(target / SETTINGS_FILE)
    settings_doc, previous_runtime = custom_runtime_settings(settings_doc)
    host = custom_handler_host_json(dict(app.host_json), python=python, forwarding=forwarding)
    result = Export(target, python, forwarding_enabled(host, environ),
                    warnings=[f for f in findings if f.code in WARNING_CODES],
                    previous_runtime=previous_runtime)
    if target != app.root:
        _copy_app(app.root, target)
    for name, info in sorted(app.functions.items()):
        document = info.to_function_json()
        document["bindings"] = _bindings(info, result.renamed)
        script = Path(info.script_file)
        if not script.is_absolute():
            source_dir = info.directory or app.root
            script = (source_dir / script).resolve()
        if target != app.root and script.is_relative_to(app.root):
            script = target / script.relative_to(app.root)
        document["scriptFile"] = os.path.relpath(script, (target / name).resolve())
        path = target / name / "function.json"
        atomic_write(path, (json.dumps(document, indent=2) + "\n").encode(), durable=False)
        result.written.append(path)
    host_path = target / "host.json"
    atomic_write(host_path, (json.dumps(host, indent=2) + "\n").encode(), durable=False)
    result.written.append(host_path)
    settings_path = target / SETTINGS_FILE
    atomic_write(settings_path, (json.dumps(settings_doc, indent=2) + "\n").encode(),
                 durable=False)
    result.written.append(settings_path)
    return result


def export_app(app: LoadedApp | str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
               *, python: str = "python", forwarding: bool = False) -> list[Path]:
    """Write ``function.json`` files and ``host.json``; returns the files written
    (:func:`export` also returns the summary).

    Raises:
        FunctionLoadError: if the app cannot be loaded or has problems, or a function name
            is not a valid folder name.
    """
    return export(app, out, python=python, forwarding=forwarding).written
