"""Serving an ASGI application with uvicorn (the ``azfunc[host]`` extra).

Rules this module keeps:

* uvicorn is imported here, inside :func:`serve` / :func:`make_server` only, so nothing
  else in azfunc pays for it; a missing uvicorn raises :class:`~azfunc.AzFuncError` saying
  how to install it.
* The lifespan protocol is always on, so Ctrl-C stops accepting connections, lets
  in-flight requests finish and then runs the application's shutdown (which waits for
  background invocations).
* Logs go to stderr with the time, the level and the ``[function] (invocation id)``
  prefix the runtime adds.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from .._errors import AzFuncError

__all__ = ["configure_logging", "make_server", "serve"]


def configure_logging(level: int = logging.INFO) -> None:
    """Print ``azfunc.host`` records (invocation logs included) on stderr, once."""
    logger = logging.getLogger("azfunc.host")
    if not any(getattr(h, "_azfunc", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler._azfunc = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)
    # The records are printed here; propagating them would print warnings a second time
    # through the root logger's last-resort output.
    logger.propagate = False


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the environment
        raise AzFuncError(
            "serving needs uvicorn: pip install 'azfunc[host]' (or pip install uvicorn)"
        ) from None
    return uvicorn


def make_server(app: Any, *, host: str = "127.0.0.1", port: int = 7071,
                log_level: str = "warning") -> Any:
    """A ``uvicorn.Server`` for ``app`` (call ``.run()`` or ``await .serve()``).

    Raises:
        AzFuncError: if uvicorn is not installed.
    """
    uvicorn = _uvicorn()
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="on", log_level=log_level,
        access_log=False, timeout_graceful_shutdown=None,
    )
    return uvicorn.Server(config)


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 7071,
          log_level: str = "warning") -> None:
    """Serve ``app`` until interrupted; returns after the graceful shutdown.

    uvicorn re-raises the Ctrl-C it handled once the shutdown is complete (so that the
    process would exit as interrupted); here that ends :func:`serve` normally instead.

    Raises:
        AzFuncError: if uvicorn is not installed.
    """
    server = make_server(app, host=host, port=port, log_level=log_level)
    try:
        server.run()
    except KeyboardInterrupt:
        if not server.should_exit:
            raise
