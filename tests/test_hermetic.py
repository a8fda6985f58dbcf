"""The suite is hermetic: every vector says where it comes from, nothing reads outside the repo."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS

ROOT = Path(__file__).resolve().parents[1]

# A path that climbs out of the repository: the sibling reference folder, parents[N] / "..",
# parents[N].parent (the samples below are assembled so this file does not match itself)
_OUTSIDE = re.compile(
    r"""\.\./shared|["']shared["']\s*/\s*["']wire|["']\.\.["']\s*/|parents\[\d\]\s*\.parent"""
    r"""|parents\[\d\]\s*/\s*["']\.\.["']"""
)


def _has_source(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if "_source" in value or "_sources" in value:
        return True
    entries = [v for k, v in value.items() if not k.startswith("_")]
    return bool(entries) and all(_has_source(v) for v in entries)


@pytest.mark.parametrize(
    "path", sorted(VECTORS.rglob("*.json")), ids=lambda p: str(p.relative_to(VECTORS))
)
def test_every_vector_says_where_its_shape_comes_from(path: Path) -> None:
    assert _has_source(json.loads(path.read_text(encoding="utf-8"))), path


def test_there_are_vectors() -> None:
    assert len(list(VECTORS.rglob("*.json"))) >= 20


def _sources() -> list[Path]:
    return sorted(
        p
        for folder in ("tests", "bench")
        for p in (ROOT / folder).rglob("*.py")
        if p != Path(__file__).resolve() and ".venvs" not in p.parts
    )


def test_no_test_or_benchmark_reads_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "line",
    [
        "WIRE = Path(__file__).resolve().parents[2] / "
        + '".."' + " / " + '"shared"' + ' / "wire"',
        "WIRE = Path(__file__).resolve().parents[1].parent / " + '"shared"' + ' / "wire"',
        "open('" + ".." + "/shared/wire/x.json')",
    ],
)
def test_the_outside_pattern_catches_the_old_forms(line: str) -> None:
    assert _OUTSIDE.search(line)
