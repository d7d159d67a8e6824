"""The API's and the agent's listening socket: answers on a kept-alive connection are not held back.

asyncio switches Nagle's algorithm off only for sockets whose protocol is TCP; a socket made with protocol
0 left it on, and every answer after the first on a kept-alive connection waited for the client's delayed
ACK (~40 ms). The test reads the option off the connection the server accepted.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from vamp.interfaces import http_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _refused(exc: OSError) -> str:
    return f"cannot listen: {exc}"


async def test_connections_the_server_accepts_send_without_nagles_delay() -> None:
    accepted: list[int] = []

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection: socket.socket = writer.get_extra_info("socket")
        accepted.append(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    with http_server.listening("127.0.0.1", 0, _refused) as bound:
        server = await asyncio.start_server(on_connection, sock=bound)
        async with server:
            port = bound.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            async with asyncio.timeout(5):
                while not accepted:
                    await asyncio.sleep(0.01)
            writer.close()

    assert accepted[0] != 0, "TCP_NODELAY is off on accepted connections"
