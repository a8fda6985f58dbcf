"""Web frameworks inside functions: ASGI and WSGI middlewares and catch-all function apps.

* :mod:`azfunc.adapters.asgi` - :class:`AsgiMiddleware` (ASGI 3: HTTP and lifespan).
* :mod:`azfunc.adapters.wsgi` - :class:`WsgiMiddleware` (PEP 3333).
* :mod:`azfunc.adapters.apps` - :class:`AsgiFunctionApp`, :class:`WsgiFunctionApp`,
  :class:`ExternalHttpFunctionApp`.
* :mod:`azfunc.adapters.lifespan` - the lifespan driver and the :class:`AppLifecycle`
  hooks a host calls on a loaded app.
* :mod:`azfunc.adapters.streaming` - request bodies a host hands the ASGI app while they
  arrive.

Each name is also exported by ``azfunc`` itself (``azfunc.AsgiMiddleware``), loaded on first
use; importing this package loads all of them.
"""

from __future__ import annotations

from .apps import AsgiFunctionApp, ExternalHttpFunctionApp, WsgiFunctionApp
from .asgi import AsgiMiddleware
from .lifespan import AppLifecycle, lifecycle_of
from .wsgi import WsgiMiddleware

__all__ = [
    "AppLifecycle",
    "AsgiFunctionApp",
    "AsgiMiddleware",
    "ExternalHttpFunctionApp",
    "WsgiFunctionApp",
    "WsgiMiddleware",
    "lifecycle_of",
]
