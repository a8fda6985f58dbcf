"""The two wire forms of one payload: gRPC as built, or through the custom-handler JSON.

A payload in the custom-handler form is what a custom-handler worker decodes after the host
POSTed ``{"Data", "Metadata"}``: scalars JSON-encoded twice, numbers as strings, bytes as
base64, batches as one JSON string, keys ending in ``trigger`` dropped. It is written by
:func:`azfunc.wire.testkit.custom_handler_request` and read back by the production readers of
:mod:`azfunc.wire.custom_handler`.
"""

from __future__ import annotations

from typing import Any

from .._wire import Payload

__all__ = ["FORMS", "as_custom_handler"]

#: the wire forms a strategy's ``form=`` takes.
FORMS = ("grpc", "custom_handler")


def as_custom_handler(
    payload: Payload,
    name: str,
    binding_type: str,
    form: str,
    *,
    cardinality: str | None = None,
    data_type: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Payload:
    """``payload`` unchanged for ``form="grpc"``; for ``"custom_handler"``, the payload a
    custom-handler worker reads after the host POSTed it. A bytes payload is read as a
    ``dataType: binary`` binding (without it the host's base64 text arrives as a string).

    Raises:
        ConversionError: if ``form`` is unknown or the payload cannot be written.
    """
    if form == "grpc":
        return payload
    if form != "custom_handler":
        from ..._errors import ConversionError

        raise ConversionError(f"form= must be one of {', '.join(FORMS)}, got {form!r}")
    from ...app.model import BindingInfo
    from ...wire.custom_handler import input_datum, read_request, trigger_metadata
    from ...wire.testkit import custom_handler_request

    datum, metadata = payload
    if data_type is None and datum.type in ("bytes", "collection_bytes"):
        data_type = "binary"  # a function that takes bytes declares it (else: base64 text)
    props = dict(properties or {})
    if cardinality is not None:
        props["cardinality"] = cardinality
    binding = BindingInfo(name, binding_type, "in", data_type=data_type, properties=props)
    data, meta = read_request(custom_handler_request({name: datum}, metadata))
    value = data.get(name)
    return input_datum(value, binding), trigger_metadata(binding, meta)
