"""The ports the local driver hands to its instances: picked from a range, checked free, held until released.

A port is free when nothing holds it in this pool and a socket can bind it on the driver's host right now
(without ``SO_REUSEADDR``, so a port some client still waits on in TIME_WAIT is passed over too). Ports
are picked round-robin through the range, so a port just released is not handed out again at once: a
client that still talks to the stopped instance cannot reach its successor by mistake.

Ports of processes adopted from a previous run are ``hold``-ed, never checked: their owners bind them.
Between the check and the bind by the instance's process, another program may take a port; ``renew``
gives an instance that exited fresh ports for those that something else now listens on.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping

from vamp import errors


class PortPool:
    """Ports ``first``–``last`` (inclusive) on ``host``."""

    def __init__(self, host: str, first: int, last: int) -> None:
        if not 0 < first <= last <= 65535:
            raise errors.DriverError(
                f"The port range {first}-{last} is not valid: give two port numbers from 1 to 65535, "
                "the first not above the second."
            )
        self._host = host
        self._first = first
        self._last = last
        self._next = first
        self._held: set[int] = set()

    def take(self, count: int, *, purpose: str) -> tuple[int, ...]:
        """``count`` free ports, held until ``release``; ``purpose`` names the taker in the error.

        Raises:
            errors.DriverError: fewer than ``count`` ports of the range are free.
        """
        taken: list[int] = []
        for port in self._round():
            if len(taken) == count:
                break
            if port not in self._held and self._bindable(port):
                taken.append(port)
                self._next = port + 1 if port < self._last else self._first
        if len(taken) < count:
            raise errors.DriverError(
                f"No free port left for {purpose}: {count} needed, {len(taken)} free in "
                f"{self._first}-{self._last} on {self._host}. Stop services, or give the local driver "
                "a wider port range."
            )
        self._held.update(taken)
        return tuple(taken)

    def renew(self, ports: Mapping[str, int], *, purpose: str) -> dict[str, int]:
        """``ports`` of an instance whose process is gone, with each one another program took replaced.

        Raises:
            errors.DriverError: no free port is left to replace one.
        """
        renewed = dict(ports)
        for name, port in ports.items():
            if not self._bindable(port, reuse_address=True):
                (renewed[name],) = self.take(1, purpose=purpose)
                self.release([port])
        return renewed

    def hold(self, ports: Iterable[int]) -> None:
        """Mark ports as taken without checking them: their processes run already."""
        self._held.update(ports)

    def release(self, ports: Iterable[int]) -> None:
        self._held.difference_update(ports)

    def _round(self) -> Iterable[int]:
        yield from range(self._next, self._last + 1)
        yield from range(self._first, self._next)

    def _bindable(self, port: int, *, reuse_address: bool = False) -> bool:
        """Whether a socket can bind ``port`` now.

        With ``reuse_address`` only a listening socket prevents it, not the connections in TIME_WAIT an
        instance's previous process left behind.
        """
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if reuse_address:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self._host, port))
            except OSError:
                return False
        return True
