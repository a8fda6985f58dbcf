"""Running one invocation of a function exactly as a host would.

Rules this module keeps:

* Inputs may be binding objects (passed through unchanged), :class:`~azfunc.Datum` objects
  (decoded by the binding's converter with the trigger metadata and the parameter's
  annotation as ``pytype``), or raw wire values, turned into Datums first: ``str`` ->
  string, ``bytes`` -> bytes, ``int`` -> int, ``float`` -> double, ``dict``/``list``/``bool``
  -> json, ``None`` -> null. Trigger metadata values follow the same table.
* ``def`` functions run in a worker thread (the given executor, else the loop's default),
  inside a copy of the current :mod:`contextvars` context; ``async def`` functions run on
  the event loop. Output parameters receive :class:`~azfunc.Out` objects; a ``context``
  parameter receives a :class:`~azfunc.Context` naming the function, its directory and the
  invocation id.
* An exception raised by the user's code propagates unchanged (same object, same
  traceback). A conversion problem raises :class:`~azfunc.ConversionError` naming the
  function, the binding and the value's type.
* A function without a ``$return`` binding that returns something other than ``None`` is
  checked at invocation: the value stays in :attr:`InvocationResult.return_value`, is not
  sent anywhere (as the Python worker does), and a warning saying so is logged on
  ``azfunc.invocation`` (captured in the invocation's logs).
* ``logging`` records emitted during the invocation (decoding inputs, the function in its
  task or worker thread, encoding outputs) are collected into
  :attr:`InvocationResult.logs`, isolated from concurrent invocations.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._context import Context
from .._datum import Datum
from .._errors import AzFuncError, ConversionError
from .._out import Out
from ._logcapture import capture_logs
from .annotations import (
    EMPTY,
    Signature,
    is_out,
    out_argument,
    resolve_signature,
    unwrap_optional,
)

if TYPE_CHECKING:
    from .._registry import BindingRegistry, Converter
    from .model import BindingInfo, FunctionInfo


_log = logging.getLogger("azfunc.invocation")

__all__ = ["InvocationResult", "invoke_function", "to_datum"]


@dataclass
class InvocationResult:
    """What one invocation produced.

    Example:
        >>> r = InvocationResult(function_name="f", invocation_id="1", return_value=3)
        >>> r.return_value, r.outputs, r.logs
        (3, {}, [])
    """

    function_name: str
    invocation_id: str
    return_value: Any = None
    return_data: Datum | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    output_data: dict[str, Datum] = field(default_factory=dict)
    logs: list[logging.LogRecord] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        """The formatted messages of :attr:`logs`."""
        return [record.getMessage() for record in self.logs]


def to_datum(value: Any) -> Datum | None:
    """The Datum a raw wire value stands for; ``None`` when ``value`` is not a raw value.

    Example:
        >>> to_datum("hi"), to_datum({"a": 1}), to_datum(None)
        (<Datum string 'hi'>, <Datum json '{"a": 1}'>, <Datum null None>)
        >>> to_datum(object()) is None
        True

    Raises:
        ConversionError: if a dict or list cannot be serialised as JSON.
    """
    if isinstance(value, Datum):
        return value
    if value is None:
        return Datum(None, "null")
    if isinstance(value, str):
        return Datum(value, "string")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Datum(bytes(value), "bytes")
    if isinstance(value, (bool, dict, list, tuple)):
        try:
            return Datum(json.dumps(value), "json")
        except (TypeError, ValueError) as exc:
            raise ConversionError(f"cannot send {type(value).__name__} as JSON: {exc}") from None
    if isinstance(value, int):
        return Datum(value, "int")
    if isinstance(value, float):
        return Datum(value, "double")
    return None


def _metadata(raw: Mapping[str, Any] | None) -> dict[str, Datum]:
    out: dict[str, Datum] = {}
    for key, value in (raw or {}).items():
        try:
            datum = to_datum(value)
        except ConversionError as exc:
            raise ConversionError(f"trigger metadata {key!r}: {exc}") from exc
        if datum is None:
            raise ConversionError(
                f"trigger metadata {key!r} is a {type(value).__name__}; pass a Datum or a "
                "str, bytes, int, float, bool, dict, list or None"
            )
        out[str(key)] = datum
    return out


def _converter(info: FunctionInfo, binding: BindingInfo, registry: BindingRegistry) -> Converter:
    try:
        return registry.get_or_generic(binding.type)
    except (AzFuncError, ImportError) as exc:
        raise ConversionError(
            f"the {info.name} function: no converter for binding {binding.name!r} "
            f"({binding.type}): {exc}"
        ) from exc


def _decode(
    info: FunctionInfo,
    binding: BindingInfo,
    value: Any,
    pytype: Any,
    metadata: Mapping[str, Datum],
    registry: BindingRegistry,
) -> Any:
    try:
        datum = to_datum(value)
    except ConversionError as exc:
        raise ConversionError(
            f"the {info.name} function: cannot send the {binding.name!r} input "
            f"({binding.type}): {exc}"
        ) from exc
    if datum is None:
        return value  # a binding object: passed through
    converter = _converter(info, binding, registry)
    try:
        return converter.decode(
            datum, trigger_metadata=metadata, pytype=None if pytype is EMPTY else pytype
        )
    except Exception as exc:
        raise ConversionError(
            f"the {info.name} function: cannot decode the {binding.name!r} input "
            f"({binding.type}) from a {datum.type} Datum: {exc}"
        ) from exc


def _encode(
    info: FunctionInfo, binding: BindingInfo, value: Any, expected: Any, registry: BindingRegistry
) -> Datum | None:
    converter = _converter(info, binding, registry)
    try:
        return converter.encode(value, expected_type=None if expected is EMPTY else expected)
    except Exception as exc:
        raise ConversionError(
            f"the {info.name} function: cannot encode the {binding.name!r} output "
            f"({binding.type}) from a {type(value).__name__}: {exc}"
        ) from exc


def _context(info: FunctionInfo, given: Context | None) -> Context:
    directory = str(info.directory) if info.directory is not None else ""
    if given is None:
        return Context(invocation_id=str(uuid.uuid4()), function_name=info.name,
                       function_directory=directory)
    if given.function_name and given.function_directory:
        return given
    return Context(
        invocation_id=given.invocation_id,
        function_name=given.function_name or info.name,
        function_directory=given.function_directory or directory,
        trace_context=given.trace_context,
        retry_context=given.retry_context,
        thread_local_storage=given.thread_local_storage,
    )


async def invoke_function(
    info: FunctionInfo,
    inputs: Mapping[str, Any],
    *,
    trigger_metadata: Mapping[str, Any] | None = None,
    context: Context | None = None,
    registry: BindingRegistry | None = None,
    executor: concurrent.futures.Executor | None = None,
) -> InvocationResult:
    """Run one invocation of ``info`` with ``inputs`` (binding name -> value).

    Example:
        >>> from azfunc.app.model import BindingInfo, FunctionInfo
        >>> def main(msg) -> None:
        ...     logging.getLogger("demo").warning("hello %s", msg.get_body().decode())
        >>> info = FunctionInfo("f", main, (BindingInfo("msg", "queueTrigger"),))
        >>> asyncio.run(invoke_function(info, {"msg": Datum("ada", "string")})).messages
        ['hello ada']

    Raises:
        ConversionError: if an input cannot be decoded, an output or the return value cannot
            be encoded, an input is missing or unknown, or a value is returned without a
            ``$return`` binding.
        AnnotationError: if the function's annotations cannot be resolved.
        Exception: whatever the function itself raises, unchanged.
    """
    from .._registry import get_binding_registry

    reg = registry or get_binding_registry()
    sig = resolve_signature(info.func, info.name)
    metadata = _metadata(trigger_metadata)
    ctx = _context(info, context)
    inputs_known = {b.name for b in info.bindings if b.is_input and not b.is_return}
    unknown = sorted(set(inputs) - inputs_known)
    if unknown:
        raise ConversionError(
            f"the {info.name} function has no input binding named "
            f"{', '.join(map(repr, unknown))}; its inputs are "
            f"{', '.join(repr(b.name) for b in info.input_bindings) or 'none'}"
        )
    with capture_logs() as records:
        kwargs, outs = _arguments(info, sig, inputs, ctx, metadata, reg)
        if info.is_async:
            return_value = await info.func(**kwargs)
        else:
            loop = asyncio.get_running_loop()
            call = functools.partial(info.func, **kwargs)
            run_in_context = contextvars.copy_context().run
            return_value = await loop.run_in_executor(executor, run_in_context, call)
            if inspect.isawaitable(return_value):  # a callable object with an async __call__
                return_value = await return_value
        result = InvocationResult(info.name, ctx.invocation_id, return_value, logs=records)
        _collect_outputs(info, sig, result, outs, reg)
    return result


_Outs = dict[str, tuple["BindingInfo", Out[Any], Any]]


def _arguments(
    info: FunctionInfo,
    sig: Signature,
    inputs: Mapping[str, Any],
    ctx: Context,
    metadata: Mapping[str, Datum],
    reg: BindingRegistry,
) -> tuple[dict[str, Any], _Outs]:
    bound = {b.name: b for b in info.bindings if not b.is_return}
    kwargs: dict[str, Any] = {}
    outs: _Outs = {}
    for param in sig.parameters:
        tp = sig.annotations[param]
        binding = bound.get(param)
        if binding is None:
            if param == "context":
                kwargs[param] = ctx
                continue
            raise ConversionError(f"the {info.name} function: parameter {param!r} has no binding")
        if binding.direction == "out" or (binding.direction == "inout" and is_out(tp)):
            holder: Out[Any] = Out()
            kwargs[param] = holder
            outs[param] = (binding, holder, out_argument(tp) if tp is not EMPTY else EMPTY)
            continue
        if param not in inputs:
            raise ConversionError(
                f"the {info.name} function: no value given for the {param!r} input "
                f"({binding.type}); pass {param}=..."
            )
        pytype = unwrap_optional(tp) if tp is not EMPTY else EMPTY
        kwargs[param] = _decode(info, binding, inputs[param], pytype, metadata, reg)
    return kwargs, outs


def _collect_outputs(
    info: FunctionInfo,
    sig: Signature,
    result: InvocationResult,
    outs: _Outs,
    reg: BindingRegistry,
) -> None:
    ret = info.return_binding
    if ret is not None:
        expected = unwrap_optional(sig.returns) if sig.returns is not EMPTY else EMPTY
        result.return_data = _encode(info, ret, result.return_value, expected, reg)
    elif result.return_value is not None:
        # The Python worker drops such a value silently (the developer guide's queue example
        # returns a str without "$return"); say so in the invocation's log instead.
        _log.warning(
            "the %s function returned a %s but has no \"$return\" binding, so the value is "
            "dropped; add an output binding named \"$return\" to send it",
            info.name,
            type(result.return_value).__name__,
        )
    for name, (binding, holder, expected_out) in outs.items():
        if not holder.is_set:
            continue
        value = holder.get()
        result.outputs[name] = value
        if value is None:
            continue
        encoded = _encode(info, binding, value, expected_out, reg)
        if encoded is not None:
            result.output_data[name] = encoded

