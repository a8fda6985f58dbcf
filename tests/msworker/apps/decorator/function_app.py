"""A decorator-model app written against azfunc only, as a user deploys it.

Every function reports what it received through a ``report`` queue output (``Out[dict]``),
so the test reads the decoded values from the worker's InvocationResponse.
"""

import asyncio
import typing

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _kind(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


@app.route(route="items/{id}", methods=["GET", "POST"])
def http_echo(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_body()
    info = {
        "kind": _kind(req),
        "method": req.method,
        "accept": req.headers.getall("accept"),
        "tag": req.params.getall("tag", []),
        "name": req.params.get("name"),
        "route_id": req.route_params.get("id"),
        "body_len": len(body),
        "json": req.get_json() if req.headers.get("content-type") == "application/json" else None,
    }
    resp = func.HttpResponse(
        body=__import__("json").dumps(info), status_code=201, mimetype="application/json"
    )
    resp.headers.add("Set-Cookie", "session=abc; Path=/; HttpOnly")
    resp.headers.add("Set-Cookie", "theme=dark; Max-Age=3600")
    resp.headers.add("X-Multi", "1")
    resp.headers.add("X-Multi", "2")
    return resp


@app.route(route="binary", methods=["POST"])
def http_binary(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(body=req.get_body()[::-1], mimetype="application/octet-stream")


@app.route(route="badjson", methods=["POST"])
def http_bad_json(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(req.get_json()))


@app.queue_trigger(arg_name="msg", queue_name="jobs", connection="Storage")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def queue_job(msg: func.QueueMessage, report: func.Out[dict]) -> None:
    report.set({
        "kind": _kind(msg),
        "id": msg.id,
        "body": msg.get_body().decode(),
        "dequeue_count": msg.dequeue_count,
        "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
        "expiration_time": msg.expiration_time.isoformat() if msg.expiration_time else None,
    })


@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def tick(timer: func.TimerRequest, report: func.Out[dict]) -> None:
    report.set({"kind": _kind(timer), "past_due": timer.past_due})


@app.blob_trigger(arg_name="blob", path="in/{name}", connection="Storage")
@app.blob_output(arg_name="copy", path="out/{name}", connection="Storage")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def blob_copy(blob: func.InputStream, copy: func.Out[bytes], report: func.Out[dict]) -> None:
    head = blob.read(3)
    blob.seek(0)
    data = blob.read()
    copy.set(data.upper())
    report.set({"kind": _kind(blob), "name": blob.name, "length": blob.length,
                "head": head.decode(), "seekable": blob.seekable()})


@app.event_hub_message_trigger(arg_name="events", connection="EH", event_hub_name="hub",
                               cardinality="many")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
# The worker accepts typing.List[...] only: on Python 3.11+ it rejects list[...] as a
# "non-type annotation" (azfunc check says so).
def hub_batch(events: typing.List[func.EventHubEvent],  # noqa: UP006
              report: func.Out[dict]) -> None:
    report.set({
        "kind": _kind(events[0]) if events else None,
        "count": len(events),
        "bodies": [e.get_body().decode() for e in events[:3]],
        "sequence_numbers": [e.sequence_number for e in events[:3]],
    })


@app.service_bus_queue_trigger(arg_name="msg", connection="SB", queue_name="orders")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def bus_order(msg: func.ServiceBusMessage, report: func.Out[dict]) -> None:
    report.set({"kind": _kind(msg), "message_id": msg.message_id,
                "delivery_count": msg.delivery_count, "body": msg.get_body().decode()})


@app.event_grid_trigger(arg_name="event")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def grid_event(event: func.EventGridEvent, report: func.Out[dict]) -> None:
    report.set({"kind": _kind(event), "id": event.id, "subject": event.subject,
                "event_type": event.event_type, "data": event.get_json()})


@app.cosmos_db_trigger(arg_name="docs", connection="Cosmos", database_name="db",
                       container_name="items")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
def cosmos_changes(docs: func.DocumentList, report: func.Out[dict]) -> None:
    report.set({"kind": _kind(docs), "ids": [d["id"] for d in docs]})


@app.queue_trigger(arg_name="msg", queue_name="ctx", connection="Storage")
@app.queue_output(arg_name="report", queue_name="reports", connection="Storage")
async def with_context(msg: func.QueueMessage, context: func.Context,
                       report: func.Out[dict]) -> None:
    await asyncio.sleep(0)
    exc = context.retry_context.exception
    report.set({
        "kind": _kind(context),
        "invocation_id": context.invocation_id,
        "function_name": context.function_name,
        "trace_parent": context.trace_context.trace_parent,
        "retry_count": context.retry_context.retry_count,
        "max_retry_count": context.retry_context.max_retry_count,
        "retry_exception": exc.message if exc else None,
    })


@app.function_name("returns_queue")
@app.queue_trigger(arg_name="msg", queue_name="ret", connection="Storage")
@app.queue_output(arg_name="$return", queue_name="reports", connection="Storage")
def returns_queue(msg: func.QueueMessage) -> list:
    return [msg.get_body().decode(), {"n": 1}]


@app.queue_trigger(arg_name="msg", queue_name="boom", connection="Storage")
def raises(msg: func.QueueMessage) -> None:
    raise ValueError("boom: " + msg.get_body().decode())
