"""Where the gateway agents are, when they come and go: every address a DNS name has now.

On Kubernetes the agents are the pods of a Deployment, each with its own counters; a Service with a
cluster address would hand each poll to one pod at random and mix their counts. A headless Service
(``clusterIP: None``) answers its name with the address of every ready pod instead, so the server asks
the name again before each poll (``vamp server --agents-dns vamp-gateway-agent-metrics:9090``) and polls
every pod by its own address. A name that cannot be resolved right now is logged once per change of its
problem and gives no agents until it can.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

from vamp import errors

log = logging.getLogger("vamp.metrics")

Resolve = Callable[[str, int], Awaitable[list[str]]]
"""The addresses of a host name (IPv4 or IPv6, as text), for a port."""


async def addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now, through the system's resolver."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in found})


def read_target(text: str) -> tuple[str, int]:
    """``HOST:PORT`` as given to ``--agents-dns``.

    Raises:
        errors.VampError: not a host name and a port from 1 to 65535.
    """
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise errors.VampError(
            f"--agents-dns takes HOST:PORT, the DNS name of a headless Service of the gateway agents and "
            f"their metrics port (vamp-gateway-agent-metrics:9090), not {text!r}."
        )
    return host, int(port)


class DnsAgents:
    """The agents' base URLs, one per address that ``host`` resolves to at each call."""

    def __init__(self, host: str, port: int, *, resolve: Resolve = addresses) -> None:
        self._host = host
        self._port = port
        self._resolve = resolve
        self._problem: str | None = None

    async def __call__(self) -> tuple[str, ...]:
        try:
            found = await self._resolve(self._host, self._port)
        except (OSError, UnicodeError) as exc:
            problem = f"Cannot resolve the gateway agents' name {self._host!r}: {exc}."
            if problem != self._problem:
                log.warning("%s Their metrics are not collected until it resolves.", problem)
            self._problem = problem
            return ()
        if self._problem is not None:
            log.info("The gateway agents' name %r resolves again.", self._host)
            self._problem = None
        return tuple(f"http://{_host_part(address)}:{self._port}" for address in found)


def _host_part(address: str) -> str:
    return f"[{address}]" if isinstance(ipaddress.ip_address(address), ipaddress.IPv6Address) else address
