"""Response encode: an ``HttpResponse`` (small JSON body, 3 headers) through the ``http`` output.

Rules this module keeps:

* One call builds the response and encodes it, on both sides: a function returns a new
  response per invocation, and azure-functions' ``HttpResponseConverter.encode`` mutates
  the response's headers (it adds ``content-type``), so re-encoding one object would time
  a different path from the second call on.
* azfunc encodes through the converter registry (``get_binding_registry().require("http")``)
  exactly as a worker does; azure-functions through ``HttpResponseConverter.encode``.
* Setup checks once that both sides produce an ``http`` Datum, so a broken encoder fails
  the case instead of timing an exception.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import BenchCase, Case, baseline_label

BODY = json.dumps({"id": 42, "name": "widget", "tags": ["blue", "small"], "price": 9.99,
                   "stock": {"warehouse": "ams-1", "count": 17}})
HEADERS = {"X-Request-Id": "5f0c6b1e-6d7e-4a4b-9b52-2b1d3f0a1c9e",
           "Cache-Control": "no-store", "X-Powered-By": "functions"}


def cases() -> list[Case]:
    """The response-encode case."""
    from azure.functions import HttpResponse as AfResponse
    from azure.functions.http import HttpResponseConverter

    from azfunc import HttpResponse, get_binding_registry

    converter = get_binding_registry().require("http")

    def ours() -> object:
        return converter.encode(HttpResponse(BODY, status_code=200, headers=HEADERS,
                                             mimetype="application/json"))

    def theirs() -> object:
        return HttpResponseConverter.encode(
            AfResponse(BODY, status_code=200, headers=HEADERS, mimetype="application/json"),
            expected_type=None)

    datum = ours()
    if getattr(datum, "type", None) != "http":
        raise AssertionError(f"azfunc's http output encoded {datum!r}, not an http Datum")
    return [
        BenchCase(
            name="response.encode",
            description="build an HttpResponse (JSON body, 3 headers) and encode it with the "
                        "http output converter",
            azfunc=ours,
            baseline=theirs,
            baseline_name=baseline_label(),
            target=1.0,
            target_text="no slower (>= 1x)",
        ),
    ]
