"""``docs/migration.md``'s name table lists exactly the public names of ``azure-functions``.

The table under "Every public name" has one row per name ``azure.functions`` exports
(``__all__``), read from the installed 1.26 and 2.3 packages (the upstream environments of
``tests/surface``), each with a verdict — ``same``, ``better`` or ``differs`` (or the note
that upstream has it only in 2.x) — and each name must exist in ``azfunc``: a name upstream
adds, or a row left after upstream drops one, fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import azfunc
from tests.surface.upstream_env import upstream_python

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migration.md"
VERDICTS = ("same", "better", "differs", "2.x only upstream")
_ROW = re.compile(r"^\| `(?P<name>\w+)` \| (?P<verdict>[^|]+?) \|$", re.M)


def name_table(text: str) -> dict[str, str]:
    """The rows (name -> verdict) of the page's "Every public name" section."""
    section = text.split("## Every public name", 1)[1].split("\n## ", 1)[0]
    return {m.group("name"): m.group("verdict") for m in _ROW.finditer(section)}


def upstream_names(environment: str) -> set[str]:
    done = subprocess.run(
        [str(upstream_python(environment)), "-c",
         "import json, azure.functions as f; print(json.dumps(sorted(f.__all__)))"],
        capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout))


def test_the_table_lists_every_upstream_name_and_no_other() -> None:
    table = name_table(PAGE.read_text(encoding="utf-8"))
    upstream = upstream_names(".venv-upstream") | upstream_names(".venv-upstream2")
    assert sorted(upstream - set(table)) == []
    assert sorted(set(table) - upstream) == []


def test_every_row_has_a_verdict_and_the_name_exists_in_azfunc() -> None:
    table = name_table(PAGE.read_text(encoding="utf-8"))
    assert [n for n, v in table.items() if not v.startswith(VERDICTS)] == []
    assert [n for n in table if n not in azfunc.__all__] == []


def test_the_table_is_read_from_its_own_section() -> None:
    text = ("| `Elsewhere` | same |\n\n## Every public name\n\n| `A` | same |\n"
            "| `b_c` | better: x |\n\n## Next\n\n| `C` | same |\n")
    assert name_table(text) == {"A": "same", "b_c": "better: x"}
