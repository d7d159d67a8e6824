"""Who hears about the API's writes: the ``Notifier`` protocol the artifact services call after every write.

The artifact and deployment services store what users send and then say what changed; they never wait
for the consequences. The wiring connects a ``Notifier`` to the reconciler (a deployment changed: look
at it again) and to the gateway synchroniser (gateways of a namespace changed: compile a new plan). The
calls are nudges: they return at once, carry no data, and a missed one is healed by the next periodic
pass, because both loops are level-triggered.
"""

from __future__ import annotations

from typing import Protocol


class Notifier(Protocol):
    def deployment_changed(self, namespace: str, name: str) -> None:
        """Deployment ``name`` of ``namespace`` was created, changed or sliced."""
        ...

    def gateways_changed(self, namespace: str) -> None:
        """A gateway of ``namespace`` (free-standing or of a deployment) was created, changed or removed."""
        ...
