"""``azfunc openapi [PATH] [-o FILE]``: write the OpenAPI 3.1 document of a function app.

Rules this module keeps:

* Exit status 0 when the document is written (to stdout, or to FILE), 1 when the app
  cannot be loaded or described (the error is printed, without a traceback; a function
  that failed to load counts, as the document would silently lack it), 2 for bad usage.
* The app is loaded like ``azfunc start`` loads it (``local.settings.json`` applied while
  loading) and closed afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .._errors import AzFuncError

__all__ = ["openapi_main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="azfunc openapi",
        description="Write the OpenAPI 3.1 document of a function app's HTTP functions.",
    )
    parser.add_argument("path", nargs="?", default=".", help="the function app (default: .)")
    parser.add_argument("-o", "--output", default=None,
                        help="file to write (default: standard output)")
    parser.add_argument("--title", default=None, help="info.title (default: the folder name)")
    parser.add_argument("--api-version", default="1.0.0", help="info.version (default 1.0.0)")
    return parser


def openapi_main(argv: Sequence[str]) -> int:
    """Run ``azfunc openapi``; returns the exit status (0 written, 1 no app, 2 usage).

    Example:
        >>> import tempfile
        >>> openapi_main([tempfile.mkdtemp()])  # doctest: +ELLIPSIS
        1
    """
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from ..app.loader import load_app
    from .document import build_document

    try:
        with load_app(args.path) as app:
            if app.errors:
                for finding in app.errors:
                    print(f"azfunc openapi: {finding}", file=sys.stderr)
                return 1
            document = build_document(
                app.functions.values(), app.host_json,
                title=args.title or app.root.name or "app", version=args.api_version,
            )
    except AzFuncError as exc:
        print(f"azfunc openapi: {exc}", file=sys.stderr)
        return 1
    text = json.dumps(document, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"azfunc openapi: cannot write {args.output}: {exc}", file=sys.stderr)
        return 1
    return 0
