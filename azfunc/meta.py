"""Compatibility names for code written against ``azure.functions.meta``.

Code that imported ``Datum``, ``get_binding_registry``, ``InConverter`` or ``OutConverter``
from ``azure.functions.meta`` ports by changing the import to ``azfunc.meta``.
"""

from __future__ import annotations

from ._datum import KINDS, Datum
from ._registry import BindingRegistry, Converter, get_binding_registry
from .wire.typed_data import datum_from_typed_data

__all__ = [
    "KINDS",
    "BindingRegistry",
    "Converter",
    "Datum",
    "InConverter",
    "OutConverter",
    "datum_from_typed_data",
    "get_binding_registry",
]

#: Converters in azfunc are one class for both directions; these aliases keep old names.
InConverter = Converter
OutConverter = Converter
