"""The one worker thread where documents are read, so that reading never holds the event loop.

Reading a request's YAML or JSON and the DSL's walk over it are the API's heaviest pure work: a large
or hostile body (an alias bomb, a body of 50,000 keys) costs tens of milliseconds, bounded by the
loader's limits (``core.dsl.source``). ``run`` does such work here instead of on the event loop. One
thread, not a pool: bodies read at once wait for each other rather than crowd the loop out of the GIL,
so other requests (``/api/v1/info``, event streams, agents' long polls) keep being answered.
"""

from __future__ import annotations

from vamp.services import worker_threads

run = worker_threads.WorkerThread("vamp-reader").run
"""``run(work, *args, **kwargs)``: ``work(*args, **kwargs)`` in this thread; its result, or what it raised."""
