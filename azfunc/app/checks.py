"""Every finding ``azfunc check`` reports for a loaded app, in one place for the command
and for :func:`azfunc.check_app`.

Rules this module keeps:

* The order is azfunc's own checks, then what ``azfunc start`` refuses
  (:mod:`azfunc.host.preflight`), then the target runtime's load rules (``"python"``:
  Microsoft's worker, :mod:`azfunc.msworker.predict`, only for functions not already
  reported; ``"custom"``: the custom-handler protocol), then storage connections.
* The other layers are imported when a check runs, so importing the app layer stays light.
  This is the one module of the app layer that reaches into ``msworker/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final, Protocol

from .._errors import ArgumentValueError
from .findings import Finding
from .model import FunctionIndex

__all__ = ["RUNTIMES", "check_app", "findings"]

#: the runtimes ``azfunc check --runtime`` and :func:`azfunc.check_app` take.
RUNTIMES: Final = ("python", "custom")


class _CheckedApp(Protocol):
    """What the checks read of a loaded app (:class:`~azfunc.app.loader.LoadedApp`)."""

    root: Path
    kind: str
    host_json: dict[str, Any]
    settings: dict[str, str]
    functions: FunctionIndex

    def check(self) -> list[Finding]: ...


def findings(app: _CheckedApp, runtime: str) -> list[Finding]:
    """Every finding of ``azfunc check --runtime runtime`` on the loaded ``app``."""
    from ..host.preflight import check_startup  # what `azfunc start` would refuse

    found = app.check()
    found += check_startup(list(app.functions.values()), app.host_json,
                           {**app.settings, **os.environ}, kind=app.kind, root=app.root)
    if runtime == "python":
        from ..msworker.predict import predict_functions

        reported = {f.function for f in found}
        found += [
            f for f in predict_functions(app.functions.values(), kind=app.kind)
            if f.function not in reported
        ]
    else:  # a custom handler: what the host's JSON protocol needs (forwarding-needed)
        from .validation import check_custom_handler

        found += check_custom_handler(app.functions.values(), app.host_json,
                                      {**app.settings, **os.environ})
    from ..storage.findings import storage_findings  # storage connections (issue 16)
    found += storage_findings(app.functions.values(), {**app.settings, **os.environ})
    return found


def check_app(path: str | os.PathLike[str], *, runtime: str = "python") -> list[Finding]:
    """Every finding ``azfunc check PATH --runtime RUNTIME`` reports, as :class:`Finding`
    objects: the app loaded without applying its settings, azfunc's checks, what
    ``azfunc start`` refuses, the storage connections, and the target runtime's load rules
    (``"python"``: Microsoft's standard worker; ``"custom"``: a custom handler). The load is
    undone afterwards.

    Example:
        >>> import tempfile
        >>> from azfunc import FunctionLoadError
        >>> try:
        ...     check_app(tempfile.mkdtemp())
        ... except FunctionLoadError as exc:
        ...     print("holds no function app" in str(exc))
        True

    Raises:
        FunctionLoadError: if ``path`` holds no function app at all.
        ArgumentValueError: if ``runtime`` is neither ``"python"`` nor ``"custom"``.
    """
    from .loader import load_app

    if runtime not in RUNTIMES:
        raise ArgumentValueError(
            f"runtime must be one of {', '.join(map(repr, RUNTIMES))}, not {runtime!r}")
    with load_app(path, apply_settings=False) as app:
        return findings(app, runtime)
