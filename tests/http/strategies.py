"""Hypothesis strategies for HTTP requests, responses and form data."""

from __future__ import annotations

import string

from hypothesis import strategies as st

TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
COOKIE_OCTETS = "".join(
    chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\'
)

#: text without surrogates (encodable as UTF-8).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
#: names usable in multipart headers: no CR, LF or NUL.
part_names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=15
)
tokens = st.text(TOKEN_CHARS, min_size=1, max_size=12)
#: header values as they may be written to a response: no controls but HTAB.
header_values = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x7f", min_codepoint=0x20)
    | st.just("\t"),
    max_size=20,
)
methods = st.sampled_from(["get", "POST", "Put", "delete", "PATCH", "head", "OPTIONS"]) | tokens
status_codes = st.integers(100, 599)
bodies = st.binary(max_size=300)
cookie_values = st.text(COOKIE_OCTETS, max_size=12)
media_types = st.builds(lambda a, b: f"{a}/{b}", tokens, tokens)

query_pairs = st.lists(st.tuples(text, text), max_size=6)
header_pairs = st.lists(
    st.tuples(tokens, st.text(string.printable.strip("\r\n\x0b\x0c"), max_size=15)), max_size=8
)

form_fields = st.lists(st.tuples(part_names, text), max_size=5)
form_files = st.lists(
    st.tuples(part_names, part_names, st.binary(max_size=200), media_types), max_size=4
)

#: any JSON value (NaN left out: it never equals itself).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=15,
)
