"""The pyperf side of the suite: time the cases of ONE case module inside a benchmark venv.

    <venv>/bin/python bench/_worker.py --module bench/cases/http.py --summary out.json
        [--fast | --rigorous | pyperf options] [--filter SUBSTRING ...]

Rules this module keeps:

* One ``pyperf.Runner`` per process and one process tree per case module, so a worker
  process sets up only the cases it times. ``bench/run.py`` starts it; it is not meant to
  be run by hand, but it can be (it is a plain pyperf script).
* pyperf re-runs this script in worker processes and picks a benchmark by its index, so
  every process must register the same benchmarks in the same order: the parent checks each
  callable once, and passes the names of the failing ones to its workers (``--skip``)
  instead of letting each worker decide for itself. A case whose worker fails later is
  reported as an error too, and the cases after it are still timed.
* Each case runs in :data:`ROUNDS` alternating rounds (azfunc, baseline, azfunc, baseline)
  whose values are pooled, so a change of machine load between the two sides does not
  decide the ratio.
* The parent writes a summary JSON (median, mean, stdev, number of values per benchmark, and
  the errors of skipped cases); pyperf's own options (``--append FILE`` for its JSON,
  ``--fast``, ``-p``, ``-n``, ...) pass through. Benchmark names are ``<case>:azfunc#<round>``,
  ``<case>:baseline#<round>`` and ``<case>:reference#<round>``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyperf  # type: ignore[import-not-found,import-untyped,unused-ignore]
from harness import (
    BenchCase,
    Case,
    CommandCase,
    Measurement,
    baseline_label,
    installed_version,
    load_module,
    select,
)

#: default work per benchmark and round; ``--fast`` gives 3 processes x 2 values (pyperf's
#: rule) in one round, ``--rigorous`` doubles the processes.
PROCESSES = 3
VALUES = 3
#: rounds per case: azfunc, baseline, azfunc, baseline... so that a load change on a busy
#: machine hits both sides instead of biasing the ratio; values are pooled across rounds.
ROUNDS = 2
#: whole-process cases: this many times the rounds (``import.interleaved`` in
#: bench/cases/import_time.py is the noise-robust cross-check of the import budget).
COMMAND_ROUNDS = 1


def _add_worker_args(cmd: list[str], args: argparse.Namespace) -> None:
    """Pass our own options to pyperf worker processes."""
    cmd.extend(["--module", args.module, "--rounds", str(args.rounds)])
    for name in args.filter or ():
        cmd.extend(["--filter", name])
    if args.skip:
        cmd.extend(["--skip", args.skip])


def _check(case: Case) -> str | None:
    """Call each callable of ``case`` once; the error text if one fails, else ``None``."""
    if not isinstance(case, BenchCase):
        return None
    try:
        case.azfunc()
        if case.baseline is not None:
            case.baseline()
    except Exception:  # a broken case is reported, never fatal to the suite
        return traceback.format_exc(limit=6)
    return None


class _WorkerFailed(Exception):
    """A pyperf worker process failed while timing one benchmark."""


def _guarded(runner: Any, call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``; in the parent, a failing worker becomes _WorkerFailed.

    pyperf numbers benchmarks by counting completed ``bench_*`` calls, and its workers count
    every registered one; when a call fails the parent's count is advanced by hand so the
    benchmarks after it still go to the right worker task.
    """
    if runner.args.worker:
        return call(*args, **kwargs)
    try:
        return call(*args, **kwargs)
    except Exception as exc:
        runner._worker_task += 1
        raise _WorkerFailed(f"{args[0]}: {exc}") from exc


def _bench_round(runner: Any, case: BenchCase | CommandCase, round_no: int,
                 references: dict[tuple[str, ...], str],
                 failures: list[str]) -> list[tuple[str, str, Any]]:
    """Time every side of ``case`` once (one round).

    Returns (role, pool key, pyperf Benchmark or None) triples. A reference command shared
    by several command cases is timed once per round, under the first case's name, and
    pooled under one key (``references`` maps command -> key). A failing side is appended
    to ``failures`` and the other sides are still timed.
    """
    done: list[tuple[str, str, Any]] = []
    if isinstance(case, BenchCase):
        for role, func in (("azfunc", case.azfunc), ("baseline", case.baseline)):
            if func is None:
                continue
            try:
                bench = _guarded(runner, runner.bench_func, f"{case.name}:{role}#{round_no}",
                                 func, inner_loops=case.inner_loops)
            except _WorkerFailed as exc:
                failures.append(str(exc))
                continue
            done.append((role, f"{case.name}:{role}", bench))
        return done
    for role, command in (("reference", case.reference), ("azfunc", case.azfunc),
                          ("baseline", case.baseline)):
        if command is None:
            continue
        key = f"{case.name}:{role}"
        if role == "reference":
            shared = references.setdefault(tuple(command), key)
            if shared != key:
                done.append((role, shared, None))  # timed by the case that owns it
                continue
        try:
            bench = _guarded(runner, runner.bench_command, f"{key}#{round_no}", list(command))
        except _WorkerFailed as exc:
            failures.append(str(exc))
            continue
        done.append((role, key, bench))
    return done


