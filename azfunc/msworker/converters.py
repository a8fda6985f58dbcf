"""Stand-in converters in the ``azure.functions`` registry the worker decodes through.

Rules this module keeps:

* One :class:`BridgeConverter` per binding type, put in the place of ``azure.functions``'
  own converter (kept as :attr:`BridgeConverter.original`). The worker calls it exactly as it
  calls that converter: ``check_input_type_annotation``, ``check_output_type_annotation``,
  ``decode(datum, trigger_metadata=...)``, ``encode(obj, expected_type=...)``,
  ``has_implicit_output()``, ``has_trigger_support()``.
* A parameter is azfunc's when its annotation names an azfunc class, or when it belongs to a
  function of an azfunc decorator app (:func:`claiming`). Its checks are answered by azfunc's
  converter, and the annotation is remembered. Every other parameter is answered by the
  original converter, unchanged: an app that does not use azfunc is not affected.
* The worker does not tell ``decode`` which function it decodes for. A binding type is
  decoded by azfunc when azfunc parameters use it and no ``azure.functions`` parameter does;
  the annotation passed on as ``pytype`` is the one azfunc parameters gave, when they agree.
  Outputs are encoded by the SDK the value belongs to (an azfunc object by azfunc, an
  ``azure.functions`` object by the original); plain values follow the binding's decoder.
* Datums cross the boundary through :mod:`azfunc.wire.python_worker` only. Errors are
  azfunc's own (:class:`~azfunc.ConversionError` and kin): the worker reports them as that
  invocation's failure, with the message, and goes on.
"""

from __future__ import annotations

import contextlib
import threading
import typing
from collections.abc import Iterator, Mapping
from typing import Any

from .._registry import Converter, get_binding_registry
from ..wire.python_worker import datum_from_worker, datum_to_worker, metadata_from_worker

__all__ = ["BridgeConverter", "claiming", "is_azfunc_annotation", "is_azfunc_value"]

_state = threading.local()


@contextlib.contextmanager
def claiming(claim: bool) -> Iterator[None]:
    """While active, every annotation checked belongs to azfunc (``claim``) or is judged by
    what it names (``not claim``)."""
    previous = getattr(_state, "claim", False)
    _state.claim = claim
    try:
        yield
    finally:
        _state.claim = previous


def set_claim(claim: bool) -> None:
    """Mark the function the worker is indexing now as azfunc's (``True``) or not."""
    _state.claim = claim


def _module_of(obj: Any) -> str:
    return str(getattr(obj, "__module__", "") or "")


def _names(tp: Any, root: str) -> bool:
    if tp is None:
        return False
    if isinstance(tp, type) and _module_of(tp).partition(".")[0] == root:
        return True
    return any(_names(arg, root) for arg in typing.get_args(tp))


def is_azfunc_annotation(tp: Any) -> bool:
    """Whether the annotation names an azfunc class (``list[azfunc.EventHubEvent]`` does)."""
    return _names(tp, "azfunc")


def is_azfunc_value(obj: Any) -> bool:
    """Whether ``obj`` is an instance of an azfunc class."""
    return _module_of(type(obj)).partition(".")[0] == "azfunc"


def _is_af_value(obj: Any) -> bool:
    return _module_of(type(obj)).startswith("azure.functions")


