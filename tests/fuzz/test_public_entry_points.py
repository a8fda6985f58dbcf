"""Property fuzzing of the public entry points: only azfunc errors escape, bodies round-trip.

The default profile runs a few dozen examples per test; ``--hypothesis-profile=fuzz``
(registered in ``tests/conftest.py``) runs thousands, with larger inputs. Timing is
not asserted here (see ``fuzz/`` and ``scripts/fuzz.py`` for the time-bounded runs);
linear matching of routes is checked by ``tests/host/test_routing.py`` on inputs that the
old matcher could not finish.
"""

from __future__ import annotations

import json
import string
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import azfunc
from azfunc import AzFuncError, ConfigurationError, FunctionLoadError, load_app
from azfunc.host.ncrontab import CronSchedule
from azfunc.host.routing import RouteTemplate
from azfunc.host.triggers import HostOptions
from azfunc.http.forms import encode_multipart, parse_form, safe_filename
from azfunc.meta import KINDS, Datum, datum_from_typed_data
from azfunc.wire.custom_handler import input_datum, read_request

#: examples of the costlier tests: a tenth of the profile's (10 by default, 500 when fuzzing)
FEW = max(10, settings().max_examples // 10)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)

typed_data = st.one_of(
    st.dictionaries(st.sampled_from(["string", "json", "bytes", "int", "double", "http",
                                     "stream", "collection_string", "collection_bytes",
                                     "collection_double", "collection_sint64",
                                     "model_binding_data", "other"]),
                    json_values, max_size=2),
    st.none(),
)

datums = st.builds(
    lambda kind, value: Datum(value, kind),
    st.sampled_from(sorted(KINDS - {"http", "stream", "model_binding_data"})),
    json_values,
)


def _only_azfunc_errors(call: Any) -> Any:
    """The result of ``call()``, or ``None`` if it raised an azfunc error (anything else
    propagates and fails the test)."""
    try:
        return call()
    except AzFuncError:
        return None


@given(raw=typed_data)
def test_typed_data_to_datum_raises_only_azfunc_errors(raw: Any) -> None:
    datum = _only_azfunc_errors(lambda: datum_from_typed_data(raw))
    if datum is not None:
        assert isinstance(datum, Datum)
        assert datum.type in KINDS
        _only_azfunc_errors(lambda: datum.python_value)


CONVERTERS = sorted(azfunc.get_binding_registry().bindings())


@pytest.mark.parametrize("binding", CONVERTERS)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          max_examples=FEW)
@given(datum=st.one_of(datums, st.builds(Datum, st.binary(max_size=64), st.just("bytes"))),
       metadata=st.dictionaries(st.text(max_size=10), datums, max_size=3))
def test_every_converter_decodes_or_refuses_with_an_azfunc_error(
    binding: str, datum: Datum, metadata: dict[str, Datum]
) -> None:
    converter = azfunc.get_binding_registry().require(binding)
    value = _only_azfunc_errors(lambda: converter.decode(datum, trigger_metadata=metadata))
    for name in ("get_json", "get_body"):
        method = getattr(value, name, None)
        if callable(method):
            _only_azfunc_errors(method)


@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_the_custom_handler_reader_raises_only_azfunc_errors(body: bytes) -> None:
    read = _only_azfunc_errors(lambda: read_request(body))
    if read is not None:
        data, metadata = read
        assert isinstance(data, dict)
        assert isinstance(metadata, dict)
        for value in data.values():
            datum = _only_azfunc_errors(lambda v=value: input_datum(v))
            assert datum is None or isinstance(datum, Datum)


cron_field = st.one_of(
    st.text(alphabet="0123456789*/,-?LW#²٣ ", max_size=6),
    st.integers(-5, 10**12).map(str),
)


@given(fields=st.lists(cron_field, min_size=1, max_size=7))
def test_ncrontab_raises_only_configuration_errors(fields: list[str]) -> None:
    try:
        schedule = CronSchedule(" ".join(fields))
    except ConfigurationError:
        return
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    after = _only_azfunc_errors(lambda: schedule.next_after(start))
    assert after is None or after > start


route_part = st.one_of(
    st.text(alphabet=string.ascii_letters + ".-~", min_size=1, max_size=4),
    st.sampled_from(["{a}", "{b?}", "{c:int}", "{d=x}", "{*e}", "{f:regex(^a+$)}", "{g:alpha}",
                     "{h:length(2)}", "{", "}", "{{", "}}"]),
)


