"""The converter registry: explicit table, user registration, lazy built-ins."""

from __future__ import annotations

from typing import Any

import pytest

import azfunc
from azfunc._registry import BUILTIN_BINDINGS
from azfunc.meta import BindingRegistry, Converter, Datum, get_binding_registry


class Shout(Converter):
    binding = "shout"

    def check_input_type_annotation(self, pytype: Any) -> bool:
        return pytype is str

    def decode(
        self, datum: Datum, *, trigger_metadata: Any = None, pytype: Any = None
    ) -> Any:
        return str(self.expect(datum, "string")).upper()


def test_default_registry_is_one_object() -> None:
    assert azfunc.get_binding_registry() is get_binding_registry()


@pytest.mark.parametrize("binding", sorted(BUILTIN_BINDINGS))
def test_every_builtin_binding_resolves(binding: str) -> None:
    converter = get_binding_registry().get(binding)
    assert converter is not None, binding
    assert isinstance(converter, Converter)
    assert converter.binding.lower() == binding


def test_lookup_is_case_insensitive() -> None:
    registry = get_binding_registry()
    assert registry.get("QUEUETRIGGER") is registry.get("queueTrigger")


def test_unknown_binding_is_none_and_require_explains() -> None:
    registry = get_binding_registry()
    assert registry.get("nosuch") is None
    assert "nosuch" not in registry
    with pytest.raises(azfunc.BindingNotFoundError, match=r"register\('nosuch'"):
        registry.require("nosuch")
    with pytest.raises(LookupError):
        registry.require("nosuch")


def test_unknown_binding_falls_back_to_generic() -> None:
    assert get_binding_registry().get_or_generic("nosuch").binding == "generic"


def test_user_converters_win_and_copies_are_independent() -> None:
    registry = get_binding_registry().copy()
    registry.register("queueTrigger", Shout())
    assert isinstance(registry.get("queuetrigger"), Shout)
    assert not isinstance(get_binding_registry().get("queueTrigger"), Shout)
    registry.unregister("queueTrigger")
    assert not isinstance(registry.get("queueTrigger"), Shout)


def test_register_refuses_non_converters_and_duplicates() -> None:
    registry = BindingRegistry()
    with pytest.raises(azfunc.ArgumentTypeError, match="neither"):
        registry.register("x", object())  # type: ignore[arg-type]
    registry.register("shout", Shout())
    with pytest.raises(azfunc.ArgumentValueError, match="already"):
        registry.register("shout", Shout(), replace=False)
    assert registry.bindings() == ["shout"]
    assert list(registry) == ["shout"]
    assert "shout" in repr(registry) or "1 bindings" in repr(registry)


def test_user_converter_decodes_and_refuses_other_kinds() -> None:
    converter = Shout()
    assert converter.decode(Datum("hi", "string")) == "HI"
    with pytest.raises(azfunc.ConversionError, match=r"kind 'bytes'; accepted kinds: string"):
        converter.decode(Datum(b"hi", "bytes"))
    with pytest.raises(azfunc.ConversionError, match="expects a Datum"):
        converter.decode("hi")  # type: ignore[arg-type]


def test_base_converter_refuses_both_directions() -> None:
    converter = Converter()
    assert not converter.check_input_type_annotation(str)
    assert not converter.check_output_type_annotation(str)
    assert not converter.has_implicit_output()
    assert not converter.has_trigger_support()
    with pytest.raises(azfunc.ConversionError, match="has no input"):
        converter.decode(Datum("x", "string"))
    with pytest.raises(azfunc.ConversionError, match="has no output"):
        converter.encode("x")
