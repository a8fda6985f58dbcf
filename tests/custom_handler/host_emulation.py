"""How the Functions host reads a custom handler's answer: a small emulation for the tests.

Written from a reading of Azure/azure-functions-host 4.1037 (commit 89dc438d) and of the
WebJobs SDK rule providers it relies on; facts carried over, no code. Rules it keeps:

* ``DefaultHttpWorkerService.ProcessDefaultInvocationRequest``: the answer's status is checked
  with ``EnsureSuccessStatusCode`` *before* the body is read, so a non-2xx answer is a failed
  invocation whose ``Logs`` (and everything else in the body) the host never sees.
* The body is read as ``HttpScriptInvocationResult`` (``Outputs``, ``Logs``, ``ReturnValue``;
  Newtonsoft matches those property names case-insensitively); ``Outputs`` is a plain
  dictionary, looked up by the exact binding name.
* ``HttpScriptInvocationResultExtensions.GetOutputValue``/``GetBindingValue``: for every output
  binding of ``function.json``, an ``http`` binding (not named ``$return``) is read as an HTTP
  response object; any other value passes unchanged when the binding's ``dataType`` is
  ``binary``, else a *string* that ``Convert.FromBase64String`` accepts becomes bytes and
  everything else passes unchanged. ``ReturnValue`` follows the ``$return`` binding's
  ``dataType`` the same way; with no ``$return`` binding it passes unchanged (Durable).
* ``HttpScriptInvocationResultExtensions.GetHttpOutputBindingResponse`` +
  ``HttpOutputBindingResponse``: the object is re-read as ``{StatusCode: string, Status:
  string, Body: object, Headers: IDictionary<string, object>}``; no cookies field exists.
  ``HttpBinding.ParseResponseObject``/``TryParseStatusCode``: ``StatusCode`` always exists on
  that object (``null`` when absent), so ``Status`` is never consulted and a missing or
  unparsable status is 200. ``RawScriptResult.ExecuteResultAsync``: each header value is
  written with ``ToString()`` (a JSON list becomes an indented multi-line array text, a bool
  ``True``), ``content-type`` sets the content type, the body is written as text (an object
  body as indented JSON text, ``null`` as empty).
* Binding delivery (``ExtensionBinding.BindAsync``, ``FunctionBinding.ReadAsEnumerable``,
  ``BindAsyncCollectorAsync``, ``ConvertValueToStream``; the SDK's
  ``AsyncCollectorBindingProvider.GetDefaultType`` prefers ``IAsyncCollector<byte[]>``): a
  collector output (queue, Service Bus, Event Hubs, Kafka, Cosmos DB, SQL, Event Grid) splits
  a JSON array (or a string that looks like JSON, ``{...}``/``[...]``) into one message per
  item, and writes each item as its bytes (``byte[]`` as is, anything else as the UTF-8 of its
  ``ToString()``). A stream output (blob) writes ``byte[]`` as is, a string as UTF-8, a JSON
  value as compact JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HostAnswer",
    "HostHttpResponse",
    "HostInvocationFailed",
    "binding_value",
    "collector_messages",
    "from_base64_string",
    "header_to_string",
    "read_answer",
    "stream_bytes",
]

#: the bindings the host writes through a stream (``BindToStream`` rules), not a collector
STREAM_BINDINGS = frozenset({"blob"})

_B64_WHITESPACE = re.compile(r"[ \t\r\n]")


class HostInvocationFailed(Exception):
    """The host marks the invocation failed; ``body`` is what it never read."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"Response status code does not indicate success: {status}")
        self.status = status
        self.body = body


@dataclass
class HostHttpResponse:
    """What the host writes back to the HTTP client for an HTTP output."""

    status: int
    headers: dict[str, str]
    content_type: str | None
    body: bytes


@dataclass
class HostAnswer:
    """What the host does with a 2xx answer: one delivered value per output binding."""

    outputs: dict[str, Any] = field(default_factory=dict)
    http: dict[str, HostHttpResponse] = field(default_factory=dict)
    return_value: Any = None
    logs: list[str] = field(default_factory=list)


def from_base64_string(value: str) -> bytes | None:
    """``Convert.FromBase64String`` semantics: the bytes, or None when it throws.

    .NET skips spaces, tabs, CR and LF, then needs a length that is a multiple of 4 with at
    most two ``=`` at the end; the empty string is valid (no bytes).
    """
    text = _B64_WHITESPACE.sub("", value)
    if len(text) % 4:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def binding_value(value: Any, data_type: str | None) -> Any:
    """``GetBindingValue``: binary passes unchanged, else a base64-parsable string is bytes."""
    if (data_type or "").lower() == "binary":
        return value
    if isinstance(value, str):
        decoded = from_base64_string(value)
        if decoded is not None:
            return decoded
    return value


