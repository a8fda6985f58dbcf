"""HTTP benchmarks: request decode, decode + read, and a 5 MiB multipart upload.

Rules this module keeps:

* Both sides get the same wire input, in the shape each library's worker hands over:
  azfunc a :class:`azfunc.Datum` ``http`` value, azure-functions an ``azure.functions.meta``
  Datum whose ``http`` value is a dict of meta Datums (what the Python worker builds).
* Each callable performs the whole operation named in its description (decode, reads,
  parsing, reading the file back); setup (bodies, payloads, converters) happens once in
  :func:`cases`, which also checks that both sides produce the same values, so a broken
  decoder fails the run instead of timing an exception.
* Multipart is compared against azure-functions (werkzeug's parser, via ``req.files``) and,
  where installed, ``python-multipart`` at both of its levels; the file part is read back
  fully in every case. With default limits azfunc spools the 5 MiB file part to a temporary
  file (written once, read back once); the ``_mem`` case uses the zero-copy mode instead.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import BenchCase, Case, baseline_label

#: 12 headers, 3 query params, a route param, a ~1 KiB JSON body.
HEADERS = {
    "accept": "application/json",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "en-US,en;q=0.9",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "content-length": "0",
    "content-type": "application/json; charset=utf-8",
    "cookie": "session=abc123; theme=dark",
    "host": "example.azurewebsites.net",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) bench/1.0",
    "x-forwarded-for": "203.0.113.7",
    "x-request-id": "5f0c6b1e-6d7e-4a4b-9b52-2b1d3f0a1c9e",
}
QUERY = {"name": "Azure", "page": "2", "sort": "desc"}
URL = "https://example.azurewebsites.net/api/items/42?name=Azure&page=2&sort=desc"
ROUTE = {"id": "42"}
BODY = json.dumps(
    {
        "items": [
            {"id": i, "name": f"widget-{i}", "tags": ["blue", "small"], "price": 9.99 + i}
            for i in range(14)
        ],
        "owner": "bench",
    }
).encode()
HEADERS["content-length"] = str(len(BODY))


def _azfunc_datum(body: bytes) -> Any:
    from azfunc import Datum

    return Datum(
        {
            "method": Datum("POST", "string"),
            "url": Datum(URL, "string"),
            "headers": {k: Datum(v, "string") for k, v in HEADERS.items()},
            "query": {k: Datum(v, "string") for k, v in QUERY.items()},
            "params": {k: Datum(v, "string") for k, v in ROUTE.items()},
            "body": Datum(body, "bytes"),
        },
        "http",
    )


def _azure_datum(body: bytes, headers: dict[str, str] = HEADERS) -> Any:
    from azure.functions.meta import Datum as AfDatum

    return AfDatum(
        type="http",
        value={
            "method": AfDatum(type="string", value="POST"),
            "url": AfDatum(type="string", value=URL),
            "headers": {k: AfDatum(type="string", value=v) for k, v in headers.items()},
            "query": {k: AfDatum(type="string", value=v) for k, v in QUERY.items()},
            "params": {k: AfDatum(type="string", value=v) for k, v in ROUTE.items()},
            "body": AfDatum(type="bytes", value=body),
        },
    )


def _multipart_body() -> tuple[bytes, str, bytes]:
    from azfunc.http.forms import encode_multipart

    payload = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    body, content_type = encode_multipart(
        {"title": "holiday", "album": "2026"},
        [("upload", "photo.bin", payload, "application/octet-stream")],
    )
    return body, content_type, payload


def _python_multipart(body: bytes, content_type: str) -> tuple[Any, Any] | None:
    """python-multipart's two levels on the same body, or ``None`` if it is not installed.

    * ``FormParser`` (its default config spools file parts above 1 MiB to a temporary
      file, as azfunc does): parse, then read the file back.
    * ``MultipartParser`` callbacks collecting each part in memory (no spooling): the
      parse-only floor, compared with azfunc's zero-copy mode (``spool_threshold=None``).
    """
    try:
        from python_multipart.multipart import FormParser, MultipartParser, parse_options_header
    except ImportError:
        return None
    _, options = parse_options_header(content_type)
    boundary = options[b"boundary"]

    def form_parser() -> object:
        fields: list[object] = []
        files: list[Any] = []
        parser = FormParser(
            "multipart/form-data", fields.append, files.append, boundary=boundary
        )
        parser.write(body)
        parser.finalize()
        upload = files[0]
        upload.file_object.seek(0)
        content = upload.file_object.read()
        upload.close()
        return [f.value.decode() for f in fields], len(content)  # type: ignore[attr-defined]

    def callbacks() -> object:
        parts: list[tuple[list[bytes], list[bytes]]] = []

        def on_part_begin() -> None:
            parts.append(([], []))

        def on_header_value(data: bytes, start: int, end: int) -> None:
            parts[-1][0].append(data[start:end])

        def on_part_data(data: bytes, start: int, end: int) -> None:
            parts[-1][1].append(data[start:end])

        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": on_part_begin,
                "on_header_value": on_header_value,
                "on_part_data": on_part_data,
            },
        )
        parser.write(body)
        parser.finalize()
        fields = [b"".join(data).decode() for _, data in parts[:-1]]
        content = io.BytesIO(b"".join(parts[-1][1])).read()
        return fields, len(content)

    return form_parser, callbacks


def cases() -> list[Case]:
    """The three HTTP cases (plus python-multipart as a second multipart baseline)."""
    from azure.functions.http import HttpRequestConverter as AfConverter

    from azfunc import FormLimits, HttpRequest, get_binding_registry

    converter = get_binding_registry().require("httpTrigger")
    datum = _azfunc_datum(BODY)
    af_datum = _azure_datum(BODY)

    def decode() -> object:
        return converter.decode(datum)

    def af_decode() -> object:
        return AfConverter.decode(af_datum, trigger_metadata=None)

    def decode_read() -> object:
        req = converter.decode(datum)
        return req.get_json(), req.headers.get("user-agent"), req.params.get("page")

    def plain_json() -> object:
        return json.loads(BODY)

    ours = decode_read()
    if ours != (json.loads(BODY), HEADERS["user-agent"], "2"):
        raise AssertionError(f"azfunc decode read back {ours!r:.200}")
    theirs = af_decode()
    if theirs.get_json() != ours[0]:  # type: ignore[attr-defined]
        raise AssertionError("azure-functions decoded a different body")

    mp_body, mp_type, payload = _multipart_body()
    mp_headers = {**HEADERS, "content-type": mp_type, "content-length": str(len(mp_body))}
    mp_datum = _azfunc_datum(mp_body)
    mp_datum.value["headers"] = {
        k: type(mp_datum)(v, "string") for k, v in mp_headers.items()
    }
    af_mp_datum = _azure_datum(mp_body, mp_headers)

    def multipart() -> object:
        req = converter.decode(mp_datum)
        upload = req.files["upload"]
        content = upload.read()
        upload.close()
        return req.form["title"], req.form["album"], len(content)

    zero_copy = FormLimits(spool_threshold=None)

    def multipart_in_memory() -> object:
        req = HttpRequest(
            "POST", URL, headers=mp_headers, body=mp_body, form_limits=zero_copy
        )
        content = req.files["upload"].read()
        return [req.form["title"], req.form["album"]], len(content)

    def af_multipart() -> object:
        req = AfConverter.decode(af_mp_datum, trigger_metadata=None)
        upload = req.files["upload"]
        content = upload.read()
        upload.close()
        return req.form["title"], req.form["album"], len(content)

    expected = ("holiday", "2026", len(payload))
    for fn in (multipart, af_multipart):
        got = fn()
        if got != expected:
            raise AssertionError(f"{fn.__name__} read {got!r}, expected {expected!r}")

    found: list[Case] = [
        BenchCase(
            name="http.decode",
            description="decode an http Datum (12 headers, 3 query params, a route param, "
            "~1 KiB JSON body) into an HttpRequest",
            azfunc=decode,
            baseline=af_decode,
            baseline_name=baseline_label(),
            target=2.0,
            target_text=">= 2x azure-functions",
        ),
        BenchCase(
            name="http.decode_read",
            description="decode the same Datum, then get_json(), one header and one param",
            azfunc=decode_read,
            baseline=plain_json,
            baseline_name="json.loads on the body",
            target=0.8,
            target_text="within 1.25x of json.loads (ratio >= 0.8)",
        ),
        BenchCase(
            name="http.multipart_5mib",
            description="decode a 5 MiB multipart upload (2 fields + 1 file), parse it and "
            "read the file back",
            azfunc=multipart,
            baseline=af_multipart,
            baseline_name=baseline_label(),
            target=1.5,
            target_text=">= 1.5x azure-functions",
        ),
    ]
    pm = _python_multipart(mp_body, mp_type)
    if pm is not None:
        form_parser, callbacks = pm
        for fn in (form_parser, callbacks, multipart_in_memory):
            got = fn()
            if got != (["holiday", "2026"], len(payload)):
                raise AssertionError(f"{fn.__name__} read {got!r}")
        found += [
            BenchCase(
                name="http.multipart_5mib_pm",
                description="the 5 MiB upload: azfunc (file spooled to a temporary file) vs "
                "python-multipart FormParser (default config: spools above 1 MiB too)",
                azfunc=multipart,
                baseline=form_parser,
                baseline_name="python-multipart FormParser",
                target=1.0,
                target_text=">= 1x python-multipart",
            ),
            BenchCase(
                name="http.multipart_5mib_mem",
                description="the 5 MiB upload parsed in memory: azfunc zero-copy "
                "(spool_threshold=None) vs python-multipart MultipartParser callbacks",
                azfunc=multipart_in_memory,
                baseline=callbacks,
                baseline_name="python-multipart MultipartParser",
                target=None,
                target_text="report: the floor (one find + one copy each)",
            ),
        ]
    return found
