"""Prints what an SDK's ``to_dict()``/``to_json()`` give for every case of ``value_cases``.

Run as ``python serialise_upstream.py azure.functions`` (or ``azfunc``) from this folder;
prints one JSON object: case id -> ``{"dict", "keys", "json"}``. A ``to_dict()`` result
JSON cannot hold is given as ``{"__repr__": repr(result)}``; a failing call as
``{"__error__": the exception's builtin base}``.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

try:  # imported by the test
    from tests.surface.value_cases import cases, trigger_cases
except ImportError:  # run as a script from this folder, in the upstream environment
    from value_cases import cases, trigger_cases  # type: ignore[no-redef]


#: where azure-functions keeps the trigger types (its top-level names are the bare bases).
_UPSTREAM_HOMES = {
    "QueueMessage": "azure.functions.queue",
    "InputStream": "azure.functions.blob",
    "TimerRequest": "azure.functions.timer",
    "ServiceBusMessage": "azure.functions.servicebus",
}


def _type(sdk: Any, name: str) -> Any:
    if sdk.__name__ == "azure.functions" and name in _UPSTREAM_HOMES:
        return getattr(importlib.import_module(_UPSTREAM_HOMES[name]), name)
    return getattr(sdk, name)


def _build(sdk: Any, type_name: str, arguments: dict[str, Any]) -> Any:
    if type_name.endswith("List"):
        item = _type(sdk, "Document" if type_name == "DocumentList" else type_name[:-4])
        return _type(sdk, type_name)([item(row) for row in arguments["rows"]])
    return _type(sdk, type_name)(**arguments)


def _builtin_base(exc: BaseException) -> str:
    for base in type(exc).__mro__:
        if base.__module__ == "builtins":
            return base.__name__
    return type(exc).__name__


def _call(method: Any) -> Any:
    try:
        return method()
    except Exception as exc:  # the failure is what is compared
        return {"__error__": _builtin_base(exc)}


def _keys(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return [_keys(item) for item in value]
    return None


def _decode(sdk: Any, binding: str, datum: Any, metadata: dict[str, Any]) -> Any:
    """A trigger payload decoded by ``sdk``'s converter (both SDKs have ``meta``)."""
    converter = sdk.meta.get_binding_registry().get(binding)
    return converter.decode(sdk.meta.Datum(*datum), trigger_metadata={
        key: sdk.meta.Datum(*value) for key, value in metadata.items()})


def _values(sdk_name: str) -> list[tuple[str, Any]]:
    sdk = importlib.import_module(sdk_name)
    built = [(case_id, _build(sdk, type_name, arguments))
             for case_id, type_name, arguments in cases()]
    decoded = [(case_id, _decode(sdk, binding, datum, metadata))
               for case_id, binding, datum, metadata in trigger_cases()]
    return built + decoded


def serialise(sdk_name: str) -> dict[str, Any]:
    """Every case's ``to_dict``/``to_json`` answer, built with ``sdk_name``."""
    out: dict[str, Any] = {}
    for case_id, value in _values(sdk_name):
        as_dict = _call(value.to_dict)
        try:
            json.dumps(as_dict)
        except (TypeError, ValueError):
            as_dict = {"__repr__": repr(as_dict)}
        out[case_id] = {"dict": as_dict, "keys": _keys(as_dict), "json": _call(value.to_json)}
    return out


if __name__ == "__main__":
    print(json.dumps(serialise(sys.argv[1])))
