"""Running one invocation of a function exactly as a host would.

Rules this module keeps:

* Inputs may be binding objects or a list of them (a batch trigger's input; passed through
  unchanged), :class:`~azfunc.Datum` objects
  (decoded by the binding's converter with the trigger metadata and the parameter's
  annotation as ``pytype``), or raw wire values, turned into Datums first: ``str`` ->
  string, ``bytes`` -> bytes, ``int`` -> int, ``float`` -> double, ``dict``/``list``/``bool``
  -> json, ``None`` -> null. Trigger metadata values follow the same table.
* ``def`` functions run in a worker thread (the given executor, else the loop's default),
  inside a copy of the current :mod:`contextvars` context; ``async def`` functions run on
  the event loop. Only the call of the function takes the thread hop: inputs are decoded
  and outputs encoded on the event loop. An executor with a ``run_async(fn, /, *args,
  **kwargs)`` method returning an awaitable (the local host's
  :class:`~azfunc.host.runtime.InvocationPool`) is handed the call directly; any other goes
  through ``loop.run_in_executor``. Output parameters receive :class:`~azfunc.Out` objects;
  a ``context`` parameter receives a :class:`~azfunc.Context` naming the function, its
  directory and the invocation id.
* An exception raised by the user's code propagates unchanged (same object, same
  traceback). A conversion problem raises :class:`~azfunc.ConversionError` naming the
  function, the binding and the value's type.
* A function without a ``$return`` binding that returns something other than ``None`` is
  checked at invocation: the value stays in :attr:`InvocationResult.return_value`, is not
  sent anywhere (as the Python worker does), and a warning saying so is logged on
  ``azfunc.invocation`` (captured in the invocation's logs).
* Everything that does not depend on the call is worked out once per function and kept on
  the :class:`~azfunc.app.model.FunctionInfo` (an *invocation plan*: the resolved
  signature, which parameter is an input, an output or the context, each ``pytype``,
  whether the function is async); a function whose ``__annotations__`` dict is replaced is
  planned again. Converters are looked up in the registry on every call, so a converter
  registered later is used. A :class:`~azfunc.Context` is built only for a function that
  takes one; :attr:`InvocationResult.invocation_id` is always a fresh UUID4 string (or the
  given context's id).
* ``logging`` records emitted during the invocation (decoding inputs, the function in its
  task or worker thread, encoding outputs) are collected into
  :attr:`InvocationResult.logs`, isolated from concurrent invocations. The capturing handler
  is on the root logger (and an unconfigured root lowered to ``INFO``) only while an
  invocation runs; a host that invokes continuously wraps its serving in
  :func:`hold_log_capture` so that this is not switched on every invocation (see
  :mod:`azfunc.app._logcapture`).
* A function without a ``$return`` binding whose trigger has an implicit output (Durable
  orchestrator, entity and activity triggers, MCP triggers) sends its return value as that
  output: :attr:`InvocationResult.return_data` holds it, as the worker sends it.
* Extension hooks (:mod:`azfunc.app.extensions`) run around the call of the function only
  when an extension is registered; otherwise the path pays one falsy check.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import json
import logging
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .. import _typed
from .._context import Context
from .._datum import Datum
from .._errors import ArgumentValueError, AzFuncError, ConversionError
from .._ids import new_invocation_id as _new_invocation_id
from .._out import Out
from .._registry import get_binding_registry
from .._typing import unwrap_optional
from ._logcapture import begin as _begin_capture
from ._logcapture import end as _end_capture
from ._logcapture import hold as hold_log_capture
from .annotations import EMPTY, is_out, out_argument, resolve_signature
from .extensions import HOOKS as _HOOKS

if TYPE_CHECKING:
    from .._registry import BindingRegistry, Converter
    from .model import BindingInfo, FunctionInfo


_log = logging.getLogger("azfunc.invocation")
#: the logger extension hooks are handed (the Python worker hands its function logger).
_user_log = logging.getLogger("azfunc.function")

__all__ = [
    "InvocationResult",
    "direct_call",
    "hold_log_capture",
    "invoke_direct",
    "invoke_function",
    "to_datum",
]


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


def to_datum(value: object) -> Datum | None:
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


def _metadata(raw: Mapping[str, object], function: str) -> dict[str, Datum]:
    out: dict[str, Datum] = {}
    for key, value in raw.items():
        if type(value) is Datum and type(key) is str:
            out[key] = value
            continue
        try:
            datum = to_datum(value)
        except ConversionError as exc:
            raise ConversionError(
                f"the {function} function: trigger metadata {key!r}: {exc}", function=function
            ) from exc
        if datum is None:
            raise ConversionError(
                f"the {function} function: trigger metadata {key!r} is a "
                f"{type(value).__name__}; pass a Datum or a str, bytes, int, float, bool, "
                "dict, list or None",
                function=function,
            )
        out[str(key)] = datum
    return out


# --- the invocation plan -------------------------------------------------------------------

#: what a parameter receives (literal table, see _Param.role).
_INPUT: Final = 0  # a decoded input
_OUTPUT: Final = 1  # an Out holder
_CONTEXT: Final = 2  # the invocation Context
_UNBOUND: Final = 3  # nothing: invoking fails naming the parameter

#: where a function's plan is kept (in the FunctionInfo's instance dict).
_PLAN_KEY: Final = "_azfunc_invocation_plan"


@dataclass(frozen=True, slots=True)
class _Param:
    """One parameter of a function and what it receives."""

    name: str
    role: int
    binding: BindingInfo | None = None
    #: the ``pytype`` to decode an input as, or the ``expected_type`` of an output.
    pytype: Any = None
    #: a typed-payload annotation (``Model`` or ``list[Model]``, see :mod:`azfunc._typed`).
    model: Any = None


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything an invocation needs that does not depend on the call."""

    func: Any
    bindings: tuple[BindingInfo, ...]
    annotations_id: int
    params: tuple[_Param, ...]
    #: names of the input bindings (trigger included, ``$return`` excluded).
    inputs: frozenset[str]
    return_binding: BindingInfo | None
    #: the ``expected_type`` the return value is encoded with.
    return_expected: Any
    is_async: bool


