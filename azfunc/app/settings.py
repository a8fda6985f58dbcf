"""``local.settings.json``: the app settings a local run exposes as environment variables.

Rules this module keeps:

* Only the ``Values`` object is read; a missing file means no settings.
* Values become strings the way the host writes them: ``true``/``false`` for booleans,
  ``str()`` for numbers, ``""`` for null; nested objects are refused.
* :func:`apply_settings` never overwrites a variable that is already set, so a value in the
  real environment always wins.
* A file that is not valid JSON, or whose ``Values`` is not an object, raises
  :class:`~azfunc.ConfigurationError` naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any, Final

from .._errors import ConfigurationError

__all__ = ["SETTINGS_FILE", "apply_settings", "read_settings"]

SETTINGS_FILE: Final = "local.settings.json"


def _as_setting(name: str, value: Any, path: Path) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigurationError(f"{path}: Values.{name} must be a string, number or boolean")


def read_settings(root: str | os.PathLike[str]) -> dict[str, str]:
    """The ``Values`` of ``<root>/local.settings.json`` as strings (empty when absent).

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> _ = (Path(d) / SETTINGS_FILE).write_text('{"Values": {"A": 1, "B": true}}')
        >>> read_settings(d)
        {'A': '1', 'B': 'true'}

    Raises:
        ConfigurationError: if the file is not valid JSON or ``Values`` is not an object.
    """
    path = Path(root) / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ConfigurationError(f"{path} is not valid JSON: nested too deeply") from None
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{path} must hold a JSON object")
    values = data.get("Values", {})
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ConfigurationError(f"{path}: \"Values\" must be a JSON object")
    return {str(k): _as_setting(str(k), v, path) for k, v in values.items()}


def apply_settings(
    values: Mapping[str, str], environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Set each of ``values`` in ``environ`` (default ``os.environ``) unless already set.

    Returns the names that were set.

    Example:
        >>> env = {"A": "kept"}
        >>> apply_settings({"A": "new", "B": "2"}, env), env
        (['B'], {'A': 'kept', 'B': '2'})

    Raises:
        ConfigurationError: for a name with ``=`` or NUL (or empty), or a value with NUL.
    """
    target = os.environ if environ is None else environ
    applied: list[str] = []
    for name, value in values.items():
        if not name or "=" in name or "\0" in name or "\0" in value:
            raise ConfigurationError(
                f"{SETTINGS_FILE}: {name!r} cannot be an environment variable"
            )
        if name in target:
            continue
        target[name] = value
        applied.append(name)
    return applied
