"""The framework apps on Microsoft's Python worker (``azure-functions-runtime`` in
``.venv-worker313``, real protobuf messages, see :mod:`tests.msworker.harness`): an unchanged
``function_app.py`` holding an ``AsgiFunctionApp`` (FastAPI) or a ``WsgiFunctionApp`` (Flask)
is indexed with its catch-all function, loaded and invoked; route, query, two ``Set-Cookie``
lines and a JSON body survive the worker's RpcHttp conversion both ways."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.msworker import harness as h

from .conftest import APPS

FN = "http_app_func"
FID = h.function_id(FN)
INVOCATION = "33333333-4444-4555-8666-777777777777"


def _http(method: str, target: str, *, body: bytes = b"",
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An invocation of the catch-all function as the host sends it for ``/api/<target>``
    (the route parameter decoded)."""
    path, _, query = target.partition("?")
    pairs = dict(p.split("=", 1) for p in query.split("&")) if query else {}
    return h.invoke(FID, {"req": h.http(
        method, f"http://localhost:7071/api/{target}", headers=headers or {},
        query=pairs, params={"route": unquote(path)}, body=body)}, invocation_id=INVOCATION)


def _cases(context_route: str) -> dict[str, dict[str, Any]]:
    return {
        "item": _http("GET", "items/42?q=x"),
        "echo": _http("POST", "echo", body=json.dumps({"name": "ümlaut", "n": [1, 2.5]}).encode(),
                      headers={"content-type": "application/json"}),
        "cookies": _http("GET", "cookies"),
        "context": _http("GET", f"{context_route}/a%20b?x=%2F",
                         headers={"x-forwarded-proto": "https",
                                  "x-forwarded-host": "contoso.example"}),
        "missing": _http("GET", "no/such/route"),
    }


def _serve(module: str, tmp: Path, context_route: str) -> dict[str, dict[str, Any]]:
    root = tmp / "app"
    root.mkdir()
    shutil.copy(APPS / f"{module}.py", root / "function_app.py")
    (root / "host.json").write_text('{"version": "2.0"}')
    cases = _cases(context_route)
    messages = [h.init(root), h.metadata(root), h.load(FID, FN), *cases.values()]
    responses = h.run_worker("v2", root, messages, tmp)
    out = {"init": responses[0], "metadata": responses[1], "load": responses[2]}
    out.update(zip(cases, responses[3:], strict=True))
    return out


@pytest.fixture(scope="module", params=["fastapi_app", "flask_app"])
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, dict[str, Any]]]:
    module: str = request.param
    route = "scope" if module == "fastapi_app" else "environ"
    return module, _serve(module, tmp_path_factory.mktemp(module), route)


def _rpc(response: dict[str, Any]) -> dict[str, Any]:
    assert h.status(response) == "Success", response["result"]
    return dict(response["returnValue"]["http"])


def _json(rpc: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(rpc["body"]["bytes"]))


def test_indexing_shows_the_catch_all_function(served: tuple[str, Any]) -> None:
    module, out = served
    assert h.status(out["init"]) == "Success", out["init"]
    by_name = {r["name"]: r for r in out["metadata"]["functionMetadataResults"]}
    expected = ({FN, "plain_hello", "own_stream", "own_stream_release"}
                if module == "fastapi_app" else {FN})
    assert set(by_name) == expected
    fn = by_name[FN]
    assert fn["functionId"] == FID
    trigger = json.loads(fn["rawBindings"][0])
    assert (trigger["type"], trigger["route"], trigger["authLevel"]) == (
        "httpTrigger", "{*route}", "anonymous")
    assert {"GET", "POST", "DELETE", "HEAD"} <= {m.upper() for m in trigger["methods"]}
    assert h.status(out["load"]) == "Success", out["load"]


def test_route_and_query_reach_the_framework(served: tuple[str, Any]) -> None:
    _, out = served
    rpc = _rpc(out["item"])
    assert rpc["statusCode"] == "200"
    body = _json(rpc)
    assert (body["item_id"], body["q"]) == (42, "x")


def test_json_body_round_trips(served: tuple[str, Any]) -> None:
    _, out = served
    rpc = _rpc(out["echo"])
    assert _json(rpc) == {"got": {"name": "ümlaut", "n": [1, 2.5]}}
    headers = {k.lower(): v for k, v in rpc["headers"].items()}
    assert headers["content-type"].startswith("application/json")


def test_two_set_cookie_lines_survive(served: tuple[str, Any]) -> None:
    _, out = served
    rpc = _rpc(out["cookies"])
    cookies = {c["name"]: c for c in rpc["cookies"]}
    assert sorted(cookies) == ["a", "b"]
    assert (cookies["a"]["value"], cookies["b"]["value"]) == ("1", "2")
    assert cookies["b"]["httpOnly"]["value"] is True
    assert base64.b64decode(rpc["body"]["bytes"]) == b"two cookies"


def test_mount_point_forwarded_headers_and_context(served: tuple[str, Any]) -> None:
    module, out = served
    body = _json(_rpc(out["context"]))
    assert body["invocation_id"] == INVOCATION
    # the frameworks rebuild the URL from the scheme and host the forwarded headers set
    # (Starlette from the decoded path, werkzeug with the query re-quoted)
    route = "scope" if module == "fastapi_app" else "environ"
    assert body["url"].startswith(f"https://contoso.example/api/{route}/a")
    if module == "fastapi_app":
        assert (body["root_path"], body["path"], body["query_string"]) == (
            "/api", "/api/scope/a b", "x=%2F")
    else:
        assert (body["script_name"], body["path_info"], body["query_string"]) == (
            "/api", "/environ/a b", "x=%2F")


def test_the_frameworks_own_404(served: tuple[str, Any]) -> None:
    _, out = served
    assert _rpc(out["missing"])["statusCode"] == "404"
