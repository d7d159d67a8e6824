"""A worker thread: one named thread where pure work runs off the event loop, one piece at a time.

The services keep two: the reader's (``reader_thread``: request bodies and stored documents read as
models) and the gateway passes' (``pass_thread``). One thread each, not a pool: work given at once waits
for its turn rather than crowd the event loop out of the GIL.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class WorkerThread:
    """The thread named ``name`` (started on first use) and the work given to it."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``work(*args, **kwargs)`` in this thread; its result, or what it raised."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(work, *args, **kwargs))
