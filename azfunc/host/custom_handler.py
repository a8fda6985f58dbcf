"""The custom-handler codec's old home: its names live in :mod:`azfunc.wire.custom_handler`.

Rules this module keeps:

* It only re-exports; the I/O (reading the host's POST, answering it) is
  :mod:`azfunc.host.worker`'s, the parsing and shaping :mod:`azfunc.wire.custom_handler`'s.
"""

from __future__ import annotations

from ..wire.custom_handler import (
    INVOCATION_ID_HEADER,
    HttpOutput,
    blob_trigger_path,
    datum_to_output,
    forwarding_enabled,
    host_binding_name,
    http_request_datum,
    implicit_return_value,
    input_datum,
    invocation_id,
    is_http_in_and_out,
    is_octet_or_multipart,
    is_valid_binding_name,
    is_valid_function_name,
    metadata_datums,
    read_request,
    retry_context_fields,
    trigger_metadata,
    unwrap_scalar,
)

__all__ = [
    "INVOCATION_ID_HEADER",
    "HttpOutput",
    "blob_trigger_path",
    "datum_to_output",
    "forwarding_enabled",
    "host_binding_name",
    "http_request_datum",
    "implicit_return_value",
    "input_datum",
    "invocation_id",
    "is_http_in_and_out",
    "is_octet_or_multipart",
    "is_valid_binding_name",
    "is_valid_function_name",
    "metadata_datums",
    "read_request",
    "retry_context_fields",
    "trigger_metadata",
    "unwrap_scalar",
]
