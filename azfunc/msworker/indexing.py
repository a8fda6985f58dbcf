"""The decorator model: azfunc's :class:`~azfunc.FunctionApp` as the worker's loader reads it.

Rules this module keeps:

* The loader takes the one module global that is an ``azure.functions.FunctionRegister``
  and calls its ``get_functions()``. azfunc's ``FunctionApp`` is registered as a virtual
  subclass of that ABC (``Blueprint`` is not, as in ``azure.functions``), and inside the
  worker its ``get_functions()`` returns :class:`WorkerFunction` views.
* A :class:`WorkerFunction` answers what the worker reads: ``get_function_name()``,
  ``get_user_function()``, ``get_bindings()`` (``name``/``type``/``direction``/``data_type``
  with the protobuf enum numbers), ``get_raw_bindings()`` (the ``function.json`` entries as
  JSON text), ``get_settings_dict("retry_policy")`` and ``function_script_file``; every
  other attribute is the azfunc :class:`~azfunc.app.model.FunctionInfo`'s.
* Binding types go to the worker as :func:`~azfunc.msworker.converters.param_key` keys, so
  each parameter is checked, decoded and encoded by azfunc's converter with its own
  annotation (see :mod:`.converters`).
* ``get_user_function()`` returns the user's function itself, or, when it takes a
  ``context``, a same-signature wrapper that hands it an :class:`azfunc.Context`.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from .._context import Context, RetryContext, RpcException, TraceContext
from .._errors import FunctionLoadError
from ..app.decorators import FunctionApp
from ..app.model import BindingInfo, FunctionInfo
from .converters import RefusedBody, param_key

__all__ = ["WorkerBinding", "WorkerFunction", "install_indexing", "to_azfunc_context"]

#: ``BindingInfo.Direction`` and ``BindingInfo.DataType`` of the worker's protobuf.
DIRECTION: Final = {"in": 0, "out": 1, "inout": 2}
DATA_TYPE: Final = {None: 0, "string": 1, "binary": 2, "stream": 3}
_RETRY_STRATEGY: Final = {"fixeddelay": "fixed_delay", "exponentialbackoff": "exponential_backoff"}
_RETRY_KEYS: Final = {
    "maxretrycount": "max_retry_count",
    "delayinterval": "delay_interval",
    "minimuminterval": "minimum_interval",
    "maximuminterval": "maximum_interval",
}


class WorkerBinding:
    """One binding as the worker reads it; other attributes are the BindingInfo's."""

    __slots__ = ("_info", "data_type", "direction", "name", "type")

    def __init__(self, info: BindingInfo) -> None:
        self._info = info
        self.name = info.name
        self.type = param_key(info.type)
        self.direction = DIRECTION[info.direction]
        self.data_type = DATA_TYPE.get(info.data_type, 0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._info, name)

    def __repr__(self) -> str:
        return f"<WorkerBinding {self.name!r} {self.type!r}>"


class WorkerFunction:
    """One function of an azfunc app, as the worker's loader reads it."""

    def __init__(self, info: FunctionInfo) -> None:
        self.info = info
        self._bindings = [WorkerBinding(b) for b in info.bindings]
        self.function_script_file = (
            info.script_file if info.script_file.endswith(".py") else "function_app.py"
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.info, name)

    def get_function_name(self) -> str:
        return self.info.name

    def get_bindings(self) -> list[WorkerBinding]:
        return list(self._bindings)

    def get_raw_bindings(self) -> list[str]:
        return [json.dumps(b.to_json()) for b in self.info.bindings]

    def get_trigger(self) -> WorkerBinding | None:
        return next((b for b in self._bindings if b.name == getattr(
            self.info.trigger, "name", None)), None)

    def get_settings_dict(self, setting_name: str) -> dict[str, Any] | None:
        """The retry policy in ``azure.functions``' setting form; ``None`` for the rest."""
        if setting_name != "retry_policy" or not self.info.retry:
            return None
        return retry_setting(self.info.retry)

    def get_user_function(self) -> Callable[..., Any]:
        return with_azfunc_context(self.info)

    def __repr__(self) -> str:
        return f"<WorkerFunction {self.info.name!r}>"


def retry_setting(retry: Mapping[str, Any]) -> dict[str, Any]:
    """A ``function.json`` ``retry`` object in the key spelling the worker reads.

    Example:
        >>> retry_setting({"strategy": "fixedDelay", "maxRetryCount": 3,
        ...                "delayInterval": "00:00:05"})
        {'strategy': 'fixed_delay', 'max_retry_count': '3', 'delay_interval': '00:00:05'}
    """
    out: dict[str, Any] = {}
    for key, value in retry.items():
        folded = key.replace("_", "").lower()
        if folded == "strategy":
            text = str(getattr(value, "value", value))
            out["strategy"] = _RETRY_STRATEGY.get(text.replace("_", "").lower(), text)
        elif folded in _RETRY_KEYS:
            out[_RETRY_KEYS[folded]] = str(value)
    return out


