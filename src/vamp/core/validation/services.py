"""Rules for the services of a blueprint or deployment (vamp.md §1.4 rules 7–9, §1.8, §1.13).

Each breed once; service variables that the breed declares, with values; dependencies met by another
breed of the blueprint (``mysql:1.*`` matches ``mysql:1.2``) and without cycles, even through
references to breeds of other services; health checks on existing ports; placeholders (``~``) given a
value by the service or the blueprint; scale escalations aimed at an existing cluster. What a breed
given by reference declares is unknown until it is resolved, so rules that need it skip such breeds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from vamp.core import model
from vamp.core.validation import breeds, messages
from vamp.core.validation.problems import Path, Problem

Clusters = Mapping[str, model.Cluster | model.DeploymentCluster]
Service = model.Service | model.DeploymentService


def service_paths(clusters: Clusters) -> list[tuple[Path, str, Service]]:
    """Every service with its path and cluster name, in document order."""
    found: list[tuple[Path, str, Service]] = []
    for name, cluster in clusters.items():
        members: tuple[Service, ...] = cluster.services
        found += [
            (("clusters", name, "services", index), name, service) for index, service in enumerate(members)
        ]
    return found


def service_problems(
    clusters: Clusters, environment: Mapping[str, str | None], *, merging: bool
) -> list[Problem]:
    """The rules of §1.4 7–9 over all services; ``merging`` skips what a deployment may already provide."""
    services = service_paths(clusters)
    problems: list[Problem] = []
    seen: set[str] = set()
    for path, _, service in services:
        if service.breed.name in seen:
            problems.append(Problem((*path, "breed"), messages.multiple_breed(service.breed.name)))
        seen.add(service.breed.name)
        problems += _variable_problems(service, path)
        if isinstance(service.breed, model.Breed):
            problems += breeds.breed_problems(service.breed, (*path, "breed"), cycles=False)
            problems += breeds.health_check_problems(
                service.health_checks, breeds.port_names([service.breed]), (*path, "health_checks")
            )
    names = [service.breed.name for _, _, service in services]
    if not merging:
        problems += _dependency_problems(services, names)
        problems += _placeholder_problems(services, environment)
    problems += _cycle_problems(services, names)
    for name, cluster in clusters.items():
        ports = breeds.port_names(service.breed for service in cluster.services)
        problems += breeds.health_check_problems(
            cluster.health_checks, ports, ("clusters", name, "health_checks")
        )
        problems += _escalation_problems(cluster.sla, name, list(clusters), ("clusters", name, "sla"))
    return problems


def _variable_problems(service: Service, path: Path) -> list[Problem]:
    breed = service.breed
    problems: list[Problem] = []
    for name, value in service.environment_variables.items():
        where = (*path, "environment_variables", name)
        if value is None:
            problems.append(Problem(where, messages.missing_variable_value(name, breed.name)))
        if isinstance(breed, model.Breed) and breed.environment_variable(name) is None:
            names = [var.name for var in breed.environment_variables]
            problems.append(Problem(where, messages.unresolved_variable(name, breeds.label(breed), names)))
    return problems


@lru_cache(maxsize=256)
def _wildcard(name: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in name.split("*")))


def matches(dependency: str, breed: str) -> bool:
    """Whether a dependency on ``dependency`` (``mysql:1.*`` may hold wildcards) is met by ``breed``."""
    return dependency == breed or ("*" in dependency and _wildcard(dependency).fullmatch(breed) is not None)


def _dependency_problems(services: list[tuple[Path, str, Service]], names: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for path, _, service in services:
        breed = service.breed
        if not isinstance(breed, model.Breed):
            continue
        for alias, dependency in breed.dependencies.items():
            if not any(matches(dependency.name, name) for name in names if name != breed.name):
                message = messages.unresolved_dependency(breed.name, alias, dependency.name)
                problems.append(Problem((*path, "breed", "dependencies", alias), message))
    return problems


def _graph(breeds_: Iterable[model.Breed | model.Ref], graph: dict[str, list[str]]) -> None:
    for breed in breeds_:
        if isinstance(breed, model.Breed) and breed.name not in graph:
            graph[breed.name] = [dependency.name for dependency in breed.dependencies.values()]
            _graph(breed.dependencies.values(), graph)


def _cycle_problems(services: list[tuple[Path, str, Service]], names: list[str]) -> list[Problem]:
    """Cycles through the dependencies of all breeds, following names (and wildcards) between services."""
    graph: dict[str, list[str]] = {}
    _graph((service.breed for _, _, service in services), graph)
    known = sorted(set(graph) | set(names))

    def successors(name: str) -> list[str]:
        """What ``name`` depends on; a wildcard does not match the breed that declares it."""
        return [
            target
            for wanted in graph.get(name, [])
            for target in known
            if matches(wanted, target) and (target != name or wanted == name)
        ]

    def cycle(start: str) -> tuple[str, ...] | None:
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        visited: set[str] = set()
        while stack:
            name, trail = stack.pop()
            for target in successors(name):
                if target == start:
                    return (*trail, start)
                if target not in visited:
                    visited.add(target)
                    stack.append((target, (*trail, target)))
        return None

    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for path, _, service in services:
        found = cycle(service.breed.name)
        if found and frozenset(found) not in reported:
            reported.add(frozenset(found))
            message = messages.recursive_dependency(service.breed.name, found)
            problems.append(Problem((*path, "breed", "dependencies"), message))
    return problems


def _placeholder_problems(
    services: list[tuple[Path, str, Service]], environment: Mapping[str, str | None]
) -> list[Problem]:
    problems: list[Problem] = []
    for path, cluster, service in services:
        if not isinstance(service.breed, model.Breed):
            continue
        for var in service.breed.environment_variables:
            given = service.environment_variables.get(var.name)
            if given is None:
                given = environment.get(f"{cluster}.{var.name}")
            if var.value is None and given is None:
                message = messages.unresolved_placeholder(var.name, service.breed.name, cluster)
                problems.append(Problem((*path, "breed", "environment_variables", var.key), message))
    return problems


def _escalation_problems(
    sla: model.Sla | model.SlaReference | model.Ref | None, cluster: str, clusters: list[str], path: Path
) -> list[Problem]:
    if sla is None or isinstance(sla, model.Ref):
        return []
    return _target_problems(sla.escalations, cluster, clusters, (*path, "escalations"))


def _target_problems(
    escalations: Iterable[model.Escalation | model.Ref], cluster: str, clusters: list[str], path: Path
) -> list[Problem]:
    problems: list[Problem] = []
    for index, escalation in enumerate(escalations):
        target = escalation.target if isinstance(escalation, model.ScaleEscalation) else None
        if isinstance(escalation, model.GroupEscalation):
            inner = (*path, index, "escalations")
            problems += _target_problems(escalation.escalations, cluster, clusters, inner)
        elif target is not None and target not in clusters:
            message = messages.unresolved_escalation_target(target, cluster, clusters)
            problems.append(Problem((*path, index, "target"), message))
    return problems
