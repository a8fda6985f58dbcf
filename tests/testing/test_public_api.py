"""azfunc.testing's public surface: ``__all__`` is what it exports, documented and cheap."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from azfunc import testing

FACTORIES = [name for name in testing.__all__ if name[0].islower()]


def test_all_names_resolve_and_are_listed_by_dir() -> None:
    for name in testing.__all__:
        assert getattr(testing, name) is not None
    assert set(testing.__all__) <= set(dir(testing))
    assert testing.__all__ == sorted(testing.__all__, key=lambda n: (n[0].islower(), n))


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_factory"):
        testing.no_such_factory  # noqa: B018


def test_every_factory_has_a_payload_twin_with_the_same_keywords() -> None:
    for name in FACTORIES:
        if name.endswith("_payload"):
            continue
        twin = getattr(testing, f"{name}_payload")
        made, raw = inspect.signature(getattr(testing, name)), inspect.signature(twin)
        if name == "service_bus_message":  # keywords typed through ServiceBusProperties
            continue
        assert list(made.parameters) == list(raw.parameters), name


@pytest.mark.parametrize("name", FACTORIES)
def test_every_factory_is_documented_with_an_example_and_raises(name: str) -> None:
    doc = inspect.getdoc(getattr(testing, name)) or ""
    assert ">>>" in doc, name
    assert "Raises:" in doc, name


def test_service_bus_properties_match_the_payload_keywords() -> None:
    keywords = set(inspect.signature(testing.service_bus_message_payload).parameters) - {"body"}
    assert set(testing.ServiceBusProperties.__annotations__) == keywords


def test_import_loads_no_factory_module() -> None:
    code = (
        "import sys, azfunc.testing\n"
        "print(sorted(m for m in sys.modules if m.startswith('azfunc.testing.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
