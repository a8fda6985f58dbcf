"""The app the OpenAPI tests describe and drive: typed bodies (dataclass, TypedDict,
pydantic), route constraints, optional segments, auth levels, a disabled function."""

from __future__ import annotations

import dataclasses
from typing import Literal, TypedDict

from pydantic import BaseModel

import azfunc as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@dataclasses.dataclass
class Line:
    sku: str
    qty: int = 1


@dataclasses.dataclass
class Order:
    id: int
    lines: list[Line]
    note: str | None = None
    kind: Literal["retail", "trade"] = "retail"


@dataclasses.dataclass
class Receipt:
    id: int
    items: int
    total_qty: int


class Tag(TypedDict):
    name: str
    weight: float


class Person(BaseModel):
    name: str
    age: int


@app.route(route="orders", methods=["POST"])
def place(req: Order) -> Receipt:
    return Receipt(req.id, len(req.lines), sum(line.qty for line in req.lines))


@app.route(route="tags/{group:alpha}", methods=["PUT"])
def tag(req: Tag) -> func.HttpResponse:
    return func.HttpResponse(f"{req['name']}:{req['weight']}")


@app.route(route="people", methods=["POST"])
def person(req: Person) -> Person:
    return Person(name=req.name.upper(), age=req.age + 1)


@app.route(route="items/{id:int:min(1)}/{part?}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"{req.route_params['id']}/{req.route_params.get('part', '')}")


@app.route(route="files/{*rest}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("rest", ""))


@app.route(route="guid/{key:guid}/{flag:bool}", methods=["GET", "DELETE"],
           auth_level=func.AuthLevel.FUNCTION)
def keyed(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params["key"])


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin")


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")


@app.queue_trigger(arg_name="msg", queue_name="work", connection="AzureWebJobsStorage")
def work(msg: Order) -> None:
    return None
