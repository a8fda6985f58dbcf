"""A problem found loading or checking a function app: :class:`Finding`.

Rules this module keeps:

* It imports nothing from the rest of :mod:`azfunc.app`: loading (:mod:`azfunc.app.folder`,
  :mod:`azfunc.app.loader`) and checking (:mod:`azfunc.app.validation`) both produce
  findings, and neither has to import the other for it.
* A finding names the function and the binding or parameter it concerns (``None`` for the
  app as a whole), a stable ``code`` and the message ``azfunc check`` prints after the
  function's name (``<function>: <message>``): the message does not repeat the name. The
  error a finding raises on its own (:meth:`Finding.error`) says ``cannot load the <function>
  function: <message>``.
* A finding caused by an exception (the user's import error) keeps it, and the formatted
  traceback, so a host can log where the user's code failed; :meth:`Finding.error` turns the
  finding into the :class:`~azfunc.FunctionLoadError` to raise, chained to that exception.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from .._errors import FunctionLoadError

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One problem found in a function app.

    Example:
        >>> f = Finding("hello", "req", "param-without-binding",
        ...             "parameter 'req' has no binding")
        >>> str(f)
        "hello: parameter 'req' has no binding"
        >>> err = f.error()
        >>> str(err), err.function, err.binding
        ("cannot load the hello function: parameter 'req' has no binding", 'hello', 'req')
    """

    function: str | None
    binding: str | None
    code: str
    message: str
    #: the exception behind the problem (an import error), if any.
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.function or '<app>'}: {self.message}"

    @property
    def traceback(self) -> str | None:
        """The formatted traceback of :attr:`exception` (``None`` without one).

        Example:
            >>> try:
            ...     1 / 0
            ... except ZeroDivisionError as exc:
            ...     f = Finding("f", None, "import-error", "boom", exception=exc)
            >>> f.traceback.splitlines()[-1]
            'ZeroDivisionError: division by zero'
        """
        exc = self.exception
        if exc is None:
            return None
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def error(self) -> FunctionLoadError:
        """The :class:`~azfunc.FunctionLoadError` for this finding, to raise or log.

        ``function`` and ``binding`` are set, and the exception behind the finding is its
        ``__cause__`` (as ``raise ... from exception`` would set it).
        """
        text = (f"cannot load the {self.function} function: {self.message}"
                if self.function else self.message)
        error = FunctionLoadError(text, function=self.function, binding=self.binding)
        if self.exception is not None:
            error.__cause__ = self.exception
        return error
