"""Building blocks of the strategies: overridable fields, readable text, JSON, times.

Rules this module keeps:

* Every public strategy argument is :data:`DEFAULT` (a realistic strategy), a
  :class:`~hypothesis.strategies.SearchStrategy` (drawn from) or a plain value (used as it
  is): :func:`field` turns any of them into a strategy.
* Text shrinks towards short ASCII (``"a"``, ``""``); JSON values towards ``None``; times
  towards 2024-01-01 UTC, whole seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Final, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["DEFAULT", "field", "json_values", "readable_text", "times", "token"]

T = TypeVar("T")


class _Default:
    """The marker of an argument left to the strategy's realistic default."""

    def __repr__(self) -> str:
        return "DEFAULT"


#: An argument not given: the strategy draws a realistic value.
DEFAULT: Final[Any] = _Default()


def field(given: Any, default: SearchStrategy[T]) -> SearchStrategy[T]:
    """``default`` for :data:`DEFAULT`, ``given`` if it is a strategy, else ``just(given)``.

    Example:
        >>> field(3, st.integers()), field(DEFAULT, st.just("d")), field(st.none(), st.just(1))
        (just(3), just('d'), none())
    """
    if given is DEFAULT:
        return default
    if isinstance(given, SearchStrategy):
        return given
    return st.just(given)


def readable_text(*, min_size: int = 0, max_size: int = 12) -> SearchStrategy[str]:
    """Printable text (any script, no control characters or surrogates), ASCII first."""
    alphabet = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def token(*, min_size: int = 1, max_size: int = 10) -> SearchStrategy[str]:
    """An RFC 9110 token in lower case (header names, cookie names)."""
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=min_size,
                   max_size=max_size)


def json_values(*, max_leaves: int = 8) -> SearchStrategy[Any]:
    """JSON values: null, booleans, safe integers, finite floats, text, lists, objects."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53) + 1, 2**53 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | readable_text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(readable_text(max_size=8), inner, max_size=4),
        max_leaves=max_leaves,
    )


def json_objects(*, max_leaves: int = 8) -> SearchStrategy[dict[str, Any]]:
    """JSON objects (the body of most messages and documents)."""
    return st.dictionaries(readable_text(max_size=8), json_values(max_leaves=max_leaves),
                           max_size=4)


_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def times() -> SearchStrategy[datetime]:
    """Aware UTC datetimes within a few years of 2024, in whole milliseconds."""
    return st.builds(
        lambda ms: _EPOCH + timedelta(milliseconds=ms),
        st.integers(-(10**11), 10**11),
    )
