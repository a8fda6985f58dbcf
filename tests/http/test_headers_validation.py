"""Response header validation: the batched check of a header list agrees with the per-pair
rules on every input (what the constructor, extend, update and merge accept or refuse)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc
from azfunc._errors import HeaderError
from azfunc.http.headers import MutableHeaders, validate_header_name, validate_header_value

_names = st.one_of(
    st.sampled_from(["Content-Type", "Set-Cookie", "X-A", "x!#$%&'*+-.^_`|~9"]),
    st.text(max_size=8),
)
_values = st.one_of(st.sampled_from(["a=1", "", "text/plain; charset=utf-8", "a\tb"]),
                    st.text(max_size=8))
_pair = st.one_of(
    st.tuples(_names, _values),
    st.tuples(_names, st.one_of(st.integers(), st.binary(max_size=3), st.none())),
    st.lists(_values, min_size=2, max_size=2),
    st.tuples(_names, _values, _values),
)


def _valid_per_pair(pairs: list[Any]) -> bool:
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        try:
            validate_header_value(pair[1], validate_header_name(pair[0]))
        except HeaderError:
            return False
    return True


@given(st.lists(_pair, max_size=6))
def test_a_header_list_is_accepted_exactly_when_every_pair_is_valid(pairs: list[Any]) -> None:
    if _valid_per_pair(pairs):
        assert list(MutableHeaders(pairs).items()) == pairs
        headers = MutableHeaders()
        headers.extend(pairs)
        assert list(headers.items()) == pairs
    else:
        with pytest.raises(HeaderError):
            MutableHeaders(pairs)
        headers = MutableHeaders({"X-Kept": "1"})
        with pytest.raises(HeaderError):
            headers.extend(pairs)
        assert list(headers.items()) == [("X-Kept", "1")]  # all or nothing


@pytest.mark.parametrize(
    "pairs",
    [
        [("X-A", "1"), ("X:B", "2")],  # the joining character inside a name
        [("X-A", "1"), ("", "2")],
        [("X-A", "1\r\nInjected: yes")],
        [("X-A", "ok"), ("X-B", "\x00")],
        [("X-A", "1"), ("X-B", 2)],
        [("X-A", "1"), (b"X-B", "2")],
    ],
)
def test_one_bad_pair_in_a_list_fails_the_response(pairs: list[Any]) -> None:
    with pytest.raises(HeaderError):
        azfunc.HttpResponse("x", headers=pairs)


def test_repeated_names_and_tabs_in_values_are_kept() -> None:
    pairs = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-T", "a\tb")]
    response = azfunc.HttpResponse("x", headers=pairs)
    assert response.headers.getall("set-cookie") == ["a=1", "b=2"]
    assert response.headers["X-T"] == "a\tb"
