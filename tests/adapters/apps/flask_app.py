"""A Flask app: JSON, forms, uploads, cookies, redirects, errors, streaming, HEAD, environ."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, jsonify, make_response, redirect, request, stream_with_context

import azfunc as func

api = Flask(__name__)
#: the streaming route waits on it after its first chunk (set through /release).
RELEASE = threading.Event()
#: the size of the first part /upload-chunks read; what /upload-whole saw (see /seen).
FIRST: list[int] = []
FIRST_READ = threading.Event()
SEEN: list[Any] = []


@api.get("/items/<int:item_id>")
def read_item(item_id: int) -> Any:
    return jsonify(item_id=item_id, q=request.args.get("q"), tags=request.args.getlist("tag"))


@api.post("/echo")
def echo() -> Any:
    return jsonify(got=request.get_json())


@api.post("/form")
def form() -> Any:
    return jsonify(name=request.form["name"], tags=request.form.getlist("tags"))


@api.post("/upload")
def upload() -> Any:
    file = request.files["file"]
    data = file.read()
    return jsonify(filename=file.filename, size=len(data), head=data[:4].hex(),
                   note=request.form.get("note", ""))


@api.get("/cookies")
def cookies() -> Any:
    response = make_response("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", httponly=True)
    return response


@api.get("/redirect")
def go() -> Any:
    return redirect("/api/items/1")


@api.get("/boom")
def boom() -> Any:
    raise RuntimeError("boom from Flask")


@api.route("/only-post", methods=["POST"])
def only_post() -> Any:
    return "posted"


@api.get("/head")
def head() -> Any:
    return Response("a body HEAD must not carry", headers={"X-Head": "yes"})


@api.get("/stream")
def stream() -> Any:
    def chunks() -> Iterator[str]:
        yield "first\n"
        RELEASE.wait(30)  # the test reads the first chunk, then releases the rest
        RELEASE.clear()
        yield "last\n"

    return Response(stream_with_context(chunks()), mimetype="text/plain")


@api.post("/release")
def release() -> Any:
    RELEASE.set()
    return jsonify(released=True)


@api.post("/upload-chunks")
def upload_chunks() -> Any:
    """Reads a 5-byte head, then the rest; ``/first-chunk`` tells the head's size."""
    head = request.stream.read(5)
    FIRST.append(len(head))
    FIRST_READ.set()
    rest = request.stream.read()
    return jsonify(chunks=[len(head), len(rest)])


@api.get("/first-chunk")
def first_chunk() -> Any:
    FIRST_READ.wait(20)
    FIRST_READ.clear()
    return jsonify(first=FIRST.pop() if FIRST else None)


@api.post("/upload-whole")
def upload_whole() -> Any:
    """Reads the whole body; what it saw is listed by ``/seen``."""
    try:
        data = request.get_data()
    except Exception as exc:
        SEEN.append(f"cut off: {type(exc).__name__}")
        raise
    SEEN.append(len(data))
    return jsonify(size=len(data))


@api.get("/seen")
def seen() -> Any:
    return jsonify(SEEN)


@api.get("/environ/<path:rest>")
def environ(rest: str) -> Any:
    env = request.environ
    context = env.get("azure_functions.context")
    env["wsgi.errors"].write("a line for wsgi.errors\n")
    return jsonify(
        rest=rest,
        script_name=env["SCRIPT_NAME"],
        path_info=env["PATH_INFO"],
        query_string=env["QUERY_STRING"],
        scheme=env["wsgi.url_scheme"],
        server=[env["SERVER_NAME"], env["SERVER_PORT"]],
        remote_addr=env.get("REMOTE_ADDR"),
        x_multi=env.get("HTTP_X_MULTI"),
        url=request.url,
        invocation_id=getattr(context, "invocation_id", None),
    )


app = func.WsgiFunctionApp(api.wsgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
