"""Typed payloads: a parameter annotated with a model receives the validated body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import testing
from azfunc._typed import PayloadValidationError, decode_model, to_jsonable
from azfunc.testing import strategies as azst

APP = '''
from __future__ import annotations

import dataclasses
from typing import Literal, Optional, TypedDict

import pydantic

import azfunc as func

app = func.FunctionApp()
calls = []


@dataclasses.dataclass
class Line:
    sku: str
    qty: int = 1


@dataclasses.dataclass
class Order:
    id: int
    lines: list[Line]
    note: Optional[str] = None
    kind: Literal["web", "shop"] = "web"


class Event(TypedDict):
    name: str
    weight: float


class Customer(pydantic.BaseModel):
    name: str
    age: int


@app.route(route="orders", methods=["POST"])
def orders(req: Order) -> func.HttpResponse:
    calls.append(req)
    return func.HttpResponse(str(sum(line.qty for line in req.lines)))


@app.route(route="customers", methods=["POST"])
def customers(req: Customer) -> Customer:
    calls.append(req)
    return Customer(name=req.name.upper(), age=req.age + 1)


@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
@app.queue_output(arg_name="out", queue_name="out", connection="C")
def work(msg: Order, out: func.Out[Order]) -> None:
    calls.append(msg)
    out.set(Order(id=msg.id + 1, lines=[]))


@app.event_hub_message_trigger(arg_name="events", event_hub_name="h", connection="C",
                               cardinality="many")
def batch(events: list[Event]) -> None:
    calls.append(events)


@app.event_grid_trigger(arg_name="event")
def grid(event: Customer) -> None:
    calls.append(event)
'''


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root: Path = tmp_path_factory.mktemp("typed_app")
    (root / "function_app.py").write_text(APP)
    with func.load_app(root) as loaded:
        yield loaded


def _calls(app: Any) -> list[Any]:
    calls: list[Any] = app.function("orders").func.__globals__["calls"]
    return calls


def test_an_http_json_body_becomes_the_dataclass(app: Any) -> None:
    req = testing.http_request("POST", "/api/orders",
                               json={"id": 7, "lines": [{"sku": "a"}, {"sku": "b", "qty": 3}]})
    result = app.invoke("orders", req=req)
    assert result.return_value.get_body() == b"4"
    order = _calls(app)[-1]
    assert (order.id, [line.qty for line in order.lines], order.kind) == (7, [1, 3], "web")


def test_an_invalid_body_is_a_422_naming_each_field_and_the_function_is_not_called(
    app: Any
) -> None:
    before = len(_calls(app))
    req = testing.http_request("POST", "/api/orders",
                               json={"id": "7", "lines": [{"qty": True}], "kind": "x"})
    result = app.invoke("orders", req=req)
    response = result.return_value
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = json.loads(response.get_body())
    assert problem["status"] == 422
    assert problem["title"] == "Unprocessable Content"
    pointers = {error["pointer"] for error in problem["errors"]}
    assert pointers == {"/id", "/lines/0/sku", "/lines/0/qty", "/kind"}
    assert len(_calls(app)) == before
    assert result.return_data is not None


def test_a_body_that_is_not_json_is_a_422(app: Any) -> None:
    req = testing.http_request("POST", "/api/orders", body=b"{nope",
                               headers={"content-type": "application/json"})
    assert app.invoke("orders", req=req).return_value.status_code == 422


def test_a_form_body_is_validated_too(app: Any) -> None:
    ok = testing.http_request("POST", "/api/orders", form={"id": "5", "lines": []})
    # a form field is text: "5" is read as the int the field asks for, "5x" is refused
    assert app.invoke("orders", req=ok).return_value.status_code == 422  # lines: not a list
    bad = testing.http_request("POST", "/api/orders", form={"id": "5x"})
    problem = json.loads(app.invoke("orders", req=bad).return_value.get_body())
    assert {e["pointer"] for e in problem["errors"]} == {"/id", "/lines"}
    assert "'5x'" in problem["errors"][0]["detail"]


@pytest.mark.parametrize("content_type", [
    "multipart/form-data",  # no boundary: the form cannot be parsed
    "multipart/form-data; boundary=x",  # a body that is not that multipart
])
def test_a_form_body_that_does_not_parse_is_a_422(app: Any, content_type: str) -> None:
    before = len(_calls(app))
    req = testing.http_request("POST", "/api/orders", body=b'{"id": 1}',
                               headers={"content-type": content_type})
    response = app.invoke("orders", req=req).return_value
    assert response.status_code == 422
    problem = json.loads(response.get_body())
    assert problem["errors"][0]["detail"].startswith("not a form")
    assert len(_calls(app)) == before


def test_a_pydantic_model_in_and_out(app: Any) -> None:
    req = testing.http_request("POST", "/api/customers", json={"name": "ada", "age": 36})
    result = app.invoke("customers", req=req)
    assert result.return_value.name == "ADA"
    response = result.return_data
    assert response is not None
    assert json.loads(response.value.body) == {"name": "ADA", "age": 37}


def test_a_queue_message_is_validated_and_the_output_encoded(app: Any) -> None:
    result = app.invoke("work", msg=json.dumps({"id": 1, "lines": []}))
    assert _calls(app)[-1].id == 1
    assert json.loads(result.output_data["out"].value) == {
        "id": 2, "lines": [], "note": None, "kind": "web"}


def test_an_invalid_queue_message_fails_the_invocation(app: Any) -> None:
    with pytest.raises(PayloadValidationError, match="/id") as caught:
        app.invoke("work", msg=json.dumps({"lines": []}))
    assert isinstance(caught.value, func.ConversionError)


def test_an_event_hub_batch_becomes_a_list_of_typed_dicts(app: Any) -> None:
    events = testing.event_hub_events([json.dumps({"name": "a", "weight": 1}),
                                       json.dumps({"name": "b", "weight": 2.5})])
    app.invoke("batch", events=events)
    assert _calls(app)[-1] == [{"name": "a", "weight": 1.0}, {"name": "b", "weight": 2.5}]


def test_an_event_grid_events_data_becomes_the_model(app: Any) -> None:
    datum, metadata = testing.event_grid_event_payload({"name": "x", "age": 1})
    app.invoke("grid", event=datum, trigger_metadata=metadata)
    assert _calls(app)[-1].name == "x"


# --- properties -------------------------------------------------------------------------------


def test_typed_http_functions_never_answer_5xx(app: Any) -> None:
    @settings(max_examples=40, deadline=None)
    @given(azst.inputs_for(app, "orders"))
    def check(invocation: azst.Invocation) -> None:
        status = azst.assert_http_never_5xx(app, invocation).return_value.status_code
        assert status in (200, 422)

    check()


_json = azst.json_values()


@settings(max_examples=200, deadline=None)
@given(value=_json)
def test_validation_raises_only_payload_validation_errors(value: Any) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Point:
        x: int
        y: float
        tags: list[str] = dataclasses.field(default_factory=list)

    try:
        point = decode_model(value, Point)
    except PayloadValidationError as exc:
        problems = exc.problems
        assert problems
    else:
        assert isinstance(point.x, int)
        assert not isinstance(point.x, bool)
        assert to_jsonable(point) == {"x": point.x, "y": point.y, "tags": point.tags}


@settings(max_examples=100, deadline=None)
@given(x=st.integers(-(2**53), 2**53), y=st.floats(allow_nan=False, allow_infinity=False),
       tags=st.lists(azst.readable_text()))
def test_a_model_round_trips_through_json(x: int, y: float, tags: list[str]) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Point:
        x: int
        y: float
        tags: list[str]

    point = Point(x, y, tags)
    assert decode_model(json.loads(json.dumps(to_jsonable(point))), Point) == point


def test_check_accepts_typed_annotations_where_the_payload_is_json(app: Any) -> None:
    assert app.check() == []


def test_check_refuses_a_model_on_a_binding_without_a_json_payload(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import dataclasses\nimport azfunc as func\napp = func.FunctionApp()\n"
        "@dataclasses.dataclass\nclass Tick:\n    past_due: bool\n"
        "@app.timer_trigger(arg_name='t', schedule='0 */5 * * * *')\n"
        "def tick(t: Tick) -> None: pass\n"
    )
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    findings = func.check_app(tmp_path)
    assert [f.code for f in findings] == ["annotation-mismatch"]


def test_a_cosmos_document_list_becomes_a_list_of_models() -> None:
    import dataclasses

    from azfunc._typed import decode_binding_value
    from azfunc.testing._wire import decode, json_datum

    @dataclasses.dataclass
    class Doc:
        id: str
        n: int

    docs = decode("cosmosDBTrigger", json_datum([{"id": "a", "n": 1, "_ts": 5}]), {})
    assert decode_binding_value(docs, list[Doc]) == [Doc("a", 1)]
    with pytest.raises(PayloadValidationError, match="/0/n"):
        decode_binding_value(docs, list[dataclasses.make_dataclass("D", [("n", str)])])
