"""The gRPC wire vectors (tests/vectors/grpc), decoded and encoded through the HTTP converters."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import azfunc as func
from azfunc.wire.typed_data import datum_from_typed_data
from tests.conftest import VECTORS

REQUEST = VECTORS / "grpc" / "http_post_invocation_request.json"
RESPONSE = VECTORS / "grpc" / "http_invocation_response.json"

def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _request_typed_data() -> dict[str, Any]:
    message = _load(REQUEST)["message"]
    (entry,) = [item for item in message["inputData"] if item["name"] == "req"]
    return entry["data"]  # type: ignore[no-any-return]


def test_http_post_invocation_request_decodes_to_every_stated_value() -> None:
    typed = _request_typed_data()
    rpc = typed["http"]
    req = func.get_binding_registry().require("httpTrigger").decode(datum_from_typed_data(typed))
    assert isinstance(req, func.HttpRequest)
    assert req.method == rpc["method"] == "POST"
    assert req.url == rpc["url"]
    for name, value in rpc["headers"].items():
        assert req.headers.getall(name) == [value]
        assert req.headers[name.upper()] == value
    assert len(req.headers) == len(rpc["headers"])
    body = base64.b64decode(rpc["body"]["bytes"])
    assert req.get_body() == body
    assert len(body) == int(rpc["headers"]["content-length"])
    assert req.get_json() == {"name": "Azure"}
    for name, value in rpc["query"].items():
        assert req.params[name] == value
    assert req.params.getall("tag") == ["a,b"]
    assert dict(req.route_params) == rpc["params"] == {"id": "42"}


def test_http_invocation_response_is_what_our_encoder_produces() -> None:
    rpc = _load(RESPONSE)["message"]["returnValue"]["http"]
    body = base64.b64decode(rpc["body"]["bytes"])
    response = func.HttpResponse(body, status_code=int(rpc["statusCode"]), headers=rpc["headers"])
    cookie = rpc["cookies"][0]
    response.set_cookie(
        cookie["name"],
        cookie["value"],
        domain=cookie["domain"]["value"],
        path=cookie["path"]["value"],
        expires=cookie["expires"]["value"].replace("T", " ").replace("Z", " GMT"),
        secure=cookie["secure"]["value"],
        httponly=cookie["httpOnly"]["value"],
        samesite=cookie["sameSite"],
        max_age=int(cookie["maxAge"]["value"]),
    )
    datum = func.get_binding_registry().require("http").encode(response)
    assert datum is not None
    value = datum.value
    assert str(value.status_code) == rpc["statusCode"] == "201"
    assert value.joined_headers() == rpc["headers"]
    assert value.body == body == b'{"id": 42}'
    (set_cookie,) = value.cookies
    for part in ("foo=bar", "Domain=123", "Path=/some/path", "Secure", "HttpOnly",
                 "SameSite=Lax", "Max-Age=12345"):
        assert part in set_cookie.split("; ")
