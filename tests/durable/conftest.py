"""The upstream environment (with ``azure-functions-durable``) for the Durable kit tests."""

from __future__ import annotations

from tests.surface.conftest import upstream

__all__ = ["upstream"]

#: the SDK app and its driver run in the upstream environment only (through a subprocess).
collect_ignore = ["sdk_app", "sdk_driver.py", "v1_app"]
