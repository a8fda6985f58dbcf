"""Request translation: the ASGI scope and the WSGI environ an HttpRequest becomes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.adapters._request import client_address, mount_point, parse_target, to_bytes

from .conftest import host_request

asgi = func.AsgiMiddleware(None)  # type: ignore[arg-type]
wsgi = func.WsgiMiddleware(None)  # type: ignore[arg-type]

TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                max_size=20).map(str.strip)
QUERY = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="#"),
                max_size=40)
SEGMENT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
                  min_size=1, max_size=12)


@given(st.text(max_size=80), st.dictionaries(
    st.sampled_from(["host", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
                     "x-forwarded-for"]), st.text(max_size=30)))
def test_parse_target_takes_any_url_and_headers(url: str, headers: dict[str, str]) -> None:
    target = parse_target(url, headers.get)
    assert target.raw_path.startswith("/")
    assert isinstance(target.host, str)
    assert isinstance(target.query, str)
    assert 0 <= target.port < 65536
    client = client_address(headers.get)
    assert client is None or (isinstance(client[0], str) and 0 <= client[1] < 65536)


def split_like_the_rfc(url: str) -> tuple[str, str, str, str]:
    """(scheme, authority, path, query) by RFC 3986's own splitting regex (appendix B)."""
    match = re.fullmatch(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?",
                         url, re.DOTALL)
    assert match is not None
    scheme, authority, path, query = match.groups()
    return (scheme or "http").lower(), authority or "", path or "/", query or ""


PART = st.text(st.sampled_from("ab/?#%.1"), max_size=16)


@given(st.one_of(
    st.builds("/{}".format, PART.filter(lambda p: not p.startswith("/"))),  # origin-form
    st.builds("{}://{}{}".format, st.sampled_from(["http", "HTTPS", "ws"]),
              st.text(st.sampled_from("ab.1-"), max_size=8), st.builds("/{}".format, PART)),
))
def test_the_url_splits_as_rfc_3986_says(url: str) -> None:
    target = parse_target(url, {}.get, trust_forwarded=False)
    scheme, authority, path, query = split_like_the_rfc(url)
    assert (target.scheme, target.raw_path, target.query) == (scheme, path, query)
    assert target.host == (authority or "localhost")


@given(st.lists(SEGMENT, max_size=3), st.lists(SEGMENT, max_size=3), st.booleans())
def test_the_mount_point_is_the_path_in_front_of_the_route_value(
        front: list[str], tail: list[str], slash: bool) -> None:
    path = "/" + "/".join([*front, *tail])
    value = ("/" if slash else "") + "/".join(tail)
    expected = "/" + "/".join(front) if front else ""
    if not tail:
        expected = path.rstrip("/")
    assert mount_point(path, {"route": value}, "route") == expected
    assert mount_point(path, {}, "route") == ""


@given(st.text(st.characters(max_codepoint=0xFF), max_size=30))
def test_to_bytes_gives_back_latin1_text(text: str) -> None:
    assert to_bytes(text).decode("latin-1") == text


@given(QUERY)
def test_the_query_string_is_passed_exactly_as_sent(query: str) -> None:
    req = host_request("GET", f"q?{query}")
    assert asgi.scope(req)["query_string"] == query.encode("ascii")
    assert wsgi.environ(req)["QUERY_STRING"] == query


@given(st.lists(SEGMENT, min_size=1, max_size=4))
def test_paths_are_decoded_under_the_route_prefix(segments: list[str]) -> None:
    decoded = "/".join(segments)
    raw = "/".join(quote(s, safe="") for s in segments)
    req = func.HttpRequest("GET", f"http://h/api/{raw}", route_params={"route": decoded})
    scope = asgi.scope(req)
    assert (scope["root_path"], scope["path"]) == ("/api", f"/api/{decoded}")
    assert scope["raw_path"] == f"/api/{raw}".encode()
    environ = wsgi.environ(req)
    assert environ["SCRIPT_NAME"] == "/api"
    assert environ["PATH_INFO"] == f"/{decoded}".encode().decode("latin-1")
    assert environ["RAW_URI"] == f"/api/{raw}"


@given(st.lists(st.tuples(TOKEN, VALUE), max_size=8))
def test_every_header_line_reaches_the_app(pairs: list[tuple[str, str]]) -> None:
    req = host_request("GET", "h", headers=pairs)
    scope_headers = asgi.scope(req)["headers"]
    assert scope_headers == [(n.encode(), v.encode("latin-1")) for n, v in pairs]
    environ = wsgi.environ(req)

    def key_of(name: str) -> str:
        key = "HTTP_" + name.upper().replace("-", "_")
        return {"HTTP_CONTENT_TYPE": "CONTENT_TYPE",
                "HTTP_CONTENT_LENGTH": "CONTENT_LENGTH"}.get(key, key)

    # names that differ only in case share one environ key (PEP 3333); a name with "_" is
    # dropped, it would share the key of its "-" spelling
    kept = [(n, v) for n, v in pairs if "_" not in n]
    for key in {key_of(n) for n, _ in kept} - {"CONTENT_LENGTH"}:  # the body's length wins
        values = [v for n, v in kept if key_of(n) == key]
        assert environ[key] == ", ".join(values)
    dropped = {key_of(n) for n, _ in pairs} - {key_of(n) for n, _ in kept}
    assert not dropped & environ.keys()


