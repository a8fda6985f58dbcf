"""Per-invocation capture of ``logging`` records, isolated between concurrent invocations.

Rules this module keeps:

* One handler on the root logger, installed once; a :class:`contextvars.ContextVar` holds the
  current invocation's record list, and the handler appends a record only to that list.
  Invocations running at the same time (tasks or threads started with
  :func:`contextvars.copy_context`) therefore never see each other's records.
* Outside an invocation the handler stands in for :data:`logging.lastResort` when the root
  logger has no other handler, so an app's unconfigured warnings still reach stderr.
* Installing the handler lowers a root level of ``WARNING`` (the unconfigured default) to
  ``INFO``, as the Functions worker does, so ``logging.info`` in a function is captured.
* Starting a capture costs a list membership test, a list and a ``ContextVar.set``
  (:func:`begin` / :func:`end`, the per-invocation path); the lock is taken only to install.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import Final

__all__ = ["begin", "capture_logs", "end", "install"]

_CURRENT: Final[ContextVar[list[logging.LogRecord] | None]] = ContextVar(
    "azfunc_invocation_logs", default=None
)
_LOCK: Final = threading.Lock()


class _InvocationHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        records = _CURRENT.get()
        if records is not None:
            records.append(record)
            return
        last = logging.lastResort
        root = logging.getLogger()
        if last is not None and record.levelno >= last.level and root.handlers == [self]:
            last.handle(record)


_HANDLER: Final = _InvocationHandler(logging.NOTSET)


def install() -> None:
    """Attach the capturing handler to the root logger (idempotent)."""
    root = logging.getLogger()
    with _LOCK:
        if _HANDLER not in root.handlers:
            root.addHandler(_HANDLER)
            if root.level == logging.WARNING:
                root.setLevel(logging.INFO)


_Token = Token[list[logging.LogRecord] | None]


def begin() -> tuple[list[logging.LogRecord], _Token]:
    """Start collecting the current context's records; pass the token to :func:`end`.

    Example:
        >>> records, token = begin()
        >>> logging.getLogger("demo").info("hello")
        >>> end(token)
        >>> [r.getMessage() for r in records]
        ['hello']
    """
    if _HANDLER not in logging.root.handlers:
        install()
    records: list[logging.LogRecord] = []
    return records, _CURRENT.set(records)


def end(token: _Token) -> None:
    """Stop the collection :func:`begin` started (the previous list, if any, is current again).

    Raises:
        ValueError: if ``token`` was made in another context or was used already.
    """
    _CURRENT.reset(token)


@contextlib.contextmanager
def capture_logs() -> Iterator[list[logging.LogRecord]]:
    """Collect the records logged in the current context into the list yielded.

    Example:
        >>> with capture_logs() as records:
        ...     logging.getLogger("demo").info("hello")
        >>> [r.getMessage() for r in records]
        ['hello']
    """
    records, token = begin()
    try:
        yield records
    finally:
        end(token)
