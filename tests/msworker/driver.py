"""Drive Microsoft's real Python worker handlers with real protobuf messages.

Runs under the Python 3.13 environment ``scripts/dev.py`` builds (``.venv-worker313``), which
holds ``azure-functions-runtime`` (decorator model), ``azure-functions-runtime-v1`` (folder
model) and ``azure-functions`` from PyPI. Usage::

    python driver.py v2|v1 APP_DIR MESSAGES.json RESPONSES.json

``messages.json`` is a list of ``StreamingMessage`` objects in proto3 JSON form; each is
parsed into the worker's own protobuf class (the compiled ``FunctionRpc`` protos that ship
in the ``azure-functions-runtime-v1`` wheel), handed to the matching handler of
``handle_event`` (``worker_init_request``, ``functions_metadata_request``,
``function_load_request``, ``invocation_request``, ``function_environment_reload_request``),
and the response is written back in proto3 JSON, one per message, in order. The worker runs
in this one process throughout, as it does under the host.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.machinery
import importlib.util
import json
import site
import sys
import types
from pathlib import Path
from typing import Any

HANDLERS = (
    "worker_init_request",
    "functions_metadata_request",
    "function_load_request",
    "invocation_request",
    "function_environment_reload_request",
)


def load_protos() -> tuple[Any, types.SimpleNamespace]:
    """The compiled protos of the runtime wheel, as the ``protos`` namespace the worker uses.

    They are imported as package ``_worker_rpc`` from ``<site-packages>/tests/protos``
    without running that package's ``__init__`` (which needs grpc, a transport the handlers
    never touch).
    """
    for root in site.getsitepackages():
        folder = Path(root) / "tests" / "protos"
        if (folder / "FunctionRpc_pb2.py").exists():
            break
    else:
        raise SystemExit("the azure-functions-runtime-v1 wheel's tests/protos is not installed")
    spec = importlib.machinery.ModuleSpec("_worker_rpc", None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    sys.modules["_worker_rpc"] = package
    rpc = importlib.import_module("_worker_rpc.FunctionRpc_pb2")
    nullable = importlib.import_module("_worker_rpc.shared.NullableTypes_pb2")
    names: dict[str, Any] = {}
    for module in (nullable, rpc):
        names.update({k: getattr(module, k) for k in dir(module) if not k.startswith("_")})
    return rpc, types.SimpleNamespace(**names)


class Worker:
    """One worker (v2: decorator model, v1: folder model) in this process."""

    def __init__(self, model: str, app_dir: str) -> None:
        from google.protobuf import json_format

        self.json_format = json_format
        self.rpc, self.protos = load_protos()
        sys.path.insert(0, app_dir)
        package = "azure_functions_runtime" if model == "v2" else "azure_functions_runtime_v1"
        self.handle_event = importlib.import_module(f"{package}.handle_event")
        self.loop = asyncio.new_event_loop()

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        msg = self.json_format.ParseDict(message, self.rpc.StreamingMessage())
        kind = msg.WhichOneof("content")
        if kind not in HANDLERS:
            raise SystemExit(f"no handler for {kind}")
        request = types.SimpleNamespace(
            request=msg, properties={"host": "127.0.0.1", "protos": self.protos}
        )
        handler = getattr(self.handle_event, kind)
        response = self.loop.run_until_complete(handler(request))
        return self.json_format.MessageToDict(response, preserving_proto_field_name=False)


def main(argv: list[str]) -> int:
    model, app_dir, messages_path, responses_path = argv[:4]
    worker = Worker(model, app_dir)
    messages = json.loads(Path(messages_path).read_text())
    out = [worker.send(m) for m in messages]
    Path(responses_path).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
