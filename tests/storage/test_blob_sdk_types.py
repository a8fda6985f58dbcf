"""SDK-typed blob parameters under ``azfunc start`` against a real Azurite.

The blob is put in with Microsoft's SDK from outside; the functions receive
``azure.storage.blob`` objects built from the binding's connection and read it through them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from azure.storage.blob import BlobServiceClient

from azfunc.app.cli import check_main
from azfunc.app.loader import load_app
from azfunc.host.local import LocalHost
from azfunc.host.preflight import check_startup, refuse_start

from ..host.conftest import serving, wait_for
from .conftest import Azurite
from .test_azurite_e2e import _clean, write_host_json

HERE = Path(__file__).resolve().parent


@pytest.fixture
def app_dir(tmp_path: Path, azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> Path:
    _clean(azurite.connection_string)
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(HERE / "sdk_app.py", root / "function_app.py")
    write_host_json(root)
    monkeypatch.setenv("Store", azurite.connection_string)
    monkeypatch.setenv("AZFUNC_TEST_MARKS", str(tmp_path))
    return root


def _put(connection: str, name: str, data: bytes) -> None:
    service = BlobServiceClient.from_connection_string(connection)
    container = service.get_container_client("sdk-in")
    if not container.exists():
        container.create_container()
    container.upload_blob(name, data, overwrite=True)


def test_a_blob_trigger_with_a_blob_client_reads_the_blob(app_dir: Path,
                                                           azurite: Azurite) -> None:
    _put(azurite.connection_string, "a.txt", b"hello from outside")
    mark = app_dir.parent / "trigger-a.txt.json"
    with serving(LocalHost(app_dir)):
        wait_for(mark.exists, timeout=30)
    record = json.loads(mark.read_text())
    assert record == {"type": "BlobClient", "blob": "a.txt", "container": "sdk-in",
                      "content": "hello from outside"}


def test_inputs_get_a_container_client_and_a_downloader(app_dir: Path,
                                                         azurite: Azurite) -> None:
    for name, data in (("x.bin", bytes(range(256))), ("y.txt", b"y")):
        _put(azurite.connection_string, name, data)
    with serving(LocalHost(app_dir)) as url, httpx.Client(base_url=url, timeout=20) as client:
        listed = client.get("/api/list/x.bin")
        assert listed.status_code == 200
        assert listed.json() == {"type": "ContainerClient", "names": ["x.bin", "y.txt"]}
        read = client.get("/api/read/x.bin")
        assert read.status_code == 200
        assert (read.content, read.headers["X-Type"]) == (bytes(range(256)),
                                                          "StorageStreamDownloader")
        # the extension package's name gets the azure.storage.blob client, as in Azure
        named = client.get("/api/ext/y.txt")
        assert (named.status_code, named.content, named.headers["X-Type"]) == (
            200, b"y", "BlobClient")


def test_a_downloader_of_a_missing_blob_is_a_server_error_not_a_hang(
        app_dir: Path, azurite: Azurite) -> None:
    _put(azurite.connection_string, "present", b"p")
    with serving(LocalHost(app_dir)) as url, httpx.Client(base_url=url, timeout=20) as client:
        assert client.get("/api/read/absent").status_code == 500


def _embedded_app(root: Path, annotation: str, imports: str) -> Path:
    root.mkdir()
    (root / "host.json").write_text('{"version": "2.0"}')
    (root / "function_app.py").write_text(
        f"{imports}\nimport azfunc as func\n\napp = func.FunctionApp()\n\n\n"
        "@app.blob_trigger(arg_name='client', path='in/{name}', connection='Nowhere')\n"
        f"def handle(client: {annotation}) -> None:\n    pass\n"
    )
    return root


@pytest.mark.parametrize(("annotation", "imports", "expected"), [
    ("blob.BlobClient", "import azure.storage.blob as blob", "names the embedded store"),
    ("ext.ContainerClient", "import azurefunctions.extensions.bindings.blob as ext",
     "names the embedded store"),
    ("aio.BlobClient", "import azure.storage.blob.aio as aio", "only the sync clients"),
])
def test_an_sdk_type_the_store_cannot_serve_is_a_check_finding(
        tmp_path: Path, annotation: str, imports: str, expected: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("Nowhere", raising=False)
    root = _embedded_app(tmp_path / "app", annotation, imports)
    assert check_main([str(root)]) == 1
    out = capsys.readouterr().out
    assert out.count(expected) == 1  # reported once, by check and by start's preflight
    with load_app(root, apply_settings=False) as app:
        found = check_startup(list(app.functions.values()), app.host_json, {},
                              kind=app.kind, root=root)
    assert [(f.function, f.binding, f.code) for f in found] == [
        ("handle", "client", "blob-sdk-type")]
    assert refuse_start(found) == found  # azfunc start refuses it


def test_an_sdk_type_on_an_account_is_no_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("Nowhere", "UseDevelopmentStorage=true")
    root = _embedded_app(tmp_path / "app", "blob.BlobClient", "import azure.storage.blob as blob")
    assert check_main([str(root)]) == 0, capsys.readouterr().out


def test_the_quickstart_sample_idiom_copies_a_blob(app_dir: Path, azurite: Azurite) -> None:
    conn = azurite.connection_string
    service = BlobServiceClient.from_connection_string(conn)
    service.create_container("sample-in").upload_blob("report.pdf", b"%PDF-1.7 ...")
    target = service.get_container_client("sample-out")
    with serving(LocalHost(app_dir)):
        wait_for(lambda: target.exists() and
                 [b.name for b in target.list_blobs()] == ["processed-report.pdf"], timeout=30)
    assert target.download_blob("processed-report.pdf").readall() == b"%PDF-1.7 ..."
