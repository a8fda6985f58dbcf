"""Code shared by the functions of this app (imported as ``__app__.shared_code``)."""

from .text import shout

__all__ = ["shout"]
