#!/usr/bin/env python3
"""Run every benchmark case in bench/cases and print medians and ratios.

    python bench/run.py [substring ...]

A simple in-process timer; see docs/performance.md for the published numbers.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import BenchCase  # noqa: E402


def load_cases() -> list[BenchCase]:
    found: list[BenchCase] = []
    for path in sorted((HERE / "cases").glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"bench_cases_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.extend(module.cases())
    return found


def time_call(fn: object, *, min_time: float = 0.2, repeat: int = 7) -> float:
    call = fn  # type: ignore[assignment]
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            call()  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / 5 or loops > 1_000_000:
            break
        loops *= 2
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            call()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def main(argv: list[str]) -> int:
    cases = [c for c in load_cases() if not argv or any(a in c.name for a in argv)]
    print(f"{'case':<28} {'azfunc':>12} {'baseline':>12} {'ratio':>8}  target")
    for case in cases:
        ours = time_call(case.azfunc)
        base = time_call(case.baseline) if case.baseline else None
        ratio = f"{base / ours:7.2f}x" if base else "    n/a"
        base_text = f"{base * 1e6:10.1f}us" if base else "         n/a"
        print(f"{case.name:<28} {ours * 1e6:10.1f}us {base_text} {ratio}  {case.target_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
