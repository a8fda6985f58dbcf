"""Request headers and params decoded from the host: single-name reads answered from the host's
maps agree with the multidicts every other read builds."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy, MultiMapping

import azfunc as func
from azfunc import Datum
from azfunc.http.headers import RequestHeaders, make_request_headers
from azfunc.http.request import RequestParams

IN = func.get_binding_registry().require("httpTrigger")
MISSING = object()


def decode(
    url: str = "http://h/api/x", headers: Any = None, query: Any = None
) -> func.HttpRequest:
    def datums(mapping: Any) -> Any:
        if isinstance(mapping, dict):
            return {k: Datum(v, "string") for k, v in mapping.items()}
        return mapping

    value = {
        "method": Datum("GET", "string"),
        "url": Datum(url, "string"),
        "headers": datums(headers or {}),
        "query": datums(query or {}),
        "params": {},
        "body": Datum(b"", "bytes"),
    }
    req = IN.decode(Datum(value, "http"))
    assert isinstance(req, func.HttpRequest)
    return req


def reads(view: Any, key: str) -> dict[str, Any]:
    """Every single-name read of ``view`` for ``key`` (a KeyError recorded as MISSING)."""

    def attempt(fn: Any) -> Any:
        try:
            return fn()
        except KeyError:
            return MISSING

    return {
        "get": view.get(key),
        "get_default": view.get(key, "dflt"),
        "in": key in view,
        "item": attempt(lambda: view[key]),
        "getone": attempt(lambda: view.getone(key)),
        "getone_default": view.getone(key, "dflt"),
        "getall": attempt(lambda: view.getall(key)),
        "getall_default": view.getall(key, "dflt"),
    }


# --- headers -----------------------------------------------------------------------------


def test_host_headers_read_without_and_with_the_multidict() -> None:
    req = decode(headers={"user-agent": "ua/1", "accept": "a/b", "x-empty": ""})
    h = req.headers
    assert isinstance(h, RequestHeaders)
    assert isinstance(h, Mapping)
    assert isinstance(h, MultiMapping)
    assert h.get("User-Agent") == "ua/1"
    assert h["ACCEPT"] == "a/b"
    assert h["x-empty"] == ""
    other: object = 1
    assert ("accept" in h, "Accept" in h, "nope" in h, other in h) == (True, True, False, False)
    assert (h.get("nope"), h.get("nope", 0)) == (None, 0)
    assert (h.getall("Accept"), h.getlist("nope")) == (["a/b"], [])
    assert (h.getone("accept"), h.getone("nope", None)) == ("a/b", None)
    with pytest.raises(KeyError):
        h["nope"]
    with pytest.raises(KeyError):
        h.getone("nope")
    with pytest.raises(KeyError):
        h.getall("nope")
    assert len(h) == 3
    assert h
    assert list(h) == ["user-agent", "accept", "x-empty"]
    assert list(h.keys()) == ["user-agent", "accept", "x-empty"]
    assert list(h.values()) == ["ua/1", "a/b", ""]
    assert h.to_dict() == {"user-agent": ["ua/1"], "accept": ["a/b"], "x-empty": [""]}
    assert h == {"user-agent": "ua/1", "accept": "a/b", "x-empty": ""}
    assert h == CIMultiDict({"User-Agent": "ua/1", "accept": "a/b", "x-empty": ""})
    assert h == make_request_headers([("user-agent", "ua/1"), ("accept", "a/b"), ("x-empty", "")])
    assert h != {"accept": "a/b"}
    assert h != 3
    copy = h.copy()
    assert isinstance(copy, CIMultiDict)
    assert copy["USER-AGENT"] == "ua/1"
    assert repr(h) == "<RequestHeaders('user-agent': 'ua/1', 'accept': 'a/b', 'x-empty': '')>"
    with pytest.raises(TypeError):
        hash(h)
    with pytest.raises(TypeError):
        h["x"] = "y"  # type: ignore[index]


def test_host_headers_with_upper_case_names_fall_back_to_the_multidict() -> None:
    # Not what the host sends, but a hand-built Datum may hold any casing.
    h = decode(headers={"User-Agent": "ua/1", "X-Tag": "a"}).headers
    assert h.get("user-agent") == "ua/1"
    assert h["x-tag"] == "a"
    assert "USER-AGENT" in h
    assert h.getall("X-TAG") == ["a"]
    assert list(h.items()) == [("User-Agent", "ua/1"), ("X-Tag", "a")]


def test_one_name_in_several_casings_keeps_every_value() -> None:
    h = decode(headers={"X-A": "1", "x-a": "2"}).headers
    assert h.getall("X-a") == ["1", "2"]
    assert list(h.items()) == [("X-A", "1"), ("x-a", "2")]
    assert len(h) == 2
    # get/[] answer from the host's map: the lower-case spelling's value (documented).
    assert h["X-A"] == "2"


def test_headers_from_a_multidict_are_copied_into_a_read_only_view() -> None:
    store = CIMultiDict([("A", "1"), ("a", "2")])
    h = RequestHeaders(store)
    again = RequestHeaders(h)
    proxied = RequestHeaders(CIMultiDictProxy(store))
    for view in (h, again, proxied):
        assert (view.getall("A"), view["a"]) == (["1", "2"], "1")
    assert h == again == proxied
    with pytest.raises(func.ArgumentTypeError, match="make_request_headers"):
        RequestHeaders({"a": "1"})  # type: ignore[arg-type]
    req = func.HttpRequest("GET", "/", headers=h)
    assert req.headers is h


_header_names = st.text(
    st.sampled_from([*"abcxyzABCXYZ-_", "\u212a", "k", "K", "\u0130", "i", "\u00df"]),
    max_size=3,
)


@settings(max_examples=150)
@given(
    headers=st.dictionaries(_header_names, st.text(max_size=5), max_size=5),
    lower=st.booleans(),
    probes=st.lists(_header_names, max_size=4),
)
def test_single_name_reads_match_the_multidict(
    headers: dict[str, str], lower: bool, probes: list[str]
) -> None:
    if lower:  # as the host sends them: lower-cased names, one value each
        headers = {name.lower(): value for name, value in headers.items()}
    expected = CIMultiDictProxy(CIMultiDict(headers))
    for key in [*headers, *(k.upper() for k in headers), *probes]:
        for materialise_first in (False, True):
            h = decode(headers=headers).headers
            if materialise_first:
                assert sorted(h.items()) == sorted(headers.items())
            got, want = reads(h, key), reads(expected, key)
            if len(expected.getall(key, [])) > 1:
                # several casings of one name: get/[] may answer another of its values
                for read in ("get", "get_default", "item", "getone", "getone_default"):
                    assert got[read] in expected.getall(key)
                    got[read] = want[read]
            assert got == want, key


# --- params ------------------------------------------------------------------------------


def test_host_params_read_from_the_url_then_the_host_map() -> None:
    req = decode(
        "http://h/api/x?tag=a&tag=b&empty=&flag&eq=a=b&&=anon#frag&x=1",
        query={"tag": "a,b", "only-host": "h", "eq": "a=b"},
    )
    p = req.params
    assert isinstance(p, RequestParams)
    assert isinstance(p, MultiMapping)
    assert (p.get("tag"), p["tag"]) == ("a", "a")
    assert p.getall("tag") == ["a", "b"]
    assert (p["empty"], p["flag"], p["eq"], p[""]) == ("", "", "a=b", "anon")
    assert (p["only-host"], p.getall("only-host")) == ("h", ["h"])
    assert ("x" in p, p.get("x"), p.get("frag")) == (False, None, None)
    assert p.get("TAG") is None  # names are case-sensitive
    with pytest.raises(KeyError):
        p.getall("nope")
    assert p.getall("nope", []) == []
    assert list(p.items()) == [
        ("tag", "a"), ("tag", "b"), ("empty", ""), ("flag", ""), ("eq", "a=b"),
        ("", "anon"), ("only-host", "h"),
    ]
    assert len(p) == 7
    assert p.to_dict()["tag"] == ["a", "b"]
    assert p.copy() == MultiDict(p.items())
    assert p == MultiDict(p.items())
    assert repr(p).startswith("<RequestParams('tag': 'a', ")


def test_escaped_queries_and_built_requests_use_the_multidict() -> None:
    p = decode("/x?a+b=c%26d&a%20b=2").params
    assert (p.getall("a b"), p.get("a+b")) == (["c&d", "2"], None)
    built = func.HttpRequest("GET", "/x?a=1&b=2", params={"a": "9"}).params
    assert isinstance(built, RequestParams)
    assert list(built.items()) == [("a", "9"), ("b", "2")]
    assert RequestParams(MultiDict(a="1")) == RequestParams(RequestParams(MultiDict(a="1")))


_query_chars = st.sampled_from([*"ab=&%+#", "%26", "%3D", "%20", "\u00e9"])
_names = st.text(st.sampled_from(list("ab=&+%")), max_size=3)


@settings(max_examples=200)
@given(
    query=st.lists(_query_chars, max_size=12).map("".join),
    host=st.dictionaries(_names, st.text(string.ascii_lowercase, max_size=2), max_size=3),
    probes=st.lists(_names, max_size=4),
)
def test_single_name_param_reads_match_the_multidict(
    query: str, host: dict[str, str], probes: list[str]
) -> None:
    url = "http://h/api/x?" + query
    expected = proxy_of(decode(url, query=host).params.items())
    names = {name for name, _ in expected.items()}
    for key in [*names, *host, *probes]:
        for materialise_first in (False, True):
            p = decode(url, query=host).params
            if materialise_first:
                len(p)
            assert reads(p, key) == reads(expected, key), key


def proxy_of(items: Any) -> MultiDictProxy[str]:
    return MultiDictProxy(MultiDict(list(items)))
