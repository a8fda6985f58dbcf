"""Trigger-metadata readers: every wire shape of a field, and never an exception."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azfunc import Datum
from azfunc import _metadata as md
from azfunc._metadata import (
    metadata_bool,
    metadata_datetime,
    metadata_dict,
    metadata_duration,
    metadata_float,
    metadata_int,
    metadata_list,
    metadata_str,
    metadata_value,
    raw_metadata,
)

UTC = timezone.utc


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    md._WARNED.clear()
    yield
    md._WARNED.clear()


# The same field in every shape it arrives in: gRPC string/int Datums (library tests), gRPC
# json Datums (the host), custom-handler raw values and values JSON-encoded a second time.
INT_SHAPES = [
    Datum(10, "int"),
    Datum("10", "string"),
    Datum("10", "json"),
    Datum('"10"', "json"),
    10,
    "10",
    '"10"',
    10.0,
]
DATETIME_SHAPES = [
    Datum("2019-10-16T17:58:31+00:00", "string"),
    Datum('"2019-10-16T17:58:31+00:00"', "json"),
    Datum('"2019-10-16T19:58:31+02:00"', "json"),
    "2019-10-16T17:58:31Z",
    '"2019-10-16T17:58:31+00:00"',
    "10/16/2019 5:58:31 PM",
]
STR_SHAPES = [
    Datum("abc", "string"),
    Datum('"abc"', "json"),
    "abc",
    '"abc"',
    Datum(b"abc", "bytes"),
]


@pytest.mark.parametrize("value", INT_SHAPES)
def test_int_shapes(value: Any) -> None:
    assert metadata_int({"DequeueCount": value}, "DequeueCount") == 10


@pytest.mark.parametrize("value", DATETIME_SHAPES)
def test_datetime_shapes(value: Any) -> None:
    got = metadata_datetime({"T": value}, "T")
    assert got == datetime(2019, 10, 16, 17, 58, 31, tzinfo=UTC)


@pytest.mark.parametrize("value", STR_SHAPES)
def test_str_shapes(value: Any) -> None:
    assert metadata_str({"Id": value}, "Id") == "abc"


def test_value_unwrapping_rules() -> None:
    assert metadata_value({"K": Datum('{"a": [1]}', "json")}, "K") == {"a": [1]}
    assert metadata_value({"K": "1"}, "K") == "1"  # stays text here
    assert metadata_value({"K": '"a\\"b"'}, "K") == 'a"b'
    assert metadata_value({"K": Datum(["a", "b"], "collection_string")}, "K") == ["a", "b"]
    assert metadata_value({"K": Datum([1, 2], "collection_sint64")}, "K") == [1, 2]
    assert metadata_value({"K": Datum(None, "null")}, "K") is None
    assert metadata_value({"K": Datum(2.5, "double")}, "K") == 2.5
    assert metadata_value({"K": None}, "K") is None
    assert metadata_value({}, "K") is None
    assert metadata_value(None, "K") is None


def test_typed_readers() -> None:
    data: dict[str, Any] = {
        "Str": Datum('"1"', "json"),
        "Num": Datum("1", "json"),
        "Float": "2.5",
        "True": "True",
        "False": Datum("false", "json"),
        "One": 1,
        "Obj": '{"Length": 10}',
        "ObjDatum": Datum('{"Length": 10}', "json"),
        "Arr": Datum('["a", "b"]', "json"),
        "ArrText": '["a"]',
        "Coll": Datum(["x"], "collection_string"),
        "Span": Datum('"00:05:00"', "json"),
        "SpanNum": 30,
    }
    assert metadata_str(data, "Str") == "1"
    assert metadata_str(data, "Num") == "1"
    assert metadata_int(data, "Str") == 1
    assert metadata_float(data, "Float") == 2.5
    assert metadata_float(data, "One") == 1.0
    assert metadata_bool(data, "True") is True
    assert metadata_bool(data, "False") is False
    assert metadata_bool(data, "One") is True
    assert metadata_dict(data, "Obj") == {"Length": 10}
    assert metadata_dict(data, "ObjDatum") == {"Length": 10}
    assert metadata_list(data, "Arr") == ["a", "b"]
    assert metadata_list(data, "ArrText") == ["a"]
    assert metadata_list(data, "Coll") == ["x"]
    assert metadata_duration(data, "Span") == timedelta(minutes=5)
    assert metadata_duration(data, "SpanNum") == timedelta(seconds=30)


def test_unreadable_field_gives_none_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    data = {"DequeueCount": Datum('"many"', "json"), "ExpirationTime": "someday"}
    with caplog.at_level(logging.WARNING, logger="azfunc.metadata"):
        for _ in range(3):
            assert metadata_int(data, "DequeueCount") is None
            assert metadata_datetime(data, "ExpirationTime") is None
    messages = [r.getMessage() for r in caplog.records if r.name == "azfunc.metadata"]
    assert len(messages) == 2
    assert "DequeueCount" in messages[0]
    assert "not an integer" in messages[0]
    assert "ExpirationTime" in messages[1]
    # the raw value stays available
    assert raw_metadata(data) == {"DequeueCount": "many", "ExpirationTime": "someday"}


def test_missing_and_null_fields_do_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="azfunc.metadata"):
        assert metadata_int({"A": Datum(None, "null")}, "A") is None
        assert metadata_datetime({}, "A") is None
        assert metadata_dict(None, "A") is None
    assert not caplog.records


def test_invalid_json_datum_keeps_the_text(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="azfunc.metadata"):
        assert metadata_value({"K": Datum("{oops", "json")}, "K") == "{oops"
        assert metadata_dict({"K": Datum("{oops", "json")}, "K") is None
    assert caplog.records


class _Hostile(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("boom")

    def __len__(self) -> int:
        return 1


def test_hostile_mapping_never_raises() -> None:
    assert metadata_int(_Hostile(), "A") is None
    assert raw_metadata(_Hostile()) == {}


# --- property tests -----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
datums = st.one_of(
    st.builds(Datum, st.text(max_size=20), st.just("string")),
    st.builds(Datum, st.text(max_size=20), st.just("json")),
    st.builds(Datum, st.binary(max_size=10), st.just("bytes")),
    st.builds(Datum, st.integers(), st.just("int")),
    st.builds(Datum, st.floats(), st.just("double")),
    st.builds(Datum, st.none(), st.just("null")),
    st.builds(Datum, st.lists(st.text(max_size=4), max_size=3), st.just("collection_string")),
    st.builds(Datum, st.integers(), st.just("collection_bytes")),  # malformed collection
    st.builds(Datum, json_values, st.just("json")),  # already-parsed json value
)
field_values = st.one_of(datums, json_values, st.binary(max_size=6))

READERS = [
    (metadata_value, object),
    (metadata_str, str),
    (metadata_int, int),
    (metadata_float, float),
    (metadata_bool, bool),
    (metadata_datetime, datetime),
    (metadata_duration, timedelta),
    (metadata_dict, dict),
    (metadata_list, list),
]


@settings(max_examples=150)
@given(value=field_values)
def test_readers_never_raise(value: Any) -> None:
    data = {"K": value}
    for reader, kind in READERS:
        got = reader(data, "K")
        assert got is None or isinstance(got, kind), (reader.__name__, got)
    assert set(raw_metadata(data)) == {"K"}


@settings(max_examples=100)
@given(st.integers(min_value=-(2**62), max_value=2**62))
def test_int_round_trips_through_every_shape(n: int) -> None:
    for value in (Datum(n, "int"), Datum(str(n), "json"), str(n), f'"{n}"', n):
        assert metadata_int({"N": value}, "N") == n


@settings(max_examples=100)
@given(st.text(max_size=20).filter(lambda s: s.strip() == s))
def test_str_round_trips_through_json_shapes(text: str) -> None:
    import json

    assert metadata_str({"S": Datum(text, "string")}, "S") == text
    assert metadata_str({"S": Datum(json.dumps(text), "json")}, "S") == text
    assert metadata_str({"S": json.dumps(text)}, "S") == text


# --- the one integer / boolean coercion -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        (-7, -7),
        ("7", 7),
        (" 7 ", 7),
        ('"7"', 7),
        (b"5", 5),
        (bytearray(b"5"), 5),
        ("1.0", 1),
        ("1e3", 1000),
        (7.0, 7),
        ("1.5", None),
        (1.5, None),
        (True, None),
        ("", None),
        ("x", None),
        ("1_000", None),
        ("\u0661", None),  # an Arabic-Indic digit: not a decimal integer the host sends
        ("nan", None),
        ("inf", None),
        (float("nan"), None),
        (float("inf"), None),
        (None, None),
        ([1], None),
        (b"\xff", None),
        ("9" * 5000, None),
    ],
)
def test_to_int_accepts_the_host_forms_and_refuses_the_rest(value: Any, expected: Any) -> None:
    assert md.to_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ('"true"', True),
        (b"false", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        ("2", None),
        (2, None),
        ("", None),
        ("maybe", None),
        (None, None),
        ({}, None),
    ],
)
def test_to_bool_accepts_the_host_forms_and_refuses_the_rest(value: Any, expected: Any) -> None:
    assert md.to_bool(value) == expected


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_to_int_agrees_on_every_form_of_an_integer(n: int) -> None:
    forms = [n, str(n), f'"{n}"', str(n).encode(), f" {n} ", f"{n}.0"]
    assert [md.to_int(form) for form in forms] == [n] * len(forms)
    # and the metadata reader agrees with it on every wire shape
    shapes = [Datum(str(n), "json"), Datum(str(n), "string"), str(n), f'"{n}"']
    assert [metadata_int({"N": shape}, "N") for shape in shapes] == [n] * len(shapes)


@given(st.booleans(), st.sampled_from([str, str.title, str.upper]))
def test_to_bool_agrees_on_every_form_of_a_boolean(b: bool, case: Any) -> None:
    text = case("true" if b else "false")
    forms = [b, text, f'"{text}"', text.encode(), int(b)]
    assert [md.to_bool(form) for form in forms] == [b] * len(forms)
    assert metadata_bool({"B": Datum(text, "string")}, "B") is b


_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


@given(_ANYTHING)
def test_coercions_never_raise_and_return_their_type_or_none(value: Any) -> None:
    as_int = md.to_int(value)
    as_bool = md.to_bool(value)
    as_text = md.to_text(value)
    assert as_int is None or type(as_int) is int
    assert as_bool is None or type(as_bool) is bool
    assert as_text is None or type(as_text) is str


# --- the warning cache ---------------------------------------------------------------------


def test_warning_cache_is_bounded_and_new_keys_still_warn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="azfunc.metadata")
    for i in range(md._WARNED_MAX + 10):
        metadata_int({f"K{i}": "x"}, f"K{i}")
    assert len(md._WARNED) == md._WARNED_MAX
    caplog.clear()
    metadata_int({"Fresh": "x"}, "Fresh")
    assert any("'Fresh'" in r.getMessage() for r in caplog.records)
    # the oldest pair was evicted, so it warns again; a recent one stays silent
    caplog.clear()
    metadata_int({"K0": "x"}, "K0")
    metadata_int({"Fresh": "x"}, "Fresh")
    messages = [r.getMessage() for r in caplog.records]
    assert any("'K0'" in m for m in messages)
    assert not any("'Fresh'" in m for m in messages)
