"""Resolving a function's annotations into what each binding is asked for.

Rules this module keeps:

* Annotations are resolved with :func:`typing.get_type_hints` in the function's own module,
  so ``from __future__ import annotations`` and string annotations work; an annotation that
  cannot be resolved raises :class:`~azfunc.AnnotationError` naming the function.
* ``Optional[X]`` and ``X | None`` are unwrapped to ``X`` before a converter is asked.
* ``Out[X]`` is recognised by origin (:class:`azfunc.Out` or a subclass); its argument is what
  the output converter is asked about (``Out[list[QueueMessage]]`` -> ``list[QueueMessage]``).
* A missing annotation is :data:`EMPTY`; it is accepted everywhere.

Process state this module keeps (one cache):

* ``_CACHE`` maps a function object to its resolved :class:`Signature`. It is a
  :class:`weakref.WeakKeyDictionary`, so it is bounded by the functions alive: an entry goes
  when its function is collected (an app that is closed and dropped takes its entries with
  it). An entry is used only while the function's ``__annotations__`` is the same dict
  object it was resolved from (:attr:`Signature.annotations_id`); a replaced dict is
  resolved again. Callables that cannot be weakly referenced are resolved on every call
  and never cached. The invocation plans of :mod:`azfunc.app.invocation` live on each
  :class:`~azfunc.app.model.FunctionInfo`, not here.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import typing
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .._errors import AnnotationError
from .._typing import unwrap_optional

__all__ = [
    "EMPTY",
    "Signature",
    "is_context",
    "is_list_like",
    "is_out",
    "out_argument",
    "resolve_signature",
]

#: the marker of a parameter or return without an annotation.
EMPTY: Final[Any] = inspect.Parameter.empty


@dataclass(frozen=True, slots=True)
class Signature:
    """A function's parameters (in order) with their resolved annotations.

    Example:
        >>> def f(a: int, b) -> str: ...
        >>> sig = resolve_signature(f, "f")
        >>> sig.annotations["a"], sig.annotations["b"] is EMPTY, sig.returns
        (<class 'int'>, True, <class 'str'>)
    """

    parameters: tuple[str, ...]
    annotations: Mapping[str, Any]
    returns: Any
    #: parameters that are ``*args``/``**kwargs`` (never bound).
    variadic: tuple[str, ...] = ()
    #: identity of the ``__annotations__`` dict resolved (a replaced dict is re-resolved).
    annotations_id: int = 0


_CACHE: Final[weakref.WeakKeyDictionary[Callable[..., Any], Signature]] = (
    weakref.WeakKeyDictionary()
)


def resolve_signature(func: Callable[..., Any], function_name: str) -> Signature:
    """Read ``func``'s parameters and resolve their annotations (cached per function).

    Raises:
        AnnotationError: if ``func`` is not callable or an annotation cannot be resolved.
    """
    try:
        cached = _CACHE.get(func)
    except TypeError:  # not weak-referenceable
        cached = None
    if cached is not None and cached.annotations_id == id(getattr(func, "__annotations__", None)):
        return cached
    result = _resolve(func, function_name)
    with contextlib.suppress(TypeError):  # not weak-referenceable: not cached
        _CACHE[func] = result
    return result


def _resolve(func: Callable[..., Any], function_name: str) -> Signature:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise AnnotationError(
            f"cannot load the {function_name} function: cannot read its signature ({exc})"
        ) from None
    target: Any = func
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isroutine(target) or isinstance(target, type)):
        target = getattr(target, "__call__", target)  # a callable object  # noqa: B004
    try:
        hints = typing.get_type_hints(target)
    except Exception as exc:  # NameError, TypeError, SyntaxError from user annotations
        raise AnnotationError(
            f"cannot load the {function_name} function: cannot resolve its annotations "
            f"({type(exc).__name__}: {exc}); import every name the annotations use"
        ) from None
    names: list[str] = []
    variadic: list[str] = []
    annotations: dict[str, Any] = {}
    for param in sig.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            variadic.append(param.name)
            continue
        names.append(param.name)
        annotations[param.name] = hints.get(param.name, EMPTY)
    returns = hints.get("return", EMPTY)
    annotations_id = id(getattr(func, "__annotations__", None))
    return Signature(tuple(names), annotations, returns, tuple(variadic), annotations_id)


def _out_class() -> type | None:
    try:
        from .._out import Out
    except ImportError:  # pragma: no cover - the package always ships _out
        return None
    return Out


def is_out(tp: Any) -> bool:
    """Whether ``tp`` is ``Out`` or ``Out[X]`` (after unwrapping ``Optional``).

    ``azure.functions.Out`` is recognised too, so code migrating module by module checks.
    """
    out_cls = _out_class()
    if out_cls is None or tp is EMPTY:
        return False
    tp = unwrap_optional(tp)
    candidate = typing.get_origin(tp) or tp
    if not isinstance(candidate, type):
        return False
    if issubclass(candidate, out_cls):
        return True
    return candidate.__name__ == "Out" and candidate.__module__.startswith("azure.functions")


def out_argument(tp: Any) -> Any:
    """The ``X`` of ``Out[X]`` with ``Optional`` unwrapped; :data:`EMPTY` for a bare ``Out``.

    Example:
        >>> from azfunc._out import Out
        >>> out_argument(Out[typing.Optional[str]])
        <class 'str'>
    """
    args = typing.get_args(unwrap_optional(tp))
    if not args:
        return EMPTY
    return unwrap_optional(args[0])


def is_context(tp: Any) -> bool:
    """Whether ``tp`` is azfunc's ``Context`` (or ``azure.functions.Context``)."""
    tp = unwrap_optional(tp)
    if not isinstance(tp, type):
        return False
    from .._context import Context

    if issubclass(tp, Context):
        return True
    return tp.__name__ == "Context" and tp.__module__.startswith("azure.functions")


_TEXT_TYPES: Final = (str, bytes, bytearray, memoryview)


def is_list_like(tp: Any) -> bool:
    """Whether ``tp`` can hold a batch: ``list[...]``, ``Sequence[...]``, a list subclass.

    Example:
        >>> is_list_like(list[int]), is_list_like(typing.List[str]), is_list_like(str)
        (True, True, False)
    """
    tp = unwrap_optional(tp)
    candidate = typing.get_origin(tp) or tp
    if not isinstance(candidate, type) or issubclass(candidate, _TEXT_TYPES):
        return False
    return issubclass(candidate, (list, tuple, Sequence))
