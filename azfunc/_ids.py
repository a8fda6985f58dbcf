"""Invocation ids: the one generator every part of azfunc uses.

Rules this module keeps:

* An id is a random version 4 UUID in its canonical 36-character text form.
* Ids need uniqueness, not secrecy: they come from a ``random.Random`` seeded from
  ``os.urandom`` (again in a forked child), so making one costs no system call (~1 us,
  against ~3 us for ``str(uuid.uuid4())``).
"""

from __future__ import annotations

import os
import random
from typing import Final

__all__ = ["new_invocation_id"]

_random = random.Random()
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_random.seed)
_UUID_CLEAR: Final = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET: Final = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def new_invocation_id() -> str:
    """A random (version 4) UUID string.

    Example:
        >>> import uuid
        >>> uuid.UUID(new_invocation_id()).version
        4
    """
    h = "%032x" % ((_random.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
