"""The blob extension's reference (``model_binding_data``) and the SDK annotations."""

from __future__ import annotations

import json

import azure.storage.blob as blob
import azure.storage.blob.aio as aio
import azurefunctions.extensions.bindings.blob as ext
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azfunc
from azfunc import ConfigurationError, ConversionError
from azfunc._datum import Datum
from azfunc.bindings.blob_sdk import blob_reference, read_reference, sdk_blob_type
from azfunc.wire.typed_data import ModelBindingData

_containers = st.text(min_size=1).filter(lambda s: "/" not in s)
_blobs = st.text().filter(lambda s: not s.startswith("/") and not s.endswith("/"))


@given(connection=st.text(), container=_containers, name=_blobs)
def test_a_reference_round_trips(connection: str, container: str, name: str) -> None:
    found = read_reference(blob_reference(connection, f"{container}/{name}").value)
    assert (found.connection, found.container, found.blob) == (connection, container, name)


@settings(deadline=1000)
@given(source=st.sampled_from(["AzureStorageBlobs", "Other"]),
       content=st.one_of(st.binary(max_size=200),
                         st.recursive(st.none() | st.booleans() | st.text(max_size=10),
                                      lambda inner: st.lists(inner, max_size=4) |
                                      st.dictionaries(st.sampled_from(
                                          ["Connection", "ContainerName", "BlobName", "x"]),
                                          inner, max_size=4),
                                      max_leaves=10).map(lambda v: json.dumps(v).encode())))
def test_a_malformed_reference_is_only_a_conversion_error(source: str, content: bytes) -> None:
    try:
        found = read_reference(ModelBindingData("1.0", source, "application/json", content))
    except ConversionError:
        return
    assert found.container
    assert isinstance(found.connection, str)


def test_not_a_reference_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError, match="model_binding_data"):
        read_reference(b"{}")


@pytest.mark.parametrize(("annotation", "kind", "is_async"), [
    (blob.BlobClient, "BlobClient", False),
    (blob.ContainerClient | None, "ContainerClient", False),
    (blob.StorageStreamDownloader[bytes], "StorageStreamDownloader", False),
    (ext.BlobClient, "BlobClient", False),
    (ext.StorageStreamDownloader, "StorageStreamDownloader", False),
    (aio.BlobClient, "BlobClient", True),
])
def test_sdk_annotations_are_recognised(annotation: object, kind: str, is_async: bool) -> None:
    found = sdk_blob_type(annotation)
    assert found is not None
    assert (found.kind, found.is_async) == (kind, is_async)


@pytest.mark.parametrize("annotation", [bytes, str, azfunc.InputStream, blob.BlobServiceClient,
                                        "BlobClient", list[blob.BlobClient]])
def test_other_annotations_are_not(annotation: object) -> None:
    assert sdk_blob_type(annotation) is None


def _decode(datum: Datum, pytype: object) -> object:
    return azfunc.get_binding_registry().require("blob").decode(datum, pytype=pytype)


def test_an_aio_annotation_is_refused_with_the_fix() -> None:
    with pytest.raises(ConversionError, match=r"annotate azure\.storage\.blob\.BlobClient"):
        _decode(blob_reference("S", "c/b"), aio.BlobClient)


def test_content_for_an_sdk_annotation_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError, match="did not defer"):
        _decode(Datum(b"abc", "bytes"), blob.BlobClient)


def test_a_reference_for_a_content_annotation_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError, match="annotate the parameter"):
        _decode(blob_reference("S", "c/b"), bytes)


def test_a_reference_to_the_embedded_store_is_a_configuration_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("Unset", raising=False)
    with pytest.raises(ConfigurationError, match="embedded store"):
        _decode(blob_reference("Unset", "c/b"), blob.BlobClient)


def test_a_client_is_built_from_the_connection_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("Dev", "UseDevelopmentStorage=true")
    client = _decode(blob_reference("Dev", "c/a/b.txt"), blob.BlobClient)
    assert isinstance(client, blob.BlobClient)
    assert (client.account_name, client.container_name, client.blob_name) == (
        "devstoreaccount1", "c", "a/b.txt")
    container = _decode(blob_reference("Dev", "c/a/b.txt"), ext.ContainerClient)
    assert isinstance(container, blob.ContainerClient)
    assert container.container_name == "c"
    client.close()
    container.close()
