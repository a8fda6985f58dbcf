"""The local host's listening socket: answers are not held back on keep-alive connections.

A response goes out in two writes (head, then body). With Nagle's algorithm on, the second
waits for the client to acknowledge the first, and clients delay that ACK by about 40 ms,
so each keep-alive request took ~44 ms. asyncio turns Nagle off (``TCP_NODELAY``) on the
connections it accepts only when the listening socket says it is TCP.
"""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from azfunc.host.server import bind_socket


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_connections_accepted_on_the_bound_socket_have_nagle_off(host: str) -> None:
    try:
        sock = bind_socket(host, 0)
    except OSError as exc:  # a machine without IPv6 loopback
        pytest.skip(f"{host} cannot be bound here: {exc}")

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                conn = transport.get_extra_info("socket")
                seen.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()

    with sock:
        assert asyncio.run(accepted_nodelay()) == 1


def test_a_socket_inherited_by_fd_keeps_saying_it_is_tcp() -> None:
    # `azfunc start --reload`: the child rebuilds the socket from its file descriptor
    sock = bind_socket("127.0.0.1", 0)
    with sock, socket.socket(fileno=os.dup(sock.fileno())) as inherited:
        assert inherited.proto == socket.IPPROTO_TCP
