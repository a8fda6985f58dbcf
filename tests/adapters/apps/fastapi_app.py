"""A FastAPI app: JSON, forms, uploads, cookies, redirects, errors, streaming, a lifespan."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.requests import ClientDisconnect

import azfunc as func

#: what the lifespan did, in order (the tests read it).
EVENTS: list[str] = []


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("create table notes (text)")
    db.execute("insert into notes values ('opened at startup')")
    EVENTS.append("startup")
    try:
        yield {"db": db, "release": asyncio.Event(), "seen": [],
               "first": asyncio.get_running_loop().create_future()}
    finally:
        db.close()
        EVENTS.append("shutdown")


api = FastAPI(lifespan=lifespan)


@api.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "q": q}


@api.post("/echo")
async def echo(payload: dict[str, Any]) -> dict[str, Any]:
    return {"got": payload}


@api.post("/form")
async def form(name: Annotated[str, Form()], tags: Annotated[list[str], Form()]) -> dict[str, Any]:
    return {"name": name, "tags": tags}


@api.post("/upload")
async def upload(
    file: Annotated[UploadFile, File()], note: Annotated[str, Form()] = ""
) -> dict[str, Any]:
    data = await file.read()
    return {"filename": file.filename, "size": len(data), "head": data[:4].hex(), "note": note}


@api.get("/cookies")
async def cookies() -> Response:
    response = PlainTextResponse("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", httponly=True)
    return response


@api.get("/redirect")
async def redirect() -> RedirectResponse:
    return RedirectResponse("/api/items/1", status_code=302)


@api.get("/boom")
async def boom() -> None:
    raise RuntimeError("boom from FastAPI")


@api.api_route("/head", methods=["GET", "HEAD"])
async def head() -> PlainTextResponse:
    return PlainTextResponse("a body HEAD must not carry", headers={"X-Head": "yes"})


@api.get("/notes")
async def notes(request: Request) -> dict[str, Any]:
    db: sqlite3.Connection = request.state.db
    return {"notes": [row[0] for row in db.execute("select text from notes")]}


@api.get("/stream")
async def stream(request: Request) -> StreamingResponse:
    release: asyncio.Event = request.state.release

    async def chunks() -> AsyncIterator[bytes]:
        yield b"first\n"
        await release.wait()  # the test reads the first chunk, then releases the rest
        release.clear()
        yield b"last\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@api.post("/release")
async def release(request: Request) -> dict[str, bool]:
    request.state.release.set()
    return {"released": True}


@api.post("/upload-chunks")
async def upload_chunks(request: Request) -> dict[str, list[int]]:
    """Reads the body chunk by chunk; ``/first-chunk`` tells the size of the first."""
    first: asyncio.Future[int] = request.state.first
    sizes = []
    async for chunk in request.stream():
        if chunk:
            sizes.append(len(chunk))
            if not first.done():
                first.set_result(len(chunk))
    return {"chunks": sizes}


@api.get("/first-chunk")
async def first_chunk(request: Request) -> dict[str, int]:
    size = await asyncio.wait_for(asyncio.shield(request.state.first), 20)
    return {"first": size}


@api.post("/upload-whole")
async def upload_whole(request: Request) -> dict[str, int]:
    """Reads the whole body; what it saw is listed by ``/seen``."""
    seen: list[Any] = request.state.seen
    try:
        data = await request.body()
    except ClientDisconnect:
        seen.append("cut off")
        raise
    seen.append(len(data))
    return {"size": len(data)}


@api.get("/seen")
async def seen(request: Request) -> list[Any]:
    return list(request.state.seen)


@api.get("/scope/{rest:path}")
async def scope(request: Request, rest: str) -> dict[str, Any]:
    s = request.scope
    return {
        "rest": rest,
        "path": s["path"],
        "raw_path": s["raw_path"].decode("latin-1"),
        "root_path": s["root_path"],
        "query_string": s["query_string"].decode("latin-1"),
        "scheme": s["scheme"],
        "server": list(s["server"]),
        "client": list(s["client"]) if s["client"] else None,
        "x_multi": request.headers.getlist("x-multi"),
        "url": str(request.url),
        "invocation_id": getattr(s.get("azure_functions.context"), "invocation_id", None),
    }


app = func.AsgiFunctionApp(api, http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="plain/hello", methods=["GET"])
def plain_hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello from a plain function")


#: the release of ``/own/stream``, per loop (each served host runs its own).
_OWN_RELEASE: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}


def _own_release() -> asyncio.Event:
    return _OWN_RELEASE.setdefault(asyncio.get_running_loop(), asyncio.Event())


async def own_asgi(scope: Any, receive: Any, send: Any) -> None:
    """A bare ASGI app that a function of the user's own hands to ``AsgiMiddleware``."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
    release = _own_release()
    await release.wait()
    release.clear()
    await send({"type": "http.response.body", "body": b"last\n"})


OWN = func.AsgiMiddleware(own_asgi)


@app.route(route="own/stream", methods=["GET"])
async def own_stream(req: func.HttpRequest) -> func.HttpResponse:
    """The user's own function calling the middleware: the host streams, so does it."""
    return await OWN.handle_async(req)


@app.route(route="own/release", methods=["POST"])
async def own_stream_release(req: func.HttpRequest) -> func.HttpResponse:
    _own_release().set()
    return func.HttpResponse("released")
