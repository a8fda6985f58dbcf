"""The ``azfunc`` command line: one table of subcommands, each in the module that owns it.

Every subcommand is a ``main(argv: list[str]) -> int`` function, imported only when used.
All of them share one set of exit statuses (:class:`ExitCode`, listed in every ``--help``)
and one help style (:func:`command_parser`: defaults shown as ``(default: ...)``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final


class ExitCode:
    """The exit status of every ``azfunc`` command (plain ints: ``main`` returns them).

    Example:
        >>> ExitCode.OK, ExitCode.APP_ERROR, ExitCode.USAGE, ExitCode.ENVIRONMENT
        (0, 1, 2, 3)
    """

    #: done (``start``/``worker``: stopped with Ctrl-C or SIGTERM after a clean shutdown).
    OK: Final = 0
    #: the app is refused: it does not load, ``check`` found problems, its startup failed.
    APP_ERROR: Final = 1
    #: bad usage: an unknown command or option, a bad value, no function app at PATH.
    USAGE: Final = 2
    #: the environment: the port is in use or cannot be bound, storage cannot be used.
    ENVIRONMENT: Final = 3


#: the exit statuses, as every ``--help`` lists them.
EXIT_STATUS_HELP: Final = (
    "exit status:\n"
    "  0  ok (start/worker: stopped by Ctrl-C or SIGTERM, cleanly)\n"
    "  1  the app is refused: it does not load, check found problems, its startup failed\n"
    "  2  usage: unknown command or option, bad value, no function app at PATH\n"
    "  3  environment: the port is in use or cannot be bound, storage cannot be used\n"
)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """``(default: X)`` after every option that has a default; the epilog kept as written.

    Options whose default is computed (``None``, flags) say it in their own words.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "(default" in help_text:
            return help_text
        return super()._get_help_string(action)


def command_parser(command: str, description: str) -> argparse.ArgumentParser:
    """The parser of ``azfunc <command>``: shared help style and the exit statuses.

    Example:
        >>> parser = command_parser("demo", "A demo.")
        >>> _ = parser.add_argument("--port", type=int, default=7071, help="port")
        >>> "--port PORT  port (default: 7071)" in parser.format_help()
        True
    """
    return argparse.ArgumentParser(prog=f"azfunc {command}", description=description,
                                   formatter_class=HelpFormatter, epilog=EXIT_STATUS_HELP)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | int:
    """``parser``'s namespace, or the exit status when argparse stopped (``--help``: 0)."""
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exc:
        return ExitCode.OK if exc.code in (0, None) else ExitCode.USAGE


#: subcommand -> ("module:function", one-line help)
COMMANDS: Final = {
    "check": ("azfunc.app.cli:check_main", "validate a function app offline"),
    "start": ("azfunc.host.cli:start_main", "run a function app on the local host"),
    "worker": ("azfunc.host.cli:worker_main", "serve a function app as a custom handler"),
    "export": ("azfunc.host.cli:export_main", "write the folder layout of a decorator app"),
    "openapi": ("azfunc.openapi.cli:openapi_main", "write the OpenAPI document of an app"),
}

USAGE = "usage: azfunc <command> [options]\n\ncommands:\n" + "".join(
    f"  {name:<8} {help_text}\n" for name, (_, help_text) in COMMANDS.items()
) + "\n`azfunc <command> --help` describes a command and its defaults.\n\n" + EXIT_STATUS_HELP


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``azfunc`` command line; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="", file=sys.stdout if args else sys.stderr)
        return ExitCode.OK if args else ExitCode.USAGE
    if args[0] == "--version":
        from ._version import __version__

        print(f"azfunc {__version__}")
        return ExitCode.OK
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"azfunc: unknown command {args[0]!r}\n\n{USAGE}", end="", file=sys.stderr)
        return ExitCode.USAGE
    module_name, _, func_name = entry[0].partition(":")
    command = getattr(importlib.import_module(module_name), func_name)
    result: int = command(args[1:])
    return result
