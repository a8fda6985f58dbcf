"""Form data: multipart (RFC 7578) and urlencoded parsing, files, limits, encoders."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc.http.forms import encode_multipart, encode_urlencoded, safe_filename

from . import strategies as s


def _request(body: bytes, ctype: str, limits: func.FormLimits | None = None) -> func.HttpRequest:
    return func.HttpRequest("POST", "/upload", headers={"Content-Type": ctype}, body=body,
                            form_limits=limits)


def test_two_files_under_one_name_both_arrive() -> None:
    body, ctype = encode_multipart(
        {"title": "t"},
        [("doc", "a.txt", b"first", "text/plain"), ("doc", "b.bin", b"\x00second")],
    )
    req = _request(body, ctype)
    files = req.files.getall("doc")
    assert [f.filename for f in files] == ["a.txt", "b.bin"]
    assert [f.read() for f in files] == [b"first", b"\x00second"]
    assert [f.content_type for f in files] == ["text/plain", "application/octet-stream"]
    assert req.form["title"] == "t"
    assert req.files is req.files


def test_form_file_is_a_seekable_file() -> None:
    body, ctype = encode_multipart(None, [("f", "x.csv", b"a,b\n1,2\n", "text/csv")])
    upload = _request(body, ctype).files["f"]
    assert upload.name == "f"
    assert upload.headers["content-disposition"].startswith("form-data")
    assert upload.mimetype == "text/csv"
    assert upload.stream.readline() == b"a,b\n"
    assert upload.tell() == 4
    assert upload.seek(0) == 0
    assert list(upload.stream) == [b"a,b\n", b"1,2\n"]
    assert upload.seek(-2, io.SEEK_END) == 6
    assert upload.read() == b"2\n"
    buffer = bytearray(3)
    upload.seek(0)
    assert upload.stream.readinto(buffer) == 3
    assert bytes(buffer) == b"a,b"
    assert upload.size == 8


def test_save_to_a_path_and_to_a_file(tmp_path: Path) -> None:
    content = bytes(range(256)) * 5
    body, ctype = encode_multipart(None, [("f", "bytes.bin", content)])
    upload = _request(body, ctype).files["f"]
    upload.read(10)
    assert upload.save(tmp_path / "out.bin") == len(content)
    assert (tmp_path / "out.bin").read_bytes() == content
    assert upload.tell() == 10
    sink = io.BytesIO()
    assert upload.save(sink) == len(content)
    assert sink.getvalue() == content


def test_large_file_parts_are_spooled_to_a_temporary_file() -> None:
    content = os.urandom(3000)
    body, ctype = encode_multipart(None, [("big", "b", content), ("small", "s", b"tiny")])
    req = _request(body, ctype, func.FormLimits(spool_threshold=1000))
    big, small = req.files["big"], req.files["small"]
    assert isinstance(big.stream.fileno(), int)  # a real (temporary) file
    with pytest.raises(io.UnsupportedOperation):
        small.stream.fileno()  # a zero-copy view of the body
    assert big.read() == content
    assert small.read() == b"tiny"
    big.close()


def test_fields_use_the_part_charset() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="l"\r\n'
        b"Content-Type: text/plain; charset=latin-1\r\n\r\n\xe9\r\n"
        b'--b\r\nContent-Disposition: form-data; name="u"\r\n\r\n\xc3\xa9\r\n--b--\r\n'
    )
    form = _request(body, "multipart/form-data; boundary=b").form
    assert form["l"] == "é"
    assert form["u"] == "é"


def test_preamble_epilogue_padding_quoting_and_extended_filenames() -> None:
    body = (
        b"preamble\r\n--xx \t\r\n"
        b'content-disposition: form-data; name="a\\"b"; filename="C:\\dir\\f.txt"\r\n\r\n'
        b"1\r\n--xx\r\n"
        b"Content-Disposition: form-data; name=plain; filename=\"x\"; "
        b"filename*=UTF-8''%E2%82%AC.txt\r\n\r\n2\r\n"
        b'--xx\r\nContent-Disposition: form-data; name="folded";\r\n filename="f"\r\n\r\n3'
        b"\r\n--xx--\r\nepilogue"
    )
    files = _request(body, 'multipart/form-data; charset=utf-8; boundary="xx"').files
    assert files['a"b'].raw_filename == "C:\\dir\\f.txt"
    assert files['a"b'].filename == "f.txt"
    assert files["plain"].filename == "€.txt"
    assert files["folded"].read() == b"3"


@pytest.mark.parametrize(
    ("body", "ctype", "reason"),
    [
        (b"--b\r\n\r\nx\r\n--b--", "multipart/form-data", "boundary"),
        (b"x", "multipart/form-data; boundary=" + "b" * 71, "boundary"),
        (b"no delimiter at all", "multipart/form-data; boundary=b", "no boundary delimiter"),
        (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx', None, "close delimiter"),
        (b"--b", None, "close delimiter"),
        (b"--bjunk\r\n\r\nx\r\n--b--", None, "unexpected data"),
        (b'--b\r\nContent-Disposition: form-data; name="a"\r\nx', None, "not terminated"),
        (b"--b\r\nno colon here\r\n\r\nx\r\n--b--", None, "malformed"),
        (b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", None, "Content-Disposition"),
        (b"--b\r\nContent-Disposition: attachment\r\n\r\nx\r\n--b--", None, "form-data"),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", None, "no name"),
        (b"--b\r\n\r\nx\r\n--b--", None, "Content-Disposition"),
    ],
)
def test_malformed_multipart_raises_request_error(
    body: bytes, ctype: str | None, reason: str
) -> None:
    req = _request(body, ctype or "multipart/form-data; boundary=b")
    with pytest.raises(func.RequestError, match=reason) as info:
        _ = req.form
    assert not isinstance(info.value, func.LimitExceededError)


def test_limits_have_safe_defaults() -> None:
    limits = func.FormLimits()
    assert (limits.max_parts, limits.max_field_size, limits.max_part_header_size) == (
        1000, 1 << 20, 16 * 1024
    )
    assert limits.spool_threshold == 1 << 20
    assert limits.max_file_size is None


@pytest.mark.parametrize(
    ("fields", "files", "limits", "limit"),
    [
        ([("a", "1")] * 4, [], func.FormLimits(max_parts=3), "max_parts"),
        ([("a", "x" * 11)], [], func.FormLimits(max_field_size=10), "max_field_size"),
        ([], [("f", "n", b"x" * 11)], func.FormLimits(max_file_size=10), "max_file_size"),
        ([("a" * 100, "1")], [], func.FormLimits(max_part_header_size=50), "max_part_header_size"),
    ],
)
def test_multipart_limits(
    fields: list[tuple[str, str]],
    files: list[tuple[str, str, bytes]],
    limits: func.FormLimits,
    limit: str,
) -> None:
    body, ctype = encode_multipart(fields, files)
    with pytest.raises(func.LimitExceededError) as info:
        _ = _request(body, ctype, limits).form
    assert info.value.limit == limit
    assert info.value.value == getattr(limits, limit)
    assert limit in str(info.value)
    # the same body within the default limits parses
    _ = _request(body, ctype).files


def test_default_limits_are_configurable_globally() -> None:
    body, ctype = encode_multipart([("a", "1")] * 3)
    previous = func.FormLimits.set_default(func.FormLimits(max_parts=2))
    try:
        with pytest.raises(func.LimitExceededError):
            _ = _request(body, ctype).form
        assert _request(body, ctype, func.FormLimits(max_parts=3)).form.getall("a") == ["1"] * 3
    finally:
        func.FormLimits.set_default(previous)
    assert len(_request(body, ctype).form.getall("a")) == 3
    func.FormLimits.set_default(None)
    assert func.FormLimits.get_default() == func.FormLimits()
    with pytest.raises(func.ConversionError):
        func.FormLimits.set_default({"max_parts": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"max_parts": -1}, {"max_field_size": "1"}, {"spool_threshold": 1.5}, {"max_parts": None}],
)
def test_invalid_limits(kwargs: dict[str, object]) -> None:
    with pytest.raises(func.ConversionError):
        func.FormLimits(**kwargs)  # type: ignore[arg-type]


def test_urlencoded_limits_and_errors() -> None:
    body, ctype = encode_urlencoded([("a", "1")] * 5)
    with pytest.raises(func.LimitExceededError) as info:
        _ = _request(body, ctype, func.FormLimits(max_parts=4)).form
    assert info.value.limit == "max_parts"
    body, ctype = encode_urlencoded({"a": "é" * 6})
    with pytest.raises(func.LimitExceededError) as info:
        _ = _request(body, ctype, func.FormLimits(max_field_size=11)).form
    assert info.value.limit == "max_field_size"
    with pytest.raises(func.RequestError):
        _ = _request(b"a=%FF", ctype).form
    with pytest.raises(func.RequestError):
        _ = _request(b"a=1", ctype + "; charset=nope").form
    assert _request(b"a=%E9", ctype + "; charset=latin-1").form["a"] == "é"


def test_encoders_validate_their_input() -> None:
    with pytest.raises(func.ConversionError):
        encode_multipart({"a\r\n": "x"})
    with pytest.raises(func.ConversionError):
        encode_multipart(None, [("f", "n")])  # type: ignore[list-item]
    with pytest.raises(func.ConversionError):
        encode_multipart(None, [("f", "n", "text")])  # type: ignore[list-item]
    with pytest.raises(func.ConversionError):
        encode_multipart({"a": "--B inside"}, boundary="B")
    with pytest.raises(func.ConversionError):
        encode_multipart({"a": "x"}, boundary="")
    with pytest.raises(func.ConversionError):
        encode_multipart({"a": 1})  # type: ignore[arg-type]
    with pytest.raises(func.ConversionError):
        encode_urlencoded(5)  # type: ignore[arg-type]


def test_encode_multipart_accepts_form_files() -> None:
    original = func.FormFile(name="f", filename="n.txt", content=b"abc", content_type="text/plain")
    original.read(1)
    body, ctype = encode_multipart(None, [original])
    assert original.tell() == 1
    parsed = _request(body, ctype).files["f"]
    assert (parsed.filename, parsed.content_type, parsed.read()) == ("n.txt", "text/plain", b"abc")


@settings(max_examples=60)
@given(fields=s.form_fields, files=s.form_files)
def test_multipart_round_trip(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]
) -> None:
    body, ctype = encode_multipart(fields, files)
    req = _request(body, ctype)
    assert list(req.form.items()) == fields
    got = [(n, f.raw_filename, f.read(), f.content_type) for n, f in req.files.items()]
    assert got == files
    assert all(f.filename == safe_filename(raw) for (_, f), (_, raw, _, _) in
               zip(req.files.items(), files, strict=True))


@given(fields=st.lists(st.tuples(s.text, s.text), max_size=6))
def test_urlencoded_round_trip(fields: list[tuple[str, str]]) -> None:
    body, ctype = encode_urlencoded(fields)
    assert list(_request(body, ctype).form.items()) == [(k, v) for k, v in fields]


@settings(max_examples=150)
@given(body=st.binary(max_size=200), boundary=st.sampled_from(["b", "xx", "--"]))
def test_arbitrary_multipart_bodies_raise_only_request_errors(body: bytes, boundary: str) -> None:
    req = _request(body, f"multipart/form-data; boundary={boundary}")
    try:
        form, files = req.form, req.files
    except func.RequestError:
        return  # the documented error; any other escapes and fails the test
    else:
        assert all(isinstance(v, str) for v in form.values())
        assert all(isinstance(f, func.FormFile) for f in files.values())


@settings(max_examples=150)
@given(
    fields=s.form_fields,
    files=s.form_files,
    cut=st.integers(0, 10_000),
    junk=st.binary(max_size=8),
)
def test_damaged_multipart_bodies_raise_only_request_errors(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]], cut: int, junk: bytes
) -> None:
    body, ctype = encode_multipart(fields, files, boundary="bnd")
    cut %= len(body) + 1
    damaged = body[:cut] + junk + body[cut + len(junk) :]
    req = _request(damaged, ctype, func.FormLimits(max_parts=3, max_field_size=10))
    try:
        contents = [upload.read() for _, upload in req.files.items()]
        form = req.form
    except func.RequestError:
        return  # the documented error; any other escapes and fails the test
    else:
        assert all(isinstance(c, bytes) for c in contents)
        assert all(isinstance(v, str) and len(v.encode()) <= 10 * 4 for v in form.values())


def test_form_limits_are_immutable_values() -> None:
    limits = func.FormLimits(max_parts=5)
    assert limits == func.FormLimits(max_parts=5)
    assert limits != func.FormLimits()
    assert hash(limits) == hash(func.FormLimits(max_parts=5))
    assert "max_parts=5" in repr(limits)
    with pytest.raises(AttributeError):
        limits.max_parts = 6  # type: ignore[misc]


def test_a_form_file_view_behaves_like_a_read_only_file() -> None:
    upload = func.FormFile(content=b"line1\nline2")
    stream = upload.stream
    assert stream.readable()
    assert stream.seekable()
    assert not stream.writable()
    assert upload.seek(100) == 100
    assert upload.read() == b""
    assert stream.readline() == b""
    assert upload.seek(-5, io.SEEK_END) == 6
    assert upload.seek(1, io.SEEK_CUR) == 7
    assert upload.read(2) == b"in"
    with pytest.raises(ValueError, match="negative seek"):
        upload.seek(-1)
    with pytest.raises(ValueError, match="whence"):
        upload.seek(0, 7)
    upload.close()
    with pytest.raises(ValueError, match="closed"):
        upload.read()
    assert repr(func.FormFile(name="n", filename="f")).startswith("<FormFile name='n'")


def test_spooled_files_are_closed_when_the_request_goes_away() -> None:
    import gc

    body, ctype = encode_multipart(None, [("big", "b", b"x" * 64)])
    req = _request(body, ctype, func.FormLimits(spool_threshold=8))
    stream = req.files["big"].stream
    assert not stream.closed
    del req
    gc.collect()
    assert stream.closed  # no ResourceWarning for an unclosed temporary file
