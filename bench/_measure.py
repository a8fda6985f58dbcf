"""Run ONE :class:`~harness.Measurement` in this (fresh) process and print its result as JSON.

    <venv>/bin/python bench/_measure.py --module bench/cases/memory.py --name NAME
    <venv>/bin/python bench/_measure.py --module bench/cases/memory.py --list

Rules this module keeps:

* ``bench/run.py`` starts one process per measurement, so peak-RSS and tracemalloc numbers
  never include another measurement's garbage.
* The only output on stdout is one JSON object (``value``, ``unit``, ``passed``,
  ``details``, ``checks``, or ``error`` with a traceback); a failing measurement exits 0
  with ``error`` set so the runner can report it beside the others. Each check is an
  object with ``name``, ``description``, ``value``, ``unit``, ``target_text``, ``passed``.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Measurement, load_module


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", required=True)
    parser.add_argument("--name")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    try:
        found = [c for c in load_module(Path(args.module)).cases()
                 if isinstance(c, Measurement)]
        if args.list:
            print(json.dumps([{"name": m.name, "description": m.description,
                               "target_text": m.target_text} for m in found]))
            return 0
        (measurement,) = [m for m in found if m.name == args.name]
        result = measurement.run()
        out: dict[str, object] = {
            "value": result.value,
            "unit": result.unit,
            "passed": result.passed,
            "details": dict(result.details),
            "checks": [{"name": c.name, "description": c.description, "value": c.value,
                        "unit": c.unit, "target_text": c.target_text, "passed": c.passed}
                       for c in result.checks],
        }
    except Exception:  # reported beside the other measurements
        out = {"error": traceback.format_exc(limit=8)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
