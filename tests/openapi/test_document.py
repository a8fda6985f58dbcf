"""The OpenAPI document of an app: valid OpenAPI 3.1 (openapi-spec-validator), and what it
must say of every HTTP function, checked as properties rather than against a golden file."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

import azfunc as func
from azfunc._typed import model_of
from azfunc.app.annotations import resolve_signature
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.openapi import build_document

from .conftest import make_app_dir


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items()
            for method, op in item.items()]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_typed_app_document_is_valid_openapi_3_1(typed_app: Any) -> None:
    document = build_document(typed_app.functions.values(), typed_app.host_json)
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_enabled_http_function_appears_with_its_methods(typed_app: Any) -> None:
    document = build_document(typed_app.functions.values(), typed_app.host_json)
    http = {name: info for name, info in typed_app.functions.items()
            if info.trigger is not None and info.trigger.type == "httpTrigger"}
    listed: dict[str, set[str]] = {}
    for _path, method, op in _operations(document):
        listed.setdefault(op["summary"], set()).add(method)
    assert set(listed) == set(http)
    assert "work" not in listed  # the queue function has no route
    for name, info in http.items():
        wanted = {str(m).lower() for m in info.trigger.properties.get("methods") or ()}
        assert listed[name] == (wanted or {"get", "put", "post", "delete", "options",
                                           "head", "patch"})
    ids = [op["operationId"] for _p, _m, op in _operations(document)]
    assert len(ids) == len(set(ids))


def test_every_route_parameter_is_a_required_path_parameter(typed_app: Any) -> None:
    document = build_document(typed_app.functions.values(), typed_app.host_json)
    for path, _method, op in _operations(document):
        in_path = re.findall(r"\{([^}]+)\}", path)
        declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        assert declared == in_path, path
        assert all(p["required"] for p in op.get("parameters", []))


def test_typed_bodies_and_answers_have_their_model_schema(typed_app: Any) -> None:
    document = build_document(typed_app.functions.values(), typed_app.host_json)
    by_name = {op["summary"]: op for _p, _m, op in _operations(document)}
    typed = 0
    for name, info in typed_app.functions.items():
        if name not in by_name:
            continue
        sig = resolve_signature(info.func, name)
        model = model_of(sig.annotations[info.trigger.name])
        op = by_name[name]
        if model is None:
            assert "requestBody" not in op
            assert "422" not in op["responses"]
            continue
        typed += 1
        schema = _resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
        fields = (set(model.model_fields) if hasattr(model, "model_fields")
                  else set(model.__annotations__))
        assert set(schema["properties"]) == fields
        problem = op["responses"]["422"]["content"]["application/problem+json"]["schema"]
        assert _resolve(document, problem)["properties"]["status"]["const"] == 422
        returned = model_of(sig.returns)
        if returned is not None:
            answer = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert _resolve(document, answer)["title"] == returned.__name__
    assert typed == 3


def test_auth_levels_become_security(typed_app: Any) -> None:
    document = build_document(typed_app.functions.values(), typed_app.host_json)
    schemes = document["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "x-functions-key"), ("query", "code")}
    for _path, _method, op in _operations(document):
        level = typed_app.functions[op["summary"]].trigger.properties["authLevel"]
        if str(getattr(level, "value", level)).lower() == "anonymous":
            assert op["security"] == []
            assert "401" not in op["responses"]
        else:
            assert {next(iter(s)) for s in op["security"]} == set(schemes)
            assert "401" in op["responses"]


def test_the_route_prefix_comes_from_host_json(tmp_path: Path) -> None:
    from azfunc.app.loader import load_app

    root = make_app_dir(tmp_path, '{"version": "2.0", "extensions": {"http": '
                                  '{"routePrefix": "v2/shop"}}}')
    with load_app(root) as app:
        document = build_document(app.functions.values(), app.host_json)
    assert document["paths"]
    assert all(p.startswith("/v2/shop/") for p in document["paths"])
    with load_app(make_app_dir(tmp_path / "bare", '{"version": "2.0", "extensions": '
                                                  '{"http": {"routePrefix": ""}}}')) as app:
        paths = build_document(app.functions.values(), app.host_json)["paths"]
    assert "/orders" in paths
    assert "/hello" in paths


def _fn(name: str, route: str, *, methods: list[str] | None = None,
        disabled: bool = False) -> FunctionInfo:
    props: dict[str, Any] = {"route": route, "authLevel": "anonymous"}
    if methods:
        props["methods"] = methods
    return FunctionInfo(name, lambda req: None, (
        BindingInfo("req", "httpTrigger", "in", properties=props),
        BindingInfo("$return", "http", "out")), disabled=disabled)


def test_disabled_functions_and_unreachable_routes_are_left_out() -> None:
    document = build_document([
        _fn("off", "off", disabled=True),
        _fn("first", "things/{id}", methods=["GET"]),
        _fn("shadowed", "Things/{key}", methods=["GET"]),  # same path: the router never gets here
        _fn("other_method", "things/{id}", methods=["POST"]),
    ])
    validate(document)
    assert list(document["paths"]) == ["/api/things/{id}"]
    item = document["paths"]["/api/things/{id}"]
    assert [(m, op["operationId"]) for m, op in item.items()] == [
        ("get", "first"), ("post", "other_method")]
    assert "off" not in json.dumps(document)
    assert "shadowed" not in json.dumps(document)


def test_optional_segments_are_listed_once_per_length() -> None:
    document = build_document([_fn("opt", "a/{x:int}/{y?}/{z=5}", methods=["GET"])])
    validate(document)
    assert list(document["paths"]) == ["/api/a/{x}", "/api/a/{x}/{y}", "/api/a/{x}/{y}/{z}"]
    z = document["paths"]["/api/a/{x}/{y}/{z}"]["get"]["parameters"][2]
    assert z["schema"]["default"] == "5"


def test_the_document_is_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    root = make_app_dir(tmp_path)
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"doc{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "azfunc", "openapi", str(root), "-o",
                               str(out)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["info"]["title"] == "typed_app"


@dataclasses.dataclass
class Node:
    name: str
    children: list[Node] = dataclasses.field(default_factory=list)


def test_a_recursive_model_is_a_reference_to_itself() -> None:
    def tree(req: Node) -> Node:
        return req

    info = FunctionInfo("tree", tree, (
        BindingInfo("req", "httpTrigger", "in", properties={"route": "tree",
                                                             "methods": ["POST"]}),
        BindingInfo("$return", "http", "out")))
    document = build_document([info])
    validate(document)
    node = document["components"]["schemas"]["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    assert node["required"] == ["name"]


@dataclasses.dataclass
class Broken:
    x: NoSuchType  # type: ignore[name-defined]  # noqa: F821


def test_a_model_that_cannot_be_read_is_our_error() -> None:
    def broken(req: Broken) -> None:
        return None

    info = FunctionInfo("broken", broken, (
        BindingInfo("req", "httpTrigger", "in", properties={"methods": ["POST"]}),
        BindingInfo("$return", "http", "out")))
    with pytest.raises(func.ConversionError, match="cannot read the fields of Broken"):
        build_document([info])


def test_a_framework_app_is_its_catch_all_route() -> None:
    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        return None

    app = func.AsgiFunctionApp(app=asgi, http_auth_level=func.AuthLevel.ANONYMOUS)
    document = build_document(app.get_functions())
    validate(document)
    assert list(document["paths"]) == ["/api", "/api/{route}"]
    declared = app.get_functions()[0].trigger.properties["methods"]
    openapi_methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    assert set(document["paths"]["/api/{route}"]) == {
        str(getattr(m, "value", m)).lower() for m in declared} & openapi_methods