@given(st.lists(st.tuples(TOKEN, VALUE), max_size=8))
def test_underscore_headers_fold_in_when_kept(pairs: list[tuple[str, str]]) -> None:
    req = host_request("GET", "h", headers=pairs)
    environ = func.WsgiMiddleware(None, keep_underscore_headers=True).environ(  # type: ignore[arg-type]
        req)

    def key_of(name: str) -> str:
        cgi = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
        return cgi.get(name.lower()) or "HTTP_" + name.upper().replace("-", "_")

    for key in {key_of(n) for n, _ in pairs} - {"CONTENT_LENGTH"}:
        assert environ[key] == ", ".join(v for n, v in pairs if key_of(n) == key)


def test_an_underscore_header_cannot_pose_as_its_dash_spelling() -> None:
    req = host_request("GET", "h", headers=[("X-User", "alice"), ("X_User", "mallory"),
                                            ("X_Forwarded_For", "10.9.9.9")])
    environ = wsgi.environ(req)
    assert environ["HTTP_X_USER"] == "alice"
    assert "HTTP_X_FORWARDED_FOR" not in environ
    assert "REMOTE_ADDR" not in environ
    # the ASGI scope keeps the names as sent: there is nothing to confuse
    assert (b"x_user", b"mallory") in asgi.scope(req)["headers"]


def test_repeated_headers_stay_separate_in_the_scope_and_join_in_the_environ() -> None:
    req = host_request("GET", "h", headers=[("X-Multi", "1"), ("X-Multi", "2"),
                                            ("Cookie", "a=1"), ("Cookie", "b=2")])
    assert [v for n, v in asgi.scope(req)["headers"] if n == b"x-multi"] == [b"1", b"2"]
    environ = wsgi.environ(req)
    assert (environ["HTTP_X_MULTI"], environ["HTTP_COOKIE"]) == ("1, 2", "a=1; b=2")


def test_scheme_host_port_and_client_from_the_url_and_forwarded_headers() -> None:
    req = host_request("GET", "x", base="http://internal:7071", headers=[
        ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "api.example.org"),
        ("X-Forwarded-Port", "8443"), ("X-Forwarded-For", "203.0.113.9:5000, 10.0.0.2"),
    ])
    scope = asgi.scope(req)
    assert (scope["scheme"], scope["server"], scope["client"]) == (
        "https", ("api.example.org", 8443), ("203.0.113.9", 5000))
    environ = wsgi.environ(req)
    assert (environ["wsgi.url_scheme"], environ["SERVER_NAME"], environ["SERVER_PORT"],
            environ["REMOTE_ADDR"]) == ("https", "api.example.org", "8443", "203.0.113.9")
    untrusting = func.AsgiMiddleware(None, trust_forwarded=False)  # type: ignore[arg-type]
    scope = untrusting.scope(req)
    assert (scope["scheme"], scope["server"], scope["client"]) == (
        "http", ("internal", 7071), None)


def test_non_ascii_digits_are_not_ports() -> None:
    req = host_request("GET", "x", headers=[("X-Forwarded-Port", "\u00b9"),
                                            ("X-Forwarded-For", "192.0.2.1:\u0661")])
    scope = asgi.scope(req)
    assert (scope["server"], scope["client"]) == (("localhost", 7071), ("192.0.2.1", 0))


def test_the_client_is_unknown_without_forwarded_for() -> None:
    assert asgi.scope(host_request("GET", "x"))["client"] is None
    assert "REMOTE_ADDR" not in wsgi.environ(host_request("GET", "x"))


@pytest.mark.parametrize(("root_path", "path", "script", "path_info"), [
    (None, "/api/a/b", "/api", "/a/b"),
    ("", "/api/a/b", "", "/api/a/b"),  # azure-functions' way: the app sees the whole path
    ("/mounted", "/mounted/api/a/b", "/mounted", "/api/a/b"),
])
def test_the_mount_point_can_be_fixed(root_path: str | None, path: str, script: str,
                                      path_info: str) -> None:
    req = host_request("GET", "a/b")
    scope = func.AsgiMiddleware(None, root_path=root_path).scope(req)  # type: ignore[arg-type]
    assert (scope["root_path"], scope["path"]) == (script, path)
    environ = func.WsgiMiddleware(None, root_path=root_path).environ(req)  # type: ignore[arg-type]
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == (script, path_info)


def test_a_request_without_the_route_parameter_is_mounted_at_the_root() -> None:
    req = func.HttpRequest("GET", "/plain/path")
    assert (asgi.scope(req)["root_path"], asgi.scope(req)["path"]) == ("", "/plain/path")
    assert wsgi.environ(req)["PATH_INFO"] == "/plain/path"


def test_the_invocation_context_is_reachable() -> None:
    context = func.Context(function_name="http_app_func", function_directory="/app")
    req = host_request("GET", "x")
    for env in (asgi.scope(req, context), wsgi.environ(req, context)):
        env_: dict[str, Any] = env
        assert env_["azure_functions.context"] is context
        assert env_["azure_functions.invocation_id"] == context.invocation_id
        assert env_["azure_functions.function_name"] == "http_app_func"
    assert asgi.scope(req)["azure_functions.context"] is None


async def asgi_echo(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": message["body"]})


def wsgi_echo(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [environ["wsgi.input"].read()]


ASGI_ECHO = func.AsgiMiddleware(asgi_echo)
WSGI_ECHO = func.WsgiMiddleware(wsgi_echo)


@given(st.binary(max_size=2048))
def test_bodies_round_trip_through_both_middlewares(body: bytes) -> None:
    req = host_request("PUT", "b", body=body)
    assert ASGI_ECHO.handle(req).get_body() == body
    assert WSGI_ECHO.handle(req).get_body() == body
    assert wsgi.environ(req)["CONTENT_LENGTH"] == str(len(body))
