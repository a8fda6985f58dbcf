"""Microsoft's Python worker end to end: the same app with azure.functions and with azfunc.

Rules this module keeps:

* Both apps (``_msworker/af_app.py``, ``_msworker/azfunc_app.py``: the same code, one
  ``import`` apart, function names prefixed ``af_``/``az_``) are indexed by the real
  ``azure-functions-runtime`` (decorator model) in this one process, through its
  ``worker_init_request`` handler. One timed call is one ``invocation_request`` handler call
  with a real protobuf ``InvocationRequest``: the worker's proto-to-Datum step, the SDK's
  decode, the user function, the SDK's encode and the response message, as under the host.
* The messages are the same for both sides except the function id; setup checks once that
  both responses carry the same result.
* The functions are ``async def`` (see the apps), so the timing holds no thread handoff.
* It needs ``azure-functions-runtime`` (Python >= 3.13); elsewhere it has no cases.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.machinery
import importlib.util
import json
import os
import site
import sys
import types
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from harness import BenchCase, Case, baseline_label

APPS = Path(__file__).resolve().parent / "_msworker"

QUEUE_METADATA: dict[str, dict[str, str]] = {
    "DequeueCount": {"json": "1"},
    "Id": {"string": "800ae4b3-bdd2-4c08-badd-f08e5a34b865"},
    "ExpirationTime": {"json": '"2019-10-16T17:58:31+00:00"'},
    "PopReceipt": {"string": "AgAAAAMAAAAAAAAAAgtnj8x+1QE="},
    "QueueTrigger": {"string": '{ message: "Message sent" }'},
    "NextVisibleTime": {"json": '"2019-10-09T18:08:32+00:00"'},
    "InsertionTime": {"json": '"2019-10-09T17:58:31+00:00"'},
}


def _protos() -> tuple[Any, Any]:
    for root in site.getsitepackages():
        folder = Path(root) / "tests" / "protos"
        if (folder / "FunctionRpc_pb2.py").exists():
            break
    else:
        raise ImportError("the azure-functions-runtime-v1 wheel's protos are not installed")
    spec = importlib.machinery.ModuleSpec("_bench_worker_rpc", None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    sys.modules["_bench_worker_rpc"] = importlib.util.module_from_spec(spec)
    rpc = importlib.import_module("_bench_worker_rpc.FunctionRpc_pb2")
    nullable = importlib.import_module("_bench_worker_rpc.shared.NullableTypes_pb2")
    names: dict[str, Any] = {}
    for module in (nullable, rpc):
        names.update({k: getattr(module, k) for k in dir(module) if not k.startswith("_")})
    return rpc, types.SimpleNamespace(**names)


def _fid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, name))


def _messages() -> dict[str, dict[str, Any]]:
    body = json.dumps([{"id": i, "name": f"item {i}"} for i in range(20)]).encode()
    import base64

    http = {"inputData": [{"name": "req", "data": {"http": {
        "method": "POST", "url": "http://localhost:7071/api/items/42?name=Azure&tag=a",
        "headers": {"content-type": "application/json", "user-agent": "curl/8.4.0",
                    "host": "localhost:7071", "accept": "*/*",
                    "content-length": str(len(body))},
        "query": {"name": "Azure", "tag": "a"}, "params": {"id": "42"},
        "body": {"bytes": base64.b64encode(body).decode()}}}}]}
    queue = {"inputData": [{"name": "msg", "data": {"string": '{ message: "Message sent" }'}}],
             "triggerMetadata": QUEUE_METADATA}
    n = 1000
    events = [base64.b64encode(json.dumps({"device": i, "v": i * 0.5}).encode()).decode()
              for i in range(n)]
    hub = {"inputData": [{"name": "events", "data": {"collectionBytes": {"bytes": events}}}],
           "triggerMetadata": {
               "SequenceNumberArray": {"collectionSint64": {"sint64": [str(i) for i in range(n)]}},
               "OffsetArray": {"collectionString": {"string": [str(i * 100) for i in range(n)]}},
               "PartitionKeyArray": {"collectionString": {"string": []}},
               "EnqueuedTimeUtcArray": {"collectionString": {"string": [
                   f"2026-01-01T00:00:{i % 60:02d}.{i:07d}Z" for i in range(n)]}},
               "PropertiesArray": {"json": json.dumps([{"k": i} for i in range(n)])},
               "SystemPropertiesArray": {"json": json.dumps([
                   {"x-opt-sequence-number": i, "x-opt-offset": str(i * 100),
                    "x-opt-enqueued-time": "2026-01-01T00:00:00Z"} for i in range(n)])},
               "PartitionContext": {"json": json.dumps({
                   "FullyQualifiedNamespace": "ns.servicebus.windows.net",
                   "EventHubName": "h", "ConsumerGroup": "$Default", "PartitionId": "0"})},
           }}
    return {"http": http, "queue": queue, "hub": hub}


class _Worker:
    def __init__(self) -> None:
        from google.protobuf import json_format

        self.rpc, self.protos = _protos()
        self.json_format = json_format
        sys.path.insert(0, str(APPS))
        self.handle_event = importlib.import_module("azure_functions_runtime.handle_event")
        self.loop = asyncio.new_event_loop()
        for script in ("af_app.py", "azfunc_app.py"):
            os.environ["PYTHON_SCRIPT_FILE_NAME"] = script
            response = self.send({"workerInitRequest": {
                "hostVersion": "4.0", "functionAppDirectory": str(APPS)}})
            if response.result.status != self.protos.StatusResult.Success:
                raise RuntimeError(response.result.exception.message)
        os.environ.pop("PYTHON_SCRIPT_FILE_NAME", None)

    def request(self, message: dict[str, Any]) -> Any:
        msg = self.json_format.ParseDict(message, self.rpc.StreamingMessage())
        return types.SimpleNamespace(request=msg,
                                     properties={"host": "127.0.0.1", "protos": self.protos})

    def send(self, message: dict[str, Any]) -> Any:
        request = self.request(message)
        kind = request.request.WhichOneof("content")
        return self.loop.run_until_complete(getattr(self.handle_event, kind)(request))

    def invoker(self, function: str, invocation: dict[str, Any]) -> Any:
        body = dict(invocation, functionId=_fid(function), invocationId=str(uuid.uuid4()))
        request = self.request({"invocationRequest": body})
        handler = self.handle_event.invocation_request
        run = self.loop.run_until_complete

        def call() -> Any:
            return run(handler(request))
        return call


def _result(response: Any) -> Any:
    if response.result.status != 1:  # StatusResult.Success
        raise AssertionError(response.result.exception.message)
    ret = response.return_value
    if ret.WhichOneof("data") == "http":  # header names compared case-insensitively
        rpc = ret.http
        headers = sorted((k.lower(), v) for k, v in rpc.headers.items())
        return rpc.status_code, headers, rpc.body.SerializeToString(deterministic=True)
    return ret.SerializeToString(deterministic=True), len(response.output_data)


def cases() -> list[Case]:
    """Per-invocation cases through the real worker; none without azure-functions-runtime."""
    try:
        importlib.import_module("azure_functions_runtime")
    except ImportError:
        return []
    worker = _Worker()
    messages = _messages()
    specs = [
        ("http", "HTTP POST with JSON body, route and query: decode, read, respond with JSON",
         1.0, ">= 1x (no slower)"),
        ("queue", "queue message with full host metadata: decode and read every property",
         1.0, ">= 1x (no slower)"),
        ("hub", "Event Hubs batch of 1000 (collection_bytes, metadata arrays): decode and "
         "read body and sequence number of each", 3.0, ">= 3x faster"),
    ]
    out: list[Case] = []
    for key, description, target, target_text in specs:
        ours = worker.invoker(f"az_{key}", messages[key])
        theirs = worker.invoker(f"af_{key}", messages[key])
        if _result(ours()) != _result(theirs()):
            raise AssertionError(f"msworker.{key}: azfunc and azure-functions responses differ")
        out.append(BenchCase(
            name=f"msworker.{key}",
            description=f"Python worker invocation: {description}",
            azfunc=ours, baseline=theirs, baseline_name=baseline_label(),
            target=target, target_text=target_text,
        ))
    return out
