"""Property tests of the OpenAPI converters: route templates to paths, types to schemas.

* Every route template the router accepts gives a valid document whose paths list each of
  its parameters; any text gives a document or our own FunctionLoadError, nothing else.
* A route constraint's schema agrees with the router: a value the schema accepts is one the
  route matches, and the other way round.
* A model's schema describes what it encodes to: ``to_jsonable`` of any instance conforms,
  and decodes back to the same instance (the round trip through the validator).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from azfunc import FunctionLoadError
from azfunc._typed import decode_model, to_jsonable
from azfunc.app.model import BindingInfo, FunctionInfo
from azfunc.host.routing import RouteTemplate
from azfunc.openapi import build_document
from azfunc.openapi.paths import constraint_schema, route_paths

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_LITERALS = st.from_regex(r"[a-z0-9][a-z0-9\-]{0,6}", fullmatch=True)
_CONSTRAINTS = st.sampled_from(["", ":int", ":long", ":bool", ":guid", ":alpha", ":double",
                                ":min(1)", ":max(9)", ":range(2,40)", ":length(3)",
                                ":minlength(2)", ":int:max(100)", ":regex(^a+$)",
                                ":required", ":datetime", ":decimal"])


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A route template the router accepts, and its parameter names in order."""
    names = iter(draw(st.lists(_NAMES, min_size=10, max_size=10, unique=True)))
    segments: list[str] = []
    params: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["literal", "param", "complex"]))
        if kind == "literal":
            segments.append(draw(_LITERALS))
        elif kind == "param":
            name = next(names)
            params.append(name)
            segments.append("{" + name + draw(_CONSTRAINTS) + "}")
        else:
            a, b = next(names), next(names)
            params += [a, b]
            segments.append("{" + a + "}." + "{" + b + draw(_CONSTRAINTS) + "}")
    tail = draw(st.sampled_from(["", "optional", "catchall"]))
    if tail:
        name = next(names)
        params.append(name)
        segments.append("{" + name + "?}" if tail == "optional" else "{*" + name + "}")
    return "/".join(segments), params


def _function(route: str) -> FunctionInfo:
    return FunctionInfo("f", lambda req: None, (
        BindingInfo("req", "httpTrigger", "in",
                    properties={"route": route, "methods": ["GET"], "authLevel": "function"}),
        BindingInfo("$return", "http", "out")))


@SETTINGS
@given(templates(), st.sampled_from(["api", "", "v1/x"]))
def test_every_template_gives_a_valid_document_listing_its_parameters(
    case: tuple[str, list[str]], prefix: str
) -> None:
    route, params = case
    document = build_document([_function(route)],
                              {"extensions": {"http": {"routePrefix": prefix}}})
    validate(document)
    paths = list(document["paths"])
    longest = paths[-1]
    assert re.findall(r"\{([^}]+)\}", longest) == params
    for path, item in document["paths"].items():
        assert path.startswith("/" + prefix if prefix else "/")
        listed = [p["name"] for p in item["get"].get("parameters", [])]
        assert listed == re.findall(r"\{([^}]+)\}", path)


@SETTINGS
@given(st.text(max_size=40))
def test_any_text_gives_a_document_or_our_error(route: str) -> None:
    try:
        document = build_document([_function(route)])
    except FunctionLoadError:
        return
    assert isinstance(document["paths"], dict)


def _agrees(constraint: str, value: str) -> None:
    schema = constraint_schema(tuple(c for c in constraint.split(":") if c))
    matched = RouteTemplate("x/{v:" + constraint + "}").match("x/" + value) is not None
    if schema["type"] == "integer":
        parsed: Any = int(value) if re.fullmatch(r"-?\d+", value) else None
    elif schema["type"] == "string":
        parsed = value
    else:
        raise AssertionError(schema)
    accepted = parsed is not None and Draft202012Validator(schema).is_valid(parsed)
    assert accepted == matched, (constraint, value, schema)


