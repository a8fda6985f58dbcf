"""CORS in a real browser: headless Chromium loads a page from another loopback origin
whose ``fetch()`` calls a function of the local host; the page writes the outcome into
its DOM and ``chromium --dump-dom`` prints it.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from azfunc.host.local import LocalHost

from .conftest import serving
from .test_cors import make_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/dev.py installs it with apt)")

PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
const out = document.getElementById("out");
fetch("%(url)s", %(init)s)
  .then(r => r.text().then(t => { out.textContent = "ok " + r.status + " " + t; }))
  .catch(e => { out.textContent = "blocked " + e.name; });
</script></body></html>"""


def browse(url: str, profile: Path) -> str:
    """What the page at ``url`` shows once its fetch settled (``--dump-dom``)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=False)
    start = result.stdout.find('<pre id="out">')
    assert start >= 0, result.stderr[-2000:]
    return result.stdout[start + len('<pre id="out">'):].split("</pre>", 1)[0]


def test_allowed_origin_reads_the_response(tmp_path: Path) -> None:
    shown = _run(tmp_path, {"CORS": "{page}"}, '{method: "PUT", headers: {"X-Custom": "1"}}')
    assert shown == "ok 200 data:PUT"


def test_disallowed_origin_is_blocked(tmp_path: Path) -> None:
    shown = _run(tmp_path, {"CORS": "http://127.0.0.1:1"}, "{}")
    assert shown == "blocked TypeError"


def test_credentialed_fetch_needs_cors_credentials(tmp_path: Path) -> None:
    init = '{credentials: "include"}'
    assert _run(tmp_path / "a", {"CORS": "{page}"}, init) == "blocked TypeError"
    shown = _run(tmp_path / "b", {"CORS": "{page}", "CORSCredentials": True}, init)
    assert shown == "ok 200 data:GET"


def test_function_answering_cors_itself_works_in_the_browser(tmp_path: Path) -> None:
    # no Host.CORS: the function's own header (the guide's workaround) is what the browser
    # sees; it names another origin, so the browser blocks, proving the header is its own
    assert _run(tmp_path, None, "{}", function="own") == "blocked TypeError"


def _run(tmp_path: Path, host: dict[str, object] | None, init: str,
         function: str = "data") -> str:
    """Serve the page on a fixed free port, fill ``{page}`` in ``Host.CORS`` with it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    page_origin_url = f"http://127.0.0.1:{server.server_address[1]}"
    if host is not None:
        host = {k: (v.replace("{page}", page_origin_url) if isinstance(v, str) else v)
                for k, v in host.items()}
    root = make_app(tmp_path / "app", host)
    with serving(LocalHost(root)) as api:
        body = (PAGE % {"url": f"{api}/api/{function}", "init": init}).encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server.RequestHandlerClass = Page
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            return browse(page_origin_url + "/", tmp_path / "profile")
        finally:
            server.shutdown()
            server.server_close()