@given(template=st.lists(st.lists(route_part, min_size=1, max_size=4).map("".join),
                         min_size=1, max_size=4).map("/".join),
       path=st.text(alphabet="ab.-/~1%", max_size=60))
def test_route_templates_parse_or_refuse_and_match_or_not(template: str, path: str) -> None:
    try:
        parsed = RouteTemplate(template)
    except FunctionLoadError:
        return
    found = parsed.match(path)
    assert found is None or all(isinstance(v, str) for v in found.values())


durations = st.one_of(json_values, st.floats(), st.sampled_from(
    ["00:00:01", "99999999999.00:00", "PT30S", "P99999999999D", "1e80", "-1", "nan"]))


@given(queues=st.dictionaries(
    st.sampled_from(["maxPollingInterval", "visibilityTimeout", "maxDequeueCount",
                     "batchSize", "newBatchThreshold", "other"]), durations, max_size=4))
def test_host_json_queue_options_raise_only_configuration_errors(queues: dict[str, Any]) -> None:
    try:
        options = HostOptions.from_host_json({"extensions": {"queues": queues}})
    except ConfigurationError:
        return
    assert options.max_dequeue_count >= 1


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=FEW)
@given(function_json=json_values | st.text(max_size=50).map(json.dumps),
       host_json=st.sampled_from(['{"version": "2.0"}', "[", "{}", "[" * 3000]))
def test_load_app_reports_any_folder_app_as_findings(
    tmp_path_factory: pytest.TempPathFactory, function_json: Any, host_json: str
) -> None:
    root = tmp_path_factory.mktemp("app")
    (root / "host.json").write_text(host_json)
    folder = root / "Fn"
    folder.mkdir()
    (folder / "__init__.py").write_text("def main(req):\n    return None\n")
    text = function_json if isinstance(function_json, str) else json.dumps(function_json)
    (folder / "function.json").write_text(text)
    try:
        app = load_app(root, apply_settings=False)
    except FunctionLoadError:
        return
    with app:
        findings = app.check()
    assert all(isinstance(f.message, str) for f in findings)


fields_st = st.lists(st.tuples(st.text(string.ascii_letters, min_size=1, max_size=8),
                               st.text(max_size=30)), max_size=4)
files_st = st.lists(st.tuples(st.text(string.ascii_letters, min_size=1, max_size=8),
                              st.text(string.ascii_letters + ".", min_size=1, max_size=12),
                              st.binary(max_size=200)), max_size=3)


@given(fields=fields_st, files=files_st)
def test_multipart_bodies_round_trip_byte_identical(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> None:
    body, content_type = encode_multipart(fields, files)
    form, parsed_files = parse_form(body, content_type)
    assert list(form.items()) == fields
    got = [(name, item.raw_filename, item.read()) for name, item in parsed_files.items()]
    assert got == files
    # the safe name is derived from the raw one (``.`` and ``..`` give "")
    assert [item.filename for item in parsed_files.values()] == [
        safe_filename(raw) for _, raw, _ in files]


@given(body=st.binary(max_size=400), boundary=st.text(string.ascii_letters, min_size=1,
                                                      max_size=10))
def test_arbitrary_multipart_bodies_raise_only_azfunc_errors(body: bytes, boundary: str) -> None:
    parsed = _only_azfunc_errors(
        lambda: parse_form(b"--" + boundary.encode() + b"\r\n" + body,
                           f"multipart/form-data; boundary={boundary}"))
    assert parsed is None or len(parsed) == 2


DEEP = "[" * 5000 + "]" * 5000


def test_a_deep_json_datum_value_is_an_azfunc_error() -> None:
    with pytest.raises(azfunc.WireFormatError, match="nests deeper"):
        datum_from_typed_data({"json": DEEP}).python_value  # noqa: B018


@pytest.mark.parametrize(
    "binding", ["queueTrigger", "eventHubTrigger", "serviceBusTrigger", "kafkaTrigger"]
)
def test_a_deep_message_get_json_is_an_azfunc_error(binding: str) -> None:
    message = azfunc.get_binding_registry().require(binding).decode(
        Datum(DEEP, "string"), trigger_metadata={})
    with pytest.raises(azfunc.BodyDecodeError, match="nests deeper"):
        message.get_json()


def test_deep_json_in_app_files_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(DEEP)
    folder = tmp_path / "Fn"
    folder.mkdir()
    (folder / "__init__.py").write_text("def main(req): pass\n")
    (folder / "function.json").write_text(DEEP)
    with load_app(tmp_path, apply_settings=False) as app:
        codes = sorted(f.code for f in app.check())
    assert codes == ["function-json-invalid", "host-json-invalid"]
