"""How large a scale may be on this server: instances, CPU and memory within the server's limits.

Vamp itself puts no bound on a scale, so ``instances: 10^26`` or ``memory: 10^23 GB`` would be stored
and handed to a driver. The server's operator sets the limits (``--max-instances``, ``--max-cpu``,
``--max-memory``); the defaults (1,000 instances, 64 CPUs, 1 TiB) are far above any real service. The
limits are plain arguments: this module reads no settings. Each problem names the path of the value
(``clusters.sava.services[0].scale.instances``), the limit and the flag that raises it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vamp.core import model, units
from vamp.core.validation.problems import Path, Problem

DEFAULT_MAX_INSTANCES = 1000
DEFAULT_MAX_CPU = units.Cpu(64 * 100)
DEFAULT_MAX_MEMORY = units.Memory(1024 * 1024 * 100)
"""1 TiB, as Vamp counts it (``1024Gi``)."""


@dataclass(frozen=True, slots=True)
class ScaleLimits:
    """The largest scale a service may ask for on this server."""

    instances: int = DEFAULT_MAX_INSTANCES
    cpu: units.Cpu = DEFAULT_MAX_CPU
    memory: units.Memory = DEFAULT_MAX_MEMORY


DEFAULT_LIMITS = ScaleLimits()


def scale_problems(artifact: model.Artifact, limits: ScaleLimits) -> list[Problem]:
    """Each value of a scale in ``artifact`` (a scale, or a blueprint's or deployment's services) beyond
    ``limits``."""
    problems: list[Problem] = []
    for path, scale in _scales(artifact):
        if scale.instances > limits.instances:
            problems.append(
                Problem(
                    (*path, "instances"),
                    f"At most {limits.instances:,} instances are allowed on this server, not "
                    f"{scale.instances:,} (the server's --max-instances).",
                )
            )
        if scale.cpu > limits.cpu:
            problems.append(
                Problem(
                    (*path, "cpu"),
                    f"At most {limits.cpu} CPUs are allowed on this server, not {scale.cpu} "
                    "(the server's --max-cpu).",
                )
            )
        if scale.memory > limits.memory:
            problems.append(
                Problem(
                    (*path, "memory"),
                    f"At most {limits.memory} of memory is allowed on this server, not {scale.memory} "
                    "(the server's --max-memory).",
                )
            )
    return problems


def _scales(artifact: model.Artifact) -> Iterator[tuple[Path, model.Scale]]:
    if isinstance(artifact, model.Scale):
        yield (), artifact
        return
    if not isinstance(artifact, model.Blueprint | model.Deployment):
        return
    for cluster_name, cluster in artifact.clusters.items():
        services: tuple[model.Service | model.DeploymentService, ...] = cluster.services
        for index, service in enumerate(services):
            if isinstance(service.scale, model.Scale):
                yield ("clusters", cluster_name, "services", index, "scale"), service.scale
