"""The leadership port: of several servers, exactly one reconciles; the others serve the API and wait.

Services that act on the runtime (the reconciler, the gateway synchroniser) wait for ``wait_until_leader``
and stop acting as soon as ``is_leader`` turns false. On Kubernetes, ``vamp.adapters.kubernetes.lease``
elects the leader through a ``coordination.k8s.io`` Lease; the embedded mode, a single server, uses
``vamp.services.leadership.AlwaysLeader``. Ports hold no logic and import only the core.
"""

from __future__ import annotations

from typing import Protocol


class Leadership(Protocol):
    @property
    def is_leader(self) -> bool:
        """Whether this process leads right now."""
        ...

    async def run(self) -> None:
        """Take part in the election until ``stop`` is called (then give the leadership up at once).

        Cancelling ``run`` instead is a crash: the leadership passes on only when it expires.
        """
        ...

    async def wait_until_leader(self) -> None:
        """Return once this process leads (at once if it does)."""
        ...

    def stop(self) -> None:
        """Ask ``run`` to release the leadership and return."""
        ...
