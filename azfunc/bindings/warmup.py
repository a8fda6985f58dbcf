"""The ``warmupTrigger``: sent to a new instance before it takes traffic.

Rules this module keeps:

* ``WarmUpContext`` is concrete and takes no arguments; the trigger carries no data, so any
  Datum decodes to a fresh ``WarmUpContext``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._datum import Datum
from .._registry import Converter
from ._trigger import ClassTriggerConverter
from ._value import BindingValue

__all__ = ["CONVERTERS", "WarmUpContext", "WarmUpTriggerConverter"]


class WarmUpContext(BindingValue):
    """What a ``warmupTrigger`` function receives (it carries no data; all are equal).

    Example:
        >>> WarmUpContext(), WarmUpContext() == WarmUpContext()
        (<WarmUpContext>, True)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<WarmUpContext>"


class WarmUpTriggerConverter(ClassTriggerConverter):
    """Decodes a ``warmupTrigger`` into a :class:`WarmUpContext`.

    Example:
        >>> WarmUpTriggerConverter().decode(Datum(None, "null"))
        <WarmUpContext>
    """

    binding = "warmupTrigger"
    accepts = (WarmUpContext,)

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
