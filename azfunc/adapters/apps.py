"""Function apps whose one catch-all HTTP function forwards to an ASGI or WSGI framework.

Rules this module keeps:

* :class:`ExternalHttpFunctionApp` is a :class:`~azfunc.FunctionApp`: its other decorators
  still add functions. The framework's function (``http_app_func`` unless named) has the
  route ``{*route}`` and every :class:`~azfunc.HttpMethod`, at the app's
  ``http_auth_level``; the framework sees the route prefix (``/api``) as its mount point.
* It implements :class:`~azfunc.adapters.lifespan.AppLifecycle`: a host that loaded it calls
  ``await app.startup()`` before serving (ASGI lifespan startup, on the loop that serves
  requests; a failure raises :class:`~azfunc.FunctionLoadError` there) and ``await
  app.shutdown()`` when it stops. A host that does not (Microsoft's worker) gets the
  startup on the first request instead; a failed startup then fails every request with the
  same error.
* The framework's function carries its middleware as ``azfunc_middleware`` and is marked
  ``azfunc_streams_body``: it hands the app the body stream a host set for the invocation
  (:mod:`azfunc.adapters.streaming`; ``azfunc start`` does; a WSGI app reads it as a
  blocking ``wsgi.input`` on its worker thread), else ``req.get_body()``.
"""

from __future__ import annotations

from typing import Any

from .._context import Context
from .._errors import FunctionLoadError
from ..app.decorators import FunctionApp
from ..app.enums import AuthLevel
from ..http.method import HttpMethod
from ..http.request import HttpRequest
from ..http.response import HttpResponse
from .asgi import AsgiMiddleware
from .lifespan import AsgiApp
from .streaming import streamed_body, streamed_input
from .wsgi import WsgiApp, WsgiMiddleware

__all__ = ["AsgiFunctionApp", "ExternalHttpFunctionApp", "WsgiFunctionApp"]

#: the route of the framework's function: everything under the route prefix.
CATCH_ALL_ROUTE = "{*route}"


class ExternalHttpFunctionApp(FunctionApp):
    """A decorator app with one HTTP function that forwards every request to a framework.

    Subclasses add that function in ``__init__`` through :meth:`_add_http_app`.
    """

    def __init__(self, http_auth_level: AuthLevel | str = AuthLevel.FUNCTION) -> None:
        super().__init__(http_auth_level=http_auth_level)

    def _add_http_app(self, middleware: Any, function_name: str) -> None:
        raise NotImplementedError

    def _route(self, function_name: str) -> Any:
        """The decorators of the catch-all function: its name, route and every method."""
        name = self.function_name(function_name)
        route = self.route(
            route=CATCH_ALL_ROUTE, methods=list(HttpMethod), auth_level=self.auth_level
        )
        return lambda func: name(route(func))

    async def startup(self) -> None:
        """Process-wide setup; call once before the first request (a no-op here)."""

    async def shutdown(self) -> None:
        """Process-wide teardown; call once when the host stops (a no-op here)."""


class AsgiFunctionApp(ExternalHttpFunctionApp):
    """A function app serving an ASGI app (FastAPI, Starlette, Django's ASGI handler).

    Example:
        >>> async def api(scope, receive, send): ...
        >>> app = AsgiFunctionApp(api, http_auth_level="anonymous")
        >>> fn = app.get_functions()[0]
        >>> fn.name, fn.trigger.properties["route"], fn.trigger.properties["authLevel"]
        ('http_app_func', '{*route}', 'anonymous')

    Raises:
        FunctionLoadError: for an unknown ``http_auth_level``; from :meth:`startup` (or the
            first request), if the app's lifespan startup fails.
    """

    def __init__(
        self,
        app: AsgiApp,
        http_auth_level: AuthLevel | str = AuthLevel.FUNCTION,
        function_name: str = "http_app_func",
    ) -> None:
        super().__init__(http_auth_level=http_auth_level)
        self.middleware = AsgiMiddleware(app)
        self._startup_error: FunctionLoadError | None = None
        self._add_http_app(self.middleware, function_name)

    def _add_http_app(self, middleware: AsgiMiddleware, function_name: str) -> None:
        lifespan = middleware.lifespan

        async def http_app_func(req: HttpRequest, context: Context) -> HttpResponse:
            if not lifespan.started:
                await self.startup()
            return await middleware.handle_async(req, context, body=streamed_body())

        http_app_func.azfunc_middleware = middleware  # type: ignore[attr-defined]
        http_app_func.azfunc_streams_body = True  # type: ignore[attr-defined]
        self._route(function_name)(http_app_func)

    async def startup(self) -> None:
        """Run the ASGI lifespan startup (once, on the running loop).

        Raises:
            FunctionLoadError: if the app reports a failed startup (again on every later
                call: the app does not serve requests).
        """
        if self._startup_error is not None:
            raise self._startup_error
        try:
            await self.middleware.startup()
        except FunctionLoadError as exc:
            self._startup_error = exc
            raise

    async def shutdown(self) -> None:
        """Run the ASGI lifespan shutdown (once; a no-op if it did not start)."""
        await self.middleware.shutdown()


class WsgiFunctionApp(ExternalHttpFunctionApp):
    """A function app serving a WSGI app (Flask, Django's WSGI handler).

    Example:
        >>> def api(environ, start_response): ...
        >>> app = WsgiFunctionApp(api, http_auth_level="anonymous")
        >>> sorted(app.get_functions()[0].trigger.properties["methods"])[:3]
        ['CONNECT', 'DELETE', 'GET']

    Raises:
        FunctionLoadError: for an unknown ``http_auth_level``.
    """

    def __init__(
        self,
        app: WsgiApp,
        http_auth_level: AuthLevel | str = AuthLevel.FUNCTION,
        function_name: str = "http_app_func",
    ) -> None:
        super().__init__(http_auth_level=http_auth_level)
        self.middleware = WsgiMiddleware(app)
        self._add_http_app(self.middleware, function_name)

    def _add_http_app(self, middleware: WsgiMiddleware, function_name: str) -> None:
        def http_app_func(req: HttpRequest, context: Context) -> HttpResponse:
            return middleware.handle(req, context, body=streamed_input())

        http_app_func.azfunc_middleware = middleware  # type: ignore[attr-defined]
        http_app_func.azfunc_streams_body = True  # type: ignore[attr-defined]
        self._route(function_name)(http_app_func)
