"""AsgiFunctionApp / WsgiFunctionApp / ExternalHttpFunctionApp: the function, the hooks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import azfunc as func
from azfunc.adapters import AppLifecycle, lifecycle_of
from azfunc.app.invocation import invoke_function

from .conftest import host_request
from .test_asgi import LifespanApp


def wsgi_hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"hello {environ['PATH_INFO']}".encode()]


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_one_catch_all_function_with_every_method(kind: str) -> None:
    app: func.ExternalHttpFunctionApp = (
        func.AsgiFunctionApp(LifespanApp(), http_auth_level=func.AuthLevel.ANONYMOUS)
        if kind == "asgi"
        else func.WsgiFunctionApp(wsgi_hello, http_auth_level="anonymous")
    )
    (fn,) = app.get_functions()
    assert fn.name == "http_app_func"
    assert fn.trigger is not None
    props = fn.trigger.properties
    assert props["route"] == "{*route}"
    assert props["authLevel"] == "anonymous"
    assert set(props["methods"]) == {m.value for m in func.HttpMethod}
    assert [b.type for b in fn.bindings] == ["httpTrigger", "http"]
    assert isinstance(app, func.FunctionApp)
    assert fn.func.azfunc_middleware is app.middleware  # type: ignore[attr-defined]


def test_the_function_name_and_auth_level_can_be_chosen() -> None:
    app = func.WsgiFunctionApp(wsgi_hello, http_auth_level=func.AuthLevel.FUNCTION,
                               function_name="web")
    (fn,) = app.get_functions()
    assert fn.name == "web"
    assert fn.trigger is not None
    assert fn.trigger.properties["authLevel"] == "function"


def test_an_unknown_auth_level_is_refused() -> None:
    with pytest.raises(func.FunctionLoadError, match="http_auth_level"):
        func.WsgiFunctionApp(wsgi_hello, http_auth_level="nobody")


def test_other_decorators_still_add_functions() -> None:
    app = func.WsgiFunctionApp(wsgi_hello)

    @app.queue_trigger(arg_name="msg", queue_name="jobs", connection="Storage")
    def work(msg: func.QueueMessage) -> None: ...

    @app.route(route="health", methods=["GET"])
    def health(req: func.HttpRequest) -> str:
        return "ok"

    assert sorted(f.name for f in app.get_functions()) == ["health", "http_app_func", "work"]


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_the_function_runs_as_a_host_invokes_it(kind: str) -> None:
    app: func.ExternalHttpFunctionApp = (
        func.AsgiFunctionApp(LifespanApp()) if kind == "asgi" else func.WsgiFunctionApp(wsgi_hello)
    )
    (fn,) = app.get_functions()

    async def main() -> bytes:
        result = await invoke_function(fn, {"req": host_request("GET", "a/b")})
        body: bytes = await result.return_value.aget_body()
        await app.shutdown()
        return body

    assert asyncio.run(main()) == (b"open" if kind == "asgi" else b"hello /a/b")


def test_the_asgi_app_is_an_app_lifecycle_and_starts_once() -> None:
    api = LifespanApp()
    app = func.AsgiFunctionApp(api)
    assert lifecycle_of(app) is app
    assert isinstance(app, AppLifecycle)
    (fn,) = app.get_functions()

    async def main() -> list[bytes]:
        await app.startup()  # what a host calls before serving
        bodies = []
        for _ in range(2):
            response = await fn.func(host_request("GET", "x"), func.Context())
            bodies.append(await response.aget_body())
        await app.shutdown()  # what a host calls when it stops
        return bodies

    assert asyncio.run(main()) == [b"open", b"open"]
    assert api.events == ["startup", "shutdown"]


def test_without_the_hook_the_first_request_starts_the_lifespan() -> None:
    api = LifespanApp()
    app = func.AsgiFunctionApp(api)
    (fn,) = app.get_functions()

    async def main() -> bytes:
        first = await fn.func(host_request("GET", "x"), func.Context())
        await fn.func(host_request("GET", "x"), func.Context())
        await app.shutdown()
        return await first.aget_body()

    assert asyncio.run(main()) == b"open"
    assert api.events == ["startup", "shutdown"]


def test_a_failing_startup_fails_at_start_and_then_every_request() -> None:
    app = func.AsgiFunctionApp(LifespanApp(fail="the database is down"))
    (fn,) = app.get_functions()

    async def main() -> None:
        with pytest.raises(func.FunctionLoadError, match="the database is down"):
            await app.startup()
        with pytest.raises(func.FunctionLoadError, match="the database is down"):
            await fn.func(host_request("GET", "x"), func.Context())

    asyncio.run(main())


def test_wsgi_apps_have_no_op_hooks_and_plain_apps_none() -> None:
    app = func.WsgiFunctionApp(wsgi_hello)
    assert lifecycle_of(app) is app
    asyncio.run(app.startup())
    asyncio.run(app.shutdown())
    assert lifecycle_of(func.FunctionApp()) is None


def test_the_base_class_needs_a_subclass_to_add_the_function() -> None:
    class Custom(func.ExternalHttpFunctionApp):
        def __init__(self) -> None:
            super().__init__(http_auth_level="anonymous")
            self._add_http_app(func.WsgiMiddleware(wsgi_hello), "custom")

        def _add_http_app(self, middleware: Any, function_name: str) -> None:
            def forward(req: func.HttpRequest) -> func.HttpResponse:
                return middleware.handle(req)

            self._route(function_name)(forward)

    assert [f.name for f in Custom().get_functions()] == ["custom"]
    with pytest.raises(NotImplementedError):
        func.ExternalHttpFunctionApp()._add_http_app(None, "x")
