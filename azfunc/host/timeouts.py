"""``functionTimeout`` (``host.json``): how long one invocation may run on the local host.

Rules this module keeps:

* ``functionTimeout`` is a duration (``"00:05:00"``, ``"PT5M"``, seconds); absent, ``-1``
  or ``"-1"`` means no limit, as on the Functions host's dedicated plans (the local host's
  model). A value that is not a duration, or is zero, is a ``ConfigurationError``.
* An invocation over the limit raises :class:`FunctionTimeoutError` (a ``TimeoutError``):
  an ``async def`` function is cancelled; a ``def`` function cannot be stopped, so its
  thread is abandoned (it runs on, its result is dropped) and a warning says so. The
  caller treats the timeout as any failure: the HTTP client gets the 500 of a failed
  invocation, a queue message is retried (then poisoned) as after an exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from .._errors import AzFuncError, ConfigurationError
from .._timeparse import duration_setting

__all__ = ["FunctionTimeoutError", "bounded", "function_timeout"]

logger = logging.getLogger("azfunc.host")

_T = TypeVar("_T")


class FunctionTimeoutError(AzFuncError, TimeoutError):
    """An invocation ran longer than ``host.json`` ``functionTimeout``."""


def function_timeout(host_json: Mapping[str, Any]) -> float | None:
    """The ``functionTimeout`` of ``host_json`` in seconds, or None for no limit.

    Example:
        >>> function_timeout({"functionTimeout": "00:00:30"}), function_timeout({})
        (30.0, None)

    Raises:
        ConfigurationError: if the value is not a duration or is zero.
    """
    raw = host_json.get("functionTimeout")
    if raw is None or raw == -1 or (isinstance(raw, str) and raw.strip() == "-1"):
        return None
    seconds = duration_setting(raw, "host.json functionTimeout").total_seconds()
    if seconds <= 0:
        raise ConfigurationError(f"host.json functionTimeout: {raw!r} must be longer than 0 "
                                 "(-1: no limit)")
    return seconds


async def bounded(awaitable: Awaitable[_T], timeout: float, *, function: str,
                  invocation_id: str, is_async: bool) -> _T:
    """Await ``awaitable`` for at most ``timeout`` seconds.

    Raises:
        FunctionTimeoutError: past the timeout (the awaitable was cancelled).
    """
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        how = ("cancelled" if is_async else
               "abandoned: its thread runs on and its result will be dropped")
        logger.error("[%s] (%s) timed out after %g s (host.json functionTimeout); %s",
                     function, invocation_id, timeout, how)
        raise FunctionTimeoutError(
            f"{function}: the invocation {invocation_id} exceeded host.json functionTimeout "
            f"({timeout:g} s)", function=function) from None
