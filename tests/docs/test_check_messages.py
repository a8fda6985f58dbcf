"""docs/check.md lists every finding code azfunc can report, and no other.

The codes are read from the source (ast; nothing is imported): the code argument of every
``Finding(...)`` and of the helpers that build findings (``_Problem``, ``_fail``,
``_Verdict``), and the codes the start preflight returns (``azfunc/host/preflight.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "check.md"
CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
#: constructor -> index of its code argument
BUILDERS = {"Finding": 2, "_Problem": 0, "_fail": 0, "_Verdict": 0}


def _constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def codes_in_source() -> dict[str, set[str]]:
    """code -> the files that report it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "azfunc").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            codes: list[str | None] = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(
                    node.func, "attr", "")
                index = BUILDERS.get(name)
                if index is not None:
                    if len(node.args) > index:
                        codes.append(_constant(node.args[index]))
                    codes += [_constant(k.value) for k in node.keywords if k.arg == "code"]
            elif path.name == "preflight.py" and isinstance(node, ast.Constant):
                codes.append(_constant(node))
            for code in codes:
                if code is not None:
                    found.setdefault(code, set()).add(where)
    return found


def codes_on_page() -> list[str]:
    return re.findall(r"^### `([a-z0-9-]+)`$", PAGE.read_text(encoding="utf-8"), re.M)


def test_the_scan_finds_the_codes_it_should() -> None:
    found = codes_in_source()
    for code in ("param-without-binding", "import-error", "queue-name", "timer-schedule",
                 "python-worker-direction", "storage-connection", "forwarding-needed"):
        assert code in found


def test_every_code_azfunc_reports_is_documented() -> None:
    missing = {code: sorted(files) for code, files in codes_in_source().items()
               if code not in codes_on_page()}
    assert not missing, f"add a section to docs/check.md for: {missing}"


def test_every_documented_code_is_still_reported() -> None:
    stale = sorted(set(codes_on_page()) - set(codes_in_source()))
    assert not stale, f"docs/check.md documents codes azfunc no longer reports: {stale}"


def test_each_code_is_documented_once_with_a_fix() -> None:
    listed = codes_on_page()
    assert len(listed) == len(set(listed))
    text = PAGE.read_text(encoding="utf-8")
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        assert "**Fix**" in section, section.splitlines()[0]
