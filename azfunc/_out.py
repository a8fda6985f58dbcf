"""``Out[T]``: the holder a function sets to produce an output binding's value.

Rules this module keeps:

* ``Out`` is concrete: ``Out()`` works in a test, and ``Out[str]`` is the annotation.
* :meth:`Out.get` returns ``None`` until :meth:`Out.set` is called; :attr:`Out.is_set` tells
  "never set" (no output is sent) from "set to ``None``".
* ``Out`` does not validate values: the binding's converter does, when the output is sent.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Out"]

T = TypeVar("T")


class Out(Generic[T]):
    """An output binding parameter: the function calls :meth:`set` with the value to send.

    Example:
        >>> msg: Out[str] = Out()
        >>> msg.is_set, msg.get()
        (False, None)
        >>> msg.set("hello")
        >>> msg.get(), msg.is_set
        ('hello', True)
        >>> msg
        <Out 'hello'>
    """

    __slots__ = ("_is_set", "_value")

    def __init__(self) -> None:
        self._value: T | None = None
        self._is_set = False

    def set(self, val: T) -> None:
        """Set the value to send to the output binding (a later call replaces it)."""
        self._value = val
        self._is_set = True

    def get(self) -> T | None:
        """The value set last, or ``None`` if :meth:`set` was never called."""
        return self._value

    @property
    def is_set(self) -> bool:
        """Whether :meth:`set` has been called (even with ``None``) since the last reset."""
        return self._is_set

    def reset(self) -> None:
        """Forget the value, as if :meth:`set` had never been called."""
        self._value = None
        self._is_set = False

    def __repr__(self) -> str:
        if not self._is_set:
            return "<Out unset>"
        text = repr(self._value)
        if len(text) > 60:
            text = text[:57] + "..."
        return f"<Out {text}>"
