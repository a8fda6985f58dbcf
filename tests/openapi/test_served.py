"""The document and docs page ``azfunc start`` serves, and schemathesis driving the served
app over loopback with the "no 5xx" and "conforms to the schema" checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from azfunc.host.local import LocalHost
from azfunc.openapi import build_document
from azfunc.openapi.serve import swagger_ui_dir

from ..host.conftest import serving
from .conftest import make_app_dir

#: an app with the route prefix off and a user route that looks like the document's
SHADOW_APP = """\
import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="openapi.json")
def fake(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("the user's own")
"""


@pytest.fixture
def host(tmp_path: Path) -> LocalHost:
    return LocalHost(make_app_dir(tmp_path), storage_dir=tmp_path / "store")


def test_the_served_document_is_the_apps(host: LocalHost) -> None:
    with serving(host) as base:
        answer = httpx.get(base + "/admin/openapi.json", timeout=30)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        document = answer.json()
        validate(document)
        assert document == json.loads(json.dumps(
            build_document(host.app.functions.values(), host.app.host_json,
                           title="typed_app")))
        assert httpx.post(base + "/admin/openapi.json", timeout=30).status_code == 405
        assert httpx.get(base + "/admin/openapi/nope.js", timeout=30).status_code == 404


def test_the_docs_page_serves_swagger_ui_from_the_package(host: LocalHost) -> None:
    assert swagger_ui_dir() is not None, "swagger-ui-py is in the test extra"
    with serving(host) as base:
        page = httpx.get(base + "/admin/openapi", timeout=30)
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert '"/admin/openapi.json"' in page.text
        script = httpx.get(base + "/admin/openapi/swagger-ui-bundle.js", timeout=30)
        assert script.status_code == 200
        assert script.content == (swagger_ui_dir() / "swagger-ui-bundle.js").read_bytes()
        assert httpx.get(base + "/admin/openapi/swagger-ui.css", timeout=30).status_code == 200


def test_the_document_needs_the_master_key_when_keys_are_checked(tmp_path: Path) -> None:
    host = LocalHost(make_app_dir(tmp_path), storage_dir=tmp_path / "store",
                     enforce_keys=True)
    with serving(host) as base:
        assert httpx.get(base + "/admin/openapi.json", timeout=30).status_code == 401
        code = host.keys.master_key
        assert httpx.get(base + "/admin/openapi.json", params={"code": code},
                         timeout=30).status_code == 200
        page = httpx.get(base + "/admin/openapi", params={"code": code}, timeout=30)
        assert f"swagger-ui-bundle.js?code={code}" in page.text


def test_a_user_route_never_shadows_the_document(tmp_path: Path) -> None:
    root = tmp_path / "shadow"
    root.mkdir()
    (root / "function_app.py").write_text(SHADOW_APP)
    (root / "host.json").write_text('{"version": "2.0", "extensions": {"http": '
                                    '{"routePrefix": ""}}}')
    host = LocalHost(root, storage_dir=tmp_path / "store")
    with serving(host) as base:
        assert httpx.get(base + "/openapi.json", timeout=30).text == "the user's own"
        document = httpx.get(base + "/admin/openapi.json", timeout=30).json()
        assert list(document["paths"]) == ["/openapi.json"]


# schemathesis' own strategies call ``random`` inside hypothesis, which warns (once per
# process, so the first example fails and the rerun passes: a FlakyFailure); the warning is
# about schemathesis, not about azfunc
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_schemathesis_finds_no_5xx_and_every_answer_conforms(host: LocalHost) -> None:
    with serving(host) as base:
        schema = schemathesis.openapi.from_url(base + "/admin/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12
        calls: dict[str, int] = {}
        for operation in operations:
            _drive(operation, base, calls)
    assert set(calls) == {op.label for op in operations}
    assert all(count > 0 for count in calls.values())


def _drive(operation: Any, base: str, calls: dict[str, int]) -> None:
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.call_and_validate(base_url=base, timeout=30,
                               checks=[not_a_server_error, response_schema_conformance])

    run()
