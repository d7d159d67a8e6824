"""Uvicorn on a socket its owner took first, with signals left to that owner.

The server (``vamp.interfaces.wiring``) and the gateway agent (``vamp.interfaces.agent.process``) both
take their port before anything else starts, so a taken port ends the process at once with a message
that names the option to change (the socket is a TCP one by its protocol too, so answers go out without
Nagle's delay); and both stop on their own ``stop`` event, so uvicorn must not install
signal handlers of its own. The messages are the callers': this module only opens and serves.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator

import uvicorn

from vamp import errors


@contextlib.contextmanager
def listening(
    host: str, port: int, problem: Callable[[OSError], str], *, backlog: int = 1024
) -> Iterator[socket.socket]:
    """A socket listening on ``host``:``port``, closed on exit.

    Raises:
        errors.VampError: the port cannot be taken; ``problem(the OSError)`` is the message.
    """
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol
    # says TCP, and the accepted ones inherit it. With protocol 0 every answer on a kept-alive connection
    # waited ~40 ms for the client's delayed ACK before its body went out.
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind((host, port))
        bound.listen(backlog)
    except OSError as exc:
        bound.close()
        raise errors.VampError(problem(exc)) from exc
    with bound:
        yield bound


class Server(uvicorn.Server):
    """Uvicorn without its own signal handlers: the process that runs it handles SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
