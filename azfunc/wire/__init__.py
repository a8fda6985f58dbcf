"""The wire layer: the typed HTTP values and one codec module per transport.

Rules this package keeps:

* It is core: it imports only ``azfunc._*`` modules (never ``azfunc.app``, ``azfunc.host``
  or ``azfunc.testing``); ``http.py`` imports nothing of azfunc but ``_datum``/``_errors``.
* The data path, and which module owns each step::

      transport bytes/JSON/ASGI scope      wire/typed_data.py   (gRPC TypedData, proto3 JSON)
              |                            wire/custom_handler.py (custom-handler JSON)
              v                            wire/asgi.py          (ASGI scope + body)
            Datum  (_datum.py; an ``http`` Datum holds a wire/http.py HttpRequestData)
              |    converter (_registry.py, http/_converters.py, bindings/*)
              v
      binding object (HttpRequest, QueueMessage, ...)  -> the function (app/invocation.py)
              |
              v
      outputs -> converter.encode -> Datum (an ``http`` Datum holds HttpResponseData,
              |                             or DeferredHttpResponse for the local hosts)
              v
      the codec of the transport writes the answer (custom_handler.datum_to_output,
      asgi.response_parts)

* A codec turns malformed input into :class:`~azfunc.WireFormatError` and nothing else;
  ``wire/testkit.py`` holds the test kit's payload builders (the inverse direction).
* A new transport adds one module here (the Microsoft Python worker's codec goes in
  ``python_worker.py``) and changes no other layer.
"""
