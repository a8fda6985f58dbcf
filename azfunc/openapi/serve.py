"""The OpenAPI document and its docs page on the local host (``azfunc start``).

Rules this module keeps:

* ``GET /admin/openapi.json`` answers the app's document (:func:`app_document`);
  ``GET /admin/openapi`` a Swagger UI page reading it, its assets under
  ``/admin/openapi/``. The admin path never collides with a function's route, whatever the
  route prefix (the host takes ``/admin`` first, as the Functions host reserves it), and it
  is behind the master key like every admin endpoint when keys are checked (off loopback,
  or with ``--enforce-keys``): the page passes its ``code`` on to its assets and document.
* The page's assets are Swagger UI's own files from the ``swagger-ui-py`` package (the
  ``openapi`` extra), read from its ``static`` folder without importing the package (it
  pulls in a template engine we do not need); only the few files the page uses are served,
  read off the event loop. Without the package the page is a short one linking the JSON.
* Only ``GET`` and ``HEAD`` are answered (405 otherwise); an unknown file is a 404.
"""

from __future__ import annotations

import asyncio
import functools
import html
import importlib.util
import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, quote

from .._errors import AzFuncError
from ..app.loader import LoadedApp
from ..host._asgi import Scope, Send
from .document import build_document

__all__ = ["DOCUMENT_PATH", "PAGE_PATH", "app_document", "handles", "serve_openapi",
           "swagger_ui_dir"]

DOCUMENT_PATH: Final = "/admin/openapi.json"
PAGE_PATH: Final = "/admin/openapi"
#: the Swagger UI files the page uses -> their content type.
_ASSETS: Final = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "index.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def handles(path: str) -> bool:
    """Whether ``path`` is one this module answers (the document, the page, its assets)."""
    return path in (DOCUMENT_PATH, PAGE_PATH) or path.startswith(PAGE_PATH + "/")


def app_document(app: LoadedApp) -> dict[str, Any]:
    """The OpenAPI document of a loaded app (title: its folder's name).

    Raises:
        FunctionLoadError: if a route template is malformed.
        AnnotationError: if a function's annotations cannot be resolved.
        ConversionError: if a model cannot be described.
    """
    return build_document(app.functions.values(), app.host_json, title=app.root.name or "app")


@functools.lru_cache(maxsize=1)
def swagger_ui_dir() -> Path | None:
    """Swagger UI's static folder from the ``swagger-ui-py`` package, or ``None``."""
    try:
        spec = importlib.util.find_spec("swagger_ui")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        static = Path(location) / "static"
        if (static / "swagger-ui-bundle.js").is_file():
            return static
    return None


@functools.lru_cache(maxsize=len(_ASSETS))
def _asset(name: str) -> bytes:
    folder = swagger_ui_dir()
    if folder is None:
        raise FileNotFoundError(name)
    return (folder / name).read_bytes()


async def serve_openapi(app: LoadedApp, scope: Scope, send: Send) -> None:
    """Answer a request for which :func:`handles` is true."""
    path = scope.get("path", "/")
    method = str(scope.get("method", "GET")).upper()
    head = method == "HEAD"
    if method not in ("GET", "HEAD"):
        await _send(send, 405, b"only GET and HEAD are answered here\n",
                    "text/plain; charset=utf-8", head, [(b"allow", b"GET, HEAD")])
        return
    if path == DOCUMENT_PATH:
        try:
            document = app_document(app)
        except AzFuncError as exc:  # names the function and what is wrong with it
            await _send(send, 500, f"cannot build the OpenAPI document: {exc}\n".encode(),
                        "text/plain; charset=utf-8", head)
            return
        body = json.dumps(document, indent=2).encode()
        await _send(send, 200, body, "application/json", head)
        return
    name = path[len(PAGE_PATH):].strip("/")
    if not name or name == "index.html":
        await _send(send, 200, page(_code(scope)).encode(), "text/html; charset=utf-8", head)
        return
    content_type = _ASSETS.get(name)
    if content_type is None or swagger_ui_dir() is None:
        await _send(send, 404, f"no such file {path}\n".encode(),
                    "text/plain; charset=utf-8", head)
        return
    data = await asyncio.to_thread(_asset, name)
    await _send(send, 200, data, content_type, head,
                [(b"cache-control", b"max-age=3600")])


def _code(scope: Scope) -> str | None:
    raw = scope.get("query_string", b"")
    values = parse_qs(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw))
    found = values.get("code")
    return found[0] if found else None


def page(code: str | None = None) -> str:
    """The docs page: Swagger UI when its package is installed, else a link to the JSON.

    Example:
        >>> "/admin/openapi.json?code=k%26" in page("k&")
        True
    """
    query = f"?code={quote(code, safe='')}" if code else ""
    spec_url = html.escape(DOCUMENT_PATH + query)
    if swagger_ui_dir() is None:
        return (
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>OpenAPI</title>"
            "</head><body><h1>OpenAPI document</h1>\n"
            f"<p><a href=\"{spec_url}\">{html.escape(DOCUMENT_PATH)}</a></p>\n"
            "<p>Install the <code>azfunc[openapi]</code> extra (swagger-ui-py) for the "
            "Swagger UI page.</p></body></html>\n"
        )
    asset = functools.partial(_asset_url, query=query)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>OpenAPI</title>\n"
        f"<link rel=\"stylesheet\" href=\"{asset('swagger-ui.css')}\">\n"
        f"<link rel=\"stylesheet\" href=\"{asset('index.css')}\">\n"
        f"<link rel=\"icon\" href=\"{asset('favicon-32x32.png')}\">\n"
        "</head><body><div id=\"swagger-ui\"></div>\n"
        f"<script src=\"{asset('swagger-ui-bundle.js')}\"></script>\n"
        "<script>window.ui = SwaggerUIBundle({url: "
        f"{json.dumps(DOCUMENT_PATH + query)}, dom_id: \"#swagger-ui\", "
        "deepLinking: true});</script>\n</body></html>\n"
    )


def _asset_url(name: str, *, query: str) -> str:
    return html.escape(f"{PAGE_PATH}/{name}{query}")


async def _send(send: Send, status: int, body: bytes, content_type: str, head: bool,
                extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
