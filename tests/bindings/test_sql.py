"""Azure SQL and MySQL rows and triggers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.meta import KINDS, Datum

REG = func.get_binding_registry()
CASES = [
    ("sql", "sqlTrigger", func.SqlRow, func.SqlRowList),
    ("mysql", "mysqlTrigger", func.MySqlRow, func.MySqlRowList),
]


@pytest.mark.parametrize(("binding", "trigger", "row", "rows"), CASES)
def test_input_decodes_rows(binding: str, trigger: str, row: type, rows: type) -> None:
    conv = REG.require(binding)
    got = conv.decode(Datum('[{"ProductId": 1, "Name": "a"}, null]', "json"))
    assert type(got) is rows
    assert type(got[0]) is row
    assert got == [{"ProductId": 1, "Name": "a"}, None]
    assert conv.decode(Datum(b'{"id": 1}', "bytes"), pytype=row) == {"id": 1}
    assert conv.decode(Datum(None, "null")) is None


@pytest.mark.parametrize(("binding", "trigger", "row", "rows"), CASES)
def test_trigger_gives_text_by_default_and_rows_when_asked(
    binding: str, trigger: str, row: type, rows: type
) -> None:
    conv = REG.require(trigger)
    changes = '[{"Operation": 0, "Item": {"id": 1}}]'
    assert conv.decode(Datum(changes, "json")) == changes
    assert conv.decode(Datum(changes.encode(), "bytes")) == changes
    parsed = conv.decode(Datum(changes, "json"), pytype=rows)
    assert type(parsed) is rows
    assert parsed[0]["Item"] == {"id": 1}
    assert conv.decode(Datum(changes, "json"), pytype=list) == json.loads(changes)
    assert conv.has_trigger_support()
    assert not conv.check_output_type_annotation(rows)


@pytest.mark.parametrize(("binding", "trigger", "row", "rows"), CASES)
def test_output(binding: str, trigger: str, row: type, rows: type) -> None:
    conv = REG.require(binding)
    assert conv.encode(row(id=1)) == Datum('[{"id": 1}]', "json")
    assert conv.encode(rows([row(id=1), row(id=2)])) == Datum('[{"id": 1}, {"id": 2}]', "json")
    assert conv.check_output_type_annotation(row)
    assert conv.check_output_type_annotation(rows)
    with pytest.raises(func.ConversionError):
        conv.encode([1, 2])


def test_row_types() -> None:
    r = func.SqlRow.from_json('{"a": 1}')
    assert r.to_json() == '{"a": 1}'
    assert r.to_dict() == {"a": 1}
    assert func.MySqlRow.from_dict({"a": 1}) == r
    assert func.SqlRowList.from_json("[]") == []
    with pytest.raises(func.ConversionError):
        func.SqlRow.from_dict([1])  # type: ignore[arg-type]


_text = st.text(st.characters(codec="utf-8"), max_size=10)
_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text


@settings(max_examples=50)
@given(st.sampled_from(CASES), st.lists(st.dictionaries(_text, _scalars, max_size=4), max_size=5))
def test_rows_round_trip(case: tuple[str, str, type, type], items: list[dict[str, Any]]) -> None:
    binding, _, row, rows = case
    conv = REG.require(binding)
    datum = conv.encode(rows(row(i) for i in items))
    assert datum is not None
    assert conv.decode(datum) == items


@settings(max_examples=100)
@given(
    st.sampled_from(["sql", "sqlTrigger", "mysql", "mysqlTrigger"]),
    st.builds(
        Datum,
        st.one_of(
            st.none(),
            st.text(st.characters(categories=["Cs", "Ll"]), max_size=5),
            st.binary(max_size=8),
            _text,
            st.integers(),
        ),
        st.sampled_from(sorted(KINDS)),
    ),
    st.sampled_from([None, func.SqlRow, func.SqlRowList, str, bytes, dict]),
)
def test_arbitrary_datums_raise_only_azfunc_errors(
    binding: str, datum: Datum, pytype: Any
) -> None:
    try:
        result = REG.require(binding).decode(datum, pytype=pytype)
    except func.AzFuncError:  # the property: nothing but azfunc errors escape
        return
    if result is None:
        return
    if pytype is None:
        assert isinstance(result, (str, func.SqlRowList, func.MySqlRowList))
    elif pytype is func.SqlRowList:
        assert isinstance(result, (func.SqlRowList, func.MySqlRowList))
    elif pytype is func.SqlRow:
        assert isinstance(result, (func.SqlRow, func.MySqlRow))
    else:
        assert isinstance(result, pytype)
