"""Resolving a blueprint's references against stored artifacts, and splitting out its inline breeds.

Vamp resolves references lazily, when a blueprint is deployed (vamp.md §1.1, §3.1 step 1): breeds (with
their dependencies), scales, SLAs and escalations, and the routes, conditions and rewrites of cluster
and external gateways. Every reference that cannot be resolved is reported, each at its path. Storing a
blueprint with inline breeds stores those breeds as well (§1.4, last paragraph): ``inline_breeds`` and
``with_breed_references`` give the two halves.

Pure: the caller passes ``lookup``; nothing here reads a store. ``merge.py`` relies on ``unresolved`` to
refuse blueprints that still hold references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vamp import errors
from vamp.core import model
from vamp.core.deployments import messages
from vamp.core.validation import messages as validation_messages
from vamp.core.validation.services import matches

Lookup = Callable[[str, str], model.Artifact | None]
"""``lookup(kind, name)``: the stored artifact of that kind (plural, ``"breeds"``) and name, or ``None``."""

_ESCALATIONS = model.ScaleEscalation | model.GroupEscalation | model.GenericEscalation


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A reference that no stored artifact answered: at ``path``, to ``kind`` ``name``."""

    path: str
    kind: str
    name: str


def resolve_blueprint(blueprint: model.Blueprint, lookup: Lookup) -> model.Blueprint:
    """The blueprint with every reference replaced by the artifact ``lookup`` returns for it.

    A dependency given by reference is first looked for among the blueprint's own breeds (its name may
    hold ``*`` wildcards, ``mysql:1.*``), then in the store by exact name. A wildcard that no breed of
    the blueprint matches stays a reference: merging matches it against the deployment's breeds.

    Raises:
        errors.DslError: one issue per reference that cannot be resolved ("Artifact cannot be found:
            breeds 'sava:1.0.0'."), and per cycle among breed dependencies.
    """
    resolver = _Resolver(lookup)
    resolved = resolver.blueprint(blueprint)
    if resolver.issues:
        raise errors.DslError(resolver.issues)
    return resolved


def unresolved(blueprint: model.Blueprint) -> tuple[Unresolved, ...]:
    """The references a blueprint still holds, in document order.

    Breed dependencies do not count: merging needs only their names, to match the deployment's breeds.
    """
    resolver = _Resolver(lambda kind, name: None, dependencies=False)
    resolver.blueprint(blueprint)
    return tuple(resolver.unresolved)


def inline_breeds(blueprint: model.Blueprint) -> list[model.Breed]:
    """The breeds given inline in the blueprint (also as dependencies), to be stored on their own.

    Each comes with its inline dependencies replaced by references, and once (the first of a name wins).
    """
    found: dict[str, model.Breed] = {}
    for cluster in blueprint.clusters.values():
        for service in cluster.services:
            _collect(service.breed, found)
    return list(found.values())


def with_breed_references(blueprint: model.Blueprint) -> model.Blueprint:
    """The blueprint with every inline service breed replaced by a reference to it by name."""
    clusters = {
        name: cluster.model_copy(
            update={
                "services": tuple(
                    service.model_copy(update={"breed": model.Ref(name=service.breed_name)})
                    for service in cluster.services
                )
            }
        )
        for name, cluster in blueprint.clusters.items()
    }
    return blueprint.model_copy(update={"clusters": clusters})


def _collect(breed: model.Breed | model.Ref, found: dict[str, model.Breed]) -> None:
    if isinstance(breed, model.Ref) or breed.name in found:
        return
    dependencies = {
        alias: model.Ref(name=dependency.name) for alias, dependency in breed.dependencies.items()
    }
    found[breed.name] = breed.model_copy(update={"dependencies": dependencies})
    for dependency in breed.dependencies.values():
        _collect(dependency, found)


def _join(path: str, key: str) -> str:
    """``path.key``, or ``path['key']`` when the key holds characters a dotted path cannot show."""
    if any(character in key for character in ". []"):
        return f"{path}['{key}']"
    return f"{path}.{key}" if path else key


