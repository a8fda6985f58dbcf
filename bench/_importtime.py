"""Where import time goes: ``-X importtime`` over several fresh runs, best run per module.

    <python> bench/_importtime.py [--runs 9] [--top 25] "import azfunc as f; f.HttpRequest"

Rules this module keeps:

* Every run is a fresh interpreter (``sys.executable -X importtime -c CODE``); the first run
  only warms the bytecode cache and is discarded.
* For each module the *minimum* self and cumulative microseconds over the runs are kept
  (the least-disturbed measurement on a busy machine), and modules are listed by
  cumulative time, with the import nesting depth, so a costly leaf is traced to the azfunc
  module that pulled it in.
* Standard library only; a profiling aid for docs/performance.md, not a benchmark case.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def profile(code: str, runs: int) -> dict[str, tuple[int, int, int]]:
    """module -> (best self us, best cumulative us, depth) over ``runs`` fresh runs."""
    best: dict[str, tuple[int, int, int]] = {}
    for attempt in range(runs + 1):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                              capture_output=True, text=True, check=True)
        if attempt == 0:
            continue
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            fields = line[len("import time:"):].split("|")
            if not fields[0].strip().isdigit():
                continue  # the header line
            own, total, name = int(fields[0]), int(fields[1]), fields[2]
            depth = (len(name) - len(name.lstrip())) // 2
            key = name.strip()
            old = best.get(key)
            best[key] = (own, total, depth) if old is None else (
                min(old[0], own), min(old[1], total), depth)
    return best


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("code")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    found = profile(args.code, args.runs)
    print(f"{'cumulative':>10} {'self':>8}  module (best of {args.runs} runs, microseconds)")
    ranked = sorted(found.items(), key=lambda item: item[1][1], reverse=True)
    for name, (own, total, depth) in ranked[:args.top]:
        print(f"{total:>10} {own:>8}  {'  ' * depth}{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
