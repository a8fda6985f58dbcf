"""The benchmark app written against azure.functions (the baseline).

The functions are ``async def``: they run on the worker's event loop, so the thread-pool handoff
of ``def`` functions (the same for both SDKs, and most of the noise on a busy machine) is not
in the measurement.
"""

import typing

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("af_http")
@app.route(route="af/items/{id}", methods=["POST"])
async def http(req: func.HttpRequest) -> func.HttpResponse:
    data = req.get_json()
    out = {"id": req.route_params.get("id"), "name": req.params.get("name"),
           "agent": req.headers.get("user-agent"), "n": len(data)}
    return func.HttpResponse(__import__("json").dumps(out), mimetype="application/json")


@app.function_name("af_queue")
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
async def queue(msg: func.QueueMessage) -> None:
    _ = (msg.id, msg.dequeue_count, msg.expiration_time, msg.insertion_time,
     msg.time_next_visible, msg.pop_receipt, msg.get_body())


@app.function_name("af_hub")
@app.event_hub_message_trigger(arg_name="events", connection="C", event_hub_name="h",
                               cardinality="many")
async def hub(events: typing.List[func.EventHubEvent]) -> None:  # noqa: UP006
    for e in events:
        e.get_body()
        _ = e.sequence_number