class BridgeConverter:
    """Answers the worker for one binding type, for azfunc's parameters and for the rest."""

    def __init__(self, binding: str, original: Any) -> None:
        self.binding = binding
        #: the ``azure.functions`` converter this one stands in for (``None`` if it had none).
        self.original = original
        self._azfunc: Converter | None = None
        self._in_types: list[Any] = []
        self._out_types: list[Any] = []
        self._af_in = False
        self._af_out = False
        self._claimed = False

    # -- which SDK answers -------------------------------------------------------------

    @property
    def azfunc(self) -> Converter:
        """azfunc's converter for this binding type (looked up on first use)."""
        conv = self._azfunc
        if conv is None:
            conv = get_binding_registry().require(self.binding)
            self._azfunc = conv
        return conv

    def _claims(self, pytype: Any) -> bool:
        if getattr(_state, "claim", False):
            return True
        return self.original is None or is_azfunc_annotation(pytype)

    def claim(self) -> None:
        """Mark the binding type as used by a function of an azfunc decorator app."""
        self._claimed = True

    def _decodes(self) -> bool:
        if self.original is None:
            return True
        return (self._claimed or bool(self._in_types)) and not self._af_in

    def _pytype(self, seen: list[Any]) -> Any:
        return seen[0] if len(seen) == 1 else None

    @staticmethod
    def _remember(seen: list[Any], pytype: Any) -> None:
        if not any(pytype == known for known in seen):
            seen.append(pytype)

    # -- the converter surface the worker calls ----------------------------------------

    def check_input_type_annotation(self, pytype: Any, *args: Any) -> bool:
        if not self._claims(pytype):
            ok = bool(self.original.check_input_type_annotation(pytype, *args))
            self._af_in = self._af_in or ok
            return ok
        ok = bool(self.azfunc.check_input_type_annotation(pytype))
        if ok:
            self._remember(self._in_types, pytype)
        return ok

    def check_output_type_annotation(self, pytype: Any) -> bool:
        if not self._claims(pytype):
            ok = bool(self.original.check_output_type_annotation(pytype))
            self._af_out = self._af_out or ok
            return ok
        ok = bool(self.azfunc.check_output_type_annotation(pytype))
        if ok:
            self._remember(self._out_types, pytype)
        return ok

    def has_trigger_support(self) -> bool:
        if self.original is not None and self.original.has_trigger_support():
            return True
        return self._azfunc_has("has_trigger_support")

    def has_implicit_output(self, *args: Any) -> bool:
        if self.original is not None:
            return bool(getattr(self.original, "has_implicit_output", lambda: False)())
        return self._azfunc_has("has_implicit_output")

    def _azfunc_has(self, question: str) -> bool:
        conv = get_binding_registry().get(self.binding)
        return conv is not None and bool(getattr(conv, question)())

    def decode(self, data: Any, *, trigger_metadata: Mapping[str, Any] | None = None,
               **kwargs: Any) -> Any:
        if not self._decodes():
            return self.original.decode(data, trigger_metadata=trigger_metadata, **kwargs)
        conv = self.azfunc
        metadata = metadata_from_worker(trigger_metadata) if conv.has_trigger_support() else None
        return conv.decode(
            datum_from_worker(data),
            trigger_metadata=metadata,
            pytype=self._pytype(self._in_types),
        )

    def encode(self, obj: Any, *, expected_type: Any = None) -> Any:
        if self._encodes(obj, expected_type):
            return datum_to_worker(self.azfunc.encode(obj, expected_type=expected_type))
        return self.original.encode(obj, expected_type=expected_type)

    def _encodes(self, obj: Any, expected_type: Any) -> bool:
        if self.original is None or is_azfunc_value(obj):
            return True
        if _is_af_value(obj):
            return False
        if any(expected_type == known for known in self._out_types):
            return True
        if self._af_out or self._af_in:
            return False
        return self._claimed or bool(self._out_types) or bool(self._in_types)

    def __repr__(self) -> str:
        return f"<BridgeConverter {self.binding!r} original={self.original!r}>"


#: azfunc's spellings of binding types ``azure.functions`` 2.x does not register.
_AZFUNC_ONLY = ("sqlTrigger",)

#: binding type (as the worker looks it up) -> the bridge installed for it.
BRIDGES: dict[str, BridgeConverter] = {}


def install_converters(table: dict[Any, Any]) -> dict[str, BridgeConverter]:
    """Put a :class:`BridgeConverter` in ``table`` (the ``azure.functions`` registry's dict)
    for every binding type azfunc converts; idempotent.

    Binding types azfunc knows but ``azure.functions`` does not (``sqlTrigger``) are added
    under azfunc's spelling, with no original.
    """
    known = set(get_binding_registry().bindings())
    names = {key for key in table if isinstance(key, str)} | set(_AZFUNC_ONLY)
    for name in sorted(names):
        current = table.get(name)
        if isinstance(current, BridgeConverter):
            BRIDGES[name] = current
            continue
        if name.lower() not in known or name.lower() == "generic":
            continue
        bridge = BridgeConverter(name, current)
        table[name] = bridge
        BRIDGES[name] = bridge
    return BRIDGES


def bridge_for(binding: str) -> BridgeConverter | None:
    """The bridge installed for ``binding`` (exact spelling first, then any case)."""
    found = BRIDGES.get(binding)
    if found is not None:
        return found
    lowered = binding.lower()
    return next((b for name, b in BRIDGES.items() if name.lower() == lowered), None)
