"""The one worker thread where gateway passes do their pure work, so that a pass never holds the event loop.

A pass over a namespace of 10,000 gateways reads thousands of stored documents as models, decides their
ports and selector routes and compiles the plan: seconds of pure work. ``run`` does it here instead of on
the event loop, so the API keeps answering meanwhile (a bulk ``POST`` gets its 202 once it is written,
``/api/v1/info``, event streams and agents' long polls are answered). A thread of its own, not the
reader's (``reader_thread``): a request's body never waits behind a pass. One thread, not a pool: passes
over different namespaces decide one at a time, so the ports one gives are known to the next.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_PASSES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vamp-gateway-pass")


async def run(work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args, **kwargs)`` in the pass thread; its result, or what it raised."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_PASSES, functools.partial(work, *args, **kwargs))
