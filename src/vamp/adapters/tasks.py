"""Ending background tasks: cancel them, and wait until they have ended.

Shared by the adapters that run tasks of their own (the local and Kubernetes drivers, the proxies'
supervision, Envoy's ADS server). Waiting must not swallow a cancellation of the waiter itself (a server
shutting down while a service stops): a waiter that swallowed it would go on working, and whoever
cancelled it would wait forever. It must not invent one either: a waiter already being cancelled (one
cleaning up in a ``finally``) goes on with the rest of its clean-up.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel(*tasks: asyncio.Task[Any]) -> None:
    """Cancel every task and return once each has ended.

    Raises:
        asyncio.CancelledError: the caller was cancelled while it waited.
        Exception: the first thing a task raised on its way out, other than its cancellation, once
            every task has ended.
    """
    current = asyncio.current_task()
    cancelling = current.cancelling() if current is not None else 0
    for task in tasks:
        task.cancel()
    failure: BaseException | None = None
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            # The task's own end, unless a cancellation of the caller came in while it waited.
            if current is not None and current.cancelling() > cancelling:
                raise
        except Exception as exc:  # the others are still waited for; the first failure is raised
            failure = failure or exc
    if failure is not None:
        raise failure