def _plan(info: FunctionInfo) -> _Plan:
    """The invocation plan of ``info``, made on first use and kept on ``info``."""
    plan: _Plan | None = info.__dict__.get(_PLAN_KEY)
    func = info.func
    if (
        plan is not None
        and plan.func is func
        and plan.bindings is info.bindings
        and plan.annotations_id == id(getattr(func, "__annotations__", None))
    ):
        return plan
    plan = _make_plan(info)
    info.__dict__[_PLAN_KEY] = plan  # frozen dataclass: its fields stay untouched
    return plan


def _optional_type(tp: Any) -> Any:
    return None if tp is EMPTY else tp


def _make_plan(info: FunctionInfo) -> _Plan:
    sig = resolve_signature(info.func, info.name)
    bound = {b.name: b for b in info.bindings if not b.is_return}
    params: list[_Param] = []
    for name in sig.parameters:
        tp = sig.annotations[name]
        binding = bound.get(name)
        if binding is None:
            params.append(_Param(name, _CONTEXT if name == "context" else _UNBOUND))
        elif binding.direction == "out" or (binding.direction == "inout" and is_out(tp)):
            expected = out_argument(tp) if tp is not EMPTY else EMPTY
            params.append(_Param(name, _OUTPUT, binding, _optional_type(expected)))
        else:
            pytype = unwrap_optional(tp) if tp is not EMPTY else EMPTY
            if _typed.is_model(pytype):  # decoded as the binding object, then validated
                params.append(_Param(name, _INPUT, binding, None, pytype))
                continue
            params.append(_Param(name, _INPUT, binding, _optional_type(pytype)))
    returns = unwrap_optional(sig.returns) if sig.returns is not EMPTY else EMPTY
    return _Plan(
        func=info.func,
        bindings=info.bindings,
        annotations_id=sig.annotations_id,
        params=tuple(params),
        inputs=frozenset(b.name for b in info.bindings if b.is_input and not b.is_return),
        return_binding=info.return_binding,
        return_expected=_optional_type(returns),
        is_async=info.is_async,
    )


