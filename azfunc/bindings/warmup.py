"""The ``warmupTrigger``: sent to a new instance before it takes traffic.

Rules this module keeps:

* ``WarmUpContext`` is concrete and takes no arguments; the trigger carries no data, so any
  Datum decodes to a fresh ``WarmUpContext``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from .._datum import Datum
from .._registry import Converter

__all__ = ["CONVERTERS", "WarmUpContext", "WarmUpTriggerConverter"]


def _is_class(pytype: Any) -> bool:
    """A real class (on 3.10 ``list[str]`` passes ``isinstance(x, type)``; it is not one)."""
    return isinstance(pytype, type) and not isinstance(pytype, types.GenericAlias)


class WarmUpContext:
    """What a ``warmupTrigger`` function receives (it carries no data).

    Example:
        >>> WarmUpContext()
        <WarmUpContext>
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<WarmUpContext>"


class WarmUpTriggerConverter(Converter):
    """Decodes a ``warmupTrigger`` into a :class:`WarmUpContext`.

    Example:
        >>> WarmUpTriggerConverter().decode(Datum(None, "null"))
        <WarmUpContext>
    """

    binding = "warmupTrigger"

    def check_input_type_annotation(self, pytype: Any) -> bool:
        """``WarmUpContext`` (optionally ``| None``)."""
        origin = typing.get_origin(pytype)
        if origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(pytype) if a is not type(None)]
            pytype = args[0] if len(args) == 1 else pytype
        return _is_class(pytype) and issubclass(pytype, WarmUpContext)

    def has_trigger_support(self) -> bool:
        """The warm-up trigger is a trigger."""
        return True

    def decode(
        self,
        datum: Datum,
        *,
        trigger_metadata: Mapping[str, Any] | None = None,
        pytype: Any = None,
    ) -> WarmUpContext:
        """A new :class:`WarmUpContext`; the payload is ignored.

        Raises:
            ConversionError: never; declared for the converter contract.
        """
        return WarmUpContext()


CONVERTERS: dict[str, Converter] = {"warmupTrigger": WarmUpTriggerConverter()}
