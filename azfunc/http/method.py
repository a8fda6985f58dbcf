"""HTTP request methods as a ``str`` enum.

Rules this module keeps:

* Members compare equal to their upper-case name (``HttpMethod.GET == "GET"``).
* ``str(member)`` is the bare method name, on every Python version.
"""

from __future__ import annotations

import enum

__all__ = ["HttpMethod"]


class HttpMethod(str, enum.Enum):
    """An HTTP request method.

    Example:
        >>> HttpMethod("POST") is HttpMethod.POST
        True
        >>> HttpMethod.GET == "GET", str(HttpMethod.PATCH)
        (True, 'PATCH')
    """

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    DELETE = "DELETE"
    PATCH = "PATCH"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"
    TRACE = "TRACE"
    CONNECT = "CONNECT"
    #: the safe, body-carrying QUERY method (IETF httpbis draft); azure-functions 2.x has it.
    QUERY = "QUERY"

    def __str__(self) -> str:
        return self.value
