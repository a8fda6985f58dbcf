"""The benchmark app written against azfunc: the same code as af_app.py."""

import typing

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("az_http")
@app.route(route="az/items/{id}", methods=["POST"])
async def http(req: func.HttpRequest) -> func.HttpResponse:
    data = req.get_json()
    out = {"id": req.route_params.get("id"), "name": req.params.get("name"),
           "agent": req.headers.get("user-agent"), "n": len(data)}
    return func.HttpResponse(__import__("json").dumps(out), mimetype="application/json")


@app.function_name("az_queue")
@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
async def queue(msg: func.QueueMessage) -> None:
    _ = (msg.id, msg.dequeue_count, msg.expiration_time, msg.insertion_time,
     msg.time_next_visible, msg.pop_receipt, msg.get_body())


@app.function_name("az_hub")
@app.event_hub_message_trigger(arg_name="events", connection="C", event_hub_name="h",
                               cardinality="many")
async def hub(events: typing.List[func.EventHubEvent]) -> None:  # noqa: UP006
    for e in events:
        e.get_body()
        _ = e.sequence_number