# --- invoking --------------------------------------------------------------------------------


def _converter(info: FunctionInfo, binding: BindingInfo, registry: BindingRegistry) -> Converter:
    try:
        return registry.get_or_generic(binding.type)
    except (AzFuncError, ImportError) as exc:
        raise ConversionError(
            f"the {info.name} function: no converter for binding {binding.name!r} "
            f"({binding.type}): {exc}",
            function=info.name,
            binding=binding.name,
        ) from exc


def _decode(
    info: FunctionInfo,
    binding: BindingInfo,
    value: object,
    pytype: Any,
    metadata: Mapping[str, Datum],
    registry: BindingRegistry,
) -> Any:
    if _is_object_batch(value):
        return value  # a batch of binding objects (``testing.event_hub_events(...)``)
    try:
        datum = to_datum(value)
    except ConversionError as exc:
        raise ConversionError(
            f"the {info.name} function: cannot send the {binding.name!r} input "
            f"({binding.type}): {exc}",
            function=info.name,
            binding=binding.name,
        ) from exc
    if datum is None:
        return value  # a binding object: passed through
    converter = _converter(info, binding, registry)
    try:
        return converter.decode(datum, trigger_metadata=metadata, pytype=pytype)
    except Exception as exc:
        raise ConversionError(
            f"the {info.name} function: cannot decode the {binding.name!r} input "
            f"({binding.type}) from a {datum.type} Datum: {exc}",
            function=info.name,
            binding=binding.name,
        ) from exc


def _is_object_batch(value: object) -> bool:
    """Whether ``value`` is a non-empty list of binding objects (no raw wire value in it)."""
    if type(value) is not list or not value:
        return False
    return all(not isinstance(item, _RAW_TYPES) and item is not None for item in value)


#: the types :func:`to_datum` sends as wire values (anything else is a binding object).
_RAW_TYPES: Final = (Datum, str, bytes, bytearray, memoryview, bool, dict, list, tuple, int,
                     float)


def _unprocessable(
    info: FunctionInfo,
    plan: _Plan,
    error: _typed.PayloadValidationError,
    invocation_id: str,
    records: list[logging.LogRecord],
    reg: BindingRegistry,
) -> InvocationResult | None:
    """An HTTP function's answer to a body its model refused: 422 with RFC 9457 problem
    details, the function not called. ``None`` for other triggers (the invocation fails)."""
    trigger = info.trigger
    if trigger is None or trigger.type.lower() != "httptrigger":
        return None
    from ..http.response import HttpResponse

    response = HttpResponse(
        json.dumps(_typed.problem_details(error)),
        status_code=422,
        mimetype="application/problem+json",
    )
    result = InvocationResult(info.name, invocation_id, response, logs=records)
    http_out = plan.return_binding or next(
        (b for b in info.bindings if b.direction == "out" and b.type.lower() == "http"), None
    )
    if http_out is not None and not http_out.is_return:
        result.return_value = None
        result.outputs[http_out.name] = response
        encoded = _encode(info, http_out, response, None, reg)
        if encoded is not None:
            result.output_data[http_out.name] = encoded
    elif http_out is not None:
        result.return_data = _encode(info, http_out, response, None, reg)
    return result