#: the bounds of int, long and the constraints' arguments, and their neighbours.
_EDGES = [edge + step for edge in (2**31 - 1, -(2**31), 2**63 - 1, -(2**63), 0, 2, 7, 40, -3,
                                   5) for step in (-1, 0, 1)]


_INTEGER_CONSTRAINTS = ["int", "long", "min(-3)", "max(7)", "range(2,40)", "int:min(0)",
                        "long:max(5)"]


def test_integer_constraints_agree_with_the_router_at_every_edge() -> None:
    for constraint in _INTEGER_CONSTRAINTS:
        for edge in _EDGES:
            _agrees(constraint, str(edge))


@SETTINGS
@given(st.sampled_from(_INTEGER_CONSTRAINTS),
       st.one_of(st.sampled_from(_EDGES), st.integers(-(2**64), 2**64),
                 st.integers(-200, 200)).map(str))
def test_integer_constraints_agree_with_the_router(constraint: str, value: str) -> None:
    _agrees(constraint, value)


@SETTINGS
@given(st.sampled_from(["alpha", "length(3)", "minlength(2)", "maxlength(4)",
                        "length(2,5)", "alpha:maxlength(3)"]),
       st.text(st.characters(codec="ascii", exclude_characters="/?#%"), min_size=1,
               max_size=8))
def test_string_constraints_agree_with_the_router(constraint: str, value: str) -> None:
    _agrees(constraint, value)


def test_a_catch_all_and_optional_tail_are_both_listed() -> None:
    assert [p.path for p in route_paths("a/{*rest}", "api")] == ["/api/a", "/api/a/{rest}"]
    assert [p.path for p in route_paths("", "api")] == ["/api"]
    assert [p.path for p in route_paths("{{x}}", "")] == ["/%7Bx%7D"]


@dataclasses.dataclass
class Line:
    sku: str
    qty: int = 1


@dataclasses.dataclass
class Order:
    id: int
    lines: list[Line]
    price: float
    note: str | None = None
    kind: Literal["retail", "trade"] = "retail"
    tags: dict[str, int] = dataclasses.field(default_factory=dict)
    paid: bool = False


def _order_schema() -> dict[str, Any]:
    def orders(req: Order) -> Order:
        return req

    info = FunctionInfo("orders", orders, (
        BindingInfo("req", "httpTrigger", "in", properties={"methods": ["POST"]}),
        BindingInfo("$return", "http", "out")))
    document = build_document([info])
    validate(document)
    return {"$ref": "#/components/schemas/Order", "components": document["components"]}


_ORDER_VALIDATOR = Draft202012Validator(_order_schema())
_TEXT = st.text(max_size=10)
_ORDERS = st.builds(
    Order,
    id=st.integers(-(2**40), 2**40),
    lines=st.lists(st.builds(Line, sku=_TEXT, qty=st.integers(0, 99)), max_size=3),
    price=st.floats(allow_nan=False, allow_infinity=False),
    note=st.none() | _TEXT,
    kind=st.sampled_from(["retail", "trade"]),
    tags=st.dictionaries(_TEXT, st.integers(-5, 5), max_size=3),
    paid=st.booleans(),
)


@SETTINGS
@given(_ORDERS)
def test_what_a_model_encodes_to_conforms_to_its_schema_and_decodes_back(order: Order) -> None:
    encoded = to_jsonable(order)
    assert list(_ORDER_VALIDATOR.iter_errors(encoded)) == []
    assert decode_model(encoded, Order) == order


@SETTINGS
@given(st.fixed_dictionaries({"id": st.one_of(st.text(max_size=3), st.booleans(),
                                              st.floats(allow_nan=False)),
                              "lines": st.just([]), "price": st.just(1.0)}))
def test_what_the_schema_refuses_the_validator_refuses(body: dict[str, Any]) -> None:
    # an id that is not an integer: the schema says no, and so does the decoder
    if isinstance(body["id"], float) and body["id"].is_integer():
        body["id"] = str(body["id"])
    assert not _ORDER_VALIDATOR.is_valid(body)
    try:
        decode_model(body, Order)
    except ValueError:
        return
    raise AssertionError(f"{body!r} was accepted")
