"""The one exception family of azfunc.

Every error azfunc raises derives from :class:`AzFuncError`. Each concrete class also derives
from the builtin that existing code already catches, so ``except ValueError`` around
``req.get_json()`` keeps working, and the same mistake raises the same class everywhere: a value
of the wrong *type* is an :class:`ArgumentTypeError` (a ``TypeError``), a value of the right type
that is not acceptable is an :class:`ArgumentValueError` (a ``ValueError``).

The tree::

    AzFuncError(Exception)
    ├── ArgumentTypeError(TypeError)       an argument of the wrong type (HttpResponse(1), ...)
    ├── ArgumentValueError(ValueError)     an argument of the right type but a wrong value
    ├── ConversionError(ValueError)        a converter cannot turn a value into the asked form
    │   ├── WireFormatError                the raw wire payload itself is malformed
    │   ├── PayloadValidationError         a body that does not fit a typed model [422 for HTTP]
    │   └── ForwardingRequiredError        an HTTP answer the custom-handler JSON cannot carry
    ├── BodyDecodeError(JSONDecodeError)   get_json()/text decoding: empty, invalid, undecodable
    ├── RequestError(ValueError)           an HTTP request that cannot be parsed (forms) [400]
    │   ├── LimitExceededError             a limit (parts, field size, body bytes) was hit [413]
    │   └── IncompleteBodyError            the client left before the body was complete [400]
    ├── HeaderError(ValueError)            an invalid header name or value (CR/LF, controls)
    ├── AnnotationError(TypeError)         a type annotation a binding cannot serve
    ├── FunctionLoadError(ValueError)      a function app that cannot be loaded or is invalid
    ├── ConfigurationError(ValueError)     host.json, local.settings.json, a setting, a schedule
    ├── StorageError(OSError)              the local host's queue/blob store failed (disk, I/O)
    │   └── LeaseLostError                 a queue message's lease (pop receipt) is no longer held
    ├── ListenError(OSError)               a server cannot listen: port in use, foreign address
    ├── AppStartupError(RuntimeError)      a served app's startup (lifespan, triggers) failed
    ├── BindingNotFoundError(LookupError)  no converter registered for a binding type
    └── FunctionNotFoundError(LookupError) an app has no function of that name

Structured fields, on every class (``None`` where they do not apply):

* ``function`` and ``binding``: the function and binding names the error concerns;
* ``http_status``: the status a server answers when this error is the client's fault
  (400 for request errors, 413 for limits); ``None`` means "not the client's fault" (500);
* :class:`LimitExceededError` adds ``limit`` (its name) and ``value`` (its setting);
* :class:`PayloadValidationError` adds ``model`` and ``problems`` (:class:`PayloadProblem`
  pointer and detail per field).

Mapping protocols keep their builtins: ``headers["x"]`` on a missing name raises ``KeyError`` as
every ``Mapping`` does, and a closed stream's ``read()`` raises ``ValueError`` as ``io`` does.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, NamedTuple

__all__ = [
    "AnnotationError",
    "AppStartupError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "AzFuncError",
    "BindingNotFoundError",
    "BodyDecodeError",
    "ConfigurationError",
    "ConversionError",
    "ForwardingRequiredError",
    "FunctionLoadError",
    "FunctionNotFoundError",
    "HeaderError",
    "IncompleteBodyError",
    "LeaseLostError",
    "LimitExceededError",
    "ListenError",
    "PayloadProblem",
    "PayloadValidationError",
    "RequestError",
    "StorageError",
    "WireFormatError",
]


def _rebuild(cls: type[AzFuncError], args: tuple[Any, ...], state: dict[str, Any]) -> AzFuncError:
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class AzFuncError(Exception):
    """Base class of every error azfunc raises.

    Attributes:
        function: the name of the function concerned, when known.
        binding: the name of the binding concerned, when known.
        http_status: the status a server answers for it (``None``: a server error, 500).
    """

    #: the HTTP status a server answers when this error reaches it; None means 500.
    default_http_status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str = "",
        *,
        function: str | None = None,
        binding: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.function = function
        self.binding = binding
        self.http_status = http_status if http_status is not None else self.default_http_status

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only fields survive pickling (process pools, multiprocessing queues)
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ArgumentTypeError(AzFuncError, TypeError):
    """An argument has the wrong type (``HttpResponse(1)``, ``EventHubEvent(body=1)``)."""


class ArgumentValueError(AzFuncError, ValueError):
    """An argument has an acceptable type but an unacceptable value (a negative limit)."""


class ConversionError(AzFuncError, ValueError):
    """A converter cannot turn a value into the requested form.

    The message names the binding, what was received and what is accepted.
    """


class PayloadProblem(NamedTuple):
    """One field of a typed payload that failed validation: where (``/a/0/b``) and why."""

    pointer: str
    detail: str


class PayloadValidationError(ConversionError):
    """A body that does not match the parameter's model (a dataclass, ``TypedDict`` or
    pydantic model); :attr:`problems` names each field. An HTTP function answers it with 422
    and problem details; other triggers fail the invocation, so messages are retried.

    Example:
        >>> err = PayloadValidationError("Order", [PayloadProblem("/qty", "expected int")])
        >>> str(err), isinstance(err, ValueError), err.problems[0].pointer
        ('the body is not a valid Order: /qty: expected int', True, '/qty')
    """

    def __init__(self, model: str, problems: list[PayloadProblem]) -> None:
        self.model = model
        self.problems = problems
        listed = "; ".join(f"{p.pointer or '/'}: {p.detail}" for p in problems)
        super().__init__(f"the body is not a valid {model}: {listed}")


class WireFormatError(ConversionError):
    """The raw wire payload (TypedData JSON, custom-handler JSON) is malformed."""

    default_http_status = 400


class ForwardingRequiredError(ConversionError):
    """An HTTP answer the custom-handler JSON protocol cannot carry (two ``Set-Cookie``
    headers, a body that is not UTF-8 text): it needs
    ``customHandler.enableForwardingHttpRequest``, and the invocation fails instead of
    sending it wrong."""


class BodyDecodeError(AzFuncError, json.JSONDecodeError):
    """A body cannot be decoded as asked: it is empty, not valid JSON, or not in its charset.

    It is also a :class:`json.JSONDecodeError` (a ``ValueError``), so code written for
    ``json.loads`` (``except json.JSONDecodeError``) keeps working; ``doc``/``pos``/``lineno``/
    ``colno`` point into the text where ``json`` stopped (empty and position 0 when the body
    was not JSON text at all).
    """

    def __init__(
        self,
        message: str = "",
        *,
        doc: str = "",
        pos: int = 0,
        function: str | None = None,
        binding: str | None = None,
    ) -> None:
        Exception.__init__(self, message)
        self.msg = message
        self.doc = doc
        self.pos = pos
        self.lineno = doc.count("\n", 0, pos) + 1
        self.colno = pos - doc.rfind("\n", 0, pos)
        self.function = function
        self.binding = binding
        self.http_status = self.default_http_status


class RequestError(AzFuncError, ValueError):
    """An HTTP request body cannot be parsed (malformed form or multipart data)."""

    default_http_status = 400


class LimitExceededError(RequestError):
    """A configured limit was exceeded while reading a request.

    Attributes:
        limit: the name of the limit (e.g. ``"max_parts"``).
        value: the configured value of that limit.
    """

    default_http_status = 413

    def __init__(
        self,
        message: str = "",
        *,
        limit: str = "",
        value: int = 0,
        function: str | None = None,
        binding: str | None = None,
    ) -> None:
        super().__init__(message, function=function, binding=binding)
        self.limit = limit
        self.value = value


class IncompleteBodyError(RequestError):
    """The client disconnected (or the connection was cut) before the request body was
    complete: the body is never handed to a function."""


class HeaderError(AzFuncError, ValueError):
    """A header name or value is invalid (CR, LF, NUL or other forbidden characters)."""


class AnnotationError(AzFuncError, TypeError):
    """A parameter or return annotation is not one the binding can serve."""


class FunctionLoadError(AzFuncError, ValueError):
    """A function app, or one of its functions, cannot be loaded."""


class ConfigurationError(AzFuncError, ValueError):
    """A configuration value is invalid: ``host.json``, ``local.settings.json``, an app setting,
    a schedule or a binding expression that cannot be resolved."""


class StorageError(AzFuncError, OSError):
    """The local host's storage failed: the disk is full, a file cannot be written or read.

    The cause (the ``OSError`` from the file system) is chained as ``__cause__``.
    """


class LeaseLostError(StorageError):
    """A queue message's lease is no longer held (it expired, or another consumer took it)."""


class ListenError(AzFuncError, OSError):
    """A server cannot listen on its address: the port is in use, or the address is not one
    of this machine's."""


class AppStartupError(AzFuncError, RuntimeError):
    """A served app's startup (its ASGI lifespan, the triggers it starts) failed."""


class BindingNotFoundError(AzFuncError, LookupError):
    """No converter is registered for a binding type."""


class FunctionNotFoundError(AzFuncError, LookupError):
    """A function app has no function of the requested name."""
