"""The ``azfunc start``, ``azfunc worker`` and ``azfunc export`` subcommands.

Rules this module keeps:

* Each command is ``main(argv) -> int`` and exits with an :class:`~azfunc.cli.ExitCode`:
  0 on success, 1 when the app is refused (it does not load, its startup fails), 2 for bad
  usage or no function app at PATH, 3 when the environment fails (the port is in use); the
  error is printed once, without a traceback.
* ``start`` and ``worker`` bind their port before the app starts and print the URL banner
  only once the app has started and the port accepts connections: a busy port fails (exit
  3) before any function, a ``runOnStartup`` timer included, runs.
* ``start --reload`` runs the app in a child process restarted when the app's files change
  (:mod:`azfunc.host.reload`); the supervisor holds the listening socket, so the port stays.
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
from ..cli import ExitCode, command_parser, parse

if TYPE_CHECKING:
    import socket

    from ..app.loader import LoadedApp
    from .local import LocalHost
    from .server import ServerLimits

__all__ = ["export_main", "start_main", "worker_main"]


def _report_findings(app: object) -> None:
    """Print what ``azfunc check`` would say about the app, as warnings."""
    check = getattr(app, "check", None)
    for finding in check() if callable(check) else ():
        print(f"warning: {finding}", file=sys.stderr)


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


def _failed(command: str, exc: AzFuncError) -> int:
    """Print ``exc`` for ``azfunc <command>``; the exit status its class stands for."""
    print(f"azfunc {command}: {exc}", file=sys.stderr)
    return ExitCode.ENVIRONMENT if isinstance(exc, OSError) else ExitCode.APP_ERROR


def _no_app(command: str, path: str) -> int | None:
    """:data:`ExitCode.USAGE` (printed) if ``path`` holds no function app, else ``None``."""
    from .._errors import FunctionLoadError
    from ..app.loader import locate_app

    try:
        locate_app(path)
    except FunctionLoadError as exc:
        print(f"azfunc {command}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    return None


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value < 65536:
        raise argparse.ArgumentTypeError("must be a port number, 0-65535 (0: any free port)")
    return value


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
    parser = command_parser(prog, description)
    parser.add_argument("path", nargs="?", default=".", help="the function app")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help="thread pool size (default: PYTHON_THREADPOOL_THREAD_COUNT)")
    parser.add_argument("--max-body-size", type=_positive_int, default=100 * 1024 * 1024,
                        help="largest request body in bytes")
    parser.add_argument("--header-timeout", type=_positive_float, default=10.0,
                        help="seconds a request head may take to arrive")
    parser.add_argument("--body-timeout", type=_positive_float, default=30.0,
                        help="seconds a request body may pause")
    parser.add_argument("--min-body-rate", type=_rate, default=240.0,
                        help="bytes/s a body must average after 5 s; 0: off")
    parser.add_argument("--keep-alive-timeout", type=_positive_float, default=5.0,
                        help="seconds an idle keep-alive connection stays open")
    parser.add_argument("--max-connections", type=_positive_int, default=1000,
                        help="connections served at once; beyond, 503")
    parser.add_argument("--http-parser", choices=("h11", "httptools"), default="h11",
                        help="HTTP/1.1 parser: h11 (pure Python) or httptools (C, about 2x "
                        "the requests/s; pip install 'azfunc[httptools]')")
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    return parser


def start_main(argv: Sequence[str]) -> int:
    """``azfunc start [PATH] [--host H] [--port P] [--reload]``: run the app on the local host."""
    parser = _parser("start", "Run a function app locally (HTTP, queues, blobs, timers).")
    parser.add_argument("--port", type=_port, default=None,
                        help="port (default: local.settings.json Host.LocalHttpPort, "
                             "else 7071)")
    parser.add_argument("--poll-interval", type=_positive_float, default=None,
                        help="queue/blob polling interval in seconds (default: host.json)")
    parser.add_argument("--enforce-keys", action="store_true",
                        help="check authLevel keys for loopback clients too (always checked "
                             "for other clients, and for all when --host is not loopback)")
    parser.add_argument("--reload", action="store_true",
                        help="restart the app when its files change, keeping the port")
    # the listening socket a --reload supervisor passes to the process it starts
    parser.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    if (code := _no_app("start", args.path)) is not None:
        return code
    import logging

    from .server import bind_socket, configure_logging

    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    if args.listen_fd is not None:
        import socket

        with socket.socket(fileno=args.listen_fd) as inherited:
            return _start(args, inherited)
    try:
        port = args.port if args.port is not None else _settings_port(args.path)
        sock = bind_socket(args.host, port)
    except AzFuncError as exc:
        return _failed("start", exc)
    if args.reload:
        from .reload import supervise

        with sock:
            return supervise(args.path, sock, [sys.executable, "-m", "azfunc", "start", *argv])
    with sock:
        return _start(args, sock)


def _settings_port(path: str) -> int:
    """``Host.LocalHttpPort`` of the app at ``path``, else 7071."""
    from ..app.loader import locate_app
    from .host_settings import LocalHostSettings

    return LocalHostSettings.read(locate_app(path)).port or 7071


def _start(args: argparse.Namespace, sock: socket.socket) -> int:
    """Load the app, then serve it on ``sock``; the banner once it has started."""
    from . import server
    from .local import LocalHost

    try:
        host = LocalHost(args.path, threads=args.threads, max_body_size=args.max_body_size,
                         poll_interval=args.poll_interval,
                         enforce_keys=args.enforce_keys or not _is_loopback(args.host))
    except AzFuncError as exc:
        return _failed("start", exc)
    if _refused(host.app):
        return ExitCode.APP_ERROR
    _report_findings(host.app)
    if host.keys.created:
        print(_describe_keys(host), flush=True)
    base = f"http://{_shown_host(args.host)}:{sock.getsockname()[1]}"
    banner = _describe_urls(host.app, base, host.prefix)
    try:
        server.serve(host, host=args.host, port=sock.getsockname()[1], limits=_limits(args),
                     sockets=[sock], on_ready=lambda: print(banner, flush=True),
                     parser=args.http_parser)
    except AzFuncError as exc:
        return _failed("start", exc)
    return ExitCode.OK


def _shown_host(host: str) -> str:
    """``host`` as a URL shows it (an IPv6 address in brackets)."""
    return f"[{host.strip('[]')}]" if ":" in host else host


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
    parser.add_argument("--port", type=_port,
                        default=int(env_port) if env_port.isdigit() else 8080,
                        help="port (default: FUNCTIONS_CUSTOMHANDLER_PORT, else 8080)")
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    if (code := _no_app("worker", args.path)) is not None:
        return code
    import logging

    from . import server
    from .worker import CustomHandlerWorker

    server.configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        worker = CustomHandlerWorker(args.path, threads=args.threads,
                                     max_body_size=args.max_body_size)
        _report_findings(worker.app)
        with server.bind_socket(args.host, args.port) as sock:
            server.serve(worker, host=args.host, port=args.port, limits=_limits(args),
                         sockets=[sock], parser=args.http_parser)
    except AzFuncError as exc:
        return _failed("worker", exc)
    return ExitCode.OK


def export_main(argv: Sequence[str]) -> int:
    """``azfunc export [PATH] [OUT]``: write function.json files and a custom-handler host.json."""
    parser = command_parser(
        "export", "Write the folder layout of an app so it deploys as a custom handler.")
    parser.add_argument("path", nargs="?", default=".", help="the function app")
    parser.add_argument("out", nargs="?", default=None, help="output directory (default: PATH)")
    parser.add_argument("--python", default="python", help="interpreter the host starts")
    parser.add_argument("--forward-http", action="store_true",
                        help="set enableForwardingHttpRequest")
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    if (code := _no_app("export", args.path)) is not None:
        return code
    from .export import export

    try:
        result = export(args.path, args.out, python=args.python, forwarding=args.forward_http)
    except AzFuncError as exc:
        return _failed("export", exc)
    except OSError as exc:  # the output folder cannot be written (a file, no permission)
        print(f"azfunc export: cannot write {exc.filename or args.out}: {exc.strerror or exc}",
              file=sys.stderr)
        return ExitCode.ENVIRONMENT
    for path in result.written:
        print(path)
    print(result.summary())
    return ExitCode.OK
