"""A small hostile load against ``azfunc worker``, with the invariants ``scripts/load.py``
reports for the full run (10,000 requests): no crash, every request answered as its kind
must be (well-formed envelopes 200 with the right ``Outputs``, malformed envelopes and
malformed HTTP 400, slow heads timed out), and the worker still serving afterwards.

It counts outcomes only: no timing is asserted (speed is the benchmarks' job).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_azfunc_load", ROOT / "scripts" / "load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def numbers() -> dict[str, object]:
    """One scaled-down run: 300 requests, 20 at a time, every kind of request included."""
    pytest.importorskip("uvicorn")
    result: dict[str, object] = _load_script().run_worker_load(300, 20,
                                                               python=sys.executable)
    return result


def test_the_worker_never_crashes_and_still_serves(numbers: dict[str, object]) -> None:
    assert numbers["crashed"] is False
    assert numbers["answered_after_load"] == "good-queue:200"


def test_every_request_is_answered_as_its_kind_must_be(numbers: dict[str, object]) -> None:
    outcomes = numbers["outcomes"]
    assert isinstance(outcomes, dict)
    assert sum(outcomes.values()) == 300
    assert numbers["unexpected"] == {}
    # the mix really had each kind (seeded), so the invariants were exercised
    kinds = {outcome.partition(":")[0] for outcome in outcomes}
    assert kinds == {"good-http", "good-queue", "bad-json", "bad-shape", "deep", "malformed",
                     "cut", "slow"}


def test_malformed_envelopes_are_4xx(numbers: dict[str, object]) -> None:
    outcomes = numbers["outcomes"]
    assert isinstance(outcomes, dict)
    for outcome, count in outcomes.items():
        kind, _, status = outcome.partition(":")
        if kind in {"bad-json", "bad-shape", "deep", "malformed"}:
            assert status.startswith("4"), (outcome, count)


def test_the_outcome_check_is_able_to_fail() -> None:
    """The judge of the run flags wrong answers (so an all-green run means something)."""
    load = _load_script()
    assert load.unexpected({"good-http:500": 1, "bad-json:200": 2, "cut:sent": 3,
                            "good-queue:200-wrong": 1}) == {
        "good-http:500": 1, "bad-json:200": 2, "good-queue:200-wrong": 1}
    expected = {"out": "SEk="}
    ok = b'HTTP/1.1 200 OK\r\n\r\n{"Outputs": {"out": "SEk="}}'
    wrong = b'HTTP/1.1 200 OK\r\n\r\n{"Outputs": {"out": "hi"}}'
    assert load._answer_outcome("good-queue", ok, expected) == "good-queue:200"
    assert load._answer_outcome("good-queue", wrong, expected) == "good-queue:200-wrong"
    assert load._answer_outcome("cut", b"", None) == "cut:closed"
