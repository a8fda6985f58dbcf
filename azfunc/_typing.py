"""Annotation introspection shared by the converters and the function-app layer.

One definition of each question asked of a type annotation, so that the converters (which
decide what to hand a parameter) and ``azfunc check`` (which predicts it) agree.
"""

from __future__ import annotations

import types
import typing
from typing import Any

__all__ = ["is_class", "is_class_of", "unwrap_optional"]


def unwrap_optional(tp: Any) -> Any:
    """``X`` for ``Optional[X]`` / ``X | None``; anything else unchanged.

    Example:
        >>> unwrap_optional(typing.Optional[int]), unwrap_optional(str | None)
        (<class 'int'>, <class 'str'>)
        >>> unwrap_optional(int | str)
        int | str
    """
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def is_class(tp: Any) -> bool:
    """Whether ``tp`` is a real class (on 3.10 ``list[str]`` passes ``isinstance(x, type)``;
    it is not one).

    Example:
        >>> is_class(int), is_class(list[int])
        (True, False)
    """
    return isinstance(tp, type) and not isinstance(tp, types.GenericAlias)


def is_class_of(tp: Any, classes: tuple[type, ...]) -> bool:
    """Whether ``tp`` is a real class and a subclass of one of ``classes``.

    Example:
        >>> is_class_of(bool, (int, str)), is_class_of(list[int], (list,))
        (True, False)
    """
    return is_class(tp) and issubclass(tp, classes)
