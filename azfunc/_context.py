"""The invocation context a function receives: ``Context``, ``TraceContext``, ``RetryContext``.

Rules this module keeps:

* Every type is concrete and constructible with no arguments (``Context()`` in a test gets a
  fresh UUID4 invocation id and its own ``threading.local``); all properties are read-only.
* ``TraceContext(trace_parent, trace_state, attributes)`` and
  ``RetryContext(retry_count, max_retry_count, exception)`` also accept the positional order
  the Python worker uses; ``Context`` is keyword-only.
* ``from_wire`` readers take the gRPC proto3-JSON shape (``traceParent``, ``retryCount``...)
  or the custom-handler shape (``RetryCount``, ``MaxRetryCount``, ``Exception``); key case
  does not matter. They raise :class:`~azfunc.WireFormatError` only when the value is not an
  object at all; odd field values fall back to the defaults.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._errors import WireFormatError

__all__ = ["Context", "RetryContext", "RpcException", "TraceContext"]


def _fold(obj: object, what: str) -> dict[str, Any]:
    if obj is None:
        return {}
    if not isinstance(obj, Mapping):
        raise WireFormatError(f"a {what} must be a JSON object, got {type(obj).__name__}")
    return {str(key).lower().replace("_", ""): value for key, value in obj.items()}


def _as_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (str, float)):
        try:
            return int(value)
        except (ValueError, OverflowError):
            return 0
    return 0


def _as_str(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


class TraceContext:
    """The W3C trace context of an invocation.

    Example:
        >>> tc = TraceContext(trace_parent="00-4bf9-00f0-01", attributes={"k": "v"})
        >>> tc.trace_parent, tc.trace_state, dict(tc.attributes)
        ('00-4bf9-00f0-01', '', {'k': 'v'})
    """

    __slots__ = ("_attributes", "_trace_parent", "_trace_state")

    def __init__(
        self,
        trace_parent: str = "",
        trace_state: str = "",
        attributes: Mapping[str, str] | None = None,
    ) -> None:
        self._trace_parent = trace_parent
        self._trace_state = trace_state
        self._attributes: Mapping[str, str] = MappingProxyType(dict(attributes or {}))

    @property
    def trace_parent(self) -> str:
        """The ``traceparent`` value (``00-<trace id>-<span id>-<flags>``), or ``""``."""
        return self._trace_parent

    @property
    def trace_state(self) -> str:
        """The ``tracestate`` value, or ``""``."""
        return self._trace_state

    @property
    def attributes(self) -> Mapping[str, str]:
        """Extra trace attributes (read-only)."""
        return self._attributes

    @classmethod
    def from_wire(cls, obj: Mapping[str, Any] | None) -> TraceContext:
        """Read a gRPC ``RpcTraceContext`` (proto3 JSON) or a same-named JSON object.

        Example:
            >>> TraceContext.from_wire({"traceParent": "00-ab-cd-01"}).trace_parent
            '00-ab-cd-01'

        Raises:
            WireFormatError: if ``obj`` is neither ``None`` nor a mapping.
        """
        fields = _fold(obj, "trace context")
        raw_attrs = fields.get("attributes")
        attrs = (
            {str(k): _as_str(v) for k, v in raw_attrs.items()}
            if isinstance(raw_attrs, Mapping)
            else {}
        )
        return cls(_as_str(fields.get("traceparent")), _as_str(fields.get("tracestate")), attrs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TraceContext):
            return NotImplemented
        return (self._trace_parent, self._trace_state, dict(self._attributes)) == (
            other._trace_parent,
            other._trace_state,
            dict(other._attributes),
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<TraceContext trace_parent={self._trace_parent!r}>"


class RpcException:
    """The failure that caused a retry, as the host reports it.

    Example:
        >>> RpcException(message="boom", source="Host").message
        'boom'
    """

    __slots__ = ("_message", "_source", "_stack_trace")

    def __init__(self, *, message: str = "", source: str = "", stack_trace: str = "") -> None:
        self._message = message
        self._source = source
        self._stack_trace = stack_trace

    @property
    def message(self) -> str:
        """The exception message."""
        return self._message

    @property
    def source(self) -> str:
        """Where the exception came from."""
        return self._source

    @property
    def stack_trace(self) -> str:
        """The stack trace text, or ``""``."""
        return self._stack_trace

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RpcException):
            return NotImplemented
        return (self._message, self._source, self._stack_trace) == (
            other._message,
            other._source,
            other._stack_trace,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<RpcException {self._message!r}>"


class RetryContext:
    """Where an invocation stands in its retry policy.

    Example:
        >>> rc = RetryContext(retry_count=1, max_retry_count=3)
        >>> rc.retry_count, rc.max_retry_count, rc.exception
        (1, 3, None)
    """

    __slots__ = ("_exception", "_max_retry_count", "_retry_count")

    def __init__(
        self,
        retry_count: int = 0,
        max_retry_count: int = 0,
        exception: RpcException | None = None,
    ) -> None:
        self._retry_count = retry_count
        self._max_retry_count = max_retry_count
        self._exception = exception

    @property
    def retry_count(self) -> int:
        """The current retry (0 on the first attempt)."""
        return self._retry_count

    @property
    def max_retry_count(self) -> int:
        """The most retries the policy allows (``-1`` means unlimited)."""
        return self._max_retry_count

    @property
    def exception(self) -> RpcException | None:
        """The failure that caused this retry, if the host reported one."""
        return self._exception

    @classmethod
    def from_wire(cls, obj: Mapping[str, Any] | None) -> RetryContext:
        """Read a gRPC ``RetryContext`` or a custom-handler ``Metadata.RetryContext``.

        Example:
            >>> rc = RetryContext.from_wire({"RetryCount": 1, "MaxRetryCount": 3,
            ...                              "Exception": {"message": "boom"}})
            >>> rc.retry_count, rc.max_retry_count, rc.exception.message
            (1, 3, 'boom')

        Raises:
            WireFormatError: if ``obj`` is neither ``None`` nor a mapping.
        """
        fields = _fold(obj, "retry context")
        raw_exc = fields.get("exception")
        exception = None
        if isinstance(raw_exc, Mapping):
            exc = _fold(raw_exc, "exception")
            exception = RpcException(
                message=_as_str(exc.get("message")),
                source=_as_str(exc.get("source")),
                stack_trace=_as_str(exc.get("stacktrace")),
            )
        elif isinstance(raw_exc, str) and raw_exc:
            exception = RpcException(message=raw_exc)
        return cls(
            _as_int(fields.get("retrycount")), _as_int(fields.get("maxretrycount")), exception
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetryContext):
            return NotImplemented
        return (self._retry_count, self._max_retry_count, self._exception) == (
            other._retry_count,
            other._max_retry_count,
            other._exception,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<RetryContext {self._retry_count}/{self._max_retry_count}>"


class Context:
    """The invocation context: ids, names, tracing and retry state.

    Example:
        >>> ctx = Context(function_name="hello")
        >>> ctx.function_name, len(ctx.invocation_id), ctx.retry_context.retry_count
        ('hello', 36, 0)
        >>> ctx.thread_local_storage.invocation_id == ctx.invocation_id
        True
    """

    __slots__ = (
        "_function_directory",
        "_function_name",
        "_invocation_id",
        "_retry_context",
        "_thread_local_storage",
        "_trace_context",
    )

    def __init__(
        self,
        *,
        invocation_id: str | None = None,
        function_name: str = "",
        function_directory: str = "",
        trace_context: TraceContext | None = None,
        retry_context: RetryContext | None = None,
        thread_local_storage: threading.local | None = None,
    ) -> None:
        self._invocation_id = invocation_id if invocation_id is not None else str(uuid.uuid4())
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace_context = trace_context if trace_context is not None else TraceContext()
        self._retry_context = retry_context if retry_context is not None else RetryContext()
        if thread_local_storage is None:
            thread_local_storage = threading.local()
            thread_local_storage.invocation_id = self._invocation_id
        self._thread_local_storage = thread_local_storage

    @property
    def invocation_id(self) -> str:
        """The id of this invocation (a UUID string)."""
        return self._invocation_id

    @property
    def function_name(self) -> str:
        """The name of the function being invoked."""
        return self._function_name

    @property
    def function_directory(self) -> str:
        """The directory the function was loaded from."""
        return self._function_directory

    @property
    def trace_context(self) -> TraceContext:
        """The distributed-tracing context."""
        return self._trace_context

    @property
    def retry_context(self) -> RetryContext:
        """The retry state of this invocation."""
        return self._retry_context

    @property
    def thread_local_storage(self) -> threading.local:
        """Thread-local storage; set ``invocation_id`` on it in threads you start to log."""
        return self._thread_local_storage

    def __repr__(self) -> str:
        return f"<Context {self._function_name!r} invocation_id={self._invocation_id!r}>"
