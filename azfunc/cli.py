"""The ``azfunc`` command line: one table of subcommands, each in the module that owns it.

Every subcommand is a ``main(argv: list[str]) -> int`` function, imported only when used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Final

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
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``azfunc`` command line; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0 if args else 2
    if args[0] == "--version":
        from ._version import __version__

        print(f"azfunc {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"azfunc: unknown command {args[0]!r}\n\n{USAGE}", end="", file=sys.stderr)
        return 2
    module_name, _, func_name = entry[0].partition(":")
    command = getattr(importlib.import_module(module_name), func_name)
    result: int = command(args[1:])
    return result