def _stats(values: list[float]) -> dict[str, float | int]:
    return {
        "median": float(statistics.median(values)),
        "mean": float(statistics.fmean(values)),
        "stdev": float(statistics.stdev(values)) if len(values) > 1 else 0.0,
        "values": len(values),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    runner = pyperf.Runner(
        processes=PROCESSES,
        values=VALUES,
        add_cmdline_args=_add_worker_args,
        _argparser=parser,
    )
    parser.add_argument("--module", required=True, help="case module file")
    parser.add_argument("--filter", action="append", help="case name substring")
    parser.add_argument("--skip", default="", help="comma-separated case names to skip")
    parser.add_argument("--summary", help="write the summary JSON here (parent only)")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"alternating rounds per case (default {ROUNDS}, 1 with --fast)")
    args = runner.parse_args()
    in_worker = bool(args.worker)
    if args.rounds is None:
        args.rounds = 1 if args.fast else ROUNDS

    errors: dict[str, str] = {}
    try:
        cases = select(load_module(Path(args.module)).cases(), args.filter or [])
    except Exception:
        if in_worker:
            raise
        failure = {Path(args.module).stem: traceback.format_exc(limit=8)}
        _write_summary(args, {}, failure, [], [])
        return 0

    skipped = {name for name in args.skip.split(",") if name}
    if not in_worker:
        for case in cases:
            error = _check(case)
            if error is not None:
                errors[case.name] = error
                skipped.add(case.name)
        args.skip = ",".join(sorted(skipped))

    values: dict[str, list[float]] = {}
    aliases: dict[str, str] = {}
    references: dict[tuple[str, ...], str] = {}
    timed: list[dict[str, Any]] = []
    for case in cases:
        if case.name in skipped or isinstance(case, Measurement):
            continue  # a Measurement: bench/run.py runs it through bench/_measure.py
        rounds = args.rounds * (COMMAND_ROUNDS if isinstance(case, CommandCase) else 1)
        failures: list[str] = []
        for round_no in range(1, rounds + 1):
            for role, key, bench in _bench_round(runner, case, round_no, references, failures):
                aliases[f"{case.name}:{role}"] = key
                if bench is not None and not in_worker:
                    values.setdefault(key, []).extend(bench.get_values())
        if failures:  # a side that failed in any round makes the case's numbers unusable
            errors[case.name] = "\n".join(failures)
            for role in ("azfunc", "baseline", "reference"):
                aliases.pop(f"{case.name}:{role}", None)
            continue
        timed.append(_describe(case))
    results = {name: _stats(values[key]) for name, key in aliases.items() if values.get(key)}
    if not in_worker:
        measurements = [
            {"name": c.name, "description": c.description, "target_text": c.target_text,
             "all_envs": c.all_envs}
            for c in cases if isinstance(c, Measurement)
        ]
        _write_summary(args, results, errors, timed, measurements)
    return 0


def _describe(case: BenchCase | CommandCase) -> dict[str, Any]:
    return {
        "name": case.name,
        "kind": "command" if isinstance(case, CommandCase) else "func",
        "description": case.description,
        "baseline_name": case.baseline_name,
        "target": case.target,
        "target_text": case.target_text,
    }


def _write_summary(
    args: argparse.Namespace,
    results: dict[str, dict[str, float | int]],
    errors: dict[str, str],
    cases: list[dict[str, Any]],
    measurements: list[dict[str, Any]],
) -> None:
    summary = {
        "module": Path(args.module).stem,
        "python": platform.python_version(),
        "azure_functions": installed_version("azure-functions"),
        "baseline_label": baseline_label(),
        "pyperf": installed_version("pyperf"),
        "cases": cases,
        "results": results,
        "errors": errors,
        "measurements": measurements,
    }
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    else:
        print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    sys.exit(main())
