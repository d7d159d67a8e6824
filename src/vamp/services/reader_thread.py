"""The one worker thread where documents are read, so that reading never holds the event loop.

Reading a request's YAML or JSON and the DSL's walk over it are the API's heaviest pure work: a large
or hostile body (an alias bomb, a body of 50,000 keys) costs tens of milliseconds, bounded by the
loader's limits (``core.dsl.source``). ``run`` does such work here instead of on the event loop. One
thread, not a pool: bodies read at once wait for each other rather than crowd the loop out of the GIL,
so other requests (``/api/v1/info``, event streams, agents' long polls) keep being answered.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vamp-reader")


async def run(work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args, **kwargs)`` in the reader thread; its result, or what it raised."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READER, functools.partial(work, *args, **kwargs))
