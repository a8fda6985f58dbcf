"""Timer trigger: TimerRequest, ScheduleStatus (object and mapping), and the decoder."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError, ConversionError, Datum
from azfunc.bindings.timer import ScheduleStatus
from azfunc.meta import datum_from_typed_data
from tests.conftest import VECTORS

UTC = timezone.utc


def _load(*parts: str) -> Any:
    return json.loads(VECTORS.joinpath(*parts).read_text(encoding="utf-8"))


def _conv() -> Any:
    return func.get_binding_registry().require("timerTrigger")


def test_docs_example_vector() -> None:
    value = _load("trigger_payloads", "timer.json")["docs_example"]["value"]
    for datum in (
        Datum(json.dumps(value), "json"),
        Datum(value, "json"),
        Datum(json.dumps(value), "string"),
    ):
        timer = _conv().decode(datum)
        assert isinstance(timer, func.TimerRequest)
        assert timer.past_due is False
        assert timer.schedule == {}
        status = timer.schedule_status
        assert status.last == datetime(2016, 10, 4, 10, 15, tzinfo=UTC)
        assert status.next == datetime(2016, 10, 4, 10, 20, tzinfo=UTC)
        assert status.last_updated == datetime(2016, 10, 4, 10, 16, tzinfo=UTC)
        assert status["Last"] == "2016-10-04T10:15:00+00:00"
        assert dict(status) == value["ScheduleStatus"]


def test_pylib_vector_with_7_digit_fractions_and_offsets() -> None:
    text = _load("trigger_payloads", "timer.json")["pylib_test"]["value_json_text"]
    timer = _conv().decode(Datum(text, "json"))
    assert timer.schedule == {"AdjustForDST": True}
    assert timer.schedule_status.last == datetime(2022, 3, 28, 20, 40, 0, 10541, tzinfo=UTC)
    assert timer.schedule_status.next == datetime(2022, 3, 28, 20, 45, tzinfo=UTC)
    assert timer.schedule_status["Next"] == "2022-03-28T15:45:00-05:00"


def test_python_worker_mock_host_vector() -> None:
    case = _load("trigger_payloads", "timer.json")["python_worker_mock_host"]
    timer = _conv().decode(datum_from_typed_data(case["input_data"][0]["data"]))
    assert timer.past_due is True
    assert len(timer.schedule_status) == 0
    assert timer.schedule_status.next is None


def test_grpc_invocation_request_vector() -> None:
    message = _load("grpc", "timer_invocation_request.json")["message"]
    metadata = {k: datum_from_typed_data(v) for k, v in message["triggerMetadata"].items()}
    timer = _conv().decode(
        datum_from_typed_data(message["inputData"][0]["data"]), trigger_metadata=metadata
    )
    assert timer.schedule_status.last_updated == datetime(
        2022, 3, 28, 20, 40, 0, 10541, tzinfo=UTC
    )
    assert timer.past_due is False
    from azfunc._metadata import metadata_datetime

    # the culture-formatted TimerTrigger metadata reads too (as UTC: it carries no offset)
    assert metadata_datetime(metadata, "TimerTrigger") == datetime(2022, 3, 28, 15, 45, tzinfo=UTC)


def test_constructor_defaults_and_dict_status() -> None:
    timer = func.TimerRequest()
    assert (timer.past_due, timer.schedule, dict(timer.schedule_status)) == (False, {}, {})
    assert not timer.schedule_status
    timer = func.TimerRequest(
        past_due=True,
        schedule_status={"Last": "3/28/2022 3:45:00 PM"},
        schedule={"AdjustForDST": False},
    )
    assert timer.schedule_status.last == datetime(2022, 3, 28, 15, 45, tzinfo=UTC)
    assert timer.schedule_status["Last"] == "3/28/2022 3:45:00 PM"
    assert timer == func.TimerRequest(
        past_due=True,
        schedule_status=ScheduleStatus({"Last": "3/28/2022 3:45:00 PM"}),
        schedule={"AdjustForDST": False},
    )


def test_schedule_status_keywords_and_mapping() -> None:
    last = datetime(2022, 3, 28, 15, 40, tzinfo=UTC)
    status = ScheduleStatus(last=last, next="2022-03-28T15:45:00Z")
    assert status.last == last
    assert status.next == datetime(2022, 3, 28, 15, 45, tzinfo=UTC)
    assert dict(status) == {"Last": "2022-03-28T15:40:00Z", "Next": "2022-03-28T15:45:00Z"}
    assert status.get("LastUpdated") is None
    with pytest.raises(KeyError):
        status["LastUpdated"]
    assert func.ScheduleStatus is ScheduleStatus


def test_unreadable_times_are_none_with_raw_kept() -> None:
    status = ScheduleStatus(
        {"Last": "whenever", "Next": 12.5j, "lastupdated": "2022-03-28T15:40:00Z"}
    )
    assert status.last is None
    assert status.next is None
    assert status.last_updated == datetime(2022, 3, 28, 15, 40, tzinfo=UTC)
    assert status["Last"] == "whenever"


def test_case_insensitive_payload_keys() -> None:
    timer = _conv().decode(
        Datum('{"isPastDue": "True", "scheduleStatus": {"next": "2022-01-01T00:00:00Z"}}', "json")
    )
    assert timer.past_due is True
    assert timer.schedule_status.next == datetime(2022, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "datum",
    [
        Datum("[1]", "json"),
        Datum("{oops", "json"),
        Datum("3", "string"),
        Datum(1, "int"),
        Datum(None, "null"),
    ],
)
def test_bad_payloads_raise_conversion_error(datum: Datum) -> None:
    with pytest.raises(ConversionError, match="timerTrigger"):
        _conv().decode(datum)


def test_annotation_and_flags() -> None:
    assert _conv().check_input_type_annotation(func.TimerRequest)
    assert _conv().check_input_type_annotation(func.TimerRequest | None)
    assert not _conv().check_input_type_annotation(dict)
    assert _conv().has_trigger_support()


times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=75)
@given(past_due=st.booleans(), last=times, nxt=times)
def test_payload_round_trip(past_due: bool, last: datetime, nxt: datetime) -> None:
    payload: dict[str, Any] = {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": {
            "Last": last.isoformat(),
            "Next": nxt.isoformat(),
            "LastUpdated": last.isoformat(),
        },
        "IsPastDue": past_due,
    }
    timer = _conv().decode(Datum(json.dumps(payload), "json"))
    assert (timer.past_due, timer.schedule_status.last, timer.schedule_status.next) == (
        past_due,
        last,
        nxt,
    )
    assert timer == func.TimerRequest(
        past_due=past_due, schedule_status=payload["ScheduleStatus"], schedule=payload["Schedule"]
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["Last", "Next", "LastUpdated", "IsPastDue", "Schedule", "ScheduleStatus", "x"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=150)
@given(value=json_values, kind=st.sampled_from(["json", "string", "bytes"]), encode=st.booleans())
def test_arbitrary_payloads_raise_only_azfunc_errors(value: Any, kind: str, encode: bool) -> None:
    raw = json.dumps(value) if encode else value
    try:
        timer = _conv().decode(Datum(raw, kind))
    except AzFuncError:
        return
    assert isinstance(timer.past_due, bool)
    for when in (
        timer.schedule_status.last,
        timer.schedule_status.next,
        timer.schedule_status.last_updated,
    ):
        assert when is None or when.tzinfo is UTC
