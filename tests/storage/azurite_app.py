"""The function app the Azurite tests serve (copied into a temporary folder per test).

Every storage binding names the connection ``Store``, which the tests set to the Azurite
fixture's connection string; it imports without any setting.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
MARKS = Path(os.environ.get("AZFUNC_TEST_MARKS", "."))


@app.route(route="orders/{id}", methods=["POST"])
@app.queue_output(arg_name="msg", queue_name="orders", connection="Store")
def order(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    msg.set(json.dumps({"id": req.route_params["id"], "note": req.get_body().decode()}))
    return func.HttpResponse(status_code=202)


@app.queue_trigger(arg_name="m", queue_name="orders", connection="Store")
@app.blob_output(arg_name="out", path="done/{id}.json", connection="Store")
def process(m: func.QueueMessage, out: func.Out[str]) -> None:
    body = m.get_json()
    delay = float(os.environ.get("AZFUNC_TEST_DELAY", "0"))
    if delay:
        with open(MARKS / "started.log", "a", encoding="utf-8") as handle:
            handle.write(f"{body['id']}\n")  # a run is under way (one line per run)
        time.sleep(delay)
    with open(MARKS / f"processed-{os.getpid()}.log", "a", encoding="utf-8") as handle:
        handle.write(f"{body['id']}\n")  # one line per run: duplicates show across hosts
    out.set(json.dumps({**body, "dequeue_count": m.dequeue_count, "pid": os.getpid()}))


@app.route(route="done/{id}", methods=["GET"])
@app.blob_input(arg_name="blob", path="done/{id}.json", connection="Store")
def read_done(req: func.HttpRequest, blob: bytes | None) -> func.HttpResponse:
    if blob is None:
        return func.HttpResponse("missing", status_code=404)
    return func.HttpResponse(blob, mimetype="application/json")


@app.blob_trigger(arg_name="blob", path="done/{name}", connection="Store")
@app.queue_output(arg_name="note", queue_name="notes", connection="Store")
@app.table_output(arg_name="row", connection="Store", table_name="Done", partition_key="done",
                  row_key="{name}")
def on_done(blob: func.InputStream, note: func.Out[str], row: func.Out[str]) -> None:
    size = len(blob.read())
    note.set(json.dumps({"blob": blob.name, "size": size}))
    row.set(json.dumps({"Size": size, "Blob": blob.name}))


@app.route(route="rows/{id}", methods=["GET"])
@app.table_input(arg_name="row", connection="Store", table_name="Done", partition_key="done",
                 row_key="{id}")
def get_row(req: func.HttpRequest, row: str | None) -> func.HttpResponse:
    if row is None:
        return func.HttpResponse("missing", status_code=404)
    return func.HttpResponse(row, mimetype="application/json")


@app.route(route="rows", methods=["GET"])
@app.table_input(arg_name="rows", connection="Store", table_name="Done", partition_key="done",
                 filter="Size gt 0", take=5)
def list_rows(req: func.HttpRequest, rows: str) -> func.HttpResponse:
    return func.HttpResponse(rows, mimetype="application/json")


@app.queue_trigger(arg_name="m", queue_name="flaky", connection="Store")
def flaky(m: func.QueueMessage) -> None:
    with open(MARKS / "flaky.log", "a", encoding="utf-8") as handle:
        handle.write(f"{m.dequeue_count}\n")
    raise RuntimeError(f"failing on purpose ({m.dequeue_count})")


@app.queue_trigger(arg_name="m", queue_name="raw", connection="Store")
@app.blob_output(arg_name="out", path="raw/{Id}.bin", connection="Store")
def raw(m: func.QueueMessage, out: func.Out[bytes]) -> None:
    out.set(m.get_body())
