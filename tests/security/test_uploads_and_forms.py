"""Hostile uploads and forms: file names safe to join to a directory, forms parsed in
memory proportional to their size."""

from __future__ import annotations

import ntpath
import posixpath
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

import azfunc as func
from azfunc.http.forms import parse_form, safe_filename


def _upload(disposition: bytes) -> func.FormFile:
    body = (
        b"--B\r\nContent-Disposition: form-data; name=\"f\"; " + disposition
        + b"\r\n\r\ndata\r\n--B--\r\n"
    )
    _, files = parse_form(body, "multipart/form-data; boundary=B")
    return files["f"]


@pytest.mark.parametrize(
    ("disposition", "raw", "safe"),
    [
        (b'filename="../../etc/passwd"', "../../etc/passwd", "passwd"),
        (b'filename="/etc/shadow"', "/etc/shadow", "shadow"),
        (b'filename="C:\\\\Users\\\\me\\\\cv.pdf"', "C:\\Users\\me\\cv.pdf", "cv.pdf"),
        (b'filename="..\\\\..\\\\boot.ini"', "..\\..\\boot.ini", "boot.ini"),
        (b'filename=".."', "..", ""),
        (b'filename="dir/"', "dir/", ""),
        (b'filename="C:evil.exe"', "C:evil.exe", "evil.exe"),
        (b"filename*=UTF-8''..%2F..%2Fa%00b.txt", "../../a\x00b.txt", "ab.txt"),
        (b"filename*=UTF-8''%2E%2E", "..", ""),
        (b'filename="plain name.txt"', "plain name.txt", "plain name.txt"),
    ],
)
def test_uploaded_file_names_are_base_names_and_the_raw_value_is_kept(
    disposition: bytes, raw: str, safe: str
) -> None:
    upload = _upload(disposition)
    assert (upload.raw_filename, upload.filename) == (raw, safe)
    assert upload.read() == b"data"


def test_the_constructor_applies_the_same_rule() -> None:
    upload = func.FormFile(name="f", filename="a/../b\\c.txt")
    assert (upload.filename, upload.raw_filename) == ("c.txt", "a/../b\\c.txt")
    assert func.FormFile(name="f").filename is None


def _joins_inside(name: str) -> bool:
    for flavour in (posixpath, ntpath):
        base = flavour.join("srv", "uploads")
        joined = flavour.normpath(flavour.join(base, name))
        if flavour.dirname(joined) != flavour.normpath(base):
            return False
    return True


@given(st.text())
def test_any_name_becomes_safe_to_join(raw: str) -> None:
    name = safe_filename(raw)
    assert not any(c in name for c in "/\\\x00")
    assert name not in (".", "..")
    assert not posixpath.isabs(name)
    assert not ntpath.isabs(name)
    assert not ntpath.splitdrive(name)[0]
    if name:
        assert _joins_inside(name)
    assert safe_filename(name) == name  # idempotent


@given(st.text(st.characters(blacklist_characters="/\\:", blacklist_categories=("Cc",)),
               min_size=1).filter(lambda n: n.strip(" .")))
def test_plain_names_are_unchanged(raw: str) -> None:
    assert safe_filename(raw) == raw


def _peak(body: bytes, content_type: str) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        parse_form(body, content_type,
                   limits=func.FormLimits(max_field_size=len(body) + 1))
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "bound"),
    [
        # empty pieces between separators build nothing (the issue: 50 MiB of `&` cost 375 MB)
        (b"&" * (8 << 20), 64 << 10),
        # one huge field: the value, its unquoted bytes and its str, each at most once
        (b"a=" + b"%41" * (1 << 20), 4 * 3 * (1 << 20)),
        (b"a=" + b"+" * (4 << 20), 4 * (4 << 20)),
    ],
    ids=["ampersands", "percent-field", "plus-field"],
)
def test_forms_parse_in_memory_proportional_to_their_size(body: bytes, bound: int) -> None:
    assert _peak(body, URLENCODED) < bound


@given(st.text(min_size=1, max_size=20))
def test_long_values_round_trip_across_unquote_windows(piece: str) -> None:
    from urllib.parse import quote_plus

    value = piece * (40_000 // len(piece) + 1)
    body = ("a=" + quote_plus(value) + "&b=" + quote_plus(piece)).encode("ascii")
    form, _ = parse_form(body, URLENCODED, limits=func.FormLimits(max_field_size=len(body)))
    assert (form["a"], form["b"]) == (value, piece)