def _net_to_string(value: Any, *, indented: bool = True) -> str:
    """``ToString()`` of what Newtonsoft puts in an ``IDictionary<string, object>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, (bytes, bytearray)):
        return "System.Byte[]"
    if indented:  # JToken.ToString() is Formatting.Indented with CRLF
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\r\n")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def header_to_string(value: Any) -> str:
    """How ``RawScriptResult`` writes one header value: ``header.Value.ToString()``."""
    return _net_to_string(value)


def _looks_like_json(text: str) -> bool:
    """``Utility.IsJson``: trimmed text that starts/ends with braces or brackets."""
    trimmed = text.strip()
    return (trimmed.startswith("{") and trimmed.endswith("}")) or (
        trimmed.startswith("[") and trimmed.endswith("]")
    )


def collector_messages(value: Any) -> list[bytes]:
    """``ReadAsEnumerable`` + ``BindAsyncCollectorAsync<byte[]>``: the messages written."""
    if isinstance(value, str) and _looks_like_json(value):
        value = json.loads(value)
        items = value if isinstance(value, list) else [value]
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    out: list[bytes] = []
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            out.append(bytes(item))
        else:
            out.append(_net_to_string(item).encode("utf-8"))
    return out


def stream_bytes(value: Any) -> bytes:
    """``ConvertValueToStream``: what a blob output writes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        return (value & 0xFFFFFFFF).to_bytes(4, "little")  # BitConverter of the int32
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _http_response(obj: Any) -> HostHttpResponse:
    """``GetHttpOutputBindingResponse`` then ``HttpBinding.CreateResult``/``RawScriptResult``."""
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except ValueError:
            raise HostInvocationFailed(500, obj.encode()) from None
    if not isinstance(obj, dict):
        raise HostInvocationFailed(500, json.dumps(obj).encode())
    folded = {str(k).lower(): v for k, v in obj.items()}
    status_value = folded.get("statuscode")  # Status is never consulted: see module doc
    status = 200
    text = None if status_value is None else _net_to_string(status_value)
    if text is not None and re.fullmatch(r"\s*[+-]?\d+\s*", text):
        status = int(text)
    headers: dict[str, str] = {}
    content_type: str | None = None
    raw_headers = folded.get("headers")
    if isinstance(raw_headers, dict):
        for name, value in raw_headers.items():
            if str(name).lower() == "content-type":
                content_type = header_to_string(value)
            else:
                headers[str(name)] = header_to_string(value)
    body = folded.get("body")
    body_text = "" if body is None else _net_to_string(body)
    return HostHttpResponse(status, headers, content_type, body_text.encode("utf-8"))


def read_answer(status: int, body: bytes, bindings: list[dict[str, Any]]) -> HostAnswer:
    """Interpret a worker answer for a function with these ``function.json`` bindings.

    Raises:
        HostInvocationFailed: for a non-2xx status (``EnsureSuccessStatusCode``), a body
            that is not an ``HttpScriptInvocationResult``, or an HTTP output that is not an
            object.
    """
    if not 200 <= status < 300:
        raise HostInvocationFailed(status, body)
    try:
        document = json.loads(body)
    except ValueError:
        raise HostInvocationFailed(status, body) from None
    if not isinstance(document, dict):
        raise HostInvocationFailed(status, body)
    folded = {str(k).lower(): v for k, v in document.items()}
    outputs = folded.get("outputs") or {}
    answer = HostAnswer(logs=list(folded.get("logs") or []))
    returned = folded.get("returnvalue")
    out_bindings = [b for b in bindings if str(b.get("direction", "")).lower() == "out"]
    return_binding = next((b for b in out_bindings if b.get("name") == "$return"), None)
    for binding in out_bindings:
        name = str(binding["name"])
        kind = str(binding.get("type", "")).lower()
        if name == "$return":
            continue
        if kind == "http":
            answer.http[name] = _http_response(outputs.get(name, {}))
        elif name in outputs and outputs[name] is not None:
            answer.outputs[name] = binding_value(outputs[name], binding.get("dataType"))
    if returned is not None:
        if return_binding is None:
            answer.return_value = returned
        elif str(return_binding.get("type", "")).lower() == "http":
            answer.http["$return"] = _http_response(
                binding_value(returned, return_binding.get("dataType")))
        else:
            answer.return_value = binding_value(returned, return_binding.get("dataType"))
    return answer


def delivered(answer: HostAnswer, name: str, binding_type: str) -> list[bytes] | bytes:
    """The bytes a binding finally writes: messages for a collector, content for a stream."""
    value = answer.return_value if name == "$return" else answer.outputs[name]
    if binding_type.lower() in STREAM_BINDINGS:
        return stream_bytes(value)
    return collector_messages(value)
