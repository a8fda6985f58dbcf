"""Typed payloads on Microsoft's real worker (``azure-functions-runtime``, Python 3.13): an
HTTP trigger's JSON body decoded and validated into a dataclass by azfunc (422 with problem
details for a body that does not match, the function not called), a queue message the same
(a mismatch fails the invocation, so the message is retried), a model returned as JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from . import harness as h

APP = h.APPS / "typed"
NAMES = ["place", "queued"]
ID = {name: h.function_id(name) for name in NAMES}
QUEUE_META = h.vector("queue_invocation_request")["triggerMetadata"]


def _post(body: bytes) -> dict[str, Any]:
    return h.invoke(ID["place"], {"req": h.http(
        "POST", "http://localhost/api/orders", body=body,
        headers={"content-type": "application/json"})})


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    cases = {
        "ok": _post(b'{"id": 7, "sku": "ab", "qty": 2}'),
        "wrong": _post(b'{"id": "7"}'),
        "not_json": _post(b"{nope"),
        "queue_ok": h.invoke(ID["queued"], {"msg": {"string": '{"id": 3, "sku": "q"}'}},
                             trigger_metadata=QUEUE_META),
        "queue_wrong": h.invoke(ID["queued"], {"msg": {"string": '{"sku": 5}'}},
                                trigger_metadata=QUEUE_META),
    }
    messages = [h.init(APP), h.metadata(APP)]
    messages += [h.load(ID[name], name) for name in NAMES]
    messages += list(cases.values())
    responses = h.run_worker("v2", APP, messages, tmp_path_factory.mktemp("typed"))
    out = {f"load:{n}": r for n, r in zip(NAMES, responses[2:], strict=False)}
    out.update(zip(cases, responses[2 + len(NAMES):], strict=True))
    return out


def _http(response: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    assert h.status(response) == "Success", response["result"]
    rpc = response["returnValue"]["http"]
    return (int(rpc["statusCode"]), rpc.get("headers", {}),
            json.loads(base64.b64decode(rpc["body"]["bytes"])))


def test_the_typed_functions_load(worker: dict[str, Any]) -> None:
    for name in NAMES:
        assert h.status(worker[f"load:{name}"]) == "Success", worker[f"load:{name}"]


def test_a_matching_body_is_the_model_and_a_returned_model_is_json(
    worker: dict[str, Any],
) -> None:
    status, headers, body = _http(worker["ok"])
    assert status == 200
    assert body == {"id": 7, "sku": "AB", "total": 20}
    assert headers.get("Content-Type", headers.get("content-type")) == "application/json"


def test_a_body_that_does_not_match_is_422_with_problem_details(
    worker: dict[str, Any],
) -> None:
    status, headers, body = _http(worker["wrong"])
    assert status == 422
    assert "application/problem+json" in str(headers)
    assert [e["pointer"] for e in body["errors"]] == ["/id", "/sku"]
    status, _headers, body = _http(worker["not_json"])
    assert status == 422
    assert body["errors"][0]["pointer"] == "/"


def test_a_queue_message_is_the_model_and_a_mismatch_fails_the_invocation(
    worker: dict[str, Any],
) -> None:
    assert h.status(worker["queue_ok"]) == "Success", worker["queue_ok"]["result"]
    assert h.output(worker["queue_ok"], "report")["string"] == "Order:3:q:1"
    failed = worker["queue_wrong"]
    assert h.status(failed) == "Failure"
    message = failed["result"]["exception"]["message"]
    assert "/id" in message
    assert "field required" in message
