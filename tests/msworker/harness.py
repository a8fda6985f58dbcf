"""Run Microsoft's real Python worker (in ``.venv-worker313``) on a list of gRPC messages.

The messages are ``StreamingMessage`` objects in proto3 JSON form; :mod:`driver` parses them
into the worker's own protobuf classes and hands each to the worker's handler. Builders here
produce the messages the host sends, from the host-shaped vectors in ``tests/vectors/grpc``.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
DRIVER = HERE / "driver.py"

_python: Path | None = None
_checked = False


def worker_python() -> Path:
    """The 3.13 interpreter with the worker installed (built by scripts/dev.py on demand);
    skips the calling test, loudly, where no Python 3.13 exists."""
    global _python, _checked
    if not _checked:
        spec = importlib.util.spec_from_file_location("_azfunc_dev", ROOT / "scripts" / "dev.py")
        assert spec is not None
        assert spec.loader is not None
        dev = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(dev)
        _python = dev.ensure_worker_venv()
        _checked = True
    if _python is None:
        pytest.skip("NO PYTHON 3.13: the tests against Microsoft's Python worker are SKIPPED")
    return _python


def run_worker(model: str, app_dir: Path, messages: list[dict[str, Any]],
               tmp: Path) -> list[dict[str, Any]]:
    """Send ``messages`` to one worker process (``v2`` decorator, ``v1`` folder model)."""
    python = worker_python()
    inbox, outbox = tmp / "messages.json", tmp / "responses.json"
    inbox.write_text(json.dumps(messages))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["AzureWebJobsScriptRoot"] = str(app_dir)
    proc = subprocess.run(
        [str(python), str(DRIVER), model, str(app_dir), str(inbox), str(outbox)],
        capture_output=True, text=True, timeout=300, cwd=app_dir, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    responses: list[dict[str, Any]] = json.loads(outbox.read_text())
    assert len(responses) == len(messages)
    return responses


def function_id(name: str) -> str:
    """The id the decorator-model worker gives a function (uuid5 of its name)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, name))


def init(app_dir: Path) -> dict[str, Any]:
    return {"requestId": "init", "workerInitRequest": {
        "hostVersion": "4.1040.300", "functionAppDirectory": str(app_dir),
        "capabilities": {"RpcHttpBodyOnly": "true", "TypedDataCollection": "true"},
    }}


def metadata(app_dir: Path) -> dict[str, Any]:
    return {"requestId": "meta", "functionsMetadataRequest": {
        "functionAppDirectory": str(app_dir)}}


def load(fid: str, name: str, directory: Path | None = None,
         bindings: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "functionId": fid}
    if directory is not None:
        meta.update(directory=str(directory), scriptFile=str(directory / "__init__.py"),
                    entryPoint="main", bindings=bindings or {})
    return {"requestId": f"load-{name}", "functionLoadRequest": {
        "functionId": fid, "metadata": meta}}


def invoke(fid: str, inputs: dict[str, dict[str, Any]], *,
           trigger_metadata: dict[str, Any] | None = None,
           invocation_id: str | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "invocationId": invocation_id or str(uuid.uuid4()),
        "functionId": fid,
        "inputData": [{"name": k, "data": v} for k, v in inputs.items()],
        "triggerMetadata": trigger_metadata or {},
    }
    request.update(extra)
    return {"requestId": request["invocationId"], "invocationRequest": request}


def vector(name: str) -> dict[str, Any]:
    """The ``message`` of a host-shaped gRPC vector (a fresh copy)."""
    data = json.loads((VECTORS / "grpc" / f"{name}.json").read_text())
    return copy.deepcopy(data["message"])


def from_vector(name: str, fid: str, param: str) -> dict[str, Any]:
    """An invocation of ``fid`` carrying a vector's input and metadata, renamed to ``param``."""
    msg = vector(name)
    msg["functionId"] = fid
    msg["inputData"][0]["name"] = param
    return {"requestId": msg["invocationId"], "invocationRequest": msg}


def http(method: str, url: str, *, headers: dict[str, str] | None = None,
         query: dict[str, str] | None = None, params: dict[str, str] | None = None,
         body: bytes = b"") -> dict[str, Any]:
    """A TypedData ``http`` as the host sends it (RpcHttpBodyOnly: body bytes only)."""
    return {"http": {
        "method": method, "url": url, "headers": headers or {}, "query": query or {},
        "params": params or {}, "body": {"bytes": base64.b64encode(body).decode()},
    }}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def status(response: dict[str, Any]) -> str:
    """``Success``/``Failure`` of any response (proto3 JSON omits Failure, the 0 value)."""
    return str(response["result"].get("status", "Failure"))  # Failure is 0: omitted


def output(response: dict[str, Any], name: str) -> dict[str, Any]:
    """The TypedData of output binding ``name`` in an InvocationResponse."""
    for binding in response.get("outputData", []):
        if binding["name"] == name:
            return dict(binding.get("data", {}))
    raise AssertionError(f"no output {name!r} in {response}")


def report(response: dict[str, Any]) -> Any:
    """The JSON a test app's function put in its ``report`` output."""
    assert status(response) == "Success", response["result"]
    return json.loads(output(response, "report")["json"])
