"""What the runtime reports: instances (processes, pods, services) with the facts selectors match on.

These are Vamp's "routing groups" (vamp.md §1.10, §5): every container of every pod and every service
the driver can see, with labels, namespace and image. Instances that belong to a Vamp deployment say
which deployment, cluster and service, so 4-segment route paths find them.
"""

from __future__ import annotations

from typing import Literal

from vamp.core.model.base import Model


class ObservedPort(Model):
    number: int
    name: str | None = None


class ObservedInstance(Model):
    name: str
    ip: str
    ports: tuple[ObservedPort, ...] = ()
    kind: Literal["container", "service"] = "container"
    namespace: str = "default"
    image: str | None = None
    labels: dict[str, str] = {}
    ready: bool = True
    deployment: str | None = None
    cluster: str | None = None
    service: str | None = None

    def port(self, name: str) -> ObservedPort | None:
        return next((port for port in self.ports if port.name == name), None)
