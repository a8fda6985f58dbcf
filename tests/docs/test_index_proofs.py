"""The home page's "what it fixes" table names tests that exist.

Each row of ``docs/index.md``'s table says which test proves the point; a renamed or deleted
test would leave a claim without its proof. Every ``tests/...`` code span in the table must
name a file that exists and, after ``::``, a test function defined in it; every row must
name at least one test.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "docs" / "index.md"

_TESTS = re.compile(r"`(tests/[^`:]+\.py)(?:::([\w\[\]-]+))?`")


def proof_rows(text: str) -> list[str]:
    """The rows of the table whose header has a ``proved by`` column."""
    rows: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("|") and "proved by" in line:
            inside = True
        elif inside and line.startswith("|"):
            if not set(line) <= set("|- "):
                rows.append(line)
        elif inside:
            break
    return rows


def broken_references(rows: list[str], root: Path) -> list[str]:
    """Each ``tests/`` reference in ``rows`` that names no file or no test, and each row
    that names no test at all."""
    broken = []
    for row in rows:
        found = _TESTS.findall(row)
        if not found:
            broken.append(f"no test named in: {row[:80]}")
        for path, name in found:
            source = root / path
            if not source.is_file():
                broken.append(f"{path}: no such file")
            elif name and not re.search(rf"^(?:async )?def {re.escape(name)}\(",
                                        source.read_text(encoding="utf-8"), re.M):
                broken.append(f"{path}::{name}: no such test")
    return broken


def test_every_proof_on_the_home_page_exists() -> None:
    rows = proof_rows(INDEX.read_text(encoding="utf-8"))
    assert len(rows) >= 5
    assert broken_references(rows, ROOT) == []


def test_a_missing_proof_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_one():\n    pass\n")
    rows = proof_rows("| claim | fix | proved by |\n|---|---|---|\n"
                      "| a | b | `tests/test_a.py::test_one` |\n"
                      "| c | d | `tests/test_a.py::test_two`, `tests/test_b.py` |\n"
                      "| e | f | nothing |\n\nafter\n")
    assert broken_references(rows, tmp_path) == [
        "tests/test_a.py::test_two: no such test", "tests/test_b.py: no such file",
        "no test named in: | e | f | nothing |"]
