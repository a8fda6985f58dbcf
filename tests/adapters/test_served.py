"""The framework apps through ``azfunc start`` (LocalHost under uvicorn) over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from azfunc.host.local import LocalHost
from tests.host.conftest import serving

from .conftest import app_root

UPLOAD = bytes(range(256)) * 40
MODULES = ["fastapi_app", "flask_app"]


@pytest.fixture(scope="module", params=[*MODULES, "django_app"])
def client(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    module = request.param
    with app_root(tmp_path_factory.mktemp("served"), module) as root:
        host = LocalHost(root, threads=4)
        with serving(host) as base, httpx.Client(base_url=base, timeout=20) as http:
            http.headers["x-app"] = module
            yield http


def app_of(client: httpx.Client) -> str:
    return client.headers["x-app"]


def only(client: httpx.Client, *modules: str) -> None:
    if app_of(client) not in modules:
        pytest.skip(f"{app_of(client)} does not serve this route")


def test_json_round_trips(client: httpx.Client) -> None:
    only(client, *MODULES)
    response = client.get("/api/items/42", params={"q": "x"})
    assert response.status_code == 200
    assert response.json()["item_id"] == 42
    payload = {"name": "ümlaut", "n": [1, 2.5, None]}
    assert client.post("/api/echo", json=payload).json() == {"got": payload}


def test_form_posts_and_file_uploads(client: httpx.Client) -> None:
    only(client, *MODULES)
    response = client.post("/api/form", data={"name": "n", "tags": ["a", "b"]})
    assert response.json() == {"name": "n", "tags": ["a", "b"]}
    response = client.post("/api/upload", data={"note": "hi"},
                           files={"file": ("data.bin", UPLOAD, "application/octet-stream")})
    assert response.json() == {"filename": "data.bin", "size": len(UPLOAD),
                               "head": "00010203", "note": "hi"}


def test_two_cookies_and_a_redirect(client: httpx.Client) -> None:
    only(client, *MODULES)
    cookies = client.get("/api/cookies").headers.get_list("set-cookie")
    assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    response = client.get("/api/redirect", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "/api/items/1")
    followed = client.get("/api/redirect", follow_redirects=True)
    assert followed.json()["item_id"] == 1


def test_framework_errors(client: httpx.Client) -> None:
    assert client.get("/api/missing/route").status_code == 404
    if app_of(client) == "django_app":
        return
    assert client.delete("/api/items/1").status_code == 405
    response = client.get("/api/boom")  # the framework's own 500 page, not the host's
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    assert "invocationId" not in response.text


def test_head_has_no_body(client: httpx.Client) -> None:
    only(client, *MODULES)
    response = client.head("/api/head")
    assert (response.status_code, response.content, response.headers["x-head"]) == (
        200, b"", "yes")


def test_streaming_sends_the_first_chunk_before_the_last(client: httpx.Client) -> None:
    only(client, *MODULES)
    with client.stream("GET", "/api/stream") as response:
        chunks = response.iter_raw()
        first = next(chunks)
        assert first == b"first\n"  # the app now waits for the release
        assert client.post("/api/release").json() == {"released": True}
        assert b"".join(chunks) == b"last\n"


def test_a_users_own_function_calling_handle_async_streams_under_the_host(
        client: httpx.Client) -> None:
    only(client, "fastapi_app")
    with client.stream("GET", "/api/own/stream") as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"first\n"  # the app now waits for the release
        assert client.post("/api/own/release").text == "released"
        assert b"".join(chunks) == b"last\n"


def test_fastapi_lifespan_resource_and_other_functions(client: httpx.Client) -> None:
    only(client, "fastapi_app")
    for _ in range(2):
        assert client.get("/api/notes").json() == {"notes": ["opened at startup"]}
    response = client.get("/api/plain/hello")  # a function of its own, next to the app's
    assert response.text == "hello from a plain function"


def test_the_framework_sees_the_route_prefix_as_its_mount_point(client: httpx.Client) -> None:
    only(client, "fastapi_app", "flask_app")
    if app_of(client) == "fastapi_app":
        body = client.get("/api/scope/a%20b?x=%2F", headers={"x-forwarded-for": "192.0.2.1"}
                          ).json()
        assert (body["root_path"], body["path"], body["raw_path"]) == (
            "/api", "/api/scope/a b", "/api/scope/a%20b")
        assert (body["query_string"], body["client"]) == ("x=%2F", ["192.0.2.1", 0])
    else:
        body = client.get("/api/environ/a%20b?x=%2F").json()
        assert (body["script_name"], body["path_info"], body["query_string"]) == (
            "/api", "/environ/a b", "x=%2F")


def test_django_router_and_csrf(client: httpx.Client) -> None:
    only(client, "django_app")
    assert client.get("/api/items/5").json() == {
        "item_id": 5, "script": "/api", "path": "/api/items/5", "path_info": "/items/5"}
    response = client.post("/api/create", json={"name": "x"})
    assert (response.status_code, response.json()) == (201, {"created": {"name": "x"}})
    assert client.post("/api/guarded", content=b"x").status_code == 403


def test_the_function_is_listed_by_the_host(client: httpx.Client) -> None:
    names = {f["name"] for f in client.get("/admin/functions").json()}
    assert "http_app_func" in names
