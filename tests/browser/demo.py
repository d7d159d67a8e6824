"""``vamp up --demo`` for the browser tests, with the demo's gateway on a free port of its own.

The demo's usual port 9050 is fixed; browser tests ask for another (``--demo-port``) so that they can run
beside any other Vamp on this machine, the end-to-end tests' demos included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e import vamp_process


@dataclass(frozen=True)
class Demo:
    vamp: vamp_process.Vamp
    port: int
    """The demo's gateway port: the gateway ``sava/<port>`` routes it to ``sava/sava/webport``."""


@contextlib.contextmanager
def started(folder: Path) -> Iterator[Demo]:
    """A running ``vamp up --demo`` with its home in ``folder``; stopped (by its PID) at the end."""
    port = int(vamp_process.gateway_ports(size=1).split("-")[0])
    with vamp_process.started(folder / "home", "up", "--demo", "--demo-port", str(port)) as vamp:
        yield Demo(vamp, port)
