"""The folder app of ``examples/folder_app``, written with decorators in one file.

Each decorator returns the function itself, so tests can call ``hello(req)`` directly.
"""

import logging

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def shout(text: str) -> str:
    """``text`` in capitals, with an exclamation mark."""
    return f"{text.upper()}!"


@app.function_name("HttpTrigger")
@app.route(route="HttpTrigger", methods=["GET", "POST"], auth_level=func.AuthLevel.FUNCTION)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    """Greet ``name`` from the query string or the JSON body."""
    logging.info("Python HTTP trigger function processed a request.")
    name = req.params.get("name")
    if not name:
        try:
            name = req.get_json().get("name")
        except ValueError:
            name = None
    if name:
        return func.HttpResponse(f"Hello {name}")
    return func.HttpResponse(
        "Please pass a name on the query string or in the request body", status_code=400
    )


@app.function_name("QueueTrigger")
@app.queue_trigger(arg_name="msg", queue_name="python-queue-items",
                   connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="outqueue", connection="AzureWebJobsStorage")
def queue_body(msg: func.QueueMessage) -> str:
    """Describe a queue message; the description goes on ``outqueue`` (the return value)."""
    return f"msg body: {msg.get_body().decode()}"


@app.function_name("GetItem")
@app.route(route="items/{id}", methods=["GET"])
@app.blob_input(arg_name="obj", path="samples/{id}", connection="AzureWebJobsStorage")
def get_item(req: func.HttpRequest, obj: func.InputStream) -> func.HttpResponse:
    """GET /api/items/{id}: the blob samples/{id}, or 404 when there is no such blob."""
    if obj is None:
        return func.HttpResponse(f"item {req.route_params['id']} not found", status_code=404)
    return func.HttpResponse(obj.read(), mimetype="application/octet-stream")


@app.function_name("Enqueue")
@app.route(route="Enqueue")
@app.queue_output(arg_name="msg", queue_name="outqueue", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, msg: func.Out[str]) -> str:
    """Put the ``body`` query parameter on ``outqueue`` and echo it back."""
    message = req.params.get("body", "")
    msg.set(message)
    return message


@app.function_name("ProcessOutqueue")
@app.queue_trigger(arg_name="msg", queue_name="outqueue", connection="AzureWebJobsStorage")
def process_outqueue(msg: func.QueueMessage) -> None:
    """Read what Enqueue put on ``outqueue``: the other end of the chain."""
    text = shout(msg.get_body().decode())
    logging.info("outqueue item (dequeue count %d): %s", msg.dequeue_count, text)


@app.function_name("Heartbeat")
@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False)
def heartbeat(timer: func.TimerRequest) -> None:
    """Every five minutes: log a heartbeat."""
    logging.info(shout("late tick" if timer.past_due else "tick"))
