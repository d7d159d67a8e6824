"""Ending the local driver's background tasks: cancel one, and wait until it has ended.

Waiting must not swallow a cancellation of the waiter itself (a server shutting down while a service
stops): a worker that swallowed it would go on working, and whoever cancelled it would wait forever.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and return once it has ended; raises ``CancelledError`` only when the caller is
    cancelled meanwhile, and whatever else the task raised on its way out."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
