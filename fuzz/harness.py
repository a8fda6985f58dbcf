"""Run one fuzz target under atheris (or a seeded random mutator) and record findings.

Rules this module keeps:

* A finding is an exception that is not an :class:`azfunc.AzFuncError`, or one input that
  takes longer than ``SLOW`` seconds. Findings are deduplicated by (exception type, file
  and line where it was raised); the first input of each is saved under ``findings/``.
* The run never stops at a finding: it goes on for its whole time budget. The findings
  are kept in ``findings/<target>.json``; the random engine prints one JSON line
  ``{"target", "engine", "inputs", "findings"}``, atheris its ``Done N runs`` line.

    python -m fuzz.harness TARGET SECONDS [--engine atheris|random]
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import azfunc

from .targets import SEEDS, TARGETS

FINDINGS = Path(__file__).resolve().parent / "findings"
SLOW = 2.0  # seconds for one input of at most 64 KiB: far above any linear parser
LIMIT = 20.0  # seconds after which one input is interrupted (and recorded)


class _Stuck(BaseException):
    """Raised by the alarm inside a target that ran over ``LIMIT``."""


def _alarm(signum: int, frame: object) -> None:
    raise _Stuck


signal.signal(signal.SIGALRM, _alarm)


class Recorder:
    """Counts inputs and keeps the first input of each distinct finding."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.fn = TARGETS[target]
        self.inputs = 0
        self.findings: dict[str, dict[str, Any]] = {}

    def __call__(self, data: bytes) -> None:
        self.inputs += 1
        if self.inputs % 20000 == 0:
            self.save()
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, LIMIT)  # a stuck input becomes a finding
        try:
            self.fn(data)
        except azfunc.AzFuncError:
            pass
        except _Stuck:
            self._record(TimeoutError(f"one input ran over {LIMIT:.0f} s"), data, slow=True)
        except Exception as exc:
            self._record(exc, data)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - start
        if took > SLOW:
            self._record(TimeoutError(f"one input took {took:.1f} s"), data, slow=True)

    def _record(self, exc: BaseException, data: bytes, *, slow: bool = False) -> None:
        frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
        where = f"{frames[-1].filename.rsplit('/azfunc/', 1)[-1]}:{frames[-1].lineno}" if (
            frames) else "?"
        key = f"{type(exc).__name__} at {where}" if not slow else f"slow input ({len(data)} B)"
        if key in self.findings:
            self.findings[key]["count"] += 1
            return
        FINDINGS.mkdir(exist_ok=True)
        name = f"{self.target}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"
        (FINDINGS / name).write_bytes(data)
        self.findings[key] = {"finding": key, "message": str(exc)[:200], "input": name,
                              "count": 1}
        self.save()

    def save(self) -> None:
        """Write the findings so far (libFuzzer may end the process without cleanup)."""
        FINDINGS.mkdir(exist_ok=True)
        (FINDINGS / f"{self.target}.json").write_text(json.dumps(
            {"inputs": self.inputs, "findings": list(self.findings.values())}, indent=1))

    def report(self, engine: str) -> str:
        return json.dumps({"target": self.target, "engine": engine, "inputs": self.inputs,
                           "findings": list(self.findings.values())})


def _random(recorder: Recorder, seconds: float) -> None:
    """A seeded mutational fuzzer: flips, inserts, repeats and splices the seeds."""
    rng = random.Random(0)
    corpus = list(SEEDS[recorder.target]) or [b""]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = bytearray(rng.choice(corpus))
        for _ in range(rng.randint(1, 8)):
            op = rng.randrange(5)
            at = rng.randint(0, len(data))
            if op == 0 and data:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif op == 1:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif op == 2 and data:
                end = min(len(data), at + rng.randint(1, 16))
                data[at:at] = data[at:end] * rng.randint(2, 200)
            elif op == 3:
                data[at:at] = rng.choice([b"[", b"{", b"\x00", b"\r\n", b"%", b"{a}.", b";"]) * (
                    rng.randint(1, 3000))
            elif op == 4:
                other = rng.choice(corpus)
                data[at:] = other[rng.randint(0, len(other)):]
        blob = bytes(data[:65536])
        recorder(blob)
        if rng.random() < 0.01 and len(corpus) < 500:
            corpus.append(blob)


def main(argv: list[str]) -> int:
    target, seconds = argv[0], float(argv[1])
    engine = argv[3] if len(argv) > 3 and argv[2] == "--engine" else "atheris"
    recorder = Recorder(target)
    if engine == "atheris":
        import atheris  # the ``fuzz`` extra

        corpus = FINDINGS.parent / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        for index, seed in enumerate(SEEDS[target]):
            (corpus / f"seed-{index}").write_bytes(seed)
        recorder.save()
        atheris.instrument_all()  # coverage feedback from every loaded module
        atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", "-max_len=65536",
                       "-print_final_stats=0", "-close_fd_mask=1", str(corpus)], recorder)
        atheris.Fuzz()
        return 0
    _random(recorder, seconds)
    print(recorder.report("random"), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
