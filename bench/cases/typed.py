"""Typed payloads: a 1 KiB JSON body decoded into a dataclass and into a pydantic model.

Rules this module keeps:

* The body is one order of about 1 KiB (an id, a customer, a note, twelve lines of sku,
  quantity and price), the same bytes on both sides.
* ``typed.dataclass``: azfunc's :func:`azfunc._typed.decode_model` (strict validation of
  every field, nested dataclasses, problems collected) against ``json.loads`` plus the same
  checks written by hand (isinstance per field, the nested objects built). No target: the
  ratio reports the price of a generic validator over hand-written code.
* ``typed.pydantic``: azfunc's decode into a pydantic v2 model against ``json.loads`` plus
  ``Model.model_validate`` called directly: the overhead azfunc adds around pydantic.
* Setup checks once that both sides produce equal objects.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

from harness import BenchCase, Case


@dataclasses.dataclass
class Line:
    sku: str
    qty: int
    price: float


@dataclasses.dataclass
class Order:
    id: int
    customer: str
    note: str
    lines: list[Line]


def _body() -> bytes:
    lines = [{"sku": f"SKU-{i:05d}-BLUE", "qty": i + 1, "price": 9.99 + i} for i in range(12)]
    order = {"id": 123456, "customer": "Ada Lovelace <ada@example.com>",
             "note": "leave at the door, ring twice " * 4, "lines": lines}
    return json.dumps(order).encode()


def _by_hand(value: Any) -> Order:
    if not isinstance(value, dict):
        raise ValueError("expected object")
    oid, customer, note, lines = (value.get(k) for k in ("id", "customer", "note", "lines"))
    if not isinstance(oid, int) or isinstance(oid, bool):
        raise ValueError("id")
    if not isinstance(customer, str) or not isinstance(note, str):
        raise ValueError("customer/note")
    if not isinstance(lines, list):
        raise ValueError("lines")
    built = []
    for line in lines:
        if not isinstance(line, dict):
            raise ValueError("line")
        sku, qty, price = line.get("sku"), line.get("qty"), line.get("price")
        if not isinstance(sku, str) or not isinstance(qty, int) or isinstance(qty, bool):
            raise ValueError("sku/qty")
        if not isinstance(price, (int, float)) or isinstance(price, bool):
            raise ValueError("price")
        built.append(Line(sku, qty, float(price)))
    return Order(oid, customer, note, built)


def cases() -> list[Case]:
    """The typed-decode cases."""
    import pydantic

    from azfunc._typed import decode_model

    class PLine(pydantic.BaseModel):
        sku: str
        qty: int
        price: float

    class POrder(pydantic.BaseModel):
        id: int
        customer: str
        note: str
        lines: list[PLine]

    body = _body()
    assert 900 <= len(body) <= 1200, len(body)

    def ours_dataclass() -> object:
        return decode_model(json.loads(body), Order)

    def hand_dataclass() -> object:
        return _by_hand(json.loads(body))

    def ours_pydantic() -> object:
        return decode_model(json.loads(body), POrder)

    def direct_pydantic() -> object:
        return POrder.model_validate(json.loads(body))

    if ours_dataclass() != hand_dataclass() or ours_pydantic() != direct_pydantic():
        raise AssertionError("azfunc and the baseline disagree")
    return [
        BenchCase(
            name="typed.dataclass",
            description="decode a 1 KiB JSON order into nested dataclasses, every field "
            "validated",
            azfunc=ours_dataclass,
            baseline=hand_dataclass,
            baseline_name="json.loads + hand-written checks",
            target=None,
            target_text="reported",
        ),
        BenchCase(
            name="typed.pydantic",
            description="decode a 1 KiB JSON order into a pydantic v2 model",
            azfunc=ours_pydantic,
            baseline=direct_pydantic,
            baseline_name="json.loads + Model.model_validate",
            target=None,
            target_text="reported",
        ),
    ]
