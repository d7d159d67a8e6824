"""Virtual host names of gateways (vamp.md §1.9, "Virtual hosts").

Every gateway may be reached on the shared virtual-host port by host name: its own ``virtual_hosts``
plus, when automatic hosts are enabled, one name made from its own name:

| gateway name                 | automatic host                    |
|------------------------------|-----------------------------------|
| ``gateway``                  | ``gateway.vamp``                  |
| ``deployment/port``          | ``port.deployment.vamp``          |
| ``deployment/cluster/port``  | ``port.cluster.deployment.vamp``  |

Each segment has its non-alphanumeric characters replaced by ``-`` (``sava:1.0/9050`` gives
``9050.sava-1-0.vamp``). Host names are case-insensitive, so all names come out in lower case.
"""

from __future__ import annotations

import re

from vamp.core import model

SUFFIX = "vamp"
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]")


def automatic_host(gateway_name: str) -> str | None:
    """The automatic host name of a gateway; ``None`` for a name of more than three segments."""
    segments = gateway_name.lower().split("/")
    if len(segments) > 3:
        return None
    return ".".join([*(_NOT_ALPHANUMERIC.sub("-", segment) for segment in reversed(segments)), SUFFIX])


def virtual_hosts(gateway: model.Gateway, *, automatic: bool = True) -> tuple[str, ...]:
    """Every host name a gateway answers to on the shared port, sorted, without duplicates."""
    names = {host.strip().lower() for host in gateway.virtual_hosts if host.strip()}
    if automatic and gateway.name:
        host = automatic_host(gateway.name)
        if host is not None:
            names.add(host)
    return tuple(sorted(names))
