"""The httpTrigger and http converters: host-shaped Datums in, worker-shaped Datums out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import MultiDictProxy

import azfunc as func
from azfunc import Datum
from azfunc.wire.http import HttpResponseData

from . import strategies as s

IN = func.get_binding_registry().require("httpTrigger")
OUT = func.get_binding_registry().require("http")


def http_datum(
    method: str = "GET",
    url: str = "http://localhost/api/x",
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    body: Datum | None = None,
) -> Datum:
    def strings(mapping: dict[str, str] | None) -> dict[str, Datum]:
        return {k: Datum(v, "string") for k, v in (mapping or {}).items()}

    return Datum(
        {
            "method": Datum(method, "string"),
            "url": Datum(url, "string"),
            "headers": strings(headers),
            "query": strings(query),
            "params": strings(params),
            "body": body if body is not None else Datum(b"", "bytes"),
        },
        "http",
    )


def test_registry_serves_both_bindings() -> None:
    assert IN.has_trigger_support()
    assert not OUT.has_implicit_output()
    assert IN.check_input_type_annotation(func.HttpRequest)
    assert not IN.check_input_type_annotation(str)
    assert not IN.check_input_type_annotation("HttpRequest")
    for ok in (func.HttpResponse, str, bytes):
        assert OUT.check_output_type_annotation(ok)
    assert not OUT.check_output_type_annotation(int)
    from azfunc.http import _converters

    assert set(_converters.CONVERTERS) == {"httpTrigger", "http"}


def test_decode_keeps_host_values() -> None:
    req = IN.decode(
        http_datum(
            "post",
            "https://h/api/items/42?tag=a&tag=b&blank=",
            headers={"content-type": "application/json", "accept": "a/b,c/d"},
            query={"tag": "a,b", "extra": "from-host"},
            params={"id": "42"},
            body=Datum(b'{"x": 1}', "bytes"),
        )
    )
    assert isinstance(req, func.HttpRequest)
    assert req.method == "POST"
    assert req.url == "https://h/api/items/42?tag=a&tag=b&blank="
    assert req.params.getall("tag") == ["a", "b"]  # the URL wins over the joined host value
    assert req.params["blank"] == ""  # kept, although the host drops it
    assert req.params["extra"] == "from-host"  # the host map fills names the URL lacks
    assert req.route_params == {"id": "42"}
    assert req.headers["Accept"] == "a/b,c/d"
    assert req.get_json() == {"x": 1}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (Datum(b"\x00\xff", "bytes"), b"\x00\xff"),
        (Datum(b"s", "stream"), b"s"),
        (Datum("é", "string"), "é".encode()),
        (Datum('{"a": 1}', "json"), b'{"a": 1}'),
        (Datum(None, "null"), b""),
        (Datum(bytearray(b"ba"), "bytes"), b"ba"),
    ],
)
def test_body_kinds(body: Datum, expected: bytes) -> None:
    req = IN.decode(http_datum(body=body))
    assert req.get_body() == expected
    if body.type == "json":
        assert req.get_json() == {"a": 1}


def test_a_subclass_annotation_gets_that_class() -> None:
    class Mine(func.HttpRequest):
        pass

    class WithInit(func.HttpRequest):
        def __init__(self, method: str, url: str, **kwargs: Any) -> None:
            super().__init__(method, url, **kwargs)
            self.extra = True

    assert type(IN.decode(http_datum(), pytype=Mine)) is Mine
    built = IN.decode(http_datum(url="/x?a=1", params={"id": "1"}), pytype=WithInit)
    assert type(built) is WithInit
    assert built.extra  # type: ignore[attr-defined]
    assert built.params["a"] == "1"
    assert built.route_params["id"] == "1"


@pytest.mark.parametrize(
    "datum",
    [
        Datum("x", "string"),
        Datum(["x"], "http"),
        Datum({}, "http"),
        Datum({"method": "GET", "url": Datum("/", "string")}, "http"),
        Datum({"method": Datum(1, "int"), "url": Datum("/", "string")}, "http"),
        Datum({"method": Datum("GET", "string"), "url": Datum("/", "string"),
               "headers": []}, "http"),
        Datum({"method": Datum("GET", "string"), "url": Datum("/", "string"),
               "body": b""}, "http"),
        Datum({"method": Datum("GET", "string"), "url": Datum("/", "string"),
               "body": Datum(1, "int")}, "http"),
        Datum({"method": Datum("GET", "string"), "url": Datum("/", "string"),
               "body": Datum(5, "bytes")}, "http"),
    ],
)
def test_malformed_datums_raise_conversion_error(datum: Datum) -> None:
    with pytest.raises(func.ConversionError):
        IN.decode(datum)


@pytest.mark.parametrize(
    ("field", "read"),
    [
        ("headers", lambda req: req.headers["k"]),
        ("headers", lambda req: req.headers.get("K")),
        ("headers", lambda req: req.headers.getall("k")),
        ("headers", lambda req: dict(req.headers)),
        ("headers", lambda req: len(req.headers)),
        ("headers", lambda req: req.headers.get("missing", "x") + req.headers["k"]),
        ("query", lambda req: req.params["k"]),
        ("query", lambda req: req.params.getall("k")),
        ("query", lambda req: list(req.params.items())),
        ("query", lambda req: req.params == {"a": "1"}),
        ("params", lambda req: req.route_params),
    ],
)
def test_malformed_maps_raise_conversion_error_when_read(field: str, read: Any) -> None:
    datum = http_datum(url="/x?a=1")
    datum.value[field] = {"k": Datum(1, "int")}
    req = IN.decode(datum)
    with pytest.raises(func.ConversionError, match=r"\['k'\] must be a string Datum"):
        read(req)


def test_a_malformed_entry_is_only_met_by_reads_that_reach_it() -> None:
    datum = http_datum(url="/x?a=1", headers={"accept": "*/*"}, query={"a": "1"})
    datum.value["headers"]["x-bad"] = Datum(b"1", "bytes")
    datum.value["query"]["bad"] = Datum(None, "null")
    req = IN.decode(datum)
    # Single-name reads of other names answer; the URL wins over the host's query map.
    assert req.headers["Accept"] == "*/*"
    assert "X-BAD" in req.headers
    assert req.params["a"] == "1"
    with pytest.raises(func.ConversionError):
        req.headers.get("x-bad")
    datum.value["headers"]["x-none"] = None
    with pytest.raises(func.ConversionError, match="x-none"):
        IN.decode(datum).headers.get("X-None", "default")
    with pytest.raises(func.ConversionError):
        list(req.headers)
    with pytest.raises(func.ConversionError):
        req.params.get("bad")
    with pytest.raises(func.ConversionError):
        len(req.params)
    bad_name = http_datum(url="/x")
    bad_name.value["headers"] = {1: Datum("x", "string")}
    with pytest.raises(func.ConversionError, match="names must be str"):
        IN.decode(bad_name).headers.get("accept")


def test_encode_response() -> None:
    r = func.HttpResponse(b"\x00body", status_code=201, headers=[("X-A", "1"), ("x-a", "2")])
    r.set_cookie("a", "1")
    r.set_cookie("b", "2", httponly=True)
    datum = OUT.encode(r)
    assert datum is not None
    assert datum.type == "http"
    value = datum.value
    assert isinstance(value, HttpResponseData)
    assert value.status_code == 201
    assert value.headers == (
        ("X-A", "1"), ("x-a", "2"), ("Content-Type", "text/plain; charset=utf-8"),
    )
    assert value.joined_headers() == {"X-A": "1, 2", "Content-Type": "text/plain; charset=utf-8"}
    assert value.cookies == ("a=1; Path=/", "b=2; Path=/; HttpOnly")
    assert value.body == b"\x00body"


def test_encode_streaming_response_collects_it() -> None:
    datum = OUT.encode(func.HttpResponse(iter([b"a", b"b"])))
    assert datum is not None
    assert datum.value.body == b"ab"


@pytest.mark.parametrize(
    ("obj", "expected"),
    [("text", Datum("text", "string")), (b"\x00", Datum(b"\x00", "bytes")), (None, None)],
)
def test_encode_plain_values(obj: object, expected: Datum | None) -> None:
    assert OUT.encode(obj) == expected


@pytest.mark.parametrize("obj", [1, {"a": 1}, [b"x"], object()])
def test_encode_other_values_raises_conversion_error(obj: object) -> None:
    with pytest.raises(func.ConversionError):
        OUT.encode(obj)


@given(
    method=s.methods,
    path=s.text,
    pairs=s.query_pairs,
    headers=s.header_pairs,
    route=st.dictionaries(s.tokens, s.text, max_size=3),
    body=s.bodies,
)
def test_decoding_a_generated_datum_keeps_every_value(
    method: str,
    path: str,
    pairs: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    route: dict[str, str],
    body: bytes,
) -> None:
    from urllib.parse import quote

    url = "http://localhost/api/" + quote(path) + ("?" + urlencode(pairs) if pairs else "")
    joined: dict[str, list[str]] = {}
    for name, value in headers:  # the host lower-cases names and comma-joins repeats
        joined.setdefault(name.lower(), []).append(value)
    host_headers = {name: ",".join(values) for name, values in joined.items()}
    host_query: dict[str, list[str]] = {}
    for name, value in pairs:
        if value:
            host_query.setdefault(name, []).append(value)
    req = IN.decode(
        http_datum(
            method,
            url,
            headers=host_headers,
            query={k: ",".join(v) for k, v in host_query.items()},
            params=route,
            body=Datum(body, "bytes"),
        )
    )
    assert req.method == method.upper()
    assert req.url == url
    assert sorted(req.headers.items()) == sorted(host_headers.items())
    for name, values in joined.items():
        assert req.headers.getall(name.upper()) == [",".join(values)]
    assert list(req.params.items()) == pairs
    assert dict(req.route_params) == route
    assert req.get_body() == body


@given(
    status=s.status_codes,
    headers=st.lists(st.tuples(s.tokens, s.header_values), max_size=6),
    cookies=st.lists(st.tuples(s.tokens, s.cookie_values), max_size=3),
    body=s.bodies,
)
def test_encoding_a_generated_response_keeps_every_value(
    status: int, headers: list[tuple[str, str]], cookies: list[tuple[str, str]], body: bytes
) -> None:
    headers = [(k, v) for k, v in headers if k.lower() not in ("set-cookie", "content-type")]
    r = func.HttpResponse(body, status_code=status, headers=headers, mimetype="a/b")
    for name, value in cookies:
        r.set_cookie(name, value)
    datum = OUT.encode(r)
    assert datum is not None
    value = datum.value
    assert value.status_code == status
    assert value.body == body
    assert value.cookies == tuple(f"{n}={v}; Path=/" for n, v in cookies)
    expected: dict[str, list[str]] = {"content-type": ["a/b"]}
    for name, header_value in headers:
        expected.setdefault(name.lower(), []).append(header_value)
    got = {name.lower(): text for name, text in value.joined_headers().items()}
    assert got == {name: ", ".join(values) for name, values in expected.items()}


_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.binary(max_size=5)
)
_datum_kinds = st.sampled_from(["string", "bytes", "json", "int", "null", "http", "stream"])
_datums = st.builds(Datum, _leaf, _datum_kinds)
_maps = st.one_of(_leaf, st.dictionaries(st.one_of(st.text(max_size=4), st.integers()),
                                          st.one_of(_datums, _leaf), max_size=3))
_http_values = st.fixed_dictionaries(
    {},
    optional={
        "method": st.one_of(_datums, _leaf),
        "url": st.one_of(_datums, _leaf, st.builds(lambda t: Datum(t, "string"), st.text())),
        "headers": _maps,
        "query": _maps,
        "params": _maps,
        "body": st.one_of(_datums, _leaf),
    },
)
_any_datum = st.one_of(
    _datums, st.builds(Datum, st.one_of(_http_values, _leaf, st.lists(_leaf)), st.just("http"))
)


@settings(max_examples=200)
@given(datum=_any_datum)
def test_arbitrary_datums_raise_only_azfunc_errors(datum: Datum) -> None:
    try:
        req = IN.decode(datum)
    except func.ConversionError:
        return
    # each read gives its documented type or raises its documented azfunc error
    checks: list[tuple[Any, type | tuple[type, ...], type[Exception]]] = [
        (lambda: req.method, str, func.ConversionError),
        (lambda: req.url, str, func.ConversionError),
        (lambda: dict(req.headers), dict, func.ConversionError),
        (lambda: list(req.params.items()), list, func.ConversionError),
        (lambda: req.route_params, Mapping, func.ConversionError),
        (lambda: req.cookies, MultiDictProxy, func.ConversionError),
        (req.get_body, bytes, func.ConversionError),
        (req.get_json, object, func.BodyDecodeError),
        (lambda: req.form, MultiDictProxy, func.RequestError),
        (lambda: req.files, MultiDictProxy, func.RequestError),
    ]
    for read, kind, error in checks:
        try:
            result = read()
        except (error, func.ConversionError):
            continue  # the documented error; any other escapes and fails the test
        assert isinstance(result, kind), (read, result)


@settings(max_examples=100)
@given(obj=st.one_of(_leaf, _datums, st.lists(_leaf), st.dictionaries(st.text(), _leaf)))
def test_arbitrary_values_encode_or_raise_conversion_error(obj: object) -> None:
    try:
        result = OUT.encode(obj)
    except func.ConversionError:
        return
    assert result is None or isinstance(result, Datum)
