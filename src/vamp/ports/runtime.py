"""The runtime driver port: run, observe and remove deployment services; list what selectors can see.

Implemented by ``vamp.adapters.local`` (processes on this machine) and ``vamp.adapters.kubernetes``.
Every method is idempotent: deploying a spec that already runs changes nothing, undeploying what is gone
is not an error. Failures to act raise ``errors.DriverError`` naming the service and the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from vamp.core import model, runtime


class RuntimeDriver(Protocol):
    name: str
    """``local`` or ``kubernetes``: shown in ``/api/v1/info`` and matched against dialects."""

    async def services(self, namespace: str) -> Sequence[runtime.ServiceState]:
        """Every deployment service this driver runs in ``namespace``, as it is now."""
        ...

    async def deploy(self, spec: runtime.ServiceSpec) -> None:
        """Make the service run as ``spec`` says: create it, or replace instances whose digest differs."""
        ...

    async def undeploy(self, key: runtime.ServiceKey) -> None:
        """Stop and remove every instance of the service."""
        ...

    async def instances(self) -> Sequence[model.ObservedInstance]:
        """Everything selectors may route to: Vamp's own instances and anything else the driver can see."""
        ...

    def changes(self) -> AsyncIterator[None]:
        """Yields whenever what ``services`` or ``instances`` report may have changed (a wake-up, no data)."""
        ...

    async def close(self) -> None:
        """Release the driver's resources; the local driver also stops the processes it started."""
        ...
