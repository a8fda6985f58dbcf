"""The API reference (``docs/reference/``) documents every public name, where it is defined."""

from __future__ import annotations

import re
from pathlib import Path

import azfunc

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"
_DIRECTIVE = re.compile(r"^::: ([\w.]+)$", re.M)


def _documented() -> dict[str, str]:
    """Public name -> the dotted path its reference entry names."""
    found: dict[str, str] = {}
    for page in REFERENCE.glob("*.md"):
        for path in _DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            found[path.rpartition(".")[2]] = path
    return found


def test_every_public_name_has_a_reference_entry() -> None:
    documented = _documented()
    public = {name for name in azfunc.__all__ if not name.startswith("__")}
    assert sorted(public - set(documented)) == []


def test_each_entry_names_the_defining_module() -> None:
    documented = _documented()
    for name in azfunc.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(azfunc, name)
        where = getattr(obj, "__module__", None)
        assert documented[name] == f"{where}.{name}", name
