"""FastAPI, Flask and Django apps through the middlewares' ``handle`` / ``handle_async``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import azfunc as func

from .apps import django_app, fastapi_app, flask_app
from .conftest import encoded, host_request

UPLOAD = bytes(range(256)) * 40


# --- FastAPI (ASGI), its lifespan started as a host starts it ----------------------------


@pytest.fixture(scope="module")
def fastapi_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for the module, the app's lifespan started on it (as a host does)."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(fastapi_app.app.startup())
    try:
        yield loop
    finally:
        loop.run_until_complete(settle())
        loop.run_until_complete(fastapi_app.app.shutdown())
        loop.close()


async def settle() -> None:
    """Let the apps finish what they do after their answer (FastAPI closes uploads, Django
    its body file): a host's loop goes on running, a test's must wait for them."""
    me = asyncio.current_task()
    lifespan = fastapi_app.app.middleware.lifespan._task
    others = [t for t in asyncio.all_tasks() if t is not me and t is not lifespan]
    if others:
        await asyncio.wait(others)


def fastapi(loop: asyncio.AbstractEventLoop, req: func.HttpRequest) -> func.HttpResponse:
    async def call() -> func.HttpResponse:
        response = await fastapi_app.app.middleware.handle_async(req, func.Context())
        if response.is_streaming:
            await response.aget_body()
        await settle()
        return response

    return loop.run_until_complete(call())


def test_fastapi_json_round_trips(fastapi_loop: asyncio.AbstractEventLoop) -> None:
    response = fastapi(fastapi_loop, host_request("GET", "items/42?q=hello%20there"))
    assert (response.status_code, response.get_json()) == (200, {"item_id": 42,
                                                                 "q": "hello there"})
    assert response.mimetype == "application/json"
    payload = {"name": "ümlaut", "n": [1, 2.5, None]}
    response = fastapi(fastapi_loop, encoded("POST", "echo", json=payload))
    assert response.get_json() == {"got": payload}


def test_fastapi_form_and_upload(fastapi_loop: asyncio.AbstractEventLoop) -> None:
    response = fastapi(fastapi_loop, encoded("POST", "form",
                                             data={"name": "n", "tags": ["a", "b"]}))
    assert response.get_json() == {"name": "n", "tags": ["a", "b"]}
    response = fastapi(fastapi_loop, encoded(
        "POST", "upload", data={"note": "hi"},
        files={"file": ("data.bin", UPLOAD, "application/octet-stream")}))
    assert response.get_json() == {"filename": "data.bin", "size": len(UPLOAD),
                                   "head": "00010203", "note": "hi"}


def test_fastapi_cookies_redirects_and_errors(fastapi_loop: asyncio.AbstractEventLoop) -> None:
    response = fastapi(fastapi_loop, host_request("GET", "cookies"))
    cookies = response.headers.getall("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    assert response.charset == "utf-8"
    response = fastapi(fastapi_loop, host_request("GET", "redirect"))
    assert (response.status_code, response.headers["location"]) == (302, "/api/items/1")
    assert fastapi(fastapi_loop, host_request("GET", "missing")).status_code == 404
    assert fastapi(fastapi_loop, host_request("DELETE", "items/1")).status_code == 405
    response = fastapi(fastapi_loop, host_request("GET", "boom"))
    assert (response.status_code, response.get_body()) == (500, b"Internal Server Error")


def test_fastapi_head_has_no_body(fastapi_loop: asyncio.AbstractEventLoop) -> None:
    response = fastapi(fastapi_loop, host_request("HEAD", "head"))
    assert (response.status_code, response.get_body()) == (200, b"")
    assert response.headers["x-head"] == "yes"
    assert response.headers["content-length"] == str(len(b"a body HEAD must not carry"))


def test_fastapi_streams(fastapi_loop: asyncio.AbstractEventLoop) -> None:
    async def call() -> list[bytes]:
        middleware = fastapi_app.app.middleware
        response = await middleware.handle_async(host_request("GET", "stream"), stream=True)
        assert response.is_streaming
        chunks = response.aiter_body()
        got = [await asyncio.wait_for(chunks.__anext__(), 10)]
        middleware.state["release"].set()
        got += [chunk async for chunk in chunks]
        return got

    assert fastapi_loop.run_until_complete(call()) == [b"first\n", b"last\n"]


def test_fastapi_lifespan_opened_the_resource_once(
    fastapi_loop: asyncio.AbstractEventLoop,
) -> None:
    for _ in range(3):
        response = fastapi(fastapi_loop, host_request("GET", "notes"))
        assert response.get_json() == {"notes": ["opened at startup"]}
    assert fastapi_app.EVENTS.count("startup") == 1


def test_fastapi_sees_the_mount_point_and_the_raw_request(
    fastapi_loop: asyncio.AbstractEventLoop,
) -> None:
    response = fastapi(fastapi_loop, host_request(
        "GET", "scope/a%20b/c?x=%2F&x=2",
        headers=[("X-Multi", "1"), ("X-Multi", "2"), ("X-Forwarded-For", "198.51.100.4")]))
    body = response.get_json()
    assert body["rest"] == "a b/c"
    assert (body["root_path"], body["path"], body["raw_path"]) == (
        "/api", "/api/scope/a b/c", "/api/scope/a%20b/c")
    assert body["query_string"] == "x=%2F&x=2"
    assert body["x_multi"] == ["1", "2"]
    assert body["client"] == ["198.51.100.4", 0]
    # Starlette builds request.url from the decoded path, under uvicorn too
    assert body["url"] == "http://localhost:7071/api/scope/a b/c?x=%2F&x=2"
    assert isinstance(body["invocation_id"], str)


# --- Flask (WSGI) ------------------------------------------------------------------------

flask = flask_app.app.middleware


def test_flask_json_round_trips() -> None:
    response = flask.handle(host_request("GET", "items/7?q=x&tag=a&tag=b"))
    assert response.get_json() == {"item_id": 7, "q": "x", "tags": ["a", "b"]}
    payload = {"name": "ümlaut", "n": [1, 2.5, None]}
    assert flask.handle(encoded("POST", "echo", json=payload)).get_json() == {"got": payload}


def test_flask_form_and_upload() -> None:
    response = flask.handle(encoded("POST", "form", data={"name": "n", "tags": ["a", "b"]}))
    assert response.get_json() == {"name": "n", "tags": ["a", "b"]}
    response = flask.handle(encoded(
        "POST", "upload", data={"note": "hi"},
        files={"file": ("data.bin", UPLOAD, "application/octet-stream")}))
    assert response.get_json() == {"filename": "data.bin", "size": len(UPLOAD),
                                   "head": "00010203", "note": "hi"}


def test_flask_cookies_redirects_and_errors() -> None:
    cookies = flask.handle(host_request("GET", "cookies")).headers.getall("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    response = flask.handle(host_request("GET", "redirect"))
    assert (response.status_code, response.headers["location"]) == (302, "/api/items/1")
    assert flask.handle(host_request("GET", "missing")).status_code == 404
    response = flask.handle(host_request("GET", "only-post"))
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert flask.handle(host_request("GET", "boom")).status_code == 500


def test_flask_head_has_no_body() -> None:
    response = flask.handle(host_request("HEAD", "head"))
    assert (response.status_code, response.get_body(), response.headers["x-head"]) == (
        200, b"", "yes")


def test_flask_streams() -> None:
    response = flask.handle(host_request("GET", "stream"))
    assert response.is_streaming
    chunks = response.iter_body()
    assert next(chunks) == b"first\n"
    flask_app.RELEASE.set()
    assert list(chunks) == [b"last\n"]


def test_flask_environ(caplog: pytest.LogCaptureFixture) -> None:
    context = func.Context()
    with caplog.at_level("ERROR", "azfunc.wsgi"):
        response = flask.handle(host_request(
            "GET", "environ/caf%C3%A9?a=%20", headers=[("X-Multi", "1"), ("X-Multi", "2")]),
            context)
    body = response.get_json()
    assert body["rest"] == "café"
    assert (body["script_name"], body["path_info"]) == ("/api", "/environ/café".encode().decode(
        "latin-1"))
    assert body["query_string"] == "a=%20"
    assert (body["scheme"], body["server"]) == ("http", ["localhost", "7071"])
    assert body["x_multi"] == "1, 2"
    assert body["invocation_id"] == context.invocation_id
    assert body["url"] == "http://localhost:7071/api/environ/café?a=%20"  # werkzeug's IRI
    assert "a line for wsgi.errors" in caplog.text


# --- Django (WSGI and ASGI) --------------------------------------------------------------

django_wsgi = django_app.app.middleware
django_asgi = func.AsgiMiddleware(django_app.asgi_api)


def django_both(req: func.HttpRequest) -> list[func.HttpResponse]:
    async def via_asgi() -> func.HttpResponse:
        await django_asgi.startup()  # Django's handler has no lifespan: startup still works
        response = await django_asgi.handle_async(req)
        await settle()
        return response

    return [django_wsgi.handle(req), asyncio.run(via_asgi())]


def test_django_url_router() -> None:
    for response in django_both(host_request("GET", "items/5")):
        assert response.status_code == 200
        assert response.get_json() == {"item_id": 5, "script": "/api",
                                       "path": "/api/items/5", "path_info": "/items/5"}


def test_django_csrf_exempt_post_and_csrf_protection() -> None:
    payload = {"name": "x"}
    for response in django_both(encoded("POST", "create", json=payload)):
        assert (response.status_code, response.get_json()) == (201, {"created": payload})
    for response in django_both(host_request("POST", "guarded", body=b"x")):
        assert response.status_code == 403


def test_django_404() -> None:
    for response in django_both(host_request("GET", "nowhere")):
        assert response.status_code == 404

