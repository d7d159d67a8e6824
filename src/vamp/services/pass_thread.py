"""The one worker thread where gateway passes do their pure work, so that a pass never holds the event loop.

A pass over a namespace of 10,000 gateways reads thousands of stored documents as models, decides their
ports and selector routes and compiles the plan: seconds of pure work. ``run`` does it here instead of on
the event loop, so the API keeps answering meanwhile (a bulk ``POST`` gets its 202 once it is written,
``/api/v1/info``, event streams and agents' long polls are answered). A thread of its own, not the
reader's (``reader_thread``): a request's body never waits behind a pass. One thread, not a pool: passes
over different namespaces decide one at a time, so the ports one gives are known to the next.
"""

from __future__ import annotations

from vamp.services import worker_threads

run = worker_threads.WorkerThread("vamp-gateway-pass").run
"""``run(work, *args, **kwargs)``: ``work(*args, **kwargs)`` in this thread; its result, or what it raised."""
