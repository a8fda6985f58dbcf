"""`azfunc start` prints the URLs to try for every function."""

from __future__ import annotations

from pathlib import Path

import azfunc
from azfunc.host.cli import _describe_urls

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "folder_app"


def test_banner_lists_http_routes_and_admin_endpoints() -> None:
    app = azfunc.load_app(EXAMPLE, apply_settings=False)
    text = _describe_urls(app, "http://127.0.0.1:7071", "api")
    lines = text.splitlines()
    assert lines[0] == "azfunc local host on http://127.0.0.1:7071/api/"
    assert "  HttpTrigger: [GET,POST] http://127.0.0.1:7071/api/HttpTrigger" in lines
    assert "  GetItem: [GET] http://127.0.0.1:7071/api/items/{id}" in lines
    assert (
        "  QueueTrigger: queueTrigger; run it with POST "
        "http://127.0.0.1:7071/admin/functions/QueueTrigger" in lines
    )


def test_banner_without_route_prefix() -> None:
    app = azfunc.load_app(EXAMPLE, apply_settings=False)
    text = _describe_urls(app, "http://h:1", "")
    assert text.splitlines()[0] == "azfunc local host on http://h:1/"
    assert "  HttpTrigger: [GET,POST] http://h:1/HttpTrigger" in text.splitlines()
