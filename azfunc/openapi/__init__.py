"""OpenAPI 3.1 documents of function apps, for free.

``build_document`` describes an app's HTTP functions from their routes (constraints as
schemas), methods, auth levels and typed payloads (:mod:`azfunc._typed`); ``azfunc openapi``
writes it, and ``azfunc start`` serves it at ``/admin/openapi.json`` with a docs page at
``/admin/openapi``. Modules: ``paths`` (route templates), ``schema`` (JSON Schema of
models), ``document`` (the document), ``serve`` (the local host's endpoints), ``cli``.
"""

from __future__ import annotations

from .document import build_document

__all__ = ["build_document"]
