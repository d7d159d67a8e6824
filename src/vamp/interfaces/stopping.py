"""How a long-running Vamp process (``vamp server``, ``vamp up``, ``vamp agent``) learns to stop.

SIGTERM and SIGINT set one asyncio event, which the process's parts wait on to shut down in order.
Standard library only: ``vamp.interfaces.cli.server`` imports it, and every command loads that module.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[asyncio.Event]:
    """An event SIGTERM and SIGINT set while the block runs (in the running event loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)
