"""Suite-wide test settings: hypothesis profiles and the pytester plugin."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

#: the wire vectors the tests read: copies of reference payloads, each saying where its shape
#: comes from in a ``_source`` field (see ``tests/vectors/README.md``).
VECTORS = Path(__file__).resolve().parent / "vectors"

settings.register_profile(
    "default",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI explores a fixed set of examples so that a green main stays green; local runs explore
# new ones each time (and report a reproduction blob for anything they find).
settings.register_profile(
    "ci", parent=settings.get_profile("default"), derandomize=True, print_blob=True
)
# The deep run: ``pytest tests/fuzz --hypothesis-profile=fuzz`` (thousands of examples each).
settings.register_profile(
    "fuzz",
    parent=settings.get_profile("default"),
    max_examples=5000,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
