#!/usr/bin/env python3
"""The benchmark suite's one entry point: azfunc against azure-functions, in the same run.

    python bench/run.py [--fast] [--env NAME] [--no-setup] [--no-docs] [FILTER ...]

For every benchmark environment (``bench/_envs.py``: azure-functions 1.x on Python 3.11,
and 2.x on Python >= 3.13 when one is installed) it creates or refreshes the venv under
``bench/.venvs/``, times every case of every ``bench/cases/*.py`` module with pyperf
(``bench/_worker.py``, one process tree per module), runs the standalone measurements
(``bench/_measure.py``, one fresh process each, in the primary environment unless a
measurement asks for all), prints a table
of medians and ratios (``baseline / azfunc``; at or above the target is PASS) and writes it
to ``bench/.results/<time>/`` and, on a full unfiltered run, to ``docs/performance.md``.

FILTER keeps the cases whose name contains it (``python bench/run.py http.decode import``).
``--fast`` is pyperf's ``--fast`` (fewer processes and values); any other pyperf option can
be given after ``--`` and is passed to every worker. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _envs import ENVS, ROOT, BenchEnv, ensure  # noqa: E402
from _report import (  # noqa: E402
    Row,
    expand_checks,
    machine_info,
    markdown_table,
    measurement_table,
    replace_region,
    rows_from_summary,
    text_table,
)
from harness import case_modules  # noqa: E402

RESULTS = HERE / ".results"
DOCS = ROOT / "docs" / "performance.md"
#: pyperf's per-benchmark timeout, seconds.
TIMEOUT = 300


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("filters", nargs="*", help="case name substrings")
    parser.add_argument("--fast", action="store_true", help="pyperf --fast (rougher)")
    parser.add_argument("--rigorous", action="store_true", help="pyperf --rigorous")
    parser.add_argument("--env", action="append", choices=[e.name for e in ENVS],
                        help="only these environments (default: all available)")
    parser.add_argument("--no-setup", action="store_true",
                        help="use the existing venvs as they are")
    parser.add_argument("--refresh", action="store_true", help="rebuild the venvs")
    parser.add_argument("--no-measure", action="store_true",
                        help="skip the standalone (memory) measurements")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true",
                      help="write docs/performance.md even for a filtered run")
    docs.add_argument("--no-docs", action="store_true", help="never write docs")
    return parser.parse_args(argv), extra


def _run_module(env: BenchEnv, python: Path, module: Path, out_dir: Path,
                args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    summary_path = out_dir / f"{env.name}-{module.stem}.json"
    cmd = [str(python), str(HERE / "_worker.py"), "--module", str(module),
           "--summary", str(summary_path), "--timeout", str(TIMEOUT), *extra]
    if args.fast:
        cmd.append("--fast")
    if args.rigorous:
        cmd.append("--rigorous")
    elif not env.primary and not args.fast:
        cmd.extend(["--rounds", "1"])  # keeps the whole suite within ~7 minutes
    for name in args.filters:
        cmd.extend(["--filter", name])
    proc = subprocess.run(cmd, cwd=ROOT)
    if proc.returncode != 0 or not summary_path.exists():
        return {"cases": [], "results": {},
                "errors": {module.stem: f"worker exited with status {proc.returncode}"}}
    loaded: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
    return loaded


def _run_measurement(python: Path, module: Path, spec: dict[str, Any]) -> dict[str, Any]:
    cmd = [str(python), str(HERE / "_measure.py"), "--module", str(module),
           "--name", spec["name"]]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    lines = proc.stdout.strip().splitlines()
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        result = {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"}
    return {**spec, **result}


def _measure_verdict(result: dict[str, Any]) -> str:
    if "error" in result:
        return "ERROR"
    passed = result.get("passed")
    return "-" if passed is None else ("PASS" if passed else "FAIL")


def _generated(rows_by_env: dict[str, list[Row]], measurements: list[dict[str, Any]],
               versions: dict[str, dict[str, Any]], mode: str, seconds: float) -> str:
    info = machine_info()
    out = [
        f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, "
        f"{info['os']}; azfunc commit {info['commit']}. Mode: {mode}; the whole suite took "
        f"{seconds / 60:.1f} min.",
        "",
        "| environment | Python | baseline | pyperf |",
        "|---|---|---|---|",
    ]
    for env_name, v in versions.items():
        out.append(f"| {env_name} | {v.get('python')} | {v.get('baseline_label')} | "
                   f"{v.get('pyperf')} |")
    verdicts = [r.verdict for rows in rows_by_env.values() for r in rows]
    verdicts += [_measure_verdict(m) for m in measurements]
    missed = sorted({f"`{r.name}` ({r.env})" for rows in rows_by_env.values() for r in rows
                     if r.verdict in {"FAIL", "ERROR"}} |
                    {f"`{m['name']}` ({m.get('env')})" for m in measurements
                     if "error" in m or m.get("passed") is False})
    out += ["", f"**Verdicts:** {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL, "
                f"{verdicts.count('ERROR')} ERROR, {verdicts.count('-')} reported without a "
                "target." + (f" Missed: {', '.join(missed)}." if missed else "")]
    for env_name, rows in rows_by_env.items():
        out += ["", f"### {env_name}: {versions.get(env_name, {}).get('baseline_label', '')} "
                    f"on Python {versions.get(env_name, {}).get('python', '?')}", "",
                markdown_table(rows)]
    if measurements:
        out += ["", "### Measurements (one fresh process each)", "",
                measurement_table(measurements)]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    args, extra = _parse(argv)
    started = time.perf_counter()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = RESULTS / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    envs = [e for e in ENVS if not args.env or e.name in args.env]
    modules = case_modules()

    rows_by_env: dict[str, list[Row]] = {}
    versions: dict[str, dict[str, Any]] = {}
    measurements: list[dict[str, Any]] = []
    for env in envs:
        python = (env.interpreter if env.interpreter.exists() else None) if args.no_setup \
            else ensure(env, refresh=args.refresh)
        if python is None:
            continue
        rows: list[Row] = []
        for module in modules:
            print(f"\n[{env.name}] {module.stem}", flush=True)
            summary = _run_module(env, python, module, out_dir, args, extra)
            if "python" in summary:
                versions[env.name] = {k: summary.get(k) for k in
                                      ("python", "baseline_label", "pyperf")}
            rows.extend(rows_from_summary(env.name, summary))
            for spec in summary.get("measurements", []):
                if args.no_measure or not (env.primary or spec.get("all_envs")):
                    continue
                print(f"[{env.name}] measuring {spec['name']} ...", flush=True)
                measurements.extend(expand_checks(
                    {"env": env.name, **_run_measurement(python, module, spec)}))
        rows_by_env[env.name] = rows

    seconds = time.perf_counter() - started
    all_rows = [r for rows in rows_by_env.values() for r in rows]
    print("\n" + text_table(all_rows))
    if measurements:
        print("\n" + measurement_table(measurements))
    if args.fast:
        mode = "pyperf --fast: 1 round x 3 processes x 2 values per side"
    elif args.rigorous:
        mode = "pyperf --rigorous: 2 alternating rounds x 6 processes x 3 values per side"
    else:
        mode = ("pyperf: 2 alternating rounds (1 in the secondary environment) x 3 processes "
                "x 3 values per side")
    generated = _generated(rows_by_env, measurements, versions, mode, seconds)
    (out_dir / "report.md").write_text(generated + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(generated + "\n", encoding="utf-8")
    if args.docs or not (args.no_docs or args.filters or args.env):
        current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(replace_region(current, generated), encoding="utf-8")
        print(f"\nwrote {DOCS.relative_to(ROOT)}")
    print(f"results in {out_dir.relative_to(ROOT)} ({seconds / 60:.1f} min)")
    failed = [r for r in all_rows if r.verdict in {"FAIL", "ERROR"}]
    failed_m = [m for m in measurements if "error" in m or m.get("passed") is False]
    return 1 if failed or failed_m else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
