"""The custom-handler codec: what the Azure Functions host POSTs, and what it reads back.

Every rule here is one the host applies (Azure/azure-functions-host 4.1037, see
``docs/custom-handler-rules.md``, which names the host file and method of each); each is a
small function whose docstring names it. Rules this module keeps:

* Requests are ``{"Data": {binding: value}, "Metadata": {key: value}}``. The host encodes a
  string a second time (``"\\"abc\\""``), a number as a string (``"1"``), a ``byte[]`` as
  base64 (whatever the ``dataType``), and a batch (``cardinality: many``) as ONE JSON string
  holding the array. Objects arrive as objects. ``null`` entries are dropped.
* Metadata keys ending in ``trigger`` never arrive: the blob path (``BlobTrigger``) is
  rebuilt from the binding's path pattern, or from ``Uri``. ``RetryContext.Exception`` is a
  serialised .NET exception.
* HTTP requests arrive as ``{Url, Method, Query, Headers, Params, Body, Identities}``:
  header values are lists (joined with ``, ``, cookies with ``; ``); ``Body`` is present
  only when ``Content-Length > 0``, base64 for ``application/octet-stream`` and
  ``multipart/*``, text otherwise. The invocation id is the ``X-Azure-Functions-InvocationId``
  request header.
* Answers are ``{"Outputs", "Logs", "ReturnValue"}``. The host base64-decodes every string
  output of a binding without ``dataType: binary`` that parses as base64, and passes other
  values (and everything for ``dataType: binary``) unchanged: bytes and text go out as
  base64 of their bytes, JSON objects as objects, collections as arrays of raw text items.
  ``ReturnValue`` without a ``$return`` binding passes unchanged (Durable's implicit output):
  a plain JSON value.
* HTTP outputs are ``{"statusCode": "201", "headers": {name: "text"}, "body": "text"}``:
  one string per header, a UTF-8 text body. Two ``Set-Cookie`` headers or a body that is not
  UTF-8 raise :class:`~azfunc.ForwardingRequiredError` (never sent silently wrong).
* Configuration (``customHandler`` keys) is case-insensitive and app settings
  (``AzureFunctionsJobHost__customHandler__...``) override ``host.json``.
* Names: functions ``^[a-z][a-z0-9_-]{0,127}$`` (any case) except ``host``; bindings
  ``^[a-zA-Z][a-zA-Z0-9]{0,127}$`` or ``$return`` (4.1037; from 4.1038 single underscores
  too, never ``__``: :func:`is_valid_binding_name` takes the release);
  :func:`host_binding_name` maps a Python parameter name to one every host accepts.
* A malformed request raises :class:`~azfunc.WireFormatError` (answered with HTTP 400), a
  value that cannot be answered :class:`~azfunc.ConversionError`; nothing else. Only pure
  parsing and shaping live here; the I/O is :mod:`azfunc.host.worker`'s.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

from .._datum import Datum, collection_items
from .._errors import ConversionError, ForwardingRequiredError, WireFormatError
from .http import DeferredHttpResponse, HttpRequestData, HttpResponseData

if TYPE_CHECKING:
    from typing import Protocol

    class BindingInfo(Protocol):
        """What the codec reads of a binding (``azfunc.app.model.BindingInfo``)."""

        @property
        def name(self) -> str: ...
        @property
        def type(self) -> str: ...
        @property
        def direction(self) -> str: ...
        @property
        def data_type(self) -> str | None: ...
        @property
        def cardinality(self) -> str | None: ...
        @property
        def properties(self) -> Mapping[str, Any]: ...

    from ..http.response import HttpResponse

__all__ = [
    "INVOCATION_ID_HEADER",
    "HttpOutput",
    "blob_trigger_path",
    "datum_to_output",
    "forwarding_enabled",
    "host_binding_name",
    "http_request_datum",
    "implicit_return_value",
    "input_datum",
    "invocation_id",
    "is_http_in_and_out",
    "is_octet_or_multipart",
    "is_valid_binding_name",
    "is_valid_function_name",
    "metadata_datums",
    "read_request",
    "retry_context_fields",
    "trigger_metadata",
    "unwrap_scalar",
]

_HTTP_KEYS = frozenset({"url", "method", "query", "headers", "params", "body", "identities"})

#: ``HttpWorkerConstants.InvocationIdHeaderName``, lower-cased as ASGI servers spell it.
INVOCATION_ID_HEADER: Final = "x-azure-functions-invocationid"

#: The output bindings the host writes through a stream (``BindToStream``), not a collector.
STREAM_OUTPUTS: Final = frozenset({"blob"})

_FORWARDING_HINT: Final = (
    "set customHandler.enableForwardingHttpRequest to true in host.json (or the app setting "
    "AzureFunctionsJobHost__customHandler__enableForwardingHttpRequest=true), with the "
    "function's only bindings an HTTP trigger and one HTTP output, so the host forwards the "
    "request and sends the worker's own HTTP answer"
)


# --- requests ---------------------------------------------------------------------------------


def unwrap_scalar(value: str) -> str:
    """Undo the host's second JSON encoding of a string, if it was applied.

    Host rule: ``GetHttpScriptInvocationContextValue`` writes a string with
    ``JsonConvert.SerializeObject``.

    Example:
        >>> unwrap_scalar('"abc"'), unwrap_scalar('abc'), unwrap_scalar('"a\\\\"b"')
        ('abc', 'abc', 'a"b')
    """
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            inner = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if isinstance(inner, str):
            return inner
    return value


def read_request(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(Data, Metadata)`` of a host request body (property names in any case).

    Example:
        >>> read_request(b'{"Data": {"x": "1"}, "Metadata": {}}')
        ({'x': '1'}, {})

    Raises:
        WireFormatError: if the body is not a JSON object with object ``Data``/``Metadata``.
    """
    try:
        document = json.loads(body) if body.strip() else {}
    except RecursionError:
        raise WireFormatError("the invocation request nests too deep to parse") from None
    except ValueError as exc:
        raise WireFormatError(f"the invocation request is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise WireFormatError("the invocation request must be a JSON object")
    folded = {str(k).lower(): v for k, v in document.items()}
    data = folded.get("data") or {}
    metadata = folded.get("metadata") or {}
    if not isinstance(data, dict) or not isinstance(metadata, dict):
        raise WireFormatError("Data and Metadata must be JSON objects")
    return data, metadata


_ID_TEXT = re.compile(r"[\x21-\x7e]{1,128}")


def invocation_id(header_value: str | None) -> str | None:
    """The invocation id the host sent (``DefaultHttpWorkerService.AddHeaders``), if usable.

    Example:
        >>> invocation_id(" 2b3c4d5e-0000-4000-8000-000000000000 ")
        '2b3c4d5e-0000-4000-8000-000000000000'
        >>> invocation_id(None), invocation_id("a b")
        (None, None)
    """
    if header_value is None:
        return None
    text = header_value.strip()
    return text if _ID_TEXT.fullmatch(text) else None


def _is_http_request(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and {str(k).lower() for k in value} <= _HTTP_KEYS
        and any(str(k).lower() in {"url", "method"} for k in value)
    )


def _string_map(raw: Any, what: str, *, joiner: str = ", ") -> dict[str, Datum]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            raise WireFormatError(f"HTTP {what} is a string but not a JSON object") from None
    if not isinstance(raw, Mapping):
        raise WireFormatError(f"HTTP {what} must be an object")
    out: dict[str, Datum] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            text = joiner.join("" if v is None else str(v) for v in value)
        elif value is None:
            text = ""
        else:
            text = value if isinstance(value, str) else _dumps(value, what)
        out[str(key)] = Datum(text, "string")
    return out


def is_octet_or_multipart(content_type: str | None) -> bool:
    """Whether the host sends the request body as bytes (base64 in JSON).

    Host rule: ``Utility.IsMediaTypeOctetOrMultipart``: the media type (parameters aside) is
    ``application/octet-stream`` or contains ``multipart/``, in any case.

    Example:
        >>> is_octet_or_multipart("Multipart/form-data; boundary=x")
        True
        >>> is_octet_or_multipart("text/plain"), is_octet_or_multipart(None)
        (False, False)
    """
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/octet-stream" or "multipart/" in media


def _request_body(body: Any, content_type: str | None) -> bytes:
    """The body bytes (``GetRequestAsJObject``: base64 for octet/multipart, else text)."""
    if body is None:
        return b""
    if not isinstance(body, str):
        return _dumps(body, "Body").encode("utf-8")
    if is_octet_or_multipart(content_type):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            pass  # not the host's base64 (a hand-written request): the text itself
    return body.encode("utf-8", "surrogatepass")


def http_request_datum(raw: Mapping[str, Any]) -> Datum:
    """The ``http`` Datum of a custom-handler HTTP request object.

    Example:
        >>> d = http_request_datum({"Url": "http://h/api/x?a=1", "Method": "POST",
        ...                         "Query": "{}", "Headers": {"X-A": ["1", "2"]},
        ...                         "Body": "hi"})
        >>> d.value.headers["x-a"].value, d.value.body
        ('1, 2', b'hi')

    Raises:
        WireFormatError: if a field has the wrong shape.
    """
    fields = {str(k).lower(): v for k, v in raw.items()}
    headers = {k.lower(): v for k, v in _string_map(fields.get("headers"), "Headers").items()}
    if "cookie" in headers:
        cookie_raw = fields.get("headers") or {}
        for name, value in (cookie_raw.items() if isinstance(cookie_raw, Mapping) else ()):
            if str(name).lower() == "cookie" and isinstance(value, list):
                headers["cookie"] = Datum("; ".join(str(v) for v in value), "string")
    content_type = headers.get("content-type")
    body_bytes = _request_body(fields.get("body"),
                               None if content_type is None else str(content_type.value))
    method = fields.get("method") or "GET"
    url = fields.get("url") or ""
    if not isinstance(method, str) or not isinstance(url, str):
        raise WireFormatError("HTTP Method and Url must be strings")
    identities = fields.get("identities")
    return Datum(
        HttpRequestData(
            method=method.upper(),
            url=url,
            headers=headers,
            query=_string_map(fields.get("query"), "Query", joiner=","),
            params=_string_map(fields.get("params"), "Params"),
            body=body_bytes,
            identities=_dumps(identities, "Identities") if identities else None,
        ),
        "http",
    )


def _dumps(value: Any, what: str) -> str:
    """JSON text of a value read from the request (so it is JSON-serialisable)."""
    try:
        return json.dumps(value)
    except (ValueError, TypeError, RecursionError):
        raise WireFormatError(f"HTTP {what} cannot be written back as JSON") from None


def _b64_bytes(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireFormatError(f"{what} is not valid base64") from None


def _batch_datum(value: Any, binary: bool) -> Datum | None:
    """A ``cardinality: many`` value: the host sends the array as ONE JSON string
    (``GetHttpScriptInvocationContextValue``: ``JObject.FromObject`` throws for arrays, so
    ``JsonConvert.SerializeObject``). ``None`` if it is not an array."""
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if not isinstance(items, list):
        return None
    if binary and all(isinstance(i, str) for i in items):
        return Datum([_b64_bytes(i, "a binary batch item") for i in items], "collection_bytes")
    if all(isinstance(i, str) for i in items):
        return Datum(items, "collection_string")
    return Datum(_dumps(items, "Data value"), "json")


def input_datum(value: Any, binding: BindingInfo | None = None) -> Datum:
    """The Datum of one ``Data`` entry, for the binding it feeds.

    Host rule: ``ScriptInvocationContextExtensions.GetHttpScriptInvocationContextValue``.
    ``dataType: binary`` values are base64; strings are JSON-encoded a second time; a
    ``cardinality: many`` batch is a string holding a JSON array.

    Example:
        >>> input_datum('"{\\\\"a\\\\": 1}"').value
        '{"a": 1}'
        >>> input_datum({"a": 1}).type, input_datum(3).value
        ('json', '3')

    Raises:
        WireFormatError: if an HTTP request object or a binary value is malformed.
    """
    is_http = binding is not None and binding.type.lower() == "httptrigger"
    if is_http and isinstance(value, Mapping):
        return http_request_datum(value)
    if value is None:
        return Datum(None, "null")
    if _is_http_request(value):
        return http_request_datum(value)
    binary = binding is not None and binding.data_type == "binary"
    if binding is not None and binding.cardinality == "many":
        batch = _batch_datum(value, binary)
        if batch is not None:
            return batch
    if isinstance(value, str):
        text = unwrap_scalar(value)
        if binary:
            try:
                return Datum(base64.b64decode(text, validate=True), "bytes")
            except (binascii.Error, ValueError):
                return Datum(text.encode("utf-8", "surrogatepass"), "bytes")
        return Datum(text, "string")
    if isinstance(value, (bool, int, float, dict, list)):
        return Datum(_dumps(value, "Data value"), "json")
    raise WireFormatError(f"unsupported Data value of type {type(value).__name__}")


def metadata_datums(metadata: Mapping[str, Any]) -> dict[str, Datum]:
    """Trigger metadata as Datums, undoing the host's double encoding of scalars.

    Example:
        >>> m = metadata_datums({"DequeueCount": "1", "Id": '"abc"', "When": "2019-10-16"})
        >>> m["DequeueCount"], m["Id"], m["When"]
        (<Datum json '1'>, <Datum string 'abc'>, <Datum string '2019-10-16'>)
    """
    out: dict[str, Datum] = {}
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                out[key] = Datum(value, "string")
                continue
            if isinstance(parsed, str):
                out[key] = Datum(parsed, "string")
            elif parsed is None:
                continue
            else:
                out[key] = Datum(value, "json")
        elif isinstance(value, (bool, int, float, dict, list)):
            try:
                out[key] = Datum(_dumps(value, "Metadata value"), "json")
            except WireFormatError:
                continue  # a value nested too deep to write back: not readable metadata
        else:
            out[key] = Datum(str(value), "string")
    return out


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def blob_trigger_path(pattern: str | None, metadata: Mapping[str, Datum]) -> str | None:
    """The blob path (``container/name``) the host's dropped ``BlobTrigger`` key held.

    Host rule: ``ToHttpScriptInvocationContext`` drops binding-data keys ending in
    ``trigger``; the path pattern's own binding data (``{name}``) and ``Uri`` still arrive.
    The pattern wins when every placeholder has a value; else the path of ``Uri`` (without
    the emulator's account segment on a local address).

    Example:
        >>> blob_trigger_path("samples/{name}", {"name": Datum("a.txt", "string")})
        'samples/a.txt'
        >>> blob_trigger_path(None, {"Uri": Datum("https://a.blob.core.windows.net/c/b%20c",
        ...                                       "string")})
        'c/b c'
    """
    if pattern:
        folded = {k.lower(): v for k, v in metadata.items()}
        values: list[str] = []
        for name in _PLACEHOLDER.findall(pattern):
            datum = folded.get(name.strip().lower())
            if datum is None or not isinstance(datum.value, str):
                break
            values.append(datum.value)
        else:
            pieces = _PLACEHOLDER.split(pattern)  # text, name, text, name, ..., text
            pieces[1::2] = values
            return "".join(pieces).lstrip("/")
    uri = metadata.get("Uri")
    if uri is None or not isinstance(uri.value, str):
        return None
    try:
        split = urlsplit(uri.value)
    except ValueError:
        return None
    path = unquote(split.path).lstrip("/")
    host = (split.hostname or "").lower()
    if host in {"localhost", "127.0.0.1", "::1"} or host.replace(".", "").isdigit():
        path = path.partition("/")[2]  # http://127.0.0.1:10000/<account>/<container>/...
    return path or None


def trigger_metadata(binding: BindingInfo | None,
                     metadata: Mapping[str, Any]) -> dict[str, Datum]:
    """The trigger metadata the converters read, from the request's ``Metadata``.

    ``RetryContext`` is left out (see :func:`retry_context_fields`); a blob trigger gets back
    its ``BlobTrigger`` path (:func:`blob_trigger_path`).

    Example:
        >>> from types import SimpleNamespace as B
        >>> b = B(type="blobTrigger", properties={"path": "c/{name}"})
        >>> trigger_metadata(b, {"name": '"x.bin"'})["BlobTrigger"]
        <Datum string 'c/x.bin'>
    """
    out = metadata_datums({k: v for k, v in metadata.items() if k != "RetryContext"})
    if binding is not None and binding.type.lower() == "blobtrigger" and "BlobTrigger" not in out:
        pattern = binding.properties.get("path")
        path = blob_trigger_path(pattern if isinstance(pattern, str) else None, out)
        if path is not None:
            out["BlobTrigger"] = Datum(path, "string")
    return out


def retry_context_fields(raw: Any) -> dict[str, Any] | None:
    """``Metadata.RetryContext`` in the shape :meth:`azfunc.RetryContext.from_wire` reads.

    Host rule: ``ScriptInvocationContextExtensions.SetRetryContext``: ``{RetryCount,
    MaxRetryCount, Exception}``, the exception as Newtonsoft serialises a
    ``System.Exception`` (``ClassName``, ``Message``, ``StackTraceString``, ``Source``, ...).

    Example:
        >>> retry_context_fields({"RetryCount": 1, "MaxRetryCount": 3, "Exception": {
        ...     "ClassName": "System.Exception", "Message": "boom", "Source": "app",
        ...     "StackTraceString": "   at X()"}})["exception"]
        {'message': 'boom', 'source': 'app', 'stack_trace': '   at X()'}
        >>> retry_context_fields("nope") is None
        True
    """
    if not isinstance(raw, Mapping):
        return None
    fields = {str(k).lower().replace("_", ""): v for k, v in raw.items()}
    out: dict[str, Any] = {"retry_count": fields.get("retrycount"),
                           "max_retry_count": fields.get("maxretrycount")}
    exc = fields.get("exception")
    if isinstance(exc, Mapping):
        folded = {str(k).lower().replace("_", ""): v for k, v in exc.items()}
        stack = folded.get("stacktracestring", folded.get("stacktrace"))
        out["exception"] = {
            "message": folded.get("message"),
            "source": folded.get("source"),
            "stack_trace": stack,
        }
    elif isinstance(exc, str):
        out["exception"] = exc
    return out


# --- configuration and names ------------------------------------------------------------------


_TRUE_TEXT = "true"


def _config_bool(value: Any) -> bool:
    """``IConfigurationSection.Bind`` of a ``bool``: JSON ``true`` or the text ``true`` in
    any case (surrounding blanks allowed); anything else is not ``true``."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == _TRUE_TEXT


def _section(host_json: Mapping[str, Any], environ: Mapping[str, str],
             name: str) -> dict[str, Any] | None:
    """One ``AzureFunctionsJobHost:<name>`` section, host.json and app settings merged
    (keys case-insensitive, app settings win), or ``None`` when neither has it."""
    merged: dict[str, Any] | None = None
    for key, value in host_json.items():
        if str(key).lower() == name and isinstance(value, Mapping):
            merged = {**(merged or {}), **{str(k).lower(): v for k, v in value.items()}}
    prefix = f"azurefunctionsjobhost__{name}__"
    for key, value in environ.items():
        folded = key.lower().replace(":", "__")
        if folded.startswith(prefix):
            merged = merged if merged is not None else {}
            merged[folded[len(prefix):]] = value
    return merged


def forwarding_enabled(host_json: Mapping[str, Any],
                       environ: Mapping[str, str] | None = None) -> bool:
    """Whether the host forwards HTTP requests to the worker as they are.

    Host rule: ``HttpWorkerOptionsSetup.Configure`` binds the ``customHandler`` section
    (keys case-insensitive; app settings ``AzureFunctionsJobHost__customHandler__...``
    included) and reads ``enableForwardingHttpRequest``; there is no
    ``enableProxyingHttpRequest``. With only the older ``httpWorker`` section,
    ``DefaultHttpWorkerService.InvokeAsync`` always forwards.

    Example:
        >>> forwarding_enabled({"CustomHandler": {"EnableForwardingHttpRequest": "True"}})
        True
        >>> forwarding_enabled({"customHandler": {"enableProxyingHttpRequest": True}})
        False
        >>> forwarding_enabled({}, {"AzureFunctionsJobHost__customHandler__"
        ...                         "enableForwardingHttpRequest": "true"})
        True
    """
    env = environ if environ is not None else {}
    section = _section(host_json, env, "customhandler")
    if section is not None:
        return _config_bool(section.get("enableforwardinghttprequest"))
    return _section(host_json, env, "httpworker") is not None


def is_http_in_and_out(bindings: Iterable[BindingInfo]) -> bool:
    """Whether the host forwards this function's requests (when forwarding is on).

    Host rule: ``FunctionMetadataExtensions.IsHttpInAndOutFunction``: exactly one input
    binding, an ``httpTrigger``, and exactly one output binding (``$return`` counts), an
    ``http`` one.

    Example:
        >>> from types import SimpleNamespace as B
        >>> is_http_in_and_out([B(type="httpTrigger", direction="in"),
        ...                     B(type="http", direction="out")])
        True
    """
    items = list(bindings)
    inputs = [b for b in items if b.direction != "out"]
    outputs = [b for b in items if b.direction == "out"]
    return (len(inputs) == 1 and len(outputs) == 1
            and inputs[0].type.lower() == "httptrigger" and outputs[0].type.lower() == "http")


_FUNCTION_NAME = re.compile(r"[a-z][a-z0-9_\-]{0,127}", re.IGNORECASE | re.ASCII)
_BINDING_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9]{0,127}", re.ASCII)
_BINDING_NAME_4_1038 = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,127}", re.ASCII)
#: the first host release whose binding names may hold single underscores.
_SNAKE_CASE_HOST: Final = (4, 1038)


def is_valid_function_name(name: str) -> bool:
    """Host rule ``Utility.FunctionNameValidationRegex``: ``^[a-z][a-z0-9_-]{0,127}$`` in
    any case, and never ``host``.

    Example:
        >>> is_valid_function_name("Fine_name-2"), is_valid_function_name("HOST")
        (True, False)
    """
    return bool(_FUNCTION_NAME.fullmatch(name)) and name.lower() != "host"


def is_valid_binding_name(name: str, *, host: tuple[int, int] = (4, 1037)) -> bool:
    """Host rule ``Utility.BindingNameValidationRegex`` of the host release ``host``.

    Up to 4.1037: ``$return`` or ``^[a-zA-Z][a-zA-Z0-9]{0,127}$``. From 4.1038
    (azure-functions-host PR #10764): ``$return`` or a letter or ``_`` then up to 127
    letters, digits or ``_``, with no ``__`` anywhere. A name valid on 4.1037 is valid on
    every host, so that is the default (and what ``azfunc check`` and ``export`` keep).

    Example:
        >>> is_valid_binding_name("inMsg"), is_valid_binding_name("in_msg")
        (True, False)
        >>> is_valid_binding_name("in_msg", host=(4, 1038))
        True
        >>> is_valid_binding_name("in__msg", host=(4, 1038))
        False
    """
    if name == "$return":
        return True
    if host >= _SNAKE_CASE_HOST:
        return bool(_BINDING_NAME_4_1038.fullmatch(name)) and "__" not in name
    return bool(_BINDING_NAME.fullmatch(name))


def host_binding_name(name: str) -> str:
    """The binding name ``azfunc export`` writes for a Python parameter name.

    A valid name is kept. Otherwise underscores are dropped and the letter after each is
    upper-cased (``in_msg`` -> ``inMsg``, ``_x`` -> ``x``); the worker maps it back the same
    way. The result may still be invalid (non-ASCII, too long): check it with
    :func:`is_valid_binding_name`.

    Example:
        >>> host_binding_name("in_msg"), host_binding_name("msg"), host_binding_name("a__b_c")
        ('inMsg', 'msg', 'aBC')
    """
    if is_valid_binding_name(name):
        return name
    parts = [p for p in name.split("_") if p]
    if not parts:
        return name
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


# --- answers ----------------------------------------------------------------------------------


def _header_pairs(value: HttpResponseData | HttpResponse) -> tuple[int, list[tuple[str, str]],
                                                                  bytes]:
    if isinstance(value, HttpResponseData):
        lines = list(value.headers) + [("Set-Cookie", c) for c in value.cookies]
        return value.status_code, lines, value.body
    return (value.status_code, list(value.headers.items()), bytes(value.get_body()))


class HttpOutput:
    """Shapes an ``http`` output Datum as the host's HTTP output object.

    Host rules: ``HttpOutputBindingResponse`` (no cookies field; ``Status`` never read) and
    ``RawScriptResult.ExecuteResultAsync`` (each header value written with ``ToString()``,
    the body written as text).

    Example:
        >>> d = Datum(HttpResponseData(status_code=201, cookies=("a=1",), body=b"ok"), "http")
        >>> HttpOutput.from_datum(d)
        {'statusCode': '201', 'headers': {'Set-Cookie': 'a=1'}, 'body': 'ok'}
    """

    @staticmethod
    def from_datum(datum: Datum, *, binary: bool = False) -> dict[str, Any]:
        """The output object of an ``http`` Datum (``binary`` is accepted and ignored: the
        host reads an HTTP output as an object whatever its ``dataType``).

        Raises:
            WireFormatError: if the Datum does not hold an HTTP response.
            ForwardingRequiredError: if the answer needs forwarding mode.
        """
        value = datum.value
        if isinstance(value, DeferredHttpResponse):
            return HttpOutput.from_response(value.response)
        if not isinstance(value, HttpResponseData):
            raise WireFormatError(
                f"an http output Datum holds an HttpResponseData, got {type(value).__name__}"
            )
        return HttpOutput._shape(*_header_pairs(value))

    @staticmethod
    def from_response(response: HttpResponse, *, binary: bool = False) -> dict[str, Any]:
        """The output object of an ``HttpResponse`` (its body collected already).

        Raises:
            ForwardingRequiredError: if the answer needs forwarding mode.
        """
        return HttpOutput._shape(*_header_pairs(response))

    @staticmethod
    def _shape(status: int, lines: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
        cookies = [v for n, v in lines if n.lower() == "set-cookie"]
        if len(cookies) > 1:
            raise ForwardingRequiredError(
                f"the HTTP answer sets {len(cookies)} Set-Cookie headers, which the "
                "custom-handler JSON protocol cannot carry (one value per header name); "
                + _FORWARDING_HINT
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ForwardingRequiredError(
                f"the HTTP answer's body ({len(body)} bytes) is not UTF-8 text, and the "
                "custom-handler JSON protocol writes the body as text; " + _FORWARDING_HINT
            ) from None
        return {"statusCode": str(status), "headers": joined_headers(lines), "body": text}


def joined_headers(lines: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One string per header name (first spelling kept), repeated values joined with ``, ``.

    Host rule: ``RawScriptResult`` writes each header value with ``ToString()``, so a list
    would become a multi-line array text.

    Example:
        >>> joined_headers([("Vary", "a"), ("vary", "b"), ("X", "1")])
        {'Vary': 'a, b', 'X': '1'}
    """
    out: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        first = spelled.setdefault(key, name)
        out[first] = value if first not in out else f"{out[first]}, {value}"
    return out


def _raw_bytes(datum: Datum) -> bytes:
    value = datum.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ConversionError(f"a {datum.type} Datum holds a {type(value).__name__}, not bytes")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _binary_text(data: bytes, binding: BindingInfo) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConversionError(
            f"binding {binding.name!r} ({binding.type}) has dataType \"binary\", so the host "
            "passes its value on unchanged and bytes that are not UTF-8 text cannot reach it "
            "through the custom-handler protocol; remove dataType \"binary\" from the "
            "binding (then bytes are sent as base64, which the host decodes)",
            binding=binding.name,
        ) from None


def _text_value(text: str, binding: BindingInfo) -> Any:
    """Text, delivered exactly. Host rules: ``GetBindingValue`` decodes base64-parsable
    strings unless ``dataType`` is binary; ``ReadAsEnumerable`` splits JSON-looking text."""
    if binding.data_type != "binary":
        return _b64(text.encode("utf-8", "surrogatepass"))
    return text if binding.type.lower() in STREAM_OUTPUTS else [text]


def _list_item(item: Any, binding: BindingInfo) -> Any:
    """One item of an array output: raw text (``ReadAsEnumerable`` never decodes items)."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        data = bytes(item)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError(
                f"binding {binding.name!r}: a list item is {len(data)} bytes that are not "
                "UTF-8 text; the host writes array items as text, so send binary messages "
                "one at a time", binding=binding.name,
            ) from None
    if isinstance(item, (bool, int, float)):
        return json.dumps(item)  # the JSON spelling, not .NET's ToString() ("True")
    if item is None or isinstance(item, (str, dict, list)):
        return item
    raise ConversionError(f"binding {binding.name!r}: a list item of type "
                          f"{type(item).__name__} cannot be sent", binding=binding.name)


def _json_value(datum: Datum, binding: BindingInfo) -> Any:
    value = datum.python_value
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return [_list_item(i, binding) for i in value]
    if value is None:
        return None
    text = datum.value
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):  # an already-parsed value (the Python worker's shape)
        if not isinstance(value, (str, int, float)):
            raise ConversionError(f"a json Datum holds a {type(value).__name__}",
                                  binding=binding.name)
        text = json.dumps(value)
    return _text_value(text, binding)


def datum_to_output(datum: Datum | None, binding: BindingInfo | None = None) -> Any:
    """The JSON value the host reads for an output Datum, so it reaches its binding exactly.

    Host rules: ``HttpScriptInvocationResultExtensions.GetOutputValue``/``GetBindingValue``
    and the binding's delivery (``FunctionBinding.ReadAsEnumerable``,
    ``ConvertValueToStream``); see the encoding table in ``docs/custom-handler-rules.md``.

    Example:
        >>> from types import SimpleNamespace as B
        >>> queue = B(name="q", type="queue", data_type=None)
        >>> datum_to_output(Datum('{"a": 1}', "json"), queue)
        {'a': 1}
        >>> datum_to_output(Datum("test", "string"), queue), datum_to_output(Datum(b"hi", "bytes"))
        ('dGVzdA==', 'aGk=')

    Raises:
        ConversionError: if the value cannot reach the binding exactly
            (:class:`~azfunc.ForwardingRequiredError` for an HTTP answer).
    """
    if datum is None or datum.type == "null":
        return None
    kind = datum.type
    if kind == "http":
        return HttpOutput.from_datum(datum)
    if binding is not None and binding.type.lower() == "http":
        # the host reads an HTTP output as an object; a bare str/bytes answer is its body
        if kind in {"bytes", "stream"}:
            body = _raw_bytes(datum)
        elif isinstance(datum.value, (bytes, bytearray)):
            body = bytes(datum.value)
        else:
            body = str(datum.value).encode("utf-8", "surrogatepass")
        return HttpOutput._shape(200, [], body)
    target: BindingInfo = binding if binding is not None else _ANY_BINDING
    if kind in {"bytes", "stream"}:
        data = _raw_bytes(datum)
        if target.data_type != "binary":
            return _b64(data)
        return _text_value(_binary_text(data, target), target)
    if kind == "string":
        return _text_value(str(datum.value), target)
    if kind == "json":
        return _json_value(datum, target)
    if kind in {"int", "double"}:
        number = datum.value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ConversionError(f"an {kind} Datum holds a {type(number).__name__}",
                                  binding=target.name)
        return _text_value(json.dumps(number), target)
    if kind in {"collection_bytes", "collection_string", "collection_double",
                "collection_sint64"}:
        return [_list_item(i, target) for i in collection_items(datum)]
    raise ConversionError(f"a {kind} value cannot be sent as an output", binding=target.name)


def implicit_return_value(datum: Datum | None) -> Any:
    """``ReturnValue`` of a function without a ``$return`` binding: a plain JSON value.

    Host rule: ``ToScriptInvocationResult`` passes it on unchanged ("some triggers, like
    Durable Functions' triggers, assign $return implicitly"), so it is never base64.

    Example:
        >>> implicit_return_value(Datum('"Hello"', "json")), implicit_return_value(None)
        ('Hello', None)

    Raises:
        ConversionError: if the value is not JSON (bytes that are not UTF-8 text).
    """
    if datum is None or datum.type == "null":
        return None
    if datum.type == "json":
        return datum.python_value
    if datum.type in {"bytes", "stream"}:
        try:
            return bytes(datum.value).decode("utf-8")
        except UnicodeDecodeError:
            raise ConversionError("an implicit return value must be JSON, not raw bytes") from None
    if datum.type in {"string", "int", "double"}:
        return datum.value
    return datum.python_value


class _AnyBinding:
    """The binding of an output Datum encoded without one: a collector, no ``dataType``."""

    name = "<output>"
    type = "generic"
    direction = "out"
    data_type: str | None = None
    cardinality: str | None = None
    properties: Mapping[str, Any] = {}


_ANY_BINDING: Final[BindingInfo] = _AnyBinding()
