"""``vamp up --demo`` for the browser tests, with the demo's gateway on a free port of its own.

The demo's usual port 9050 is fixed; browser tests ask for another (``--demo-port``) so that they can run
beside any other Vamp on this machine, the end-to-end tests' demos included. The port comes from
29000-29999, outside the ranges ``vamp_process.gateway_ports`` gives other Vamps for their gateways
(30000-32767): Envoy binds its listeners with SO_REUSEPORT, so a second Envoy given the same port would
share its requests instead of failing.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e import vamp_process

DEMO_PORTS = range(29000, 30000)


@dataclass(frozen=True)
class Demo:
    vamp: vamp_process.Vamp
    port: int
    """The demo's gateway port: the gateway ``sava/<port>`` routes it to ``sava/sava/webport``."""


@contextlib.contextmanager
def started(folder: Path) -> Iterator[Demo]:
    """A running ``vamp up --demo`` with its home in ``folder``; stopped (by its PID) at the end."""
    port = free_port()
    with vamp_process.started(folder / "home", *arguments(port)) as vamp:
        yield Demo(vamp, port)


def free_port() -> int:
    """A port of DEMO_PORTS nothing is bound to."""
    return next(port for port in random.sample(DEMO_PORTS, 100) if vamp_process.bindable(port))


def arguments(port: int) -> tuple[str, ...]:
    """``vamp up``'s arguments for the demo with its gateway on ``port``."""
    return ("up", "--demo", "--demo-port", str(port))
