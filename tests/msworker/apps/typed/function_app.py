"""A decorator-model app with typed payloads, as a user deploys it on the standard runtime:
an HTTP trigger's body and a queue message decoded into dataclasses by azfunc."""

import dataclasses

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@dataclasses.dataclass
class Order:
    id: int
    sku: str
    qty: int = 1


@dataclasses.dataclass
class Receipt:
    id: int
    sku: str
    total: int


@app.route(route="orders", methods=["POST"])
def place(req: Order) -> Receipt:
    return Receipt(req.id, req.sku.upper(), req.qty * 10)


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="report", queue_name="reports", connection="AzureWebJobsStorage")
def queued(msg: Order, report: func.Out[str]) -> None:
    report.set(f"{type(msg).__name__}:{msg.id}:{msg.sku}:{msg.qty}")
