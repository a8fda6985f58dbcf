"""Warm-up trigger: a concrete, no-argument WarmUpContext."""

from __future__ import annotations

from typing import Any

import pytest

import azfunc as func
from azfunc import Datum


def _conv() -> Any:
    return func.get_binding_registry().require("warmupTrigger")


@pytest.mark.parametrize("datum", [Datum(None, "null"), Datum("{}", "json"), Datum(b"", "bytes")])
def test_decode_gives_a_warmup_context(datum: Datum) -> None:
    ctx = _conv().decode(datum, trigger_metadata={"sys": Datum("{}", "json")})
    assert isinstance(ctx, func.WarmUpContext)


def test_constructor_annotation_and_flags() -> None:
    assert repr(func.WarmUpContext()) == "<WarmUpContext>"
    assert _conv().check_input_type_annotation(func.WarmUpContext)
    assert _conv().check_input_type_annotation(func.WarmUpContext | None)
    assert not _conv().check_input_type_annotation(str)
    assert _conv().has_trigger_support()


def test_a_warmup_function_runs() -> None:
    seen: list[func.WarmUpContext] = []

    def warmup(warmupContext: func.WarmUpContext) -> None:
        seen.append(warmupContext)

    warmup(func.WarmUpContext())
    assert len(seen) == 1
