"""The custom-handler codec's old home: its names live in :mod:`azfunc.wire.custom_handler`.

Rules this module keeps:

* It only re-exports; the I/O (reading the host's POST, answering it) is
  :mod:`azfunc.host.worker`'s, the parsing and shaping :mod:`azfunc.wire.custom_handler`'s.
"""

from __future__ import annotations

from ..wire.custom_handler import (
    HttpOutput,
    datum_to_output,
    http_request_datum,
    input_datum,
    metadata_datums,
    read_request,
    unwrap_scalar,
)

__all__ = [
    "HttpOutput",
    "datum_to_output",
    "http_request_datum",
    "input_datum",
    "metadata_datums",
    "read_request",
    "unwrap_scalar",
]