def _encode(
    info: FunctionInfo,
    binding: BindingInfo,
    value: object,
    expected: Any,
    registry: BindingRegistry,
) -> Datum | None:
    converter = _converter(info, binding, registry)
    value = _typed_output(binding, value)
    try:
        return converter.encode(value, expected_type=expected)
    except Exception as exc:
        raise ConversionError(
            f"the {info.name} function: cannot encode the {binding.name!r} output "
            f"({binding.type}) from a {type(value).__name__}: {exc}",
            function=info.name,
            binding=binding.name,
        ) from exc


def _typed_output(binding: BindingInfo, value: object) -> object:
    """A model instance (or a list of them) as JSON: a JSON response for an HTTP output,
    JSON text for any other binding; any other value unchanged."""
    jsonable = _typed.to_jsonable(value)
    if jsonable is value:
        return value
    text = json.dumps(jsonable)
    if binding.type.lower() == "http":
        from ..http.response import HttpResponse

        return HttpResponse(text, mimetype="application/json")
    return text


def _context(info: FunctionInfo, given: Context | None, invocation_id: str) -> Context:
    directory = str(info.directory) if info.directory is not None else ""
    if given is None:
        return Context(invocation_id=invocation_id, function_name=info.name,
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


def _unknown_inputs(info: FunctionInfo, plan: _Plan, inputs: Mapping[str, object]) -> None:
    unknown = sorted(set(inputs) - plan.inputs)
    raise ConversionError(
        f"the {info.name} function has no input binding named "
        f"{', '.join(map(repr, unknown))}; its inputs are "
        f"{', '.join(repr(b.name) for b in info.input_bindings) or 'none'}",
        function=info.name,
        binding=unknown[0],
    )


#: the Out holders of one invocation, with the parameter each was handed to.
_Outs = list[tuple[_Param, Out[Any]]]


def _arguments(
    info: FunctionInfo,
    plan: _Plan,
    inputs: Mapping[str, object],
    metadata: Mapping[str, Datum],
    context: Context | None,
    invocation_id: str,
    reg: BindingRegistry,
) -> tuple[dict[str, Any], _Outs]:
    """The keyword arguments of the call, and the Out holders among them."""
    kwargs: dict[str, Any] = {}
    outs: _Outs = []
    for param in plan.params:
        name = param.name
        binding = param.binding
        if param.role == _INPUT:
            assert binding is not None
            if name not in inputs:
                raise ConversionError(
                    f"the {info.name} function: no value given for the {name!r} input "
                    f"({binding.type}); pass {name}=...",
                    function=info.name,
                    binding=name,
                )
            kwargs[name] = _decode(info, binding, inputs[name], param.pytype, metadata, reg)
            if param.model is not None:
                kwargs[name] = _typed.decode_binding_value(kwargs[name], param.model)
        elif param.role == _OUTPUT:
            holder: Out[Any] = Out()
            kwargs[name] = holder
            outs.append((param, holder))
        elif param.role == _CONTEXT:
            kwargs[name] = _context(info, context, invocation_id)
        else:
            raise ConversionError(
                f"the {info.name} function: parameter {name!r} has no binding",
                function=info.name,
                binding=name,
            )
    return kwargs, outs


async def _call(
    info: FunctionInfo,
    plan: _Plan,
    kwargs: dict[str, Any],
    executor: concurrent.futures.Executor | None,
) -> Any:
    """Call the user's function: on the loop if async, else in a worker thread."""
    if plan.is_async:
        return await info.func(**kwargs)
    run = contextvars.copy_context().run
    run_async = getattr(executor, "run_async", None)
    if run_async is not None:
        return_value = await run_async(run, info.func, **kwargs)
    else:
        loop = asyncio.get_running_loop()
        return_value = await loop.run_in_executor(executor, lambda: run(info.func, **kwargs))
    if (
        return_value is not None
        and type(return_value) not in _NOT_AWAITABLE
        and _awaitable(return_value)
    ):
        return_value = await return_value  # a callable object with an async __call__
    return return_value


#: types whose instances :func:`inspect.isawaitable` refused (a ``def`` function's return
#: value is checked on every call; the ABC check costs more than this set's lookup).
_NOT_AWAITABLE: Final[set[type]] = set()
_NOT_AWAITABLE_SIZE: Final = 256


def _awaitable(value: object) -> bool:
    """:func:`inspect.isawaitable`, remembering a type none of whose instances is (a
    generator may or may not be, per object, so its type is never remembered)."""
    if inspect.isawaitable(value):
        return True
    kind = type(value)
    if kind is not types.GeneratorType and len(_NOT_AWAITABLE) < _NOT_AWAITABLE_SIZE:
        _NOT_AWAITABLE.add(kind)
    return False


def _implicit_output(info: FunctionInfo, reg: BindingRegistry) -> BindingInfo | None:
    """The trigger that takes the return value as its output (``has_implicit_output``)."""
    trigger = info.trigger
    if trigger is None:
        return None
    converter = reg.get(trigger.type)
    if converter is None or not converter.has_implicit_output():
        return None
    return trigger


def _collect(
    info: FunctionInfo, plan: _Plan, result: InvocationResult, outs: _Outs, reg: BindingRegistry
) -> None:
    """Encode the return value and the outputs set into ``result``."""
    ret = plan.return_binding
    return_value = result.return_value
    if ret is not None:
        result.return_data = _encode(info, ret, return_value, plan.return_expected, reg)
    elif return_value is not None and _implicit_output(info, reg) is not None:
        # a trigger whose result is the return value (Durable, MCP): sent as the worker does
        trigger = _implicit_output(info, reg)
        assert trigger is not None
        result.return_data = _encode(info, trigger, return_value, plan.return_expected, reg)
    elif return_value is not None:
        # The Python worker drops such a value silently (the developer guide's queue
        # example returns a str without "$return"); say so in the invocation's log.
        _log.warning(
            "the %s function returned a %s but has no \"$return\" binding, so the value "
            "is dropped; add an output binding named \"$return\" to send it",
            info.name,
            type(return_value).__name__,
        )
    _collect_outputs(info, result, outs, reg)


def _collect_outputs(
    info: FunctionInfo, result: InvocationResult, outs: _Outs, reg: BindingRegistry
) -> None:
    """Encode the values set on the Out holders into ``result`` (unset ones are left out)."""
    for param, holder in outs:
        if not holder.is_set:
            continue
        value = holder.get()
        result.outputs[param.name] = value
        if value is None:
            continue
        assert param.binding is not None
        encoded = _encode(info, param.binding, value, param.pytype, reg)
        if encoded is not None:
            result.output_data[param.name] = encoded


async def _call_with_hooks(
    info: FunctionInfo,
    plan: _Plan,
    kwargs: dict[str, Any],
    executor: concurrent.futures.Executor | None,
    context: Context | None,
    invocation_id: str,
) -> Any:
    """:func:`_call` between the extensions' pre- and post-invocation hooks."""
    ctx = _context(info, context, invocation_id)
    _HOOKS.function_loaded(info.name, ctx.function_directory)
    _HOOKS.before(info.name, _user_log, ctx, kwargs)
    return_value = await _call(info, plan, kwargs, executor)
    _HOOKS.after(info.name, _user_log, ctx, kwargs, return_value)
    return return_value


async def invoke_function(
    info: FunctionInfo,
    inputs: Mapping[str, object],
    *,
    trigger_metadata: Mapping[str, object] | None = None,
    context: Context | None = None,
    registry: BindingRegistry | None = None,
    executor: concurrent.futures.Executor | None = None,
    invocation_id: str | None = None,
) -> InvocationResult:
    """Run one invocation of ``info`` with ``inputs`` (binding name -> value).

    ``invocation_id`` names the invocation when no ``context`` is given (default: a fresh
    UUID4); a ``context`` parameter then receives a :class:`~azfunc.Context` with that id.

    Example:
        >>> from azfunc.app.model import BindingInfo, FunctionInfo
        >>> def main(msg) -> None:
        ...     logging.getLogger("demo").warning("hello %s", msg.get_body().decode())
        >>> info = FunctionInfo("f", main, (BindingInfo("msg", "queueTrigger"),))
        >>> asyncio.run(invoke_function(info, {"msg": Datum("ada", "string")})).messages
        ['hello ada']

    Raises:
        ConversionError: if an input cannot be decoded, an output or the return value cannot
            be encoded, an input is missing or unknown, or trigger metadata cannot be sent
            (``function`` and ``binding`` name where).
        AnnotationError: if the function's annotations cannot be resolved.
        Exception: whatever the function itself raises, unchanged.
    """
    reg = registry or get_binding_registry()
    plan = _plan(info)
    metadata = _metadata(trigger_metadata, info.name) if trigger_metadata else {}
    if context is not None:
        invocation_id = context.invocation_id
    elif invocation_id is None:
        invocation_id = _new_invocation_id()
    if not plan.inputs.issuperset(inputs):
        _unknown_inputs(info, plan, inputs)
    records, token = _begin_capture()
    try:
        try:
            kwargs, outs = _arguments(info, plan, inputs, metadata, context, invocation_id,
                                      reg)
        except _typed.PayloadValidationError as exc:
            answered = _unprocessable(info, plan, exc, invocation_id, records, reg)
            if answered is None:
                _log.error("the %s function was not called: %s", info.name, exc)
                raise
            return answered
        if _HOOKS.active:  # the one check the path pays when no extension is registered
            return_value = await _call_with_hooks(info, plan, kwargs, executor, context,
                                                  invocation_id)
        else:
            return_value = await _call(info, plan, kwargs, executor)
        result = InvocationResult(info.name, invocation_id, return_value, logs=records)
        _collect(info, plan, result, outs, reg)
    finally:
        _end_capture(token)
    return result


# --- the direct path: one input decoded by the caller ----------------------------------------

#: where a function's DirectCall is kept, with the plan and input name it was made for.
_DIRECT_KEY: Final = "_azfunc_direct_call"


@dataclass(frozen=True, slots=True)
class DirectCall:
    """How to call a function whose parameters are one input, maybe ``context`` and maybe
    ``Out`` holders of output bindings, and whose answer is its ``$return`` value: what a
    host's fast path needs, made once."""

    plan: _Plan
    #: the parameter receiving the input, and the ``pytype`` it is annotated with.
    input_name: str
    pytype: Any
    #: the parameter receiving the :class:`~azfunc.Context`, if the function takes one.
    context_name: str | None
    return_binding: BindingInfo
    #: the ``Out`` parameters: each gets a holder; what is set on them is encoded into the
    #: ``into`` result :func:`invoke_direct` is given (a host applies them from there).
    outputs: tuple[_Param, ...] = ()


def direct_call(info: FunctionInfo, input_name: str) -> DirectCall | None:
    """The :class:`DirectCall` of ``info``, or ``None`` when :func:`invoke_direct` cannot
    run it (other parameters than ``input_name``, ``context`` and ``Out`` holders, no
    ``$return`` binding, other input bindings). Follows the plan: a re-planned function
    gets a new one.

    Raises:
        AnnotationError: if the function's annotations cannot be resolved.
    """
    cached = info.__dict__.get(_DIRECT_KEY)
    if cached is not None and cached[1] == input_name:
        # _plan's own staleness checks, inline: a host asks this on every request
        known: _Plan = cached[0]
        func = info.func
        if (
            known is info.__dict__.get(_PLAN_KEY)
            and known.func is func
            and known.bindings is info.bindings
            and known.annotations_id == id(getattr(func, "__annotations__", None))
        ):
            direct: DirectCall | None = cached[2]
            return direct
    plan = _plan(info)
    if cached is not None and cached[0] is plan and cached[1] == input_name:
        direct = cached[2]
        return direct
    direct = None
    ret = plan.return_binding
    inputs = [p for p in plan.params if p.role == _INPUT]
    others = [p for p in plan.params if p.role == _UNBOUND]
    contexts = [p.name for p in plan.params if p.role == _CONTEXT]
    outputs = tuple(p for p in plan.params if p.role == _OUTPUT)
    if (
        ret is not None
        and not others
        and plan.inputs == frozenset((input_name,))
        and len(inputs) == 1
        and inputs[0].name == input_name
        and inputs[0].model is None
        and len(contexts) <= 1
    ):
        direct = DirectCall(plan, input_name, inputs[0].pytype,
                            contexts[0] if contexts else None, ret, outputs)
    info.__dict__[_DIRECT_KEY] = (plan, input_name, direct)
    return direct


async def invoke_direct(
    info: FunctionInfo,
    call: DirectCall,
    value: Any,
    *,
    invocation_id: str,
    root: str = "",
    registry: BindingRegistry | None = None,
    executor: concurrent.futures.Executor | None = None,
    keep: type | None = None,
    into: InvocationResult | None = None,
) -> tuple[Any, list[logging.LogRecord]]:
    """:func:`invoke_function` for a :class:`DirectCall` whose input ``value`` the caller
    decoded already (``invocation_id`` and ``root``: what a ``context`` parameter's
    :class:`~azfunc.Context` is given as id and as the ``function_directory`` of a function
    without a folder):
    the encoded ``$return`` value (a Datum or ``None``; a return value
    that is an instance of ``keep`` as it is, for a caller that sends it itself) and the
    invocation's log records.

    The same rules hold (thread hop for ``def``, logs captured, the user's exception
    unchanged, the return value encoded by the registry's converter); what is skipped is
    the per-call work a single decoded input makes unnecessary (raw-value and metadata
    conversion, the parameter loop, and, for a function without ``Out`` parameters, the
    :class:`InvocationResult`). A function with ``Out`` parameters
    (:attr:`DirectCall.outputs`) needs ``into``: its return value, the values set on its
    holders and their encoded Datums go there, as :func:`invoke_function` records them.

    Raises:
        ArgumentValueError: if ``call`` has ``Out`` parameters and ``into`` is missing.
        ConversionError: if the return value or an output cannot be encoded.
        Exception: whatever the function itself raises, unchanged.
    """
    reg = registry or get_binding_registry()
    plan = call.plan
    outs: _Outs | None = None
    if call.outputs:
        if into is None:
            raise ArgumentValueError(
                f"the {info.name} function has output parameters "
                f"({', '.join(p.name for p in call.outputs)}): pass into=InvocationResult(...) "
                f"to receive what it sets on them")
        outs = [(param, Out()) for param in call.outputs]
    records, token = _begin_capture()
    try:
        kwargs: dict[str, Any] = {call.input_name: value}
        if outs is not None:
            for param, holder in outs:
                kwargs[param.name] = holder
        if call.context_name is not None:
            kwargs[call.context_name] = Context(
                invocation_id=invocation_id, function_name=info.name,
                function_directory=str(info.directory) if info.directory else root,
            )
        if _HOOKS.active:  # extensions see direct-path invocations too
            return_value = await _call_with_hooks(
                info, plan, kwargs, executor,
                kwargs.get(call.context_name) if call.context_name else None, invocation_id,
            )
        elif plan.is_async:
            return_value = await plan.func(**kwargs)
        else:
            return_value = await _call(info, plan, kwargs, executor)
        if keep is not None and isinstance(return_value, keep):
            datum: Any = return_value
        else:
            datum = _encode(info, call.return_binding, return_value, plan.return_expected, reg)
        if into is not None:
            into.return_value = return_value
            into.return_data = datum if datum is None or type(datum) is Datum else None
            into.logs = records
            if outs is not None:
                _collect_outputs(info, into, outs, reg)
    finally:
        _end_capture(token)
    return datum, records
