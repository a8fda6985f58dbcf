"""Blobs: InputStream as a real seekable file, the blob decoders and the blob encoder."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc as func
from azfunc import AzFuncError, ConversionError, Datum
from tests.conftest import VECTORS


def _load(*parts: str) -> Any:
    return json.loads(VECTORS.joinpath(*parts).read_text(encoding="utf-8"))


def _conv(binding: str = "blobTrigger") -> Any:
    return func.get_binding_registry().require(binding)


# --- wire vectors ----------------------------------------------------------------------------


def test_pylib_properties_vector() -> None:
    case = _load("trigger_payloads", "blob.json")["pylib_test_properties"]
    metadata = {k: Datum(v["value"], v["type"]) for k, v in case["trigger_metadata"].items()}
    data = Datum(case["data"]["value_utf8"].encode(), case["data"]["type"])
    for binding in ("blobTrigger", "blob"):
        blob = _conv(binding).decode(data, trigger_metadata=metadata)
        assert isinstance(blob, func.InputStream)
        expected = case["expected"]
        assert blob.name == expected["name"]
        assert blob.length == expected["length"]
        assert blob.uri == expected["uri"]
        assert blob.metadata == expected["metadata"]
        assert blob.blob_properties is not None
        assert blob.blob_properties["ContentMD5"] == "B54d+wzLC8IlnxyyZxwPsw=="
        assert blob.read() == b"blob_content"


def test_v11_properties_use_length_and_json_uri() -> None:
    case = _load("trigger_payloads", "blob.json")["issue_5815_properties_fragment"]
    # the vector is truncated mid-object: complete it the way the SDK would have
    properties = case["Properties_truncated_prefix"].rsplit(",", 1)[0] + "}"
    metadata = {
        "Properties": Datum(properties, "json"),
        "Metadata": Datum(case["Metadata"], "json"),
        "Uri": Datum('"https://acct.blob.core.windows.net/c/a.txt"', "json"),
        "BlobTrigger": Datum("c/a.txt", "string"),
    }
    blob = _conv().decode(Datum("0123456789", "string"), trigger_metadata=metadata)
    assert blob.length == 10
    assert blob.metadata == {}
    assert blob.uri == "https://acct.blob.core.windows.net/c/a.txt"
    assert blob.blob_properties["ContentType"] == "text/plain; charset=utf-8"


def test_unreadable_metadata_does_not_fail_the_decode() -> None:
    metadata = {
        "Properties": Datum("{broken", "json"),
        "Metadata": Datum("[1, 2]", "json"),
        "BlobTrigger": Datum({"x": 1}, "json"),
    }
    blob = _conv().decode(Datum(b"abc", "bytes"), trigger_metadata=metadata)
    assert (blob.blob_properties, blob.metadata, blob.name, blob.length) == (None, None, None, 3)
    odd_length = {"Properties": Datum('{"ContentLength": "twelve"}', "json")}
    assert _conv().decode(Datum(b"abc", "bytes"), trigger_metadata=odd_length).length == 3


# --- decode forms ----------------------------------------------------------------------------


def test_annotations_choose_the_form() -> None:
    conv = _conv("blob")
    assert conv.decode(Datum(b"abc", "bytes"), pytype=bytes) == b"abc"
    assert conv.decode(Datum("héllo", "string"), pytype=str) == "héllo"
    assert conv.decode(Datum("héllo", "string"), pytype=bytes) == "héllo".encode()
    assert conv.decode(Datum(b"abc", "bytes"), pytype=str | None) == "abc"
    assert isinstance(
        conv.decode(Datum(b"abc", "stream"), pytype=func.InputStream), func.InputStream
    )
    with pytest.raises(ConversionError, match="not UTF-8"):
        conv.decode(Datum(b"\xff", "bytes"), pytype=str)
    for ok in (func.InputStream, bytes, str, func.InputStream | None):
        assert conv.check_input_type_annotation(ok)
    assert not conv.check_input_type_annotation(int)


def test_null_is_none_and_other_kinds_raise() -> None:
    assert _conv("blob").decode(Datum(None, "null")) is None
    for datum in (Datum(1, "int"), Datum("{}", "json"), Datum(["a"], "collection_string")):
        with pytest.raises(ConversionError, match="blob"):
            _conv("blob").decode(datum)


def test_trigger_support_flags() -> None:
    assert _conv("blobTrigger").has_trigger_support()
    assert not _conv("blob").has_trigger_support()
    with pytest.raises(ConversionError):
        _conv("blobTrigger").encode(b"x")


# --- InputStream as a file -------------------------------------------------------------------


def test_seed_blob_example() -> None:
    obj = func.InputStream(data=b"record")
    assert f"{obj.read()!r}" == "b'record'"


def test_read_seek_tell_readinto() -> None:
    blob = func.InputStream(data=b"0123456789")
    assert blob.readable()
    assert blob.seekable()
    assert not blob.writable()
    assert blob.read(3) == b"012"
    assert blob.tell() == 3
    assert blob.read1(2) == b"34"
    buf = bytearray(3)
    assert blob.readinto(buf) == 3
    assert buf == b"567"
    assert blob.seek(-2, io.SEEK_END) == 8
    assert blob.read() == b"89"
    assert blob.read() == b""
    assert blob.seek(1) == 1
    assert blob.read(None) == b"123456789"
    assert blob.getvalue() == b"0123456789"
    assert blob.length == 10


def test_lines_and_text_wrapper_and_csv() -> None:
    blob = func.InputStream(data="name,city\nÅsa,Umeå\nBo,Lund\n".encode())
    assert list(blob) == [b"name,city\n", "Åsa,Umeå\n".encode(), b"Bo,Lund\n"]
    blob.seek(0)
    rows = list(csv.DictReader(io.TextIOWrapper(blob, encoding="utf-8", newline="")))
    assert rows == [{"name": "Åsa", "city": "Umeå"}, {"name": "Bo", "city": "Lund"}]


def test_zipfile_reads_from_an_input_stream() -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("a.txt", "alpha")
        archive.writestr("dir/b.bin", b"\x00\x01")
    blob = func.InputStream(data=raw.getvalue(), name="c/archive.zip")
    with zipfile.ZipFile(blob) as archive:
        assert archive.namelist() == ["a.txt", "dir/b.bin"]
        assert archive.read("a.txt") == b"alpha"
        assert archive.read("dir/b.bin") == b"\x00\x01"


def test_file_object_data() -> None:
    seekable = io.BytesIO(b"xxpayload")
    seekable.seek(2)
    blob = func.InputStream(data=seekable)
    assert blob.length == 7
    assert blob.read() == b"payload"

    class OneShot(io.RawIOBase):
        def __init__(self) -> None:
            self.left = b"stream"

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            n = min(len(buffer), len(self.left))
            buffer[:n] = self.left[:n]
            self.left = self.left[n:]
            return n

    blob = func.InputStream(data=io.BufferedReader(OneShot()))
    assert blob.read() == b"stream"
    assert blob.length == 6
    with pytest.raises(ConversionError):
        func.InputStream(data=io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(ConversionError):
        func.InputStream(data=123)  # type: ignore[arg-type]


def test_close_and_context_manager() -> None:
    with func.InputStream(data=b"abc") as blob:
        assert blob.read(1) == b"a"
    assert blob.closed
    with pytest.raises(ValueError, match="closed"):
        blob.read()


def test_defaults() -> None:
    blob = func.InputStream()
    assert (
        blob.read(),
        blob.length,
        blob.name,
        blob.uri,
        blob.blob_properties,
        blob.metadata,
    ) == (
        b"",
        0,
        None,
        None,
        None,
        None,
    )
    assert func.InputStream(data=b"abc", length=99).length == 99


# --- encoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", Datum("text", "string")),
        (b"\x00\xff", Datum(b"\x00\xff", "bytes")),
        (bytearray(b"ab"), Datum(b"ab", "bytes")),
        (memoryview(b"mv"), Datum(b"mv", "bytes")),
        (io.BytesIO(b"file"), Datum(b"file", "bytes")),
        (io.StringIO("text file"), Datum("text file", "string")),
        (func.InputStream(data=b"again"), Datum(b"again", "bytes")),
        (None, None),
    ],
)
def test_encode_table(value: Any, expected: Datum | None) -> None:
    assert _conv("blob").encode(value) == expected


@pytest.mark.parametrize("value", [1, 2.5, {"a": 1}, ["x"]])
def test_encode_rejects(value: Any) -> None:
    with pytest.raises(ConversionError):
        _conv("blob").encode(value)


def test_output_annotations() -> None:
    conv = _conv("blob")
    for ok in (str, bytes, bytearray, func.InputStream, io.BytesIO):
        assert conv.check_output_type_annotation(ok), ok
    for bad in (int, dict, list[str]):
        assert not conv.check_output_type_annotation(bad), bad


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=75)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=100)))
def test_encode_decode_round_trip(content: bytes | str) -> None:
    datum = _conv("blob").encode(content)
    assert datum is not None
    blob = _conv("blob").decode(datum)
    expected = content.encode() if isinstance(content, str) else content
    assert blob.read() == expected
    assert blob.length == len(expected)
    assert _conv("blob").decode(datum, pytype=bytes) == expected


@settings(max_examples=75)
@given(
    data=st.binary(max_size=300),
    ops=st.lists(
        st.tuples(st.integers(-50, 350), st.integers(0, 2), st.integers(-1, 60)), max_size=8
    ),
)
def test_seek_and_read_match_bytesio(data: bytes, ops: list[tuple[int, int, int]]) -> None:
    blob = func.InputStream(data=data)
    model = io.BytesIO(data)
    for offset, whence, size in ops:
        if whence == io.SEEK_SET:
            offset = abs(offset)
        try:
            expected_pos = model.seek(offset, whence)
        except ValueError:
            with pytest.raises(ValueError, match=r"seek|whence"):
                blob.seek(offset, whence)
            continue
        assert blob.seek(offset, whence) == expected_pos
        assert blob.read(size) == model.read(size)
        assert blob.tell() == model.tell()


datums = st.one_of(
    st.builds(Datum, st.text(max_size=20), st.sampled_from(["string", "json"])),
    st.builds(Datum, st.binary(max_size=20), st.sampled_from(["bytes", "stream", "string"])),
    st.builds(Datum, st.integers(), st.sampled_from(["int", "bytes", "string"])),
    st.builds(Datum, st.none(), st.sampled_from(["null", "bytes"])),
)
metadata_values = st.one_of(
    datums,
    st.text(max_size=20),
    st.integers(),
    st.none(),
    st.dictionaries(
        st.sampled_from(["ContentLength", "Length", "x"]),
        st.one_of(st.integers(), st.text(max_size=5), st.none()),
    ),
)


@settings(max_examples=150)
@given(
    datum=datums,
    metadata=st.dictionaries(
        st.sampled_from(["Properties", "Metadata", "BlobTrigger", "Uri"]), metadata_values
    ),
    pytype=st.sampled_from([None, func.InputStream, str, bytes]),
)
def test_arbitrary_input_raises_only_azfunc_errors(
    datum: Datum, metadata: dict[str, Any], pytype: Any
) -> None:
    try:
        result = _conv().decode(datum, trigger_metadata=metadata, pytype=pytype)
    except AzFuncError:
        return
    if isinstance(result, func.InputStream):
        assert result.length is None or isinstance(result.length, int)
        assert result.name is None or isinstance(result.name, str)
        assert isinstance(result.read(), bytes)
    else:
        assert result is None or isinstance(result, (str, bytes))