def to_azfunc_context(ctx: Any, *, function_directory: str) -> Context:
    """An :class:`azfunc.Context` with what the worker's context object holds."""
    if isinstance(ctx, Context):
        return ctx
    trace = getattr(ctx, "trace_context", None)
    retry = getattr(ctx, "retry_context", None)
    raw_exc = getattr(retry, "rpc_exception", None) or getattr(retry, "exception", None)
    exception = None
    if raw_exc is not None and str(getattr(raw_exc, "message", None) or ""):
        exception = RpcException(
            message=str(getattr(raw_exc, "message", "") or ""),
            source=str(getattr(raw_exc, "source", "") or ""),
            stack_trace=str(getattr(raw_exc, "stack_trace", "") or ""),
        )
    return Context(
        invocation_id=str(getattr(ctx, "invocation_id", "") or ""),
        function_name=str(getattr(ctx, "function_name", "") or ""),
        function_directory=function_directory,
        trace_context=TraceContext(
            str(getattr(trace, "trace_parent", "") or ""),
            str(getattr(trace, "trace_state", "") or ""),
            dict(getattr(trace, "attributes", None) or {}),
        ),
        retry_context=RetryContext(
            retry_count=int(getattr(retry, "retry_count", 0) or 0),
            max_retry_count=int(getattr(retry, "max_retry_count", 0) or 0),
            exception=exception,
        ),
        thread_local_storage=getattr(ctx, "thread_local_storage", None),
    )


def with_azfunc_context(info: FunctionInfo) -> Callable[..., Any]:
    """The user's function, wrapped to receive an azfunc Context when it takes ``context``
    that no binding feeds (the worker hands over its own context object there), and to
    answer 422 for an HTTP body its typed parameter refused (:class:`RefusedBody`)
    without being called."""
    func = info.func
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return func
    wants_context = "context" in params and info.binding("context") is None
    trigger = info.trigger
    typed_http = (trigger is not None and trigger.type.lower() == "httptrigger"
                  and trigger.name in params and _typed_parameter(info, trigger.name))
    if not wants_context and not typed_http:
        return func
    try:
        directory = str(Path(inspect.getfile(inspect.unwrap(func))).parent)
    except TypeError:
        directory = ""

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            refused = _refused(kwargs)
            if refused is not None:
                return refused.response()
            if wants_context and "context" in kwargs:
                kwargs["context"] = to_azfunc_context(
                    kwargs["context"], function_directory=directory)
            return await func(*args, **kwargs)
        return run_async

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        refused = _refused(kwargs)
        if refused is not None:
            return refused.response()
        if wants_context and "context" in kwargs:
            kwargs["context"] = to_azfunc_context(kwargs["context"], function_directory=directory)
        return func(*args, **kwargs)
    return run


def _typed_parameter(info: FunctionInfo, name: str) -> bool:
    """Whether parameter ``name`` of the function is annotated with a model."""
    from .. import _typed
    from .._errors import AnnotationError
    from .._typing import unwrap_optional
    from ..app.annotations import EMPTY, resolve_signature

    try:
        annotation = resolve_signature(info.func, info.name).annotations.get(name, EMPTY)
    except AnnotationError:  # the worker reports the annotation itself
        return False
    return annotation is not EMPTY and _typed.is_model(unwrap_optional(annotation))


def _refused(kwargs: Mapping[str, Any]) -> RefusedBody | None:
    return next((v for v in kwargs.values() if isinstance(v, RefusedBody)), None)


_ORIGINAL_GET_FUNCTIONS = FunctionApp.get_functions


def _worker_get_functions(self: FunctionApp) -> list[Any]:
    """``FunctionApp.get_functions`` inside the worker: :class:`WorkerFunction` views.

    Raises:
        FunctionLoadError: for a function without exactly one trigger (the host would
            refuse the app later, without naming it).
    """
    from .predict import trigger_problem

    functions = _ORIGINAL_GET_FUNCTIONS(self)
    for info in functions:
        problem = trigger_problem(info)
        if problem is not None:
            raise FunctionLoadError(problem, function=info.name)
    return [WorkerFunction(info) for info in functions]


def install_indexing(function_register: Any) -> None:
    """Make the worker's loader find azfunc apps (idempotent)."""
    function_register.register(FunctionApp)
    FunctionApp.get_functions = _worker_get_functions  # type: ignore[method-assign]
