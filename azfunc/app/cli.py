"""``azfunc check [PATH]``: validate a function app offline, with the worker's rules.

Rules this module keeps:

* PATH is a directory holding either app layout, or a ``function_app.py`` (default: the
  current directory). ``local.settings.json`` is read but never applied, and the app is
  closed afterwards (``sys.path`` and ``sys.modules`` as before).
* The findings are :func:`azfunc.app.checks.findings`'s, as :func:`azfunc.check_app` returns
  them. ``--runtime python`` (the default) also reports what Microsoft's standard Python
  worker would refuse to load, in the worker's own words (:mod:`azfunc.msworker.predict`), for
  functions azfunc's own checks pass; ``--runtime custom`` (a custom handler, ``azfunc
  worker``) leaves those out and adds what the custom-handler protocol needs
  (``forwarding-needed``, :func:`~azfunc.app.validation.check_custom_handler`).
* One line per problem, ``<function>: <message>``; the exit status is the shared
  :class:`~azfunc.cli.ExitCode`: 1 when there are problems, 0 with a summary (functions
  found and their triggers) when there are none, and 2 when PATH holds no function app (or
  the arguments are wrong).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from .._errors import FunctionLoadError
from ..cli import ExitCode, command_parser, parse
from .checks import RUNTIMES, findings

if TYPE_CHECKING:
    from .loader import LoadedApp

__all__ = ["check_main"]


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "check", "Validate a function app offline, with the Python worker's load rules.")
    parser.add_argument("path", nargs="?", default=".", help="app folder or function_app.py")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print problems only, no summary"
    )
    parser.add_argument(
        "--runtime", choices=RUNTIMES, default="python",
        help="where the app will run: Microsoft's standard Python worker (python) or a "
        "custom handler (azfunc worker); python adds the worker's own load checks",
    )
    return parser


def check_main(argv: list[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``azfunc check``; returns the exit status (0 clean, 1 problems, 2 no app).

    Example:
        >>> import tempfile
        >>> check_main([tempfile.mkdtemp()], err=sys.stdout)  # doctest: +ELLIPSIS
        azfunc check: ... holds no function app: ...
        2

    Raises:
        SystemExit: never; argument errors return 2.
    """
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    from .loader import load_app

    try:
        app = load_app(args.path, apply_settings=False)
    except FunctionLoadError as exc:
        print(f"azfunc check: {exc}", file=stderr)
        return ExitCode.USAGE
    with app:
        return _report(app, args.quiet, stdout, stderr, runtime=args.runtime)




def _report(
    app: LoadedApp, quiet: bool, stdout: TextIO, stderr: TextIO, *, runtime: str = "python"
) -> int:
    found = findings(app, runtime)
    for finding in found:
        print(str(finding), file=stdout)
    if found:
        count = len(found)
        print(f"{count} problem{'s' if count != 1 else ''} found in {app.root}", file=stderr)
        return ExitCode.APP_ERROR
    if not quiet:
        total = len(app.functions)
        print(f"{app.root}: {app.kind} app, {total} function{'s' if total != 1 else ''}",
              file=stdout)
        for name, info in sorted(app.functions.items()):
            trigger = info.trigger
            shown = trigger.type if trigger is not None else "no trigger"
            flag = " (disabled)" if info.disabled else ""
            print(f"  {name}: {shown}{flag}", file=stdout)
    return ExitCode.OK
