"""Per-invocation capture of ``logging`` records, isolated between concurrent invocations.

Rules this module keeps:

* A :class:`contextvars.ContextVar` holds the current invocation's record list, and one
  handler on the root logger appends a record only to that list. Invocations running at the
  same time (tasks, or threads started with :func:`contextvars.copy_context`) therefore never
  see each other's records, and a record logged outside any invocation (another thread, the
  host) is never captured.
* The handler is on the root logger only while a capture is running: the first
  :func:`begin` attaches it, the last :func:`end` removes it. A process that is not invoking
  a function has exactly the handlers it configured.
* While captures run, a root level of ``WARNING`` (the unconfigured default) is lowered to
  ``INFO``, as the Functions worker does, so ``logging.info`` in a function is captured; the
  last :func:`end` puts ``WARNING`` back (unless someone changed the level meanwhile). A
  level set by the application is never touched. A long-running host that invokes all the
  time may :func:`hold` the capture so the level is not switched on every invocation.
* While the handler is attached and the root logger has no other handler, records outside
  an invocation go to :data:`logging.lastResort`, as they would without the handler.
* Starting a capture costs a lock, a counter, a list and a ``ContextVar.set`` (under
  :func:`hold`: a list and a ``ContextVar.set``); attaching the handler and switching the
  level happen only when the count goes from 0 to 1 and back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import Final

__all__ = ["begin", "capture_logs", "end", "hold"]

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


class _State:
    """How many captures and holds are running, and whether the root level was lowered."""

    users = 0
    holds = 0
    lowered = False


def _acquire() -> None:
    with _LOCK:
        _State.users += 1
        if _State.users != 1:
            return
        root = logging.getLogger()
        root.addHandler(_HANDLER)
        if root.level == logging.WARNING:
            root.setLevel(logging.INFO)
            _State.lowered = True


def _release() -> None:
    with _LOCK:
        _State.users -= 1
        if _State.users != 0:
            return
        root = logging.getLogger()
        root.removeHandler(_HANDLER)
        if _State.lowered:
            _State.lowered = False
            if root.level == logging.INFO:
                root.setLevel(logging.WARNING)


#: what :func:`end` needs back: the context variable's token, and whether :func:`begin`
#: counted itself as a user (not when a :func:`hold` already kept the handler attached).
_Token = tuple[Token[list[logging.LogRecord] | None], bool]


def begin() -> tuple[list[logging.LogRecord], _Token]:
    """Start collecting the current context's records; pass the token to :func:`end`.

    Example:
        >>> records, token = begin()
        >>> logging.getLogger("demo").info("hello")
        >>> end(token)
        >>> [r.getMessage() for r in records]
        ['hello']
    """
    counted = not _State.holds  # held: the handler stays attached, no lock to take
    if counted:
        _acquire()
    records: list[logging.LogRecord] = []
    return records, (_CURRENT.set(records), counted)


def end(token: _Token) -> None:
    """Stop the collection :func:`begin` started (the previous list, if any, is current again).

    Raises:
        ValueError: if ``token`` was made in another context or was used already.
    """
    var_token, counted = token
    try:
        _CURRENT.reset(var_token)
    finally:
        if counted:
            _release()


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


@contextlib.contextmanager
def hold() -> Iterator[None]:
    """Keep the handler attached (and the level lowered) for the block, as if an invocation
    were running throughout; nothing is captured outside invocations. Invocations started
    inside the block then skip the lock; end the block after the invocations it covers.

    Example:
        >>> with hold():
        ...     _HANDLER in logging.getLogger().handlers
        True
        >>> _HANDLER in logging.getLogger().handlers
        False
    """
    _acquire()
    with _LOCK:
        _State.holds += 1
    try:
        yield
    finally:
        with _LOCK:
            _State.holds -= 1
        _release()
