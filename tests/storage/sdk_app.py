"""The app of the SDK-typed blob parameter tests (copied into a temporary folder per test).

Its blob bindings name the connection ``Store`` (the Azurite fixture's connection string);
the trigger writes what its ``BlobClient`` read into ``AZFUNC_TEST_MARKS``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import azure.storage.blob as blob
import azurefunctions.extensions.bindings.blob as ext

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKS = Path(os.environ.get("AZFUNC_TEST_MARKS", "."))


@app.blob_trigger(arg_name="client", path="sdk-in/{name}", connection="Store")
def on_upload(client: blob.BlobClient) -> None:
    content = client.download_blob().readall()
    record = {"type": type(client).__name__, "blob": client.blob_name,
              "container": client.container_name, "content": content.decode()}
    (MARKS / f"trigger-{client.blob_name}.json").write_text(json.dumps(record))


@app.route(route="list/{name}", methods=["GET"])
@app.blob_input(arg_name="container", path="sdk-in/{name}", connection="Store")
def list_blobs(req: func.HttpRequest, container: blob.ContainerClient) -> func.HttpResponse:
    names = sorted(b.name for b in container.list_blobs())
    return func.HttpResponse(json.dumps({"type": type(container).__name__, "names": names}),
                             mimetype="application/json")


@app.route(route="read/{name}", methods=["GET"])
@app.blob_input(arg_name="download", path="sdk-in/{name}", connection="Store")
def read_blob(req: func.HttpRequest,
              download: blob.StorageStreamDownloader[bytes]) -> func.HttpResponse:
    return func.HttpResponse(download.readall(), headers={"X-Type": type(download).__name__})


@app.route(route="ext/{name}", methods=["GET"])
@app.blob_input(arg_name="client", path="sdk-in/{name}", connection="Store")
def extension_names(req: func.HttpRequest, client: ext.BlobClient) -> func.HttpResponse:
    return func.HttpResponse(client.download_blob().readall(),
                             headers={"X-Type": type(client).__name__})


@app.blob_trigger(arg_name="source_blob", path="sample-in/{name}", connection="Store",
                  source=func.BlobSource.EVENT_GRID)
@app.blob_input(arg_name="processed", path="sample-out", connection="Store")
def copy_upload(source_blob: ext.BlobClient, processed: ext.ContainerClient) -> None:
    """The idiom of Microsoft's functions-quickstart-python-azd-eventgrid-blob sample."""
    name = source_blob.get_blob_properties().name
    if not processed.exists():
        processed.create_container()
    processed.upload_blob(f"processed-{name}", source_blob.download_blob().readall(),
                          overwrite=True)