class _Resolver:
    """One walk over a blueprint that replaces references and records every one it cannot resolve."""

    def __init__(self, lookup: Lookup, *, dependencies: bool = True) -> None:
        self._lookup = lookup
        self._follow_dependencies = dependencies
        self._local: tuple[model.Breed, ...] = ()
        self.issues: list[errors.Issue] = []
        self.unresolved: list[Unresolved] = []

    def blueprint(self, blueprint: model.Blueprint) -> model.Blueprint:
        # Service breeds first: they may satisfy the dependencies of each other.
        clusters = {
            name: self._service_breeds(cluster, _join("clusters", name))
            for name, cluster in blueprint.clusters.items()
        }
        self._local = tuple(
            service.breed
            for cluster in clusters.values()
            for service in cluster.services
            if isinstance(service.breed, model.Breed)
        )
        return blueprint.model_copy(
            update={
                "clusters": {name: self._cluster(c, _join("clusters", name)) for name, c in clusters.items()},
                "gateways": {
                    port: self._gateway(gateway, _join("gateways", port))
                    for port, gateway in blueprint.gateways.items()
                },
            }
        )

    def _fetch(self, kind: str, ref: model.Ref, path: str) -> model.Artifact | None:
        found = self._lookup(kind, ref.name)
        if found is not None and found.kind == kind:
            return found
        self._missing(kind, ref.name, path)
        return None

    def _missing(self, kind: str, name: str, path: str) -> None:
        self.unresolved.append(Unresolved(path, kind, name))
        self.issues.append(errors.Issue(messages.MISSING_ARTIFACT.format(kind=kind, name=name), path))

    def _service_breeds(self, cluster: model.Cluster, path: str) -> model.Cluster:
        services = tuple(
            service.model_copy(
                update={"breed": self._breed(service.breed, f"{path}.services[{index}].breed")}
            )
            for index, service in enumerate(cluster.services)
        )
        return cluster.model_copy(update={"services": services})

    def _breed(self, breed: model.Breed | model.Ref, path: str) -> model.Breed | model.Ref:
        if isinstance(breed, model.Breed):
            return breed
        found = self._fetch("breeds", breed, path)
        return found if isinstance(found, model.Breed) else breed

    def _cluster(self, cluster: model.Cluster, path: str) -> model.Cluster:
        services = tuple(
            service.model_copy(
                update={
                    "breed": self._dependencies(service.breed, f"{path}.services[{index}].breed", ()),
                    "scale": self._scale(service.scale, f"{path}.services[{index}].scale"),
                }
            )
            for index, service in enumerate(cluster.services)
        )
        gateways = {
            port: self._gateway(gateway, _join(f"{path}.gateways", port))
            for port, gateway in cluster.gateways.items()
        }
        sla = self._sla(cluster.sla, f"{path}.sla")
        gateways = self._only_port(services, gateways, f"{path}.gateways")
        return cluster.model_copy(update={"services": services, "gateways": gateways, "sla": sla})

    def _only_port(
        self, services: tuple[model.Service, ...], gateways: dict[str, model.Gateway], path: str
    ) -> dict[str, model.Gateway]:
        """``gateways`` with the short form's (``model.ONLY_PORT``) keyed by the one port of the breeds."""
        only = gateways.get(model.ONLY_PORT)
        breeds = [service.breed for service in services]
        if only is None or not all(isinstance(breed, model.Breed) for breed in breeds):
            return gateways  # an unresolved breed is reported already
        ports = sorted(
            {port.name for breed in breeds if isinstance(breed, model.Breed) for port in breed.ports}
        )
        if len(ports) != 1:
            self.issues.append(errors.Issue(validation_messages.only_port(ports), path))
            return gateways
        return {
            ports[0]: only,
            **{port: gateway for port, gateway in gateways.items() if gateway is not only},
        }

    def _dependencies(
        self, breed: model.Breed | model.Ref, path: str, stack: tuple[str, ...]
    ) -> model.Breed | model.Ref:
        if isinstance(breed, model.Ref) or not self._follow_dependencies:
            return breed
        within = (*stack, breed.name)
        dependencies = {
            alias: self._dependency(dependency, _join(f"{path}.dependencies", alias), within)
            for alias, dependency in breed.dependencies.items()
        }
        return breed.model_copy(update={"dependencies": dependencies})

    def _dependency(
        self, dependency: model.Breed | model.Ref, path: str, stack: tuple[str, ...]
    ) -> model.Breed | model.Ref:
        breed = (
            dependency
            if isinstance(dependency, model.Breed)
            else self._dependency_breed(dependency, stack, path)
        )
        if breed is None:
            return dependency
        if breed.name in stack:
            chain = " -> ".join((*stack[stack.index(breed.name) :], breed.name))
            message = messages.RECURSIVE_DEPENDENCY.format(breed=breed.name, chain=chain)
            self.issues.append(errors.Issue(message, path))
            return dependency
        return self._dependencies(breed, path, stack)

    def _dependency_breed(self, ref: model.Ref, stack: tuple[str, ...], path: str) -> model.Breed | None:
        local = next(
            (breed for breed in self._local if breed.name != stack[-1] and matches(ref.name, breed.name)),
            None,
        )
        if local is not None:
            return local
        if "*" in ref.name:  # a pattern names no stored breed: merging matches it
            return None
        found = self._fetch("breeds", ref, path)
        return found if isinstance(found, model.Breed) else None

    def _scale(self, scale: model.Scale | model.Ref | None, path: str) -> model.Scale | model.Ref | None:
        if not isinstance(scale, model.Ref):
            return scale
        found = self._fetch("scales", scale, path)
        return found if isinstance(found, model.Scale) else scale

    def _sla(
        self, sla: model.Sla | model.SlaReference | model.Ref | None, path: str
    ) -> model.Sla | model.SlaReference | model.Ref | None:
        if sla is None:
            return None
        if isinstance(sla, model.Sla):
            return sla.model_copy(
                update={"escalations": self._escalations(sla.escalations, f"{path}.escalations")}
            )
        found = self._fetch("slas", model.Ref(name=sla.name), path)
        if not isinstance(found, model.Sla):
            return sla
        # A reference with escalations of its own ({reference: s, escalations: [...]}) uses those instead.
        if isinstance(sla, model.SlaReference) and sla.escalations:
            found = found.model_copy(update={"escalations": sla.escalations})
        return self._sla(found, path)

    def _escalations(
        self, escalations: tuple[model.Escalation | model.Ref, ...], path: str, stack: tuple[str, ...] = ()
    ) -> tuple[model.Escalation | model.Ref, ...]:
        return tuple(
            self._escalation(escalation, f"{path}[{index}]", stack)
            for index, escalation in enumerate(escalations)
        )

    def _escalation(
        self, escalation: model.Escalation | model.Ref, path: str, stack: tuple[str, ...]
    ) -> model.Escalation | model.Ref:
        if isinstance(escalation, model.Ref):
            if escalation.name in stack:
                self.issues.append(
                    errors.Issue(messages.RECURSIVE_ESCALATION.format(name=escalation.name), path)
                )
                return escalation
            found = self._fetch("escalations", escalation, path)
            if not isinstance(found, _ESCALATIONS):
                return escalation
            return self._escalation(found, path, (*stack, escalation.name))
        if isinstance(escalation, model.GroupEscalation):
            nested = self._escalations(escalation.escalations, f"{path}.escalations", stack)
            return escalation.model_copy(update={"escalations": nested})
        return escalation

    def _gateway(self, gateway: model.Gateway, path: str) -> model.Gateway:
        routes = {
            key: self._route(route, _join(f"{path}.routes", key)) for key, route in gateway.routes.items()
        }
        return gateway.model_copy(update={"routes": routes})

    def _route(self, route: model.Route | model.Ref, path: str) -> model.Route | model.Ref:
        if isinstance(route, model.Ref):
            found = self._fetch("routes", route, path)
            if not isinstance(found, model.Route):
                return route
            route = found
        condition = route.condition
        if isinstance(condition, model.Ref):
            found = self._fetch("conditions", condition, f"{path}.condition")
            condition = found if isinstance(found, model.Condition) else condition
        rewrites = tuple(
            self._rewrite(rewrite, f"{path}.rewrites[{index}]")
            for index, rewrite in enumerate(route.rewrites)
        )
        return route.model_copy(update={"condition": condition, "rewrites": rewrites})

    def _rewrite(self, rewrite: model.Rewrite | model.Ref, path: str) -> model.Rewrite | model.Ref:
        if not isinstance(rewrite, model.Ref):
            return rewrite
        found = self._fetch("rewrites", rewrite, path)
        return found if isinstance(found, model.Rewrite) else rewrite
