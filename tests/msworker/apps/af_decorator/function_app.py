"""A decorator app written against azure.functions, in a worker where azfunc is imported too
(a library the app uses imports it): it must run exactly as without azfunc."""

import json

import azure.functions as func

import azfunc  # noqa: F401 - imported by "a library"; installs azfunc's bridge

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _kind(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


@app.route(route="af")
def af_http(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"kind": _kind(req), "name": req.params.get("name")}))


@app.queue_trigger(arg_name="msg", queue_name="q", connection="C")
@app.queue_output(arg_name="report", queue_name="r", connection="C")
def af_queue(msg: func.QueueMessage, report: func.Out[str]) -> None:
    report.set(json.dumps({"kind": _kind(msg), "dequeue_count": msg.dequeue_count}))
