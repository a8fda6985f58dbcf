"""The ``azfunc start``, ``azfunc worker`` and ``azfunc export`` subcommands.

Rules this module keeps:

* Each command is ``main(argv) -> int``: 0 on success, 2 for bad usage, 1 when the app
  cannot be loaded (the error is printed, without a traceback).
* ``start`` and ``worker`` bind 127.0.0.1 unless told otherwise; ``worker`` listens on
  ``FUNCTIONS_CUSTOMHANDLER_PORT`` when the host sets it.
* ``start`` checks function keys for clients off loopback, and for every client with
  ``--enforce-keys`` or a ``--host`` that is not a loopback address; the keys are printed
  once, when the key store is created.
* Both bound every connection (:class:`~azfunc.host.server.ServerLimits`); the
  ``--header-timeout``, ``--body-timeout``, ``--min-body-rate``, ``--keep-alive-timeout``
  and ``--max-connections`` flags change the bounds.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._errors import AzFuncError

if TYPE_CHECKING:
    from ..app.loader import LoadedApp
    from .local import LocalHost
    from .server import ServerLimits

__all__ = ["export_main", "start_main", "worker_main"]


def _report_findings(app: object) -> None:
    """Print what ``azfunc check`` would say about the app, as warnings."""
    check = getattr(app, "check", None)
    for finding in check() if callable(check) else ():
        print(f"warning: {finding.message}", file=sys.stderr)


def _refused(app: LoadedApp) -> bool:
    """Print what ``azfunc check`` refuses the app for, as errors; whether there was any."""
    import os

    from .preflight import check_startup, refuse_start

    settings = {**app.settings, **os.environ}
    found = check_startup(list(app.functions.values()), app.host_json, settings,
                          kind=app.kind, root=app.root)
    refused = refuse_start(found)
    for finding in found:
        print(f"{'error' if finding in refused else 'warning'}: {finding}", file=sys.stderr)
    return bool(refused)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number > 0")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value


def _limits(args: argparse.Namespace) -> ServerLimits:
    from .server import ServerLimits

    return ServerLimits(
        header_timeout=args.header_timeout, body_timeout=args.body_timeout,
        min_body_rate=args.min_body_rate, keep_alive_timeout=args.keep_alive_timeout,
        max_connections=args.max_connections,
    )


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"azfunc {prog}", description=description)
    parser.add_argument("path", nargs="?", default=".", help="the function app (default: .)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="thread pool size (default: PYTHON_THREADPOOL_THREAD_COUNT)")
    parser.add_argument("--max-body-size", type=_positive_int, default=100 * 1024 * 1024,
                        help="largest request body in bytes (default 100 MiB)")
    parser.add_argument("--header-timeout", type=_positive_float, default=10.0,
                        help="seconds a request head may take to arrive (default 10)")
    parser.add_argument("--body-timeout", type=_positive_float, default=30.0,
                        help="seconds a request body may pause (default 30)")
    parser.add_argument("--min-body-rate", type=_rate, default=240.0,
                        help="bytes/s a body must average after 5 s; 0: off (default 240)")
    parser.add_argument("--keep-alive-timeout", type=_positive_float, default=5.0,
                        help="seconds an idle keep-alive connection stays open (default 5)")
    parser.add_argument("--max-connections", type=_positive_int, default=1000,
                        help="connections served at once; beyond, 503 (default 1000)")
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    return parser


def start_main(argv: Sequence[str]) -> int:
    """``azfunc start [PATH] [--host H] [--port P]``: run the app on the local host."""
    parser = _parser("start", "Run a function app locally (HTTP, queues, blobs, timers).")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default: local.settings.json Host.LocalHttpPort, "
                             "else 7071)")
    parser.add_argument("--poll-interval", type=float, default=None,
                        help="queue/blob polling interval in seconds (host.json otherwise)")
    parser.add_argument("--enforce-keys", action="store_true",
                        help="check authLevel keys for loopback clients too (always checked "
                             "for other clients, and for all when --host is not loopback)")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    import logging

    from .local import LocalHost
    from .server import configure_logging, serve

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        host = LocalHost(args.path, threads=args.threads, max_body_size=args.max_body_size,
                         poll_interval=args.poll_interval,
                         enforce_keys=args.enforce_keys or not _is_loopback(args.host))
    except AzFuncError as exc:
        print(f"azfunc start: {exc}", file=sys.stderr)
        return 1
    if _refused(host.app):
        return 1
    _report_findings(host.app)
    if host.keys.created:
        print(_describe_keys(host), flush=True)
    port = args.port if args.port is not None else (host.host_settings.port or 7071)
    print(_describe_urls(host.app, f"http://{args.host}:{port}", host.prefix), flush=True)
    try:
        serve(host, host=args.host, port=port, limits=_limits(args))
    except AzFuncError as exc:
        print(f"azfunc start: {exc}", file=sys.stderr)
        return 1
    return 0


def _is_loopback(address: str) -> bool:
    import ipaddress

    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def _describe_keys(host: LocalHost) -> str:
    """The keys of a key store just created (printed this once; they live in keys.json)."""
    keys = host.keys
    lines = [f"created the key store {keys.path} (shown once; keep it private):",
             f"  master key: {keys.master_key}"]
    lines += [f"  host key {name}: {value}" for name, value in sorted(keys.host_keys.items())]
    for function, own in sorted(keys.functions.items()):
        lines += [f"  {function} key {name}: {value}" for name, value in sorted(own.items())]
    return "\n".join(lines)


def _describe_urls(app: LoadedApp, base: str, prefix: str) -> str:
    """The URLs to try, one line per function: HTTP routes, else the admin endpoint."""
    lines = [f"azfunc local host on {base}/{prefix + '/' if prefix else ''}", "functions:"]
    for name, info in sorted(app.functions.items()):
        trigger = info.trigger
        kind = trigger.type if trigger else "no trigger"
        if info.disabled:
            lines.append(f"  {name}: {kind} (disabled)")
        elif trigger is not None and trigger.type.lower() == "httptrigger":
            route = str(trigger.properties.get("route") or name).lstrip("/")
            methods = trigger.properties.get("methods") or ["GET", "POST", "PUT", "DELETE",
                                                            "PATCH", "HEAD", "OPTIONS"]
            verbs = ",".join(str(m).upper() for m in methods)
            path = f"{prefix}/{route}" if prefix else route
            lines.append(f"  {name}: [{verbs}] {base}/{path}")
        else:
            lines.append(f"  {name}: {kind}; run it with POST {base}/admin/functions/{name}")
    return "\n".join(lines)


def worker_main(argv: Sequence[str]) -> int:
    """``azfunc worker [PATH] [--port P]``: serve the app as a custom handler."""
    parser = _parser("worker", "Serve a function app as an Azure Functions custom handler.")
    env_port = os.environ.get("FUNCTIONS_CUSTOMHANDLER_PORT", "")
    parser.add_argument("--port", type=int,
                        default=int(env_port) if env_port.isdigit() else 8080,
                        help="port (default: FUNCTIONS_CUSTOMHANDLER_PORT, else 8080)")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    import logging

    from .server import configure_logging, serve
    from .worker import CustomHandlerWorker

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        worker = CustomHandlerWorker(args.path, threads=args.threads,
                                     max_body_size=args.max_body_size)
        _report_findings(worker.app)
        serve(worker, host=args.host, port=args.port, limits=_limits(args))
    except AzFuncError as exc:
        print(f"azfunc worker: {exc}", file=sys.stderr)
        return 1
    return 0


def export_main(argv: Sequence[str]) -> int:
    """``azfunc export [PATH] [OUT]``: write function.json files and a custom-handler host.json."""
    parser = argparse.ArgumentParser(
        prog="azfunc export",
        description="Write the folder layout of an app so it deploys as a custom handler.",
    )
    parser.add_argument("path", nargs="?", default=".", help="the function app (default: .)")
    parser.add_argument("out", nargs="?", default=None, help="output directory (default: PATH)")
    parser.add_argument("--python", default="python", help="interpreter the host starts")
    parser.add_argument("--forward-http", action="store_true",
                        help="set enableForwardingHttpRequest")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from .export import export

    try:
        result = export(args.path, args.out, python=args.python, forwarding=args.forward_http)
    except AzFuncError as exc:
        print(f"azfunc export: {exc}", file=sys.stderr)
        return 1
    for path in result.written:
        print(path)
    print(result.summary())
    return 0
