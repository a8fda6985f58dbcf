#!/usr/bin/env python3
"""Run the coverage-guided fuzz targets of ``fuzz/`` for a bounded time each.

    python3 scripts/fuzz.py [TARGET ...] [-t SECONDS] [--engine atheris|random]

Uses the worktree's ``.venv`` (``python3 scripts/dev.py test`` creates it) and installs the
``fuzz`` extra (atheris) into it on demand; when atheris cannot be installed or imported it
says so and falls back to the seeded random mutator of ``fuzz/harness.py``. Prints, per
target, the inputs tried and the distinct findings (saved under ``fuzz/findings/``);
exits 1 when there is a finding.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _has_atheris() -> bool:
    return subprocess.run([str(PY), "-c", "import atheris"], capture_output=True).returncode == 0


def _ensure_atheris() -> bool:
    if _has_atheris():
        return True
    print("installing the fuzz extra (atheris) into .venv ...", flush=True)
    done = subprocess.run(
        [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", ".[fuzz]"],
        cwd=ROOT,
    )
    if done.returncode != 0 or not _has_atheris():
        print("atheris does not install on this Python; using the random engine", flush=True)
        return False
    return True


def _run(target: str, seconds: float, engine: str) -> dict[str, object]:
    findings_file = ROOT / "fuzz" / "findings" / f"{target}.json"
    findings_file.unlink(missing_ok=True)
    command = [str(PY), "-W", "ignore", "-m", "fuzz.harness", target, str(seconds),
               "--engine", engine]
    stderr, code = "", 0
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=seconds + 60)
        stderr, code = proc.stderr, proc.returncode
    except subprocess.TimeoutExpired:
        code = -1  # libFuzzer checks its time budget between inputs only
    saved = json.loads(findings_file.read_text()) if findings_file.exists() else {}
    inputs = int(saved.get("inputs", 0))
    done = re.search(r"Done (\d+) runs", stderr)
    if done:
        inputs = max(inputs, int(done.group(1)))
    findings = list(saved.get("findings", []))
    if code not in (0, -1) and not findings:
        findings = [{"finding": f"the harness exited with {code}", "message": stderr[-500:]}]
    return {"target": target, "engine": engine, "inputs": inputs, "findings": findings}


def _target_names() -> list[str]:
    """The targets of ``fuzz/targets.py`` (read in .venv: importing them imports azfunc)."""
    if not PY.exists():
        return []
    listed = subprocess.run(
        [str(PY), "-c", "from fuzz.targets import TARGETS; print(' '.join(TARGETS))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return listed.stdout.split()


def main(argv: list[str]) -> int:
    TARGETS = _target_names()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", choices=[[], *TARGETS], default=[],
                        metavar="TARGET", help=f"default: all of {', '.join(TARGETS)}")
    parser.add_argument("-t", "--seconds", type=float, default=60.0, help="per target")
    parser.add_argument("--engine", choices=["atheris", "random"], default="atheris")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if not PY.exists():
        print("no .venv: run python3 scripts/dev.py test first", file=sys.stderr)
        return 2
    engine = args.engine
    if engine == "atheris" and not _ensure_atheris():
        engine = "random"
    results = []
    for target in args.targets or list(TARGETS):
        result = _run(target, args.seconds, engine)
        results.append(result)
        findings = result["findings"]
        assert isinstance(findings, list)
        print(f"{target:15} {result['inputs']:>10} inputs  {len(findings)} finding(s)",
              flush=True)
        for finding in findings:
            print(f"    {finding.get('finding')}: {finding.get('message', '')[:150]}"
                  f" (input fuzz/findings/{finding.get('input', '-')}, "
                  f"seen {finding.get('count', 1)}x)")
    if args.json:
        print(json.dumps(results, indent=1))
    return 1 if any(r["findings"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
