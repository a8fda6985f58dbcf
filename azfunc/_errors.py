"""The one exception family of azfunc.

Every error azfunc raises on purpose derives from :class:`AzFuncError`. Each concrete class
also derives from the builtin that existing code already catches, so ``except ValueError``
around ``req.get_json()`` keeps working.

The tree::

    AzFuncError(Exception)
    ├── ConversionError(ValueError)        a converter cannot turn a value into the asked form
    │   └── WireFormatError                the raw wire payload itself is malformed
    ├── BodyDecodeError(ValueError)        get_json()/text decoding: empty, invalid, undecodable
    ├── RequestError(ValueError)           an HTTP request body that cannot be parsed (forms)
    │   └── LimitExceededError             a form limit (parts, field size, header bytes) was hit
    ├── HeaderError(ValueError)            an invalid header name or value (CR/LF, controls)
    ├── AnnotationError(TypeError)         a type annotation a binding cannot serve
    ├── FunctionLoadError(ValueError)      a function app that cannot be loaded or is invalid
    ├── BindingNotFoundError(LookupError)  no converter registered for a binding type
    └── FunctionNotFoundError(LookupError) an app has no function of that name
"""

from __future__ import annotations

__all__ = [
    "AnnotationError",
    "AzFuncError",
    "BindingNotFoundError",
    "BodyDecodeError",
    "ConversionError",
    "FunctionLoadError",
    "FunctionNotFoundError",
    "HeaderError",
    "LimitExceededError",
    "RequestError",
    "WireFormatError",
]


class AzFuncError(Exception):
    """Base class of every error azfunc raises on purpose."""


class ConversionError(AzFuncError, ValueError):
    """A converter cannot turn a value into the requested form.

    The message names the binding, what was received and what is accepted.
    """


class WireFormatError(ConversionError):
    """The raw wire payload (TypedData JSON, custom-handler JSON) is malformed."""


class BodyDecodeError(AzFuncError, ValueError):
    """A body cannot be decoded as asked: it is empty, not valid JSON, or not in its charset."""


class RequestError(AzFuncError, ValueError):
    """An HTTP request body cannot be parsed (malformed form or multipart data)."""


class LimitExceededError(RequestError):
    """A configured limit was exceeded while parsing a request.

    Attributes:
        limit: the name of the limit (e.g. ``"max_parts"``).
        value: the configured value of that limit.
    """

    def __init__(self, message: str, *, limit: str, value: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value


class HeaderError(AzFuncError, ValueError):
    """A header name or value is invalid (CR, LF, NUL or other forbidden characters)."""


class AnnotationError(AzFuncError, TypeError):
    """A parameter or return annotation is not one the binding can serve."""


class FunctionLoadError(AzFuncError, ValueError):
    """A function app, or one of its functions, cannot be loaded."""


class BindingNotFoundError(AzFuncError, LookupError):
    """No converter is registered for a binding type."""


class FunctionNotFoundError(AzFuncError, LookupError):
    """A function app has no function of the requested name."""
