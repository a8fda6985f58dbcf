"""Whether the storage endpoints an app uses answer at all, checked once when the host starts.

A host pointed at an account it cannot reach (Azurite not started, a wrong endpoint, no
network) would otherwise say nothing for minutes: the SDKs retry with back-off before a
poller sees an error. Rules this module keeps:

* Only a TCP connection is tried (no request, no credentials), to each distinct
  ``host:port`` once, with a short timeout; the check never raises.
* Each endpoint that does not answer gives one message naming the setting, the service,
  the URL, the reason and the fix (for ``UseDevelopmentStorage=true``: start Azurite, or
  leave the setting empty for the embedded store).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from .connection import AccountConnection, Service

__all__ = ["unreachable_endpoints"]


def _address(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


def unreachable_endpoints(
    uses: Iterable[tuple[AccountConnection, Service]], *, timeout: float = 2.0
) -> list[str]:
    """One message per endpoint of ``uses`` (connection, service) that refuses a connection.

    Example:
        >>> from azfunc.storage.connection import resolve_connection
        >>> conn = resolve_connection(None, {"AzureWebJobsStorage": (
        ...     "AccountName=a;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:9/a")})
        >>> found = unreachable_endpoints([(conn, "queue")], timeout=0.5)
        >>> print(found[0])  # doctest: +ELLIPSIS
        the queue service of AzureWebJobsStorage at http://127.0.0.1:9/a does not answer ...
    """
    messages: list[str] = []
    seen: set[tuple[str, int]] = set()
    for connection, service in uses:
        url = connection.endpoints.get(service)
        address = _address(url) if url else None
        if address is None or address in seen:
            continue
        seen.add(address)
        try:
            socket.create_connection(address, timeout=timeout).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            fix = ('start Azurite (e.g. "npx azurite"), or set '
                   f'{connection.setting} to "" to use the embedded store'
                   if connection.development else
                   "check the connection string or endpoint, the network and the firewall")
            messages.append(f"the {service} service of {connection.setting} at {url} does "
                            f"not answer ({reason}): {fix}")
    return messages
